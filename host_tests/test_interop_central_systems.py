"""Interoperability: the station (MicroPython, the mpy-cross build, security profile 0 on
ws://) against Central Systems that others wrote, from the npm registry, each pinned in the
package-lock.json of its tools/interop/ folder and installed by `make test`'s set-up with
`npm ci`. Each implementation checks the station's calls against its own OCPP 1.6 schemas
and answers one that fails them with a CALLERROR; its schemas also check the station's
answers to our calls. Either shows as a failure event (node_central.FAILURES), and every
test ends by asserting there was none.

Per implementation, on one station: boot, a local session with meter values, remote start
and stop, GetConfiguration and ChangeConfiguration. The README's interoperability table
lists the implementations and what passed.
"""
import json
import shutil
import tempfile

import pytest
from websockets.sync.client import connect

from harness import StationProcess, wait_until
from node_central import NodeCentral

IMPLEMENTATIONS = {
    # id: (folder, npm package, the first transaction id its server.js gives, how it
    #      answers an action it does not know)
    "voltbras-ts-ocpp": ("tools/interop/voltbras-ts-ocpp", "@voltbras/ts-ocpp", 1001,
                         "[ValidationError] action is not valid"),
    "ocpp-ts": ("tools/interop/ocpp-ts", "ocpp-ts", 2001,
                "NotImplemented: Action SecurityEventNotification not found"),
}
# The security whitepaper's SecurityEventNotification (StartupOfTheDevice after each boot)
# is not in OCPP 1.6 itself: these Central Systems answer it as an action they do not know,
# and that answer, to that action alone, is not counted as a failure.
EXTENSION_ACTION = "SecurityEventNotification"
HEARTBEAT_S = 5  # the BootNotification's interval: a few Heartbeats go by in each run
CONNECTORS = (0, 1, 2)


class Run:
    """One implementation's Central System and the station connected to it."""

    def __init__(self, name):
        folder, package, self.first_transaction_id, self.unknown_action = \
            IMPLEMENTATIONS[name]
        self.central = NodeCentral(folder, package, HEARTBEAT_S)
        self.state = tempfile.mkdtemp(prefix="station-")
        self.station = StationProcess(self.central.url(), "micropython", control=True,
                                      state=self.state, extra=["--build", "mpy"])

    def close(self):
        self.station.stop()
        self.central.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def statuses(self, connector_id):
        return [(p["status"], p["errorCode"]) for p in self.central.calls("StatusNotification")
                if p["connectorId"] == connector_id]

    def wait_status(self, connector_id, status, timeout_s=15):
        try:
            self.wait(lambda: self.statuses(connector_id)[-1:] == [(status, "NoError")],
                      timeout_s, "connector %d %s" % (connector_id, status))
        except AssertionError as error:
            raise AssertionError("%s; its statuses: %s" % (error, self.statuses(connector_id)))

    def answered(self, action):
        """(params, answer) of each of the station's `action` calls."""
        return [(e["params"], e["answer"]) for e in self.central.all("call", action=action)]

    def control(self, line):
        assert self.station.control(line) == {"ok": True}, line

    def transaction_on(self, connector_id):
        return self.station.control("status")["connectors"][connector_id].get("transactionId")

    def assert_no_failures(self):
        assert [f for f in self.central.failures()
                if (f["event"], f.get("action"), f.get("error"))
                != ("rejected", EXTENSION_ACTION, self.unknown_action)] == []

    def wait(self, predicate, timeout_s, what):
        """wait_until, but a failure event ends the wait at once and is shown."""
        def done():
            self.assert_no_failures()
            return predicate()
        return wait_until(done, timeout_s, what)

    def check_clean(self):
        """Nothing refused by the implementation, nothing left undelivered, no crash."""
        self.wait(lambda: self.station.control("status")["queued"] == 0, 15, "all delivered")
        assert self.station.alive
        assert not [line for line in self.station.lines
                    if "Traceback" in line or "MemoryError" in line]


