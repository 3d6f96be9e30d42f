"""The emulated board's figures of `make bench` (issue 18): the station on QEMU's MPS2-AN385
(boards/mps2_an385) through the launcher (`boards/sim/station --board mps2_an385`), against
the bundled Central System over the board's own network (lwIP, QEMU's restricted user
network, the launcher forwarding the Central System's loopback port).

1. Heap, for each firmware (frozen and ROMFS, 128 and 192 KB: the board's heap is fixed per
   build, so there is nothing to bisect) over ws:// and over wss:// at SecurityProfile 2
   (the password, an EC P-256 server certificate for `localhost`, A00.FR.318's suites only,
   TLS 1.2, as host_tests/board/test_sessions_on_board.py does it): the heap free (the
   control port's `heap`, after a collection) once the boot is reported (idle) and the least
   of CHARGING_SAMPLES while both connectors charge, and whether the scripted session of
   tools/bench_heap.py completes on that heap.
2. The issue's budget, one row per build: over wss:// on the 128 KB board, at least a
   quarter of the heap free while both connectors charge.
3. Instructions per OCPP request: QEMU 7.2 counts the instructions it runs with `-icount
   shift=0` and reports the count over QMP (query-replay, which answers in every mode);
   Debian's build takes -plugin but ships no plugin (no libinsn.so). Each count is a
   burst of requests minus the board's background (SysTick, lwIP's timers, the station's
   loop) at the rate measured around it.
"""
import json
import logging
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from certs import issue, make_ca  # noqa: E402
from harness import CentralThread, StationProcess, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

from tools.bench_heap import ScriptedSession  # noqa: E402
from tools.bench_report import figure, not_measured  # noqa: E402
from tools.bench_timing import requests_since  # noqa: E402
from tools.mps2_station import EXTRA_QEMU_ARGS  # noqa: E402

BOARD = ["--board", "mps2_an385"]
KINDS = ("frozen", "romfs", "frozen192", "romfs192")
BOOT_TIMEOUT_S = 30  # the board connects in a few seconds; ROMFS over wss:// at 128 KB never
SAMPLE_INTERVAL_S = 5  # MeterValueSampleInterval: the station's minimum
CHARGING_SAMPLES = 6  # a second apart: one of them near a MeterValues being built
KEY = "0123456789abcdef0123456789abcdef"
# A00.FR.318: at SecurityProfile 2 over TLS 1.2 the station offers these; the server takes
# nothing else (the suites of the board's test).
A00_FR_318_SUITES = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"
BUDGET_HEAP_BYTES = 128 * 1024
BURST = 100  # requests per instruction count
BACKGROUND_S = 3  # the idle stretch measured before and after each burst
logging.getLogger("ocpp").setLevel(logging.CRITICAL)


def build_firmwares():
    """Builds every kind once, one after another, before the stations start side by side
    (each launcher would otherwise rebuild the same folder at once). A kind that fails is
    left out, with why."""
    failed = {}
    for kind in KINDS:
        built = subprocess.run(["sh", os.path.join(ROOT, "tools", "build_board.sh"),
                                os.path.join(ROOT, ".venv"), kind],
                               cwd=ROOT, capture_output=True, text=True, timeout=900)
        if built.returncode:
            failed[kind] = (built.stderr.strip() or "?")[-200:]
    return failed


def board_session(cs, identity, kind, url, extra):
    """The scripted session of tools/bench_heap.py on the board: returns ({"idle",
    "charging"}: heap free in bytes, as far as it got; None when it completed, else the
    step that failed and the station's last words on it)."""
    build, heap = (kind[:-3], "192k") if kind.endswith("192") else (kind, "128k")
    station = StationProcess(url, identity=identity, control=True,
                             extra=BOARD + ["--build", build, "--heap", heap] + list(extra))
    script = ScriptedSession(cs, station, identity, BOOT_TIMEOUT_S)
    free = {}
    try:
        script.booted()
        free["idle"] = script.control("heap")["freeBytes"]
        script.both_charging()
        samples = []
        for _ in range(CHARGING_SAMPLES):
            samples.append(script.control("heap")["freeBytes"])
            time.sleep(1)
        free["charging"] = min(samples)
        script.finish()
        return free, None
    except Exception as e:  # out of heap: the board failed, stopped answering or gave up
        return free, "%s (%s)" % (getattr(e, "args", [""])[0] or type(e).__name__,
                                  last_error(station.lines))
    finally:
        station.stop()


def last_error(lines):
    """The station's last line that says what went wrong, shortened."""
    for line in reversed(lines):
        if any(word in line for word in ("Error", "ENOMEM", "error", "failed", "refused")):
            return " ".join(line.split())[-120:]
    return "nothing on its console"


