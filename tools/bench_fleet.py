"""Fleet figure of `make bench` (issue 6): how many simulated stations one core sustains
while the p99 of a GetConfiguration probe stays within the response budget.

The stations' MicroPython device processes (.mpy build) are pinned to one core; their
launchers, which simulate what is outside a controller (EVs, power stage, meters), the
Central System and this process are left to the scheduler (pinned to the other core too,
they lengthened the probe's tail: p99 2.3 to 4.6 ms with one station, 1.4 to 3.3 ms so).
Each station charges on both connectors with HeartbeatInterval and MeterValueSampleInterval
at their minimum, 5 s. The count doubles (1, 2, 4, ...) up to the first step whose p99
exceeds the budget; at each step the Central System probes the stations in turn for PROBE_S,
one call at a time, timed at the frame level as the response figure is (tools/bench_timing.py).
"""
import asyncio
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import CentralThread, StationProcess, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

from tools.bench_report import figure, not_measured, stats  # noqa: E402
from tools.bench_timing import BUDGET_P99_MS, HEAP, call_times_ms, device_pid  # noqa: E402

STEPS = (1, 2, 4, 8, 16, 32)
PROBE_S = 6  # more than one heartbeat and meter interval of every station
PROBE_GAP_S = 0.002
INTERVAL_S = 5
STATION_CORE = max(os.sched_getaffinity(0))


def fleet_id(n):
    return "FLEET%02d" % n


def charging(cs, identity, station):
    """Boots the station and starts a transaction on each connector."""
    wait_until(lambda: station.control("status", 10)["registration"] == "Accepted", 60,
               identity + " booted")
    cs.run(cs.link(identity).call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                           value=str(INTERVAL_S))))
    for connector_id in (1, 2):
        station.control("plug %d" % connector_id)
        station.control("tap %s-%d" % (identity, connector_id))
        wait_until(lambda: station.control("status", 10)["connectors"][connector_id]
                   .get("transactionId"), 30, "%s charging on %d" % (identity, connector_id))


def probe_ms(cs, identities):
    """GetConfiguration of one key to each station in turn for PROBE_S; the response times."""
    links = [cs.link(identity) for identity in identities]

    async def probe():
        loop = asyncio.get_running_loop()
        end = loop.time() + PROBE_S
        while loop.time() < end:
            for link in links:
                await link.call(call.GetConfiguration(key=["HeartbeatInterval"]))
                await asyncio.sleep(PROBE_GAP_S)

    start = len(cs.central.traffic)
    cs.run(probe(), timeout_s=PROBE_S + 30)
    return [ms for identity in identities for ms in call_times_ms(cs, identity, start)]


def fleet_figure():
    if len(os.sched_getaffinity(0)) < 2:
        return not_measured("fleet on one core", "stations", "fewer than 2 cores")
    stations, steps = [], []
    try:
        with CentralThread(heartbeat_interval_s=INTERVAL_S) as cs:
            for count in STEPS:
                running = len(stations)
                stations += [StationProcess(cs.url(), identity=fleet_id(n), control=True,
                                            extra=["--build", "mpy", "--heap", HEAP])
                             for n in range(running, count)]
                for n in range(running, count):
                    charging(cs, fleet_id(n), stations[n])
                    os.sched_setaffinity(device_pid(stations[n].process.pid), {STATION_CORE})
                step = stats(probe_ms(cs, [fleet_id(n) for n in range(count)]))
                steps.append(dict(step, stations=count))
                if step["p99"] > BUDGET_P99_MS["response"]:
                    break
    finally:
        for station in stations:
            station.stop()
    within = [step["stations"] for step in steps if step["p99"] <= BUDGET_P99_MS["response"]]
    result = figure("fleet on one core", "stations", {"stations": max(within, default=0)},
                    note="p99 ms by count: " + ", ".join(
                        "%d: %.2f" % (step["stations"], step["p99"]) for step in steps))
    result["steps"] = steps
    return result


if __name__ == "__main__":
    from tools.bench_report import show

    print(show(fleet_figure()))
