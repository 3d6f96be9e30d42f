"""Timing figures of the station (MicroPython, mpy-cross build, 256k heap) beside a minimal
`ocpp`-package charge point under CPython (tools/peer_cp.py), against the same bundled
Central System on loopback in the same run (issue 6).

Every time is taken at the frame level from the Central System's traffic record
(tools/csms.py `record`: stamped when a frame is handed to the socket and when it arrives,
before the `ocpp` package validates it). Timing `link.call()` instead would add the Central
System's own schema validation of each answer to the charge point's share.

    .venv/bin/python tools/bench_timing.py
"""
import json
import math
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import CentralThread, StationProcess, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

OURS, PEER = "OURS", "PEER"
HEAP = "256k"
RESPONSE_REQUESTS = 300
REMOTE_REPETITIONS = 30
LOCAL_REPETITIONS = 10
BOOTS = 3
TAG = "BENCH001"
# The reference charger's certified figures, in seconds (averages).
REFERENCE_S = {"response": 0.38, "remote start": 1.59, "remote stop": 1.94}
BUDGET_P99_MS = {"response": 2.0, "remote start": 5.0, "remote stop": 5.0}


def stats(samples_ms):
    ordered = sorted(samples_ms)
    return {"n": len(ordered), "mean": sum(ordered) / len(ordered),
            "p50": ordered[len(ordered) // 2],
            "p99": ordered[math.ceil(0.99 * len(ordered)) - 1], "max": ordered[-1]}


def traffic(cs, identity, start=0):
    """(direction, parsed frame, monotonic time) of one charge point since index `start`."""
    return [(d, json.loads(text), t) for who, d, text, t in cs.central.traffic[start:]
            if who == identity]


def requests_since(cs, identity, start, action):
    """(payload, arrival time) of every `action` request after traffic index `start`."""
    return [(f[3], t) for d, f, t in traffic(cs, identity, start)
            if d == "<-" and f[0] == 2 and f[2] == action]


def request_at(cs, identity, start, action, timeout_s=10, nth=0):
    """(payload, arrival time) of the `nth` `action` request after traffic index `start`."""
    def find():
        found = requests_since(cs, identity, start, action)
        return found[nth] if len(found) > nth else None
    return wait_until(find, timeout_s, "%s %s" % (identity, action))


def sent_at(cs, identity, start, action):
    return next(t for d, f, t in traffic(cs, identity, start)
                if d == "->" and f[0] == 2 and f[2] == action)


def response_times_ms(cs, identity):
    requests = [call.GetConfiguration(), call.GetConfiguration(key=["HeartbeatInterval"]),
                call.ChangeConfiguration(key="HeartbeatInterval", value="60"),
                call.DataTransfer(vendor_id="no.such.vendor"), call.ClearCache()]
    link = cs.link(identity)

    async def one_after_another():
        for n in range(RESPONSE_REQUESTS):
            await link.call(requests[n % len(requests)])

    start = len(cs.central.traffic)
    cs.run(one_after_another(), timeout_s=60)
    sent, samples = {}, []
    for d, frame, t in traffic(cs, identity, start):
        if d == "->" and frame[0] == 2:
            sent[frame[1]] = t
        elif d == "<-" and frame[0] in (3, 4) and frame[1] in sent:
            samples.append((t - sent.pop(frame[1])) * 1000)
    return samples


def remote_times_ms(cs, identity, ready=lambda: None):
    """Remote start -> StartTransaction.req and remote stop -> StopTransaction.req, each
    repetition begun once `ready()` returns."""
    link = cs.link(identity)
    starts, stops = [], []
    for _ in range(REMOTE_REPETITIONS):
        ready()
        start = len(cs.central.traffic)
        cs.run(link.call(call.RemoteStartTransaction(id_tag=TAG, connector_id=1)))
        _, arrived = request_at(cs, identity, start, "StartTransaction")
        starts.append((arrived - sent_at(cs, identity, start, "RemoteStartTransaction")) * 1000)
        # The transaction id is the Central System's answer to that StartTransaction.
        transaction_id = wait_until(lambda: next(
            (f[2]["transactionId"] for d, f, _ in traffic(cs, identity, start)
             if d == "->" and f[0] == 3 and "transactionId" in f[2]), None), 5, "transaction id")
        start = len(cs.central.traffic)
        cs.run(link.call(call.RemoteStopTransaction(transaction_id=transaction_id)))
        _, arrived = request_at(cs, identity, start, "StopTransaction")
        stops.append((arrived - sent_at(cs, identity, start, "RemoteStopTransaction")) * 1000)
    return starts, stops


def connector_1(station):
    return station.control("status")["connectors"][1]


def replug(station):
    """A plugged EV at connector 1 with nothing else going on: where a start is accepted."""
    wait_until(lambda: not connector_1(station).get("transactionId"), 10, "no transaction")
    if connector_1(station)["plugged"]:
        station.control("unplug 1")
        wait_until(lambda: connector_1(station)["status"] == "Available", 10, "Available")
    station.control("plug 1")
    wait_until(lambda: connector_1(station)["status"] == "Preparing", 10, "Preparing")


def local_start_times_ms(cs, station):
    samples = []
    for _ in range(LOCAL_REPETITIONS):
        replug(station)
        start = len(cs.central.traffic)
        tapped = time.monotonic()
        station.control("tap " + TAG)
        _, arrived = request_at(cs, OURS, start, "StartTransaction")
        samples.append((arrived - tapped) * 1000)
        station.control("tap " + TAG)  # the same card stops it (rule 1)
        request_at(cs, OURS, start, "StopTransaction")
    return samples


def boot_times_ms(cs, started, start):
    """Launch -> BootNotification.req and -> the third boot StatusNotification.req."""
    _, boot = request_at(cs, OURS, start, "BootNotification", 30)
    _, last_status = request_at(cs, OURS, start, "StatusNotification", 30, nth=2)
    return (boot - started) * 1000, (last_status - started) * 1000


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def device_pid(launcher_pid):
    """The MicroPython device process the launcher runs (boards/sim/station)."""
    with open("/proc/%d/task/%d/children" % (launcher_pid, launcher_pid)) as children:
        return int(children.read().split()[0])


def measure_ours(cs):
    boots, statuses = [], []
    for n in range(BOOTS):  # a fresh board each time; the last one stays for the rest
        start = len(cs.central.traffic)
        started = time.monotonic()
        station = StationProcess(cs.url(), identity=OURS, control=True,
                                 extra=["--build", "mpy", "--heap", HEAP])
        boot, status = boot_times_ms(cs, started, start)
        boots.append(boot)
        statuses.append(status)
        if n < BOOTS - 1:
            station.stop()
            wait_until(lambda: OURS not in cs.central.links, 10, "the station gone")
    try:
        responses = response_times_ms(cs, OURS)
        starts, stops = remote_times_ms(cs, OURS, lambda: replug(station))
        local = local_start_times_ms(cs, station)
        rss = {"device": rss_kb(device_pid(station.process.pid)),
               "launcher": rss_kb(station.process.pid)}
    finally:
        station.stop()
    return {"response": responses, "remote start": starts, "remote stop": stops,
            "local start": local, "boot": boots, "boot statuses": statuses, "rss": rss}


def measure_peer(cs):
    start = len(cs.central.traffic)
    peer = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "peer_cp.py"),
                             cs.url() + "/" + PEER], cwd=ROOT)
    try:
        request_at(cs, PEER, start, "StatusNotification", 20, nth=2)  # booted
        responses = response_times_ms(cs, PEER)
        starts, stops = remote_times_ms(cs, PEER)
        rss = rss_kb(peer.pid)
    finally:
        peer.terminate()
        peer.wait(5)
    return {"response": responses, "remote start": starts, "remote stop": stops, "rss": rss}


