"""`make bench`: performance figures of the device code under MicroPython.

1. Protocol-core throughput (tools/bench_core.py): WebSocket frames/s in and out, OCPP
   messages decoded + checked + encoded per second.
2. GC heap in use by an idle connected station against the bundled Central System on
   loopback: code loaded from .mpy files (bytecode in RAM) and run in place from a ROMFS
   image (bytecode in flash, as on a board with a ROM partition); and the smallest
   -X heapsize that boots from .mpy files.
"""
import asyncio
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tools.csms import CentralSystem  # noqa: E402

MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")
MPY_DIR = os.path.join(ROOT, "build", "mpy")
ROMFS_IMAGE = os.path.join(ROOT, "build", "station.romfs")


def micropython(args, path, heap=None, timeout_s=60):
    env = dict(os.environ, MICROPYPATH=path)
    heap_args = ["-X", "heapsize=%d" % heap] if heap else []
    return subprocess.run([MICROPYTHON] + heap_args + args, cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout_s)


async def idle_heap(url, heap=None, romfs=()):
    """(in use, free) bytes after boot and heartbeats, or None if it did not get there."""
    try:
        result = await asyncio.to_thread(micropython, ["tools/bench_idle.py", url] + list(romfs),
                                         ".frozen:" + MPY_DIR, heap, 30)
    except subprocess.TimeoutExpired:
        return None
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


if __name__ == "__main__":
    main()
