"""End to end through the launcher and the control port only: the simulated station under
MicroPython and CPython against the `ocpp`-based Central System (schema validation on).
"""
import pytest
from ocpp.v16 import call

from harness import CentralThread, StationProcess, wait_until

RUNTIMES = ["micropython", "cpython"]


def connector(station, connector_id):
    return station.control("status")["connectors"][connector_id]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_after_boot_a_status_notification_for_every_connector(runtime):
    with CentralThread(heartbeat_interval_s=60) as cs, \
            StationProcess(cs.url(), runtime, control=True) as station:
        wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, 15, "three statuses")
        first = cs.requests("StatusNotification")[:3]
        assert sorted(p["connectorId"] for p in first) == [0, 1, 2]
        assert all(p["status"] == "Available" and p["errorCode"] == "NoError" for p in first)
        assert all(p["timestamp"].endswith("Z") for p in first)
        assert {f[0] for f in cs.answers_to("StatusNotification")} == {3}
        # Nothing but BootNotification went before the acceptance (OCPP 1.6 4.2).
        assert cs.frames("<-")[0][2] == "BootNotification"
        report = station.control("status")
        assert report["ok"] and report["connection"] == "online"
        assert report["registration"] == "Accepted" and report["queued"] == 0
        assert [c["status"] for c in report["connectors"]] == ["Available"] * 3


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_plug_unplug_fault_clear_transitions(runtime):
    with CentralThread(heartbeat_interval_s=60) as cs, \
            StationProcess(cs.url(), runtime, control=True) as station:
        cs.wait_status(2, "Available", timeout_s=15)
        assert station.control("plug 1")["ok"]
        cs.wait_status(1, "Preparing")
        assert connector(station, 1)["plugged"] is True
        assert station.control("fault 2 GroundFailure")["ok"]
        cs.wait_status(2, "Faulted", "GroundFailure")
        assert connector(station, 2)["errorCode"] == "GroundFailure"
        assert station.control("clear 2")["ok"]
        cs.wait_status(2, "Available")
        assert station.control("unplug 1")["ok"]
        cs.wait_status(1, "Available")
        assert cs.statuses(1) == [("Available", "NoError"), ("Preparing", "NoError"),
                                   ("Available", "NoError")]
        assert cs.statuses(2) == [("Available", "NoError"), ("Faulted", "GroundFailure"),
                                   ("Available", "NoError")]
        assert cs.statuses(0) == [("Available", "NoError")]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tap_on_plugged_connector_charges_meters_and_second_tap_stops(runtime):
    with CentralThread(heartbeat_interval_s=60) as cs, \
            StationProcess(cs.url(), runtime, control=True) as station:
        cs.wait_status(2, "Available", timeout_s=15)
        link = cs.link("CP001")
        answer = cs.run(link.call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                           value="5")))
        assert answer.status == "Accepted"
        station.control("ev 1 soc 50")
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        station.control("tap CARD-0001")
        cs.wait_status(1, "Charging")
        assert cs.requests("Authorize") == [{"idTag": "CARD-0001"}]
        start = cs.requests("StartTransaction")[0]
        assert start["connectorId"] == 1 and start["idTag"] == "CARD-0001"
        transaction_id = wait_until(lambda: connector(station, 1)["transactionId"], 5, "tx id")
        assert connector(station, 1)["idTag"] == "CARD-0001"
        meter = wait_until(lambda: cs.requests("MeterValues"), 15, "MeterValues")[0]
        assert meter["transactionId"] == transaction_id and meter["connectorId"] == 1
        measurands = {v["measurand"] for v in meter["meterValue"][0]["sampledValue"]}
        assert {"Energy.Active.Import.Register", "Voltage", "Current.Import", "SoC"} <= measurands
        assert connector(station, 1)["powerW"] > 0
        station.control("tap CARD-0001")
        cs.wait_status(1, "Finishing")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 5, "StopTransaction")[0]
        assert stop["transactionId"] == transaction_id and stop["reason"] == "Local"
        assert stop["idTag"] == "CARD-0001" and stop["meterStop"] > start["meterStart"]
        station.control("unplug 1")
        cs.wait_status(1, "Available")
        assert {f[0] for f in cs.frames("->") if f[0] != 2} == {3}  # every answer a CALLRESULT


def test_tap_first_then_plug_within_connection_timeout_starts_there():
    with CentralThread(heartbeat_interval_s=60) as cs, \
            StationProcess(cs.url(), control=True) as station:
        cs.wait_status(2, "Available", timeout_s=15)
        station.control("tap CARD-0002")
        wait_until(lambda: cs.requests("Authorize"), 5, "Authorize")
        station.control("plug 2")
        cs.wait_status(2, "Charging")
        assert cs.requests("StartTransaction")[0]["connectorId"] == 2
        station.control("ev 2 suspend")
        cs.wait_status(2, "SuspendedEV")
        station.control("ev 2 resume")
        cs.wait_status(2, "Charging")
        station.control("unplug 2")  # StopTransactionOnEVSideDisconnect defaults to true
        cs.wait_status(2, "Available")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 5, "StopTransaction")[0]
        assert stop["reason"] == "EVDisconnected"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boot_rejected_then_accepted_after_the_interval(runtime):
    with CentralThread(heartbeat_interval_s=2, boot_status="Rejected") as cs, \
            StationProcess(cs.url(), runtime, control=True) as station:
        # The answer is sent; the station takes it a moment later.
        wait_until(lambda: station.control("status")["registration"] == "Rejected", 10,
                   "first boot rejected")
        station.control("plug 1")
        station.control("tap CARD-0003")  # never accepted: no charging, no Authorize
        cs.central.boot_status = "Accepted"
        wait_until(lambda: station.control("status")["registration"] == "Accepted", 10,
                   "accepted")
        boots = [f for f in cs.frames("<-") if f[0] == 2]
        assert [f[2] for f in boots[:2]] == ["BootNotification", "BootNotification"]
        cs.wait_status(1, "Preparing")
        assert cs.requests("Authorize") == [] and cs.requests("StartTransaction") == []


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boot_pending_then_accepted(runtime):
    with CentralThread(heartbeat_interval_s=2, boot_status="Pending") as cs, \
            StationProcess(cs.url(), runtime, control=True) as station:
        wait_until(lambda: station.control("status")["registration"] == "Pending", 10,
                   "first boot pending")
        assert cs.requests("StatusNotification") == []
        cs.central.boot_status = "Accepted"
        wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, 10, "statuses")
        assert len(cs.requests("BootNotification")) == 2
