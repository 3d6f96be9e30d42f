"""A second, independent validator: the station (MicroPython, the mpy-cross build) against
the npm package ocpp-rpc (pinned in tools/ocpp-rpc/package-lock.json, installed by
`make test`'s set-up with `npm ci`) serving OCPP 1.6 with strictMode on. Every call the
station makes and every answer it gives is checked against ocpp-rpc's own schemas; a
failure shows as a strictValidationFailure (or badMessage) event of tools/ocpp-rpc/server.js.
Its calls are validated before they leave too: the Smart Charging profiles the test sends
are ocpp-rpc's idea of valid as well as the station's.
"""
import shutil
import tempfile
import time

from harness import StationProcess, wait_until
from node_central import NodeCentral
from tc import tc_station
from test_smart_charging_power import EV_VOLTS
from test_tc_smart_charging import DEVIATION_S, NOMINAL_V, expected, profile, unix


def charging(station, connector_id):
    connectors = station.control("status")["connectors"]
    return connectors[connector_id].get("transactionId")


def test_session_remote_start_stop_and_configuration_pass_strict_ocpp_rpc():
    server = NodeCentral("tools/ocpp-rpc", "ocpp-rpc")
    state = tempfile.mkdtemp(prefix="station-")
    try:
        with StationProcess(server.url(), "micropython", control=True, state=state,
                            extra=["--build", "mpy"]) as station:
            wait_until(lambda: len(server.calls("StatusNotification")) >= 3, 30,
                       "boot and the first status notifications")
            assert server.first("connected")["protocol"] == "ocpp1.6"
            assert server.send("ChangeConfiguration", {"key": "MeterValueSampleInterval",
                                                       "value": "5"}) == {"status": "Accepted"}
            # A charging session at the reader: plug, tap, meter values, tap, unplug.
            assert station.control("plug 1") == {"ok": True}
            assert station.control("tap STRICT1") == {"ok": True}
            wait_until(lambda: server.calls("StartTransaction"), 15, "StartTransaction")
            wait_until(lambda: len(server.calls("MeterValues")) >= 2, 20, "MeterValues")
            assert station.control("tap STRICT1") == {"ok": True}
            wait_until(lambda: server.calls("StopTransaction"), 15, "StopTransaction")
            assert station.control("unplug 1") == {"ok": True}
            assert server.calls("Authorize")[0] == {"idTag": "STRICT1"}
            # Remote start and stop on the other connector.
            assert station.control("plug 2") == {"ok": True}
            answer = server.send("RemoteStartTransaction", {"idTag": "REMOTE2", "connectorId": 2})
            assert answer == {"status": "Accepted"}
            wait_until(lambda: charging(station, 2), 15, "the remote transaction")
            transaction_id = charging(station, 2)
            answer = server.send("RemoteStopTransaction", {"transactionId": transaction_id})
            assert answer == {"status": "Accepted"}
            wait_until(lambda: len(server.calls("StopTransaction")) >= 2, 15,
                       "the remote StopTransaction")
            assert server.calls("StopTransaction")[-1]["transactionId"] == transaction_id
            # GetConfiguration: every key, then one known and one unknown.
            listing = server.send("GetConfiguration", {})
            keys = {entry["key"] for entry in listing["configurationKey"]}
            assert {"HeartbeatInterval", "MeterValueSampleInterval"} <= keys
            some = server.send("GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey"]})
            assert [e["key"] for e in some["configurationKey"]] == ["HeartbeatInterval"]
            assert some["unknownKey"] == ["NoSuchKey"]
            wait_until(lambda: station.control("status")["queued"] == 0, 15, "all delivered")
            assert not [line for line in station.lines if "Error" in line and
                        ("Traceback" in line or "MemoryError" in line)]
            assert station.alive
        assert server.failures() == []
    finally:
        server.close()
        shutil.rmtree(state, ignore_errors=True)


