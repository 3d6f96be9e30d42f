"""The Smart Charging figures of `make bench` (docs/performance.md, "Smart Charging"):

1. Heap: tools/bench_smart_charging_heap.py on the Core board's 32-bit interpreter from the
   ROMFS image (host_tests/tc.py) and frozen into the 32-bit unix port built here: an idle
   station with MaxChargingProfilesInstalled (8) profiles of ChargingScheduleMaxPeriods (24)
   periods minus the same station without any, and what their records alone take.
2. GetCompositeSchedule for 24 h over those eight, frozen 32-bit: the station's RPC core from
   the CALL's text to the CALLRESULT's (same script).
3. SetChargingProfile -> the limit at the power stage: the station as the compliance cases run
   it (32-bit, ROMFS, 128 KB), and on the emulated board (frozen, 128 KB, its hardware behind
   its UART), charging on connector 1 through the launcher, the limit moved
   between two values by a TxDefaultProfile; from the CALL leaving the Central System to its
   answer arriving (the station hands the limit to the hardware before it answers), and to
   the control port's first `status` whose `powerW` is at the limit (the power stage takes
   it at its next step, every 250 ms, and ramps down at 480 W/ms), each change sent at a
   random point of that step.

    .venv/bin/python tools/bench_smart_charging.py
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import CentralThread, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

from tools.bench_report import figure, not_measured, stats  # noqa: E402
from tools.bench_timing import call_times_ms  # noqa: E402
from tools.romfs_build import IMAGE  # noqa: E402

from tc import MICROPYTHON32, board_station, charging, tc_station  # noqa: E402

SCRIPT = os.path.join(ROOT, "tools", "bench_smart_charging_heap.py")
PROFILES = 8
LIMIT_CHANGES = 20
LIMITS_W = (40000, 20000)  # what the changes alternate between, both below what the EV takes
STEP_S = 0.25  # the power stage's (boards/sim/hardware.py PHYSICS_STEP_MS)


def run_script(interpreter, image):
    """tools/bench_smart_charging_heap.py's figures (a dict) on `interpreter`, from `image`
    or frozen."""
    with tempfile.TemporaryDirectory() as state:
        done = subprocess.run([interpreter, "-X", "heapsize=1M", SCRIPT, image, state],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, MICROPYPATH=".frozen"))
    if done.returncode:
        sys.exit("bench: smart charging heap (%s) failed:\n%s%s" % (image, done.stderr,
                                                                    done.stdout))
    return json.loads(done.stdout.splitlines()[-1])


def heap_figure(how, measured):
    ours = {key: measured[key] for key in ("idle", "with_profiles", "records", "after_use")}
    ours["per_profile"] = measured["records"] // PROFILES
    return figure("smart charging heap, 8 x 24 periods, " + how, "bytes", ours,
                  note="with_profiles: idle with the eight minus without; records: the "
                       "eight alone, once their code's names are interned")


def frozen32():
    """The 32-bit unix port with the station frozen in, built against the present tree."""
    built = subprocess.run(["sh", "tools/build_micropython.sh", ".venv", "frozen32"], cwd=ROOT,
                           capture_output=True, text=True, timeout=900)
    if built.returncode:
        return None, "not built: " + (built.stderr.strip() or "?")[-200:]
    return built.stdout.split()[-1], None


def heap_and_composite_figures():
    yield heap_figure("ROMFS, 32-bit", run_script(MICROPYTHON32, IMAGE))
    interpreter, why_not = frozen32()
    if interpreter is None:
        yield not_measured("smart charging heap, frozen, 32-bit", "bytes", why_not)
        yield not_measured("GetCompositeSchedule, 24 h, 8 x 24 periods", "ms", why_not)
        return
    measured = run_script(interpreter, "frozen")
    yield heap_figure("frozen, 32-bit", measured)
    yield figure("GetCompositeSchedule, 24 h, 8 x 24 periods", "ms",
                 stats([us / 1000 for us in measured["composite_us"]]),
                 note="frozen 32-bit unix port, CALL text -> CALLRESULT text; %d periods "
                      "answered" % measured["composite_periods"])


def power_at(station, limit_w):
    return station.control("status")["connectors"][1]["powerW"] == limit_w


def limit_times_ms(starter):
    """(SetChargingProfile sent -> answered, -> powerW at the limit) in ms, LIMIT_CHANGES
    times, the limit alternating between LIMITS_W, on the station `starter` starts."""
    answered, powered = [], []
    # Each change at a random point of the power stage's step: right after the last one
    # was seen, it would always wait a whole step.
    phase = random.Random(18)
    with CentralThread(heartbeat_interval_s=300) as cs, starter(cs) as station:
        wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, 30, "the boot")
        link = cs.link("CP001")
        charging(cs, station, 1)
        for n in range(LIMIT_CHANGES):
            limit_w = LIMITS_W[n % 2]
            start = len(cs.central.traffic)
            body = {"chargingProfileId": 1, "stackLevel": 0,
                    "chargingProfilePurpose": "TxDefaultProfile",
                    "chargingProfileKind": "Absolute", "chargingSchedule": {
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit_w}]}}
            time.sleep(phase.random() * STEP_S)
            sent = time.monotonic()
            assert cs.run(link.call(call.SetChargingProfile(
                connector_id=1, cs_charging_profiles=body))).status == "Accepted"
            wait_until(lambda: power_at(station, limit_w), 5, "the power at %d W" % limit_w)
            powered.append((time.monotonic() - sent) * 1000)
            answered.extend(call_times_ms(cs, "CP001", start))
    return answered, powered


def limit_figures():
    for how, starter in (("32-bit ROMFS", tc_station), ("emulated board", board_station)):
        try:
            answered, powered = limit_times_ms(starter)
        except (AssertionError, OSError) as e:
            yield not_measured("SetChargingProfile -> limit, " + how, "ms", str(e)[:200])
            continue
        yield figure("SetChargingProfile -> answer, " + how, "ms", stats(answered),
                     note="the limit is at the hardware link before the answer leaves")
        yield figure("SetChargingProfile -> power at the limit, " + how, "ms", stats(powered),
                     note="polled on the control port; the power stage's 250 ms step, ramp")


def smart_charging_figures():
    yield from heap_and_composite_figures()
    yield from limit_figures()


if __name__ == "__main__":
    from tools.bench_report import show

    for result in smart_charging_figures():
        print(show(result), flush=True)
