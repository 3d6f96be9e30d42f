"""The bundled Central System run standalone (tools/csms.py), with a `websockets` client as the
charge point: it answers every CP->CS action of OCPP 1.6 (and the security extension) with a
valid CALLRESULT, and sends the CS->CP calls typed on its standard input.
"""
import json
import os
import re
import subprocess
import sys
import threading

import pytest
from websockets.sync.client import connect

from harness import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = "2026-11-25T10:00:00Z"

CP_TO_CS = {
    "Authorize": {"idTag": "ABC"},
    "BootNotification": {"chargePointVendor": "V", "chargePointModel": "M"},
    "DataTransfer": {"vendorId": "com.example"},
    "DiagnosticsStatusNotification": {"status": "Idle"},
    "FirmwareStatusNotification": {"status": "Idle"},
    "Heartbeat": {},
    "MeterValues": {"connectorId": 1, "meterValue": [
        {"timestamp": NOW, "sampledValue": [{"value": "1234"}]}]},
    "StartTransaction": {"connectorId": 1, "idTag": "ABC", "meterStart": 0, "timestamp": NOW},
    "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    "StopTransaction": {"meterStop": 10, "timestamp": NOW, "transactionId": 1},
    "SecurityEventNotification": {"type": "StartupOfTheDevice", "timestamp": NOW},
    "SignCertificate": {"csr": "-----BEGIN CERTIFICATE REQUEST-----"},
    "LogStatusNotification": {"status": "Idle"},
    "SignedFirmwareStatusNotification": {"status": "Idle"},
}


class CsmsProcess:
    def __init__(self):
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tools", "csms.py"), "--port", "0"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for(r"listening on (ws://\S+)/<identity>")
        self.url = re.search(r"(ws://\S+)/<identity>", line).group(1)

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern, start=0):
        return wait_until(lambda: next((line for line in self.lines[start:]
                                        if re.search(pattern, line)), None), 10,
                          "%r in:\n%s" % (pattern, "\n".join(self.lines[-20:])))

    def command(self, line):
        start = len(self.lines)
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return start

    def stop(self):
        self.process.kill()
        self.process.wait(5)


@pytest.fixture
def csms():
    process = CsmsProcess()
    yield process
    process.stop()


def receive_call(ws, action):
    frame = json.loads(ws.recv(timeout=10))
    assert frame[0] == 2 and frame[2] == action, frame
    return frame


def test_every_cp_to_cs_action_gets_a_callresult(csms):
    with connect(csms.url + "/CP009", subprotocols=["ocpp1.6"]) as ws:
        for number, action in enumerate(sorted(CP_TO_CS)):
            ws.send(json.dumps([2, "m%d" % number, action, CP_TO_CS[action]]))
            answer = json.loads(ws.recv(timeout=10))
            assert answer[:2] == [3, "m%d" % number], (action, answer)
        assert answer  # the last one too
    csms.wait_for(r"CS  CP009 <- .*SignedFirmwareStatusNotification")  # traffic is printed


def test_typed_call_goes_out_and_its_answer_is_printed(csms):
    with connect(csms.url + "/CP009", subprotocols=["ocpp1.6"]) as ws:
        ws.send(json.dumps([2, "b1", "BootNotification", CP_TO_CS["BootNotification"]]))
        ws.recv(timeout=10)
        start = csms.command("list")
        csms.wait_for(r"^CS  stations: CP009$", start)

        start = csms.command('CP009 RemoteStartTransaction {"idTag": "ABC", "connectorId": 1}')
        frame = receive_call(ws, "RemoteStartTransaction")
        assert frame[3] == {"idTag": "ABC", "connectorId": 1}
        ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
        csms.wait_for(r'^CS  CP009 RemoteStartTransaction answered \{"status": "Accepted"\}$',
                      start)

        start = csms.command('CP009 Reset {"type": "Hard"}')
        frame = receive_call(ws, "Reset")
        ws.send(json.dumps([4, frame[1], "NotSupported", "no reset here", {}]))
        csms.wait_for(r'^CS  CP009 Reset CALLERROR NotSupported "no reset here"$', start)

        start = csms.command("CP009 GetConfiguration")  # no payload: an empty object
        frame = receive_call(ws, "GetConfiguration")
        assert frame[3] == {}
        ws.send(json.dumps([3, frame[1], {"configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "60"}]}]))
        csms.wait_for(r"^CS  CP009 GetConfiguration answered .*HeartbeatInterval", start)


@pytest.mark.parametrize("command, error", [
    ('CP009 Reset {"type": "Bogus"}', "Reset payload"),
    ("CP009 Reset {bad json", "not JSON"),
    ('CP009 Reset ["Hard"]', "must be a JSON object"),
    ("CP009 BootNotification {}", "not a Central System -> Charge Point action"),
    ("CP009 Teleport {}", "not a Central System -> Charge Point action"),
    ('CP404 Reset {"type": "Hard"}', "CP404 is not connected"),
    ("nonsense", "expected IDENTITY ACTION"),
])
def test_bad_command_gets_one_line_error_and_nothing_is_sent(csms, command, error):
    with connect(csms.url + "/CP009", subprotocols=["ocpp1.6"]) as ws:
        start = csms.command(command)
        line = csms.wait_for(r"^CS  error: ", start)
        assert error in line
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.2)
    assert csms.process.poll() is None
