"""`make bench`: performance figures of the device code under MicroPython.

1. Protocol-core throughput (tools/bench_core.py): WebSocket frames/s in and out, OCPP
   messages decoded + checked + encoded per second.
2. GC heap in use by an idle connected station against the bundled Central System on
   loopback: code loaded from .mpy files (bytecode in RAM) and run in place from a ROMFS
   image (bytecode in flash, as on a board with a ROM partition); and the smallest
   -X heapsize that boots from .mpy files. The simulated hardware runs here, outside the
   device's heap, as the launcher runs it (boards/sim/hardware.py).
3. A charging session on both connectors through the launcher (--build mpy) and its
   control port: heap in use after a collection while both charge with MeterValues, and
   the smallest --heap with which the whole session completes (plug, tap, MeterValues,
   tap, unplug on both) without a MemoryError.
"""
import asyncio
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "lib"))
from boards.sim.hardware import Hardware  # noqa: E402
from tools.csms import CentralSystem  # noqa: E402

MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")
MPY_DIR = os.path.join(ROOT, "build", "mpy")
ROMFS_IMAGE = os.path.join(ROOT, "build", "station.romfs")
SESSION_CHARGE_S = 5  # both connectors charging, MeterValues going out


def micropython(args, path, heap=None, timeout_s=60):
    env = dict(os.environ, MICROPYPATH=path)
    heap_args = ["-X", "heapsize=%d" % heap] if heap else []
    return subprocess.run([MICROPYTHON] + heap_args + args, cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout_s)


async def idle_heap(url, heap=None, romfs=()):
    """(in use, free) bytes after boot and heartbeats, or None if it did not get there."""
    hardware = Hardware()
    server = await hardware.link.serve("127.0.0.1", 0)
    address = "127.0.0.1:%d" % server.sockets[0].getsockname()[1]
    try:
        result = await asyncio.to_thread(micropython,
                                         ["tools/bench_idle.py", url, address] + list(romfs),
                                         ".frozen:" + MPY_DIR, heap, 30)
    except subprocess.TimeoutExpired:
        return None
    finally:
        server.close()
    for line in result.stdout.splitlines():
        if line.startswith("IDLE-HEAP"):
            return tuple(int(n) for n in line.split()[1:])
    return None


async def heap_figures():
    central = CentralSystem(heartbeat_interval_s=1)
    async with central.serve("127.0.0.1", 0) as server:
        url = "ws://127.0.0.1:%d/ocpp/BENCH" % server.sockets[0].getsockname()[1]
        in_use = await idle_heap(url)
        if in_use is None:
            sys.exit("bench: the idle station did not boot")
        print("%-44s %9d bytes" % ("idle connected station, heap, code from .mpy", in_use[0]))
        in_place = await idle_heap(url, romfs=[ROMFS_IMAGE])
        if in_place is None:
            sys.exit("bench: the idle station did not boot from ROMFS")
        print("%-44s %9d bytes" % ("idle connected station, heap, code in ROMFS", in_place[0]))
        low, high = 8 * 1024, 256 * 1024  # bisect to 1 KB: the smallest heap that boots
        while high - low > 1024:
            middle = (low + high) // 2
            if await idle_heap(url, middle):
                high = middle
            else:
                low = middle
        print("%-44s %9d bytes" % ("smallest -X heapsize that boots and idles", high))


def session(cs, heap):
    """Runs a charging session on both connectors through the launcher; returns the heap
    in use while both charge with MeterValues (bytes, after a collection), or None if the
    session did not complete."""
    from harness import StationProcess, wait_until
    from ocpp.v16 import call

    station = StationProcess(cs.url(), "micropython", identity="BENCH", control=True,
                             extra=["--build", "mpy", "--heap", str(heap)])
    try:
        wait_until(lambda: station.control("status")["registration"] == "Accepted", 20, "boot")
        cs.run(cs.link("BENCH").call(call.ChangeConfiguration(
            key="MeterValueSampleInterval", value="5")))
        for connector, tag in ((1, "BENCH1"), (2, "BENCH2")):
            station.control("plug %d" % connector)
            station.control("tap " + tag)
        wait_until(lambda: all(c.get("transactionId") for c in
                               station.control("status")["connectors"][1:]), 15, "charging")
        metered = len(cs.requests("MeterValues"))
        wait_until(lambda: {p["connectorId"] for p in cs.requests("MeterValues")[metered:]}
                   == {1, 2}, 20, "MeterValues of both connectors")
        in_use = station.control("heap")["allocBytes"]
        for tag in ("BENCH1", "BENCH2"):
            station.control("tap " + tag)
        wait_until(lambda: not any(c.get("transactionId") for c in
                                   station.control("status")["connectors"][1:]), 15, "stopped")
        for connector in (1, 2):
            station.control("unplug %d" % connector)
        wait_until(lambda: station.control("status")["queued"] == 0, 15, "all delivered")
        if not station.alive or any("MemoryError" in line for line in station.lines):
            return None
        return in_use
    except Exception as e:  # out of heap: the station died or stopped answering
        if os.environ.get("BENCH_DEBUG"):
            print("bench: session at %d: %s" % (heap, e))
        return None
    finally:
        station.stop()


def session_figures():
    sys.path.insert(0, os.path.join(ROOT, "host_tests"))
    from harness import CentralThread

    with CentralThread(heartbeat_interval_s=30) as cs:
        in_use = session(cs, 512 * 1024)
        if in_use is None:
            sys.exit("bench: the charging session did not complete")
        print("%-44s %9d bytes" % ("charging on both connectors, heap in use", in_use))
        low, high = 64 * 1024, 512 * 1024  # bisect to 4 KB: the smallest heap for the session
        while high - low > 4096:
            middle = (low + high) // 2
            if session(cs, middle) is not None:
                high = middle
            else:
                low = middle
        print("%-44s %9d bytes" % ("charging session on both connectors, peak heap", high))


def main():
    subprocess.run([sys.executable, "tools/mpy_build.py", MPY_DIR], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "mpremote"), "romfs",
                    "--no-mpy", "-o", ROMFS_IMAGE, "build", MPY_DIR], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    print("MicroPython unix port, %s" % MICROPYTHON)
    cores = micropython(["tools/bench_core.py"], ".frozen:" + MPY_DIR)
    sys.stdout.write(cores.stdout)
    if cores.returncode:
        sys.exit("bench: core benchmark failed:\n" + cores.stderr + cores.stdout)
    asyncio.run(heap_figures())
    session_figures()
    # Response, remote start/stop, local start and boot times, beside a peer charge point on
    # the PyPI ocpp package (tools/peer_cp.py); also kept in build/bench.json.
    from tools.bench_timing import print_table, timing_figures

    timing = timing_figures()
    print_table(timing)
    with open(os.path.join(ROOT, "build", "bench.json"), "w") as f:
        json.dump({"timing": timing}, f, indent=1)


if __name__ == "__main__":
    main()