def composite(server, connector_id, duration, unit):
    """GetCompositeSchedule through ocpp-rpc: (scheduleStart in Unix seconds, [(startPeriod,
    limit)]), the answer checked against the request."""
    answer = server.send("GetCompositeSchedule", {"connectorId": connector_id,
                                                  "duration": duration, "chargingRateUnit": unit})
    schedule = answer["chargingSchedule"]
    assert answer["status"] == "Accepted" and answer["connectorId"] == connector_id
    assert schedule["chargingRateUnit"] == unit and schedule["duration"] == duration
    assert "startSchedule" not in schedule  # errata 3.57: scheduleStart says it
    return unix(answer["scheduleStart"]), [(p["startPeriod"], p["limit"])
                                           for p in schedule["chargingSchedulePeriod"]]


def set_profile(server, connector_id, body):
    return server.send("SetChargingProfile", {"connectorId": connector_id,
                                              "csChargingProfiles": body})["status"]


def test_smart_charging_messages_pass_strict_ocpp_rpc():
    server = NodeCentral("tools/ocpp-rpc", "ocpp-rpc")
    try:
        # The station as the compliance cases run it: the Core board's 32-bit interpreter.
        with tc_station(None, url=server.url()) as station:
            wait_until(lambda: len(server.calls("StatusNotification")) >= 3, 30,
                       "boot and the first status notifications")
            origin = int(time.time()) - DEVIATION_S
            assert set_profile(server, 1, profile(
                101, "TxDefaultProfile", 0, [(0, 16)], "A", 3600, origin)) == "Accepted"
            assert set_profile(server, 0, profile(
                102, "ChargePointMaxProfile", 0, [(0, 32), (300, 20)], "A", 86400,
                origin)) == "Accepted"
            assert station.control("plug 1") == {"ok": True}
            assert station.control("tap STRICT1") == {"ok": True}
            transaction_id = wait_until(lambda: charging(station, 1), 15, "a transaction on 1")
            # A tenth of an ampere too: ocpp-rpc checks multipleOf 0.1 its own way.
            assert set_profile(server, 1, profile(
                103, "TxProfile", 1, [(0, 10), (60, 24.5), (200, 40)], "A", 600, origin,
                transaction_id=transaction_id)) == "Accepted"
            # The TxProfile rules the transaction, capped by the ChargePointMaxProfile.
            ruling = [(0, 10), (60, 24.5), (200, 32), (300, 20)]
            start, periods = composite(server, 1, 400, "A")
            assert periods == expected(origin, start, "A", ruling)
            # In W the same, at the connector's voltage (one voltage for every period).
            start, watts = composite(server, 1, 400, "W")
            volts = round(watts[0][1] / periods[0][1])
            assert volts in EV_VOLTS[1]
            assert watts == [(offset, amperes * volts)
                             for offset, amperes in expected(origin, start, "A", ruling)]
            # Connector 0: the ChargePointMaxProfile at the nominal voltage.
            start, periods = composite(server, 0, 400, "W")
            assert periods == [(max(origin + offset - start, 0), amperes * NOMINAL_V)
                               for offset, amperes in ((0, 32), (300, 20))]
            assert server.send("ClearChargingProfile", {"id": 103}) == {"status": "Accepted"}
            assert composite(server, 1, 400, "A")[1] == [(0, 16)]
            assert server.send("ClearChargingProfile", {}) == {"status": "Accepted"}
            assert server.send("ClearChargingProfile", {}) == {"status": "Unknown"}
            # A remote start with its TxProfile, on connector 2.
            assert station.control("plug 2") == {"ok": True}
            answer = server.send("RemoteStartTransaction", {
                "idTag": "REMOTE2", "connectorId": 2, "chargingProfile": profile(
                    104, "TxProfile", 0, [(0, 8), (120, 12)], "A", 300, kind="Relative")})
            assert answer == {"status": "Accepted"}
            wait_until(lambda: charging(station, 2), 15, "the remote transaction")
            began = unix(server.calls("StartTransaction")[-1]["timestamp"])
            start, periods = composite(server, 2, 200, "A")
            assert periods == expected(began, start, "A", [(0, 8), (120, 12)])
            assert station.alive
        assert server.failures() == []
    finally:
        server.close()