def heap_figures(tls_args, cs, tls_cs, skip):
    """One figure per firmware and scheme, the sessions run side by side (the boards mostly
    wait for their MeterValues), then the budget rows."""
    wss = tls_cs.url(host="localhost", scheme="wss")
    jobs = [(kind, scheme) for kind in KINDS if kind not in skip for scheme in ("ws", "wss")]

    def run(job):
        kind, scheme = job
        identity = "BOARD-%s-%s" % (kind.upper(), scheme.upper())
        if scheme == "ws":
            return board_session(cs, identity, kind, cs.url(), ())
        return board_session(tls_cs, identity, kind, wss, tls_args)

    with ThreadPoolExecutor(4) as pool:
        results = dict(zip(jobs, pool.map(run, jobs)))
    for kind in KINDS:
        if kind in skip:
            yield not_measured("board heap free, " + kind, "bytes", "not built: " + skip[kind])
            continue
        for scheme in ("ws", "wss"):
            free, failed = results[(kind, scheme)]
            yield figure("board heap free, %s, %s://" % (kind, scheme), "bytes", free,
                         note="session completes" if failed is None
                         else "session fails at %s" % failed)
    for kind in ("frozen", "romfs"):
        if kind in skip:
            continue
        free, failed = results[(kind, "wss")]
        ours = {"charging": free["charging"]} if "charging" in free else {}
        yield figure("board budget, %s 128 KB, wss://" % kind, "bytes", ours,
                     floor={"charging": BUDGET_HEAP_BYTES // 4},
                     note=None if ours else "never charged: " + (failed or "?"))


class Qmp:
    """QEMU's machine protocol on a Unix socket: the count of instructions run so far."""

    def __init__(self, path, timeout_s=10):
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.socket = socket.socket(socket.AF_UNIX)
                self.socket.connect(path)
                break
            except OSError:
                self.socket.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.socket.makefile("rw")
        self.file.readline()  # the greeting
        self.execute("qmp_capabilities")

    def execute(self, command):
        self.file.write(json.dumps({"execute": command}) + "\n")
        self.file.flush()
        while True:
            answer = json.loads(self.file.readline())
            if "return" in answer:
                return answer["return"]
            if "error" in answer:
                raise RuntimeError(answer["error"])
            # else an event: read on

    def icount(self):
        return self.execute("query-replay")["icount"]

    def close(self):
        self.socket.close()


def instruction_figures(cs, folder):
    """Instructions per request on the frozen 128 KB board over ws://: a burst of BURST
    requests, each sent when the last was answered, minus the background the board runs
    idle (its rate over BACKGROUND_S before and after the burst, scaled to the burst's
    wall time: with -icount the idle board's clock follows the host's)."""
    qmp_path = os.path.join(folder, "qmp.sock")
    # The launcher passes the environment on to QEMU's command line (tools/mps2_station.py);
    # set only around this one launch, the heap sessions before it run without.
    os.environ[EXTRA_QEMU_ARGS] = "-icount shift=0 -qmp unix:%s,server=on,wait=off" % qmp_path
    try:
        station = StationProcess(cs.url(), identity="BOARD-ICOUNT", control=True,
                                 extra=BOARD + ["--build", "frozen", "--heap", "128k"])
    finally:
        del os.environ[EXTRA_QEMU_ARGS]
    qmp = None
    try:
        wait_until(lambda: len(requests_since(cs, "BOARD-ICOUNT", 0, "StatusNotification")) >= 3,
                   BOOT_TIMEOUT_S, "the boot statuses")
        wait_until(lambda: station.control("status")["queued"] == 0, 15, "boot reported")
        qmp = Qmp(qmp_path)
        link = cs.link("BOARD-ICOUNT")
        time.sleep(2)  # what the boot left to do (the first heartbeat's answer, the log)
        requests = [("GetConfiguration of one key",
                     lambda: call.GetConfiguration(key=["HeartbeatInterval"])),
                    ("GetConfiguration of every key", lambda: call.GetConfiguration()),
                    ("Heartbeat, triggered", lambda: call.TriggerMessage(
                        requested_message="Heartbeat"))]
        for name, make in requests:
            rates = []
            rates.append(background_rate(qmp))
            count, began = qmp.icount(), time.monotonic()
            for _ in range(BURST):
                if cs.run(link.call(make())) is None:
                    raise RuntimeError("a CALLERROR to " + name)
            count, took = qmp.icount() - count, time.monotonic() - began
            rates.append(background_rate(qmp))
            background = sum(rates) / len(rates) * took
            yield figure("board instructions per request: " + name, "instructions",
                         {"per_request": round((count - background) / BURST),
                          "background_per_s": round(sum(rates) / len(rates))},
                         note="frozen, 128 KB, ws://; %d requests in %.2f s, background "
                              "%.0f %% of the count" % (BURST, took, 100 * background / count))
    except Exception as e:
        yield not_measured("board instructions per request", "instructions", str(e)[:200])
    finally:
        if qmp is not None:
            qmp.close()
        station.stop()


def background_rate(qmp):
    count, began = qmp.icount(), time.monotonic()
    time.sleep(BACKGROUND_S)
    return (qmp.icount() - count) / (time.monotonic() - began)


def board_figures():
    """Every figure of the emulated board, as bench.py's stages yield them."""
    skip = build_firmwares()
    with tempfile.TemporaryDirectory() as folder:
        ca = make_ca()
        ca_path, _ = ca.write(folder, "ca")
        context = issue(ca, "localhost").server_context(folder)
        context.set_ciphers(A00_FR_318_SUITES)
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        identities = ["BOARD-%s-WSS" % kind.upper() for kind in KINDS]
        # A call the station dropped for want of heap fails its session after 3 s, not 10.
        with CentralThread(heartbeat_interval_s=30, response_timeout_s=3) as cs, \
                CentralThread(ssl_context=context, heartbeat_interval_s=30,
                              response_timeout_s=3,
                              passwords={i: KEY for i in identities}) as tls_cs:
            yield from heap_figures(["--password", KEY, "--ca", ca_path], cs, tls_cs, skip)
            if "frozen" not in skip:
                yield from instruction_figures(cs, folder)


if __name__ == "__main__":
    from tools.bench_report import show

    for result in board_figures():
        print(show(result), flush=True)