def energy_wh(meter_values):
    """The energy register's readings (Wh) in a list of MeterValue objects, in order."""
    return [int(value["value"]) for meter_value in meter_values
            for value in meter_value["sampledValue"]
            if value.get("measurand", "Energy.Active.Import.Register")
            == "Energy.Active.Import.Register" and value.get("unit", "Wh") == "Wh"]


@pytest.fixture(scope="module", params=sorted(IMPLEMENTATIONS))
def run(request):
    """The station booted against one implementation, shared by the tests in order."""
    run = Run(request.param)
    try:
        run.wait(lambda: {p["connectorId"] for p in run.central.calls("StatusNotification")}
                 >= set(CONNECTORS), 30, "boot and a StatusNotification per connector")
        yield run
    finally:
        run.close()


def test_boot_notification_accepted_then_status_notifications(run):
    central = run.central
    assert central.first("connected")["identity"] == "CP001"
    protocol = central.first("connected").get("protocol")
    assert protocol in (None, "ocpp1.6")  # @voltbras/ts-ocpp closes any other at once
    calls = central.all("call")
    assert calls[0]["action"] == "BootNotification"
    boot, answer = run.answered("BootNotification")[0]
    assert boot["chargePointVendor"] and boot["chargePointModel"]
    assert answer["status"] == "Accepted"
    assert run.station.control("status")["registration"] == "Accepted"
    for connector_id in CONNECTORS:
        run.wait_status(connector_id, "Available")
    run.check_clean()


def test_local_session_with_meter_values(run):
    central = run.central
    assert central.send("ChangeConfiguration", {"key": "MeterValueSampleInterval",
                                                "value": "5"}) == {"status": "Accepted"}
    run.control("plug 1")
    run.control("tap INTEROP1")
    run.wait(lambda: run.answered("StartTransaction"), 15, "StartTransaction")
    start, answer = run.answered("StartTransaction")[0]
    transaction_id = answer["transactionId"]
    assert transaction_id == run.first_transaction_id
    assert central.calls("Authorize")[0] == {"idTag": "INTEROP1"}
    assert (start["connectorId"], start["idTag"]) == (1, "INTEROP1")
    run.wait_status(1, "Charging")
    run.wait(lambda: run.transaction_on(1) == transaction_id, 10,
               "the station to take the Central System's transactionId")

    def periodic():
        return [m for m in central.calls("MeterValues")
                if m["connectorId"] == 1 and m.get("transactionId") == transaction_id]
    run.wait(lambda: len(periodic()) >= 2, 20, "two MeterValues of the transaction")
    run.control("tap INTEROP1")
    run.wait(lambda: central.calls("StopTransaction"), 15, "StopTransaction")
    stop = central.calls("StopTransaction")[0]
    assert (stop["transactionId"], stop["idTag"], stop["reason"]) \
        == (transaction_id, "INTEROP1", "Local")
    sampled = energy_wh([v for m in periodic() for v in m["meterValue"]])
    assert start["meterStart"] <= sampled[0] < sampled[-1] <= stop["meterStop"], sampled
    assert sampled == sorted(sampled)
    # The session's register in StopTransaction's transactionData, from meterStart to meterStop.
    in_stop = energy_wh(stop["transactionData"])
    assert in_stop[0] == start["meterStart"] and in_stop[-1] == stop["meterStop"]
    assert in_stop == sorted(in_stop)
    run.control("unplug 1")
    run.wait_status(1, "Available")
    run.check_clean()


