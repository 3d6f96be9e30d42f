"""`make bench`: the figures of issue 6 for the station under MicroPython on the sim board,
each printed as it is measured and all kept in build/bench.json with the machine they were
measured on (tools/bench_report.py says what a figure holds).

1. flash: bytes of the .mpy build (build/mpy, schemas.dat included) and of its ROMFS image.
2. protocol-core throughput (tools/bench_core.py, in one MicroPython process), and the heap
   of the security extension idle and while it answers (tools/bench_security_heap.py), from
   ROMFS on the 32-bit interpreter and frozen into 32- and 64-bit ports built here
   (tools/build_micropython.sh).
3. heap (tools/bench_heap.py): the heap in use idle and charging, and the smallest --heap
   that completes a scripted session, from .mpy, from ROMFS and over wss:// (64-bit .mpy,
   and 32-bit ROMFS with the TLS buffers in the heap); the TLS handshake.
4. timing (tools/bench_timing.py): response, triggered message, remote start/stop,
   throughput, local start, boot and memory, beside a peer charge point on the PyPI ocpp
   package (tools/peer_cp.py).
5. fleet (tools/bench_fleet.py): stations one core sustains within the response budget.
6. Smart Charging (tools/bench_smart_charging.py): the heap of eight profiles of 24 periods
   (ROMFS and frozen, 32-bit), GetCompositeSchedule for 24 h over them (frozen 32-bit), and
   SetChargingProfile -> its answer and -> the power stage at the new limit.
7. the Local Authorization List (tools/bench_local_list.py): flash written by a Full update
   of 32 entries and by building 10,000 in updates of 32; the heap of an idle station
   without a list and with 10,000 entries, and of a lookup (ROMFS and frozen, 32-bit); lookup
   times at 10,000 entries (frozen 32-bit, 64-bit, CPython).
8. the emulated board (tools/bench_board.py): heap free idle and while both connectors
   charge, frozen and ROMFS, 128 and 192 KB, over ws:// and wss://, whether the scripted
   session completes; the budget of issue 18; instructions per OCPP request (QEMU -icount).
9. soak (tools/bench_soak.py): a compressed day on the Core board's interpreter and heap;
   the heap, the queue and the journal sampled each simulated hour.
10. instructions per OCPP request (tools/bench_instructions.py), counted by callgrind on the
   frozen 32-bit build at 128 KB.
A budget row says PASS or FAIL; a FAIL never changes the exit status (timings are not tests).
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tools.bench_board import board_figures  # noqa: E402
from tools.bench_fleet import fleet_figure  # noqa: E402
from tools.bench_heap import MICROPYTHON32, heap_figures  # noqa: E402
from tools.bench_instructions import instruction_figures  # noqa: E402
from tools.bench_local_list import local_list_figures  # noqa: E402
from tools.bench_report import figure, not_measured, show  # noqa: E402
from tools.bench_smart_charging import smart_charging_figures  # noqa: E402
from tools.bench_soak import soak_figures  # noqa: E402
from tools.bench_timing import timing_figures  # noqa: E402
from tools.romfs_build import IMAGE, MPY_DIR  # noqa: E402

MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")
FLASH_BUDGET_BYTES = 160 * 1024


def micropython(args, path=".frozen:" + MPY_DIR, interpreter=MICROPYTHON):
    return subprocess.run([interpreter] + args, cwd=ROOT, env=dict(os.environ, MICROPYPATH=path),
                          text=True, capture_output=True, timeout=120)


def machine():
    with open("/proc/cpuinfo") as f:
        cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    with open("/etc/os-release") as f:
        os_name = next(line.split("=", 1)[1].strip().strip('"') for line in f
                       if line.startswith("PRETTY_NAME="))
    version, build, wide = json.loads(micropython([
        "-c", "import json, sys; print(json.dumps([sys.implementation.version, sys.version, "
              "sys.maxsize > 1 << 32]))"]).stdout)
    return {"cpu": cpu, "cores": os.cpu_count(),
            "os": "%s, Linux %s" % (os_name, platform.release()),
            "micropython": "%s (%s), unix port, %s" % (
                ".".join(str(part) for part in version if part != ""),
                build.split("; ")[-1], "64-bit" if wide else "32-bit"),
            "cpython": platform.python_version()}


def cpu_ticks():
    """(stolen, total) clock ticks of every core so far: time the hypervisor gave to others
    while this virtual machine wanted to run lengthens every timing."""
    with open("/proc/stat") as f:
        ticks = [int(n) for n in f.readline().split()[1:]]
    return ticks[7], sum(ticks)


def flash_figure():
    mpy = sum(os.path.getsize(os.path.join(folder, name))
              for folder, _, names in os.walk(MPY_DIR) for name in names)
    return figure("flash", "bytes", {"mpy": mpy, "romfs": os.path.getsize(IMAGE)},
                  budget={"mpy": FLASH_BUDGET_BYTES, "romfs": FLASH_BUDGET_BYTES})


def core_figures():
    cores = micropython(["tools/bench_core.py"])
    if cores.returncode:
        sys.exit("bench: core benchmark failed:\n" + cores.stderr + cores.stdout)
    return [json.loads(line) for line in cores.stdout.splitlines()]


def security_heap_figures():
    """The idle station with the security extension and without it, in two processes: on
    the Core board's 32-bit interpreter (host_tests/tc.py) from the ROMFS image, and frozen
    into unix ports built here, 32-bit as the boards are and 64-bit
    (tools/build_micropython.sh)."""
    from certs import make_ca

    with tempfile.TemporaryDirectory() as folder:
        root_pem, _ = make_ca().write(folder, "root")
        yield security_heap_figure("ROMFS, 32-bit", MICROPYTHON32, IMAGE, folder, root_pem)
        for bits in ("32", "64"):
            how = "frozen, %s-bit" % bits
            built = subprocess.run(["sh", "tools/build_micropython.sh", ".venv", "frozen" + bits],
                                   cwd=ROOT, capture_output=True, text=True, timeout=900)
            if built.returncode:
                yield not_measured("security extension heap, " + how, "bytes",
                                   "not built: " + (built.stderr.strip() or "?")[-200:])
                continue
            yield security_heap_figure(how, built.stdout.split()[-1], "frozen", folder,
                                       root_pem)


def security_heap_figure(how, interpreter, image, folder, root_pem):
    measured, names = {}, {}
    for mode in ("with", "without"):
        state = os.path.join(folder, how.replace(" ", "").replace(",", "-") + mode)
        os.mkdir(state)
        done = subprocess.run(
            [interpreter, "-X", "heapsize=1M", os.path.join(ROOT, "tools",
                                                            "bench_security_heap.py"),
             image, state, mode, root_pem], cwd=ROOT, capture_output=True, text=True,
            timeout=120, env=dict(os.environ, MICROPYPATH=".frozen"))
        if done.returncode:
            sys.exit("bench: security heap (%s) failed:\n%s%s" % (how, done.stderr, done.stdout))
        lines = done.stdout.splitlines()
        measured[mode] = json.loads(lines[-1])
        names[mode] = [name_pools(line) for line in lines if line.startswith("qstr pool:")]
    with_, without = measured["with"], measured["without"]
    ours = dict(with_, idle=with_["idle"] - without["idle"], idle_without=without["idle"],
                idle_names=names["with"][0][0] - names["without"][0][0],
                first_use_names=names["with"][1][0] - names["with"][0][0],
                first_use_name_pools=names["with"][1][1] - names["with"][0][1])
    return figure("security extension heap, " + how, "bytes", ours)


def name_pools(line):
    """(names, bytes of the pools holding them) from a line of micropython.qstr_info():
    `qstr pool: n_pool=6, n_qstr=1222, n_str_data_bytes=13945, n_total_bytes=22953`; the
    total counts the names' text, which from ROMFS or frozen stays in flash."""
    fields = dict(item.strip().split("=") for item in line.split(":", 1)[1].split(","))
    return (int(fields["n_qstr"]),
            int(fields["n_total_bytes"]) - int(fields["n_str_data_bytes"]))


def main():
    began, ticks = time.monotonic(), cpu_ticks()
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "romfs_build.py")], check=True)
    on = machine()
    print("machine: %(cpu)s, %(cores)d cores, %(os)s; MicroPython %(micropython)s" % on)
    figures = []
    for stage in (lambda: [flash_figure()], core_figures, security_heap_figures,
                  heap_figures, timing_figures,
                  lambda: [fleet_figure()], smart_charging_figures, local_list_figures,
                  board_figures, soak_figures, instruction_figures):
        for result in stage():
            figures.append(result)
            print(show(result), flush=True)
    verdicts = [result["verdict"] for result in figures if "verdict" in result]
    stolen, total = (after - before for after, before in zip(cpu_ticks(), ticks))
    on["steal_percent"] = round(100 * stolen / total, 1)
    print("%d PASS, %d FAIL, in %.0f s; CPU time stolen by the hypervisor: %.1f %%" % (
        verdicts.count("PASS"), verdicts.count("FAIL"), time.monotonic() - began,
        on["steal_percent"]))
    with open(os.path.join(ROOT, "build", "bench.json"), "w") as f:
        json.dump({"machine": on, "figures": figures}, f, indent=1)


if __name__ == "__main__":
    main()