def timing_figures():
    """A list of figures, each a dict: name, unit, ours (a dict of figures), and for the
    measures the peer does too, peer; response/remote start/remote stop also carry
    reference_s, ratio_reference (our mean / the reference), ratio_peer (our p99 / the
    peer's p99), budget_p99_ms and verdict ("PASS" or "FAIL")."""
    with CentralThread(heartbeat_interval_s=300) as cs:
        ours = measure_ours(cs)
        peer = measure_peer(cs)
    figures = []
    for name in ("response", "remote start", "remote stop"):
        mine, theirs = stats(ours[name]), stats(peer[name])
        passed = mine["p99"] <= BUDGET_P99_MS[name] and mine["p99"] <= theirs["p99"]
        figures.append({"name": name, "unit": "ms", "ours": mine, "peer": theirs,
                        "reference_s": REFERENCE_S[name],
                        "ratio_reference": mine["mean"] / (REFERENCE_S[name] * 1000),
                        "ratio_peer": mine["p99"] / theirs["p99"],
                        "budget_p99_ms": BUDGET_P99_MS[name],
                        "verdict": "PASS" if passed else "FAIL"})
    figures.append({"name": "local start", "unit": "ms", "ours": stats(ours["local start"])})
    for name in ("boot", "boot statuses"):
        figures.append({"name": name, "unit": "ms",
                        "ours": {"median": sorted(ours[name])[len(ours[name]) // 2],
                                 "samples": ours[name]}})
    figures.append({"name": "rss", "unit": "kB", "ours": ours["rss"],
                    "peer": {"process": peer["rss"]}})
    return figures


def print_table(figures):
    for figure in figures:
        line = "%-14s %-3s ours %s" % (figure["name"], figure["unit"], _show(figure["ours"]))
        if "peer" in figure:
            line += " | peer %s" % _show(figure["peer"])
        if "verdict" in figure:
            line += " | ours/ref %.4f ours/peer %.2f p99<=%gms %s" % (
                figure["ratio_reference"], figure["ratio_peer"], figure["budget_p99_ms"],
                figure["verdict"])
        print(line)


def main():
    began = time.monotonic()
    print_table(timing_figures())
    print("(%.0f s)" % (time.monotonic() - began))


def _show(values):
    return " ".join("%s=%s" % (k, "%.2f" % v if isinstance(v, float) else
                               ("[%s]" % ",".join("%.0f" % x for x in v)
                                if isinstance(v, list) else v))
                    for k, v in values.items())


if __name__ == "__main__":
    main()
