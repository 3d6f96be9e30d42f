"""Timing figures of the station (MicroPython, mpy-cross build, 384k heap) beside a minimal
`ocpp`-package charge point under CPython (tools/peer_cp.py), against the same bundled
Central System on loopback in the same run (issue 6).

Every time is taken at the frame level from the Central System's traffic record
(tools/csms.py `record`: stamped when a frame is handed to the socket and when it arrives,
before the `ocpp` package validates it). Timing `link.call()` instead would add the Central
System's own schema validation of each answer to the charge point's share.

    .venv/bin/python tools/bench_timing.py
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import CentralThread, StationProcess, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

from tools.bench_report import figure, not_measured, show, stats  # noqa: E402

OURS, PEER = "OURS", "PEER"
# Room above the smallest heap of a session (tools/bench_heap.py, about 270 KB), so that the
# timings are not those of a heap at its limit.
HEAP = "384k"
RESPONSE_REQUESTS = 300
THROUGHPUT_CALLS = 500
TRIGGER_REPETITIONS = 150
TRIGGERED = (("StatusNotification", 1), ("MeterValues", 1), ("Heartbeat", None))
REMOTE_REPETITIONS = 30
STOP_ATTEMPTS = 50
LOCAL_REPETITIONS = 10
BOOTS = 5
TAG = "BENCH001"
# The reference charger's certified figures, in seconds (averages).
REFERENCE_S = {"response": 0.38, "triggered": 1.75, "remote start": 1.59, "remote stop": 1.94}
BUDGET_P99_MS = {"response": 2.0, "triggered": 3.0, "remote start": 5.0, "remote stop": 5.0}


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


def call_times_ms(cs, identity, start):
    """Request sent -> answer received, for every CS->CP call after traffic index `start`."""
    sent, samples = {}, []
    for d, frame, t in traffic(cs, identity, start):
        if d == "->" and frame[0] == 2:
            sent[frame[1]] = t
        elif d == "<-" and frame[0] in (3, 4) and frame[1] in sent:
            samples.append((t - sent.pop(frame[1])) * 1000)
    return samples


def one_after_another(cs, identity, requests, count, validate=True):
    """Sends `count` calls cycling through `requests`, each once the last one is answered."""
    link = cs.link(identity)

    async def calls():
        for n in range(count):
            await link.call(requests[n % len(requests)], skip_schema_validation=not validate)

    cs.run(calls(), timeout_s=60)


def response_times_ms(cs, identity):
    requests = [call.GetConfiguration(), call.GetConfiguration(key=["HeartbeatInterval"]),
                call.ChangeConfiguration(key="HeartbeatInterval", value="60"),
                call.DataTransfer(vendor_id="no.such.vendor"), call.ClearCache()]
    start = len(cs.central.traffic)
    one_after_another(cs, identity, requests, RESPONSE_REQUESTS)
    return call_times_ms(cs, identity, start)


def calls_per_s(cs, identity):
    """Calls answered per second back-to-back (one outstanding, as OCPP-J allows), from the
    first request sent to the last answer received; the Central System skips its schema
    validation here so that its own turnaround weighs as little as it can."""
    requests = [call.GetConfiguration(key=["HeartbeatInterval"]),
                call.ChangeConfiguration(key="HeartbeatInterval", value="60")]
    start = len(cs.central.traffic)
    one_after_another(cs, identity, requests, THROUGHPUT_CALLS, validate=False)
    times = [t for _, _, t in traffic(cs, identity, start)]
    return {"calls": THROUGHPUT_CALLS, "per_s": THROUGHPUT_CALLS / (times[-1] - times[0])}


def trigger_times_ms(cs, identity):
    """TriggerMessage sent -> the message it asks for received, cycling through TRIGGERED;
    a string saying why when the charge point does not accept TriggerMessage."""
    link = cs.link(identity)
    samples = []
    for n in range(TRIGGER_REPETITIONS):
        message, connector_id = TRIGGERED[n % len(TRIGGERED)]
        start = len(cs.central.traffic)
        cs.run(link.call(call.TriggerMessage(requested_message=message,
                                             connector_id=connector_id)))
        answer = next(f for d, f, _ in traffic(cs, identity, start) if d == "<-" and f[0] != 2)
        if answer[0] == 4:
            return "TriggerMessage not supported (CALLERROR %s)" % answer[2]
        if answer[2]["status"] != "Accepted":
            return "TriggerMessage %s answered %s" % (message, answer[2]["status"])
        _, arrived = request_at(cs, identity, start, message)
        samples.append((arrived - sent_at(cs, identity, start, "TriggerMessage")) * 1000)
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
        for attempt in range(STOP_ATTEMPTS):
            start = len(cs.central.traffic)
            stop = call.RemoteStopTransaction(transaction_id=transaction_id)
            if cs.run(link.call(stop)).status == "Accepted":
                break
            time.sleep(0.01)  # Rejected: the transaction id has not reached it yet
        else:
            raise AssertionError("%s rejects RemoteStopTransaction %d" % (identity, transaction_id))
        _, arrived = request_at(cs, identity, start, "StopTransaction")
        stops.append((arrived - sent_at(cs, identity, start, "RemoteStopTransaction")) * 1000)
    return starts, stops


def remote_start_unauthorized_ms(cs, station):
    """Remote start -> StartTransaction.req configured as the peer is: AuthorizeRemoteTxRequests
    false, so no Authorize round trip before the start (ours is true by default, as the
    reference charger's)."""
    link = cs.link(OURS)

    def configure(value):
        answer = cs.run(link.call(call.ChangeConfiguration(key="AuthorizeRemoteTxRequests",
                                                           value=value)))
        assert answer.status == "Accepted", answer

    configure("false")
    try:
        return remote_times_ms(cs, OURS, lambda: replug(station))[0]
    finally:
        configure("true")


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
        measured = measure_both(cs, OURS, lambda: replug(station))
        measured["remote start, as the peer"] = remote_start_unauthorized_ms(cs, station)
        measured.update({"local start": local_start_times_ms(cs, station), "boot": boots,
                         "boot statuses": statuses})
        measured["rss"] = {"device": rss_kb(device_pid(station.process.pid)),
                           "launcher": rss_kb(station.process.pid)}
    finally:
        station.stop()
    return measured


def measure_peer(cs):
    start = len(cs.central.traffic)
    peer = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "peer_cp.py"),
                             cs.url() + "/" + PEER], cwd=ROOT)
    try:
        request_at(cs, PEER, start, "StatusNotification", 20, nth=2)  # booted
        measured = measure_both(cs, PEER)
        measured["rss"] = {"process": rss_kb(peer.pid)}
    finally:
        peer.terminate()
        peer.wait(5)
    return measured


