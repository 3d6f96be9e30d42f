"""The heap budget of issue #4: the station as a board runs it -- MicroPython, the mpy-cross
build, a 128 KB GC heap -- completes a charging session on both connectors against the
bundled Central System with no MemoryError, and keeps a quarter of its heap free after a
collection while both connectors charge (room for the firmware still being added).

`make bench` prints the figures this checks (heap in use while both connectors charge, the
smallest heap that completes the session).
"""
import pytest
from ocpp.v16 import call

from harness import CentralThread, StationProcess, wait_until

HEAP = "128k"
HEAP_BYTES = 128 * 1024
FREE_SHARE_MIN = 0.25

# Strict: the day the station fits, this test fails as XPASS, and the marker goes (then
# host_tests/tc.py's TC_HEAP follows).
pytestmark = pytest.mark.xfail(
    strict=True, reason="the station does not fit 128k yet: with firmware/ as it is today "
    "an idle station needs about 185 KB after a collection (make bench)")


def session_step(station, predicate, timeout_s, what):
    def alive_and(predicate=predicate):
        assert station.alive, "the station ended:\n" + "\n".join(station.lines[-20:])
        return predicate()
    return wait_until(alive_and, timeout_s, what)


def connectors(station):
    return station.control("status")["connectors"][1:]


def test_charging_on_both_connectors_fits_a_128k_heap():
    with CentralThread(heartbeat_interval_s=5) as cs, \
            StationProcess(cs.url(), "micropython", control=True,
                           extra=["--build", "mpy", "--heap", HEAP]) as station:
        session_step(station, lambda: cs.answers_to("BootNotification"), 30, "boot")
        link = cs.link("CP001")
        assert cs.run(link.call(call.ChangeConfiguration(
            key="MeterValueSampleInterval", value="5"))).status == "Accepted"
        for connector_id, tag in ((1, "HEAP1"), (2, "HEAP2")):
            assert station.control("plug %d" % connector_id) == {"ok": True}
            assert station.control("tap " + tag) == {"ok": True}
        session_step(station, lambda: all(c["transactionId"] for c in connectors(station)), 20,
                     "both charging")
        metered = len(cs.requests("MeterValues"))
        session_step(station, lambda: {p["connectorId"] for p in
                                       cs.requests("MeterValues")[metered:]} == {1, 2}, 20,
                     "MeterValues of both connectors")
        heap = station.control("heap")
        assert heap["ok"] and heap["allocBytes"] + heap["freeBytes"] <= HEAP_BYTES
        free_share = heap["freeBytes"] / (heap["allocBytes"] + heap["freeBytes"])
        for tag in ("HEAP1", "HEAP2"):
            assert station.control("tap " + tag) == {"ok": True}
        session_step(station, lambda: not any(c["transactionId"] for c in connectors(station)),
                     20, "both stopped")
        for connector_id in (1, 2):
            assert station.control("unplug %d" % connector_id) == {"ok": True}
        session_step(station, lambda: station.control("status")["queued"] == 0, 20,
                     "every transaction message delivered")
        assert len(cs.requests("StopTransaction")) == 2
        assert station.alive
        assert not [line for line in station.lines if "MemoryError" in line]
        assert free_share >= FREE_SHARE_MIN, heap