def test_remote_start_and_stop(run):
    central = run.central
    run.control("plug 2")
    started = len(central.calls("StartTransaction"))
    answer = central.send("RemoteStartTransaction", {"idTag": "REMOTE2", "connectorId": 2})
    assert answer == {"status": "Accepted"}
    run.wait(lambda: len(central.calls("StartTransaction")) > started, 15,
               "the remote StartTransaction")
    start, given = run.answered("StartTransaction")[-1]
    assert (start["connectorId"], start["idTag"]) == (2, "REMOTE2")
    run.wait(lambda: run.transaction_on(2) == given["transactionId"], 10,
               "the remote transaction")
    run.wait_status(2, "Charging")
    # A transaction the station does not have is refused; the one it has is stopped.
    answer = central.send("RemoteStopTransaction", {"transactionId": given["transactionId"] + 50})
    assert answer == {"status": "Rejected"}
    stopped = len(central.calls("StopTransaction"))
    answer = central.send("RemoteStopTransaction", {"transactionId": given["transactionId"]})
    assert answer == {"status": "Accepted"}
    run.wait(lambda: len(central.calls("StopTransaction")) > stopped, 15,
               "the remote StopTransaction")
    stop = central.calls("StopTransaction")[-1]
    assert (stop["transactionId"], stop["reason"]) == (given["transactionId"], "Remote")
    assert stop["meterStop"] >= start["meterStart"]
    run.control("unplug 2")
    run.wait_status(2, "Available")
    run.check_clean()


def test_get_and_change_configuration(run):
    central = run.central

    def values(keys=None):
        listing = central.send("GetConfiguration", {"key": keys} if keys else {})
        return {e["key"]: (e.get("value"), e["readonly"]) for e in listing["configurationKey"]}

    # The station's Heartbeats, every HEARTBEAT_S from the BootNotification, pass the schemas.
    run.wait(lambda: central.calls("Heartbeat"), HEARTBEAT_S + 10, "a Heartbeat")
    every = values()
    assert every["HeartbeatInterval"] == (str(HEARTBEAT_S), False)  # from BootNotification
    assert every["NumberOfConnectors"] == ("2", True)
    assert every["MeterValueSampleInterval"][1] is False
    assert central.send("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}) \
        == {"status": "Accepted"}
    assert values(["HeartbeatInterval"]) == {"HeartbeatInterval": ("120", False)}
    for key, value, status in (("HeartbeatInterval", "soon", "Rejected"),
                               ("NumberOfConnectors", "3", "Rejected"),
                               ("NoSuchKey", "1", "NotSupported")):
        assert central.send("ChangeConfiguration", {"key": key, "value": value}) \
            == {"status": status}, key
    some = central.send("GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey"]})
    assert [e["key"] for e in some["configurationKey"]] == ["HeartbeatInterval"]
    assert some["unknownKey"] == ["NoSuchKey"]
    none = central.send("GetConfiguration", {"key": ["NoSuchKey"]})
    assert none["unknownKey"] == ["NoSuchKey"] and not none.get("configurationKey")
    assert values(["HeartbeatInterval"]) == {"HeartbeatInterval": ("120", False)}
    run.check_clean()


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_each_implementation_reports_what_breaks_its_schemas(name):
    """The failure events the tests above count on: a charge point of the test's own, on a
    raw WebSocket, sends calls that break OCPP 1.6's schemas and answers a GetConfiguration
    with a payload that does; the implementation must report each one."""
    folder, package, _, _ = IMPLEMENTATIONS[name]
    central = NodeCentral(folder, package)
    try:
        with connect(central.url() + "/FAKE1", subprotocols=["ocpp1.6"],
                     open_timeout=10, close_timeout=2) as cp:
            for number, (action, params) in enumerate((
                    ("BootNotification", {"chargePointVendor": "X"}),  # no chargePointModel
                    ("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                            "status": "Charged"}))):  # not a status
                cp.send(json.dumps([2, str(number), action, params]))
                answer = json.loads(cp.recv(10))
                assert answer[:2] == [4, str(number)], answer
                wait_until(lambda: central.first("rejected", action=action), 10,
                           action + " rejected")
            central.start_call("GetConfiguration", {})
            call = json.loads(cp.recv(10))
            assert call[0] == 2 and call[2] == "GetConfiguration", call
            cp.send(json.dumps([3, call[1], {"configurationKey": [{"key": "K"}]}]))  # no readonly
            wait_until(lambda: central.first("validationFailure", action="GetConfiguration"),
                       10, "GetConfiguration's answer refused")
        assert not central.calls("BootNotification") and not central.calls("StatusNotification")
    finally:
        central.close()
