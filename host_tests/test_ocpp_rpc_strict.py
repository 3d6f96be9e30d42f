"""A second, independent validator: the station (MicroPython, the mpy-cross build) against
the npm package ocpp-rpc (pinned in tools/ocpp-rpc/package-lock.json, installed by
`make test`'s set-up with `npm ci`) serving OCPP 1.6 with strictMode on. Every call the
station makes and every answer it gives is checked against ocpp-rpc's own schemas; a
failure shows as a strictValidationFailure (or badMessage) event of tools/ocpp-rpc/server.js.
"""
import shutil
import tempfile

from harness import StationProcess, wait_until
from node_central import NodeCentral


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
