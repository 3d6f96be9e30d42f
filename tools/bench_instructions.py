"""Instructions per OCPP request (issue 23), counted by valgrind's callgrind: machine-independent,
the same count whatever else the machine does. The station frozen into the 32-bit MicroPython
built here (the launcher's --build frozen), at the Core board's 128 KB heap, against the
bundled Central System; the device process runs under callgrind with instrumentation off
(the launcher's STATION_DEVICE_PREFIX), switched on (callgrind_control) only around the
requests counted.

Each row: N requests one after another, each awaited, minus what the idle station runs in the
same time (its event loop and the simulated hardware's polls, measured first); and the bytes
each allocates, the collector paused (the control port's `alloc`), at a 512 KB heap:
- GetConfiguration of one key; of every key;
- TriggerMessage(StatusNotification) and the StatusNotification it brings, answered;
- TriggerMessage(MeterValues) and the MeterValues it brings, answered (a transaction running);
- RemoteStartTransaction with an EV waiting, to its StartTransaction answered.

    .venv/bin/python tools/bench_instructions.py
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import CentralThread, StationProcess, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

from tools.bench_report import figure, not_measured, show  # noqa: E402

HEAP = "128k"
ALLOC_HEAP = "512k"
# Long enough to take in the collections the idle station's own allocations bring (one
# every few seconds): over 3 s the idle rate was 0.5 or 1 M a second as one fell in or not.
IDLE_S = 10
# Issue 23's goal: a tenth of what the station ran when it was filed (1.74 M, 3.47 M, 15.0 M).
BUDGET = {"GetConfiguration, 1 key": 175000, "TriggerMessage(StatusNotification)": 350000,
          "GetConfiguration, all keys": 1500000}
ALLOC_BUDGET = {"GetConfiguration, 1 key": 2048, "GetConfiguration, all keys": 8192}


class Callgrind:
    """The instruction count of the station's device process between zero() and total()."""

    def __init__(self, folder):
        self.folder = folder

    def prefix(self):
        return "valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=%s/out.%%p" \
            % self.folder

    def _control(self, *args):
        subprocess.run(["callgrind_control"] + list(args), capture_output=True, timeout=60)

    def start(self):
        self._control("-i", "on")

    def zero(self):
        self._control("-z")

    def total(self):
        """Instructions since the last zero(): a dump, read back."""
        self._control("-d")
        dumps = sorted(glob.glob(os.path.join(self.folder, "out.*")), key=os.path.getmtime)
        with open(dumps[-1]) as f:
            return int(re.search(r"^(?:totals|summary): (\d+)", f.read(), re.M).group(1))


def counted(grind, idle_per_s, repetitions, one):
    """Instructions per `one()` run `repetitions` times, the idle station's share taken off."""
    grind.zero()
    started = time.monotonic()
    for _ in range(repetitions):
        one()
    elapsed_s = time.monotonic() - started
    return max(0, grind.total() - idle_per_s * elapsed_s) / repetitions


def allocated(station, idle_per_s, repetitions, one):
    """Bytes allocated per `one()` (the control port's `alloc`), the idle station's share
    taken off."""
    total = 0
    for _ in range(repetitions):
        assert station.control("alloc start")["ok"]
        started = time.monotonic()
        one()
        elapsed_s = time.monotonic() - started
        total += station.control("alloc stop")["allocatedBytes"] - idle_per_s * elapsed_s
    return max(0, total / repetitions)


def instruction_figures():
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        yield not_measured("instructions per request", "instr", "valgrind is not installed")
    else:
        with tempfile.TemporaryDirectory() as folder:
            grind = Callgrind(folder)
            os.environ["STATION_DEVICE_PREFIX"] = grind.prefix()
            try:
                with CentralThread(heartbeat_interval_s=3600) as cs, StationProcess(
                        cs.url(), extra=["--build", "frozen", "--heap", HEAP],
                        control=True) as station:
                    link = booted(cs)
                    grind.start()
                    grind.zero()
                    time.sleep(IDLE_S)
                    idle_per_s = grind.total() / IDLE_S
                    for name, repetitions, one in plan(cs, station, link):
                        yield _figure(name, "instr", counted(grind, idle_per_s, repetitions,
                                                             one),
                                      "idle %d a second taken off" % idle_per_s)
            finally:
                del os.environ["STATION_DEVICE_PREFIX"]
    # The collector paused for each request: a heap with room for its garbage.
    with CentralThread(heartbeat_interval_s=3600) as cs, StationProcess(
            cs.url(), extra=["--build", "frozen", "--heap", ALLOC_HEAP], control=True) \
            as station:
        link = booted(cs)
        assert station.control("alloc start")["ok"]
        time.sleep(IDLE_S)
        idle_per_s = station.control("alloc stop")["allocatedBytes"] / IDLE_S
        for name, repetitions, one in plan(cs, station, link):
            yield _figure(name, "bytes", allocated(station, idle_per_s, repetitions, one),
                          "idle %d B a second taken off" % idle_per_s)


def booted(cs):
    wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, 180, "the boot")
    return cs.link("CP001")


def plan(cs, station, link):
    """(row, repetitions, one request) in turn, the station made ready for each."""
    def ask(request):
        return cs.run(link.call(request), timeout_s=60)

    def triggered(requested, action, connector_id=None):
        def one():
            seen = len(cs.answers_to(action))
            ask(call.TriggerMessage(requested_message=requested, connector_id=connector_id))
            wait_until(lambda: len(cs.answers_to(action)) > seen, 60, "the " + action)
        return one

    # Enough of each that the collections (one every 16 KB allocated, 0.66 M instructions
    # each) average out: with 10, one key varied by 5 % from run to run.
    yield ("GetConfiguration, 1 key", 40,
           lambda: ask(call.GetConfiguration(key=["HeartbeatInterval"])))
    yield "GetConfiguration, all keys", 10, lambda: ask(call.GetConfiguration())
    yield ("TriggerMessage(StatusNotification)", 20,
           triggered("StatusNotification", "StatusNotification", 1))
    station.control("plug 1")
    cs.wait_status(1, "Preparing", timeout_s=60)
    starts = len(cs.answers_to("StartTransaction"))

    def remote_start():
        ask(call.RemoteStartTransaction(id_tag="BENCH001", connector_id=1))
        wait_until(lambda: len(cs.answers_to("StartTransaction")) > starts, 60,
                   "the StartTransaction")
    yield "RemoteStart -> StartTransaction", 1, remote_start
    cs.wait_status(1, "Charging", timeout_s=60)
    yield "TriggerMessage(MeterValues)", 10, triggered("MeterValues", "MeterValues", 1)


def _figure(name, unit, measured, note):
    budget = (BUDGET if unit == "instr" else ALLOC_BUDGET).get(name)
    return figure("%s: %s" % ("instructions" if unit == "instr" else "allocated", name), unit,
                  {"per_request": int(measured)},
                  budget={"per_request": budget} if budget else None,
                  note="frozen 32-bit, %s heap; %s" % (HEAP if unit == "instr" else ALLOC_HEAP,
                                                       note))


if __name__ == "__main__":
    results = list(instruction_figures())
    for result in results:
        print(show(result))
    print(json.dumps(results))
