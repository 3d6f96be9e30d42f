"""Compliance cases of the boot sequence (OCTT TC_001_CS, TC_002_CS), the station running
as on a board (see host_tests/tc.py).
"""
from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

from tc import CentralThread, booted, tc_station, wait_until
from tools.csms import StationLink, utc_now_iso

REJECTED_INTERVAL_S = 3
HEARTBEAT_S = 2


class RejectedThenAccepted(StationLink):
    boots = 0

    @on(Action.boot_notification)
    def on_boot_notification(self, **_):
        RejectedThenAccepted.boots += 1
        if RejectedThenAccepted.boots == 1:
            return call_result.BootNotification(current_time=utc_now_iso(),
                                                interval=REJECTED_INTERVAL_S, status="Rejected")
        return call_result.BootNotification(current_time=utc_now_iso(), interval=HEARTBEAT_S,
                                            status="Accepted")


def test_TC_001_cold_boot_rejected_then_accepted(starter=tc_station):
    RejectedThenAccepted.boots = 0
    with CentralThread(link_class=RejectedThenAccepted) as cs, starter(cs):
        booted(cs)
        boots = cs.request_times("BootNotification")
        assert len(boots) == 2
        # Step 3: the second BootNotification only after the interval of step 2.
        assert boots[1] - boots[0] >= REJECTED_INTERVAL_S - 0.2
        first = cs.requests("StatusNotification")[:3]
        assert sorted(p["connectorId"] for p in first) == [0, 1, 2]
        assert {p["status"] for p in first} == {"Available"}
        # Step 7: Heartbeat every x seconds, x the interval of step 4.
        wait_until(lambda: len(cs.request_times("Heartbeat")) >= 3, 15, "three heartbeats")
        beats = cs.request_times("Heartbeat")
        gaps = [b - a for a, b in zip(beats, beats[1:])]
        assert all(HEARTBEAT_S - 0.3 <= gap <= HEARTBEAT_S + 1.0 for gap in gaps), gaps
        # Nothing but BootNotification before the acceptance.
        actions = [f[2] for f in cs.frames("<-") if f[0] == 2]
        assert actions[:2] == ["BootNotification", "BootNotification"]


def test_TC_002_cold_boot_pending_configuration_then_accepted(starter=tc_station):
    with CentralThread(boot_status="Pending", heartbeat_interval_s=3) as cs, starter(cs):
        wait_until(lambda: cs.answers_to("BootNotification"), 20, "pending boot")
        link = cs.link("CP001")
        listing = cs.run(link.call(call.GetConfiguration()))
        keys = {entry["key"] for entry in listing.configuration_key}
        assert "MeterValueSampleInterval" in keys and "HeartbeatInterval" in keys
        answer = cs.run(link.call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                           value="15")))
        assert answer.status == "Accepted"
        assert cs.requests("StatusNotification") == []  # nothing sent while Pending
        cs.central.boot_status = "Accepted"
        booted(cs)
        boots = cs.request_times("BootNotification")
        assert boots[1] - boots[0] >= 3 - 0.2
        assert {p["status"] for p in cs.requests("StatusNotification")[:3]} == {"Available"}
        listing = cs.run(link.call(call.GetConfiguration(key=["MeterValueSampleInterval"])))
        assert listing.configuration_key[0]["value"] == "15"