def measure_both(cs, identity, ready=lambda: None):
    """What the station and the peer both do, the same way."""
    measured = {"response": response_times_ms(cs, identity),
                "throughput": calls_per_s(cs, identity),
                "triggered": trigger_times_ms(cs, identity)}
    measured["remote start"], measured["remote stop"] = remote_times_ms(cs, identity, ready)
    return measured


def timing_figures():
    """The figures of tools/bench_report.py, ours beside the peer's where it does the same."""
    with CentralThread(heartbeat_interval_s=300) as cs:
        ours = measure_ours(cs)
        peer = measure_peer(cs)
    figures = []
    for name in ("response", "triggered", "remote start", "remote stop"):
        reasons = [side[name] for side in (ours, peer) if isinstance(side[name], str)]
        if reasons:
            figures.append(not_measured(name, "ms", reasons[0]))
            continue
        figures.append(figure(name, "ms", stats(ours[name]), stats(peer[name]),
                              {"p99": BUDGET_P99_MS[name]}, peer_bound=True,
                              reference_s=REFERENCE_S[name]))
    figures.append(figure("remote start, as the peer", "ms",
                          stats(ours["remote start, as the peer"]), stats(peer["remote start"]),
                          {"p99": BUDGET_P99_MS["remote start"]}, peer_bound=True,
                          note="AuthorizeRemoteTxRequests false on both sides"))
    figures.append(figure("throughput", "calls/s", ours["throughput"], peer["throughput"],
                          note="back-to-back, the Central System's turnaround included"))
    figures.append(figure("local start", "ms", stats(ours["local start"]),
                          note="card tap -> StartTransaction.req, Authorize included"))
    figures.append(figure("boot", "ms", stats(ours["boot"]),
                          note="process start -> BootNotification.req"))
    figures.append(figure("boot statuses", "ms", stats(ours["boot statuses"]),
                          note="process start -> last boot StatusNotification.req"))
    figures.append(figure("rss", "kB", ours["rss"], peer["rss"]))
    return figures


def main():
    began = time.monotonic()
    for result in timing_figures():
        print(show(result))
    print("(%.0f s)" % (time.monotonic() - began))


if __name__ == "__main__":
    main()
