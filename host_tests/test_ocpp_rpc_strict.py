"""A second, independent validator: the station (MicroPython, the mpy-cross build) against
the npm package ocpp-rpc (pinned in tools/ocpp-rpc/package-lock.json, installed by
`make test`'s set-up with `npm ci`) serving OCPP 1.6 with strictMode on. Every call the
station makes and every answer it gives is checked against ocpp-rpc's own schemas; a
failure shows as a strictValidationFailure (or badMessage) event of tools/ocpp-rpc/server.js.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading

from harness import ROOT, StationProcess, wait_until

SERVER_DIR = os.path.join(ROOT, "tools", "ocpp-rpc")
INSTALLED = os.path.isdir(os.path.join(SERVER_DIR, "node_modules", "ocpp-rpc"))



class StrictServer:
    """tools/ocpp-rpc/server.js in a child process: its JSON-line events, calls on stdin."""

    def __init__(self, heartbeat_s=30):
        # make test installs it; a missing validator must fail the run, not skip silently.
        assert INSTALLED and shutil.which("node"), \
            "ocpp-rpc is not installed: run 'make setup' (npm ci in tools/ocpp-rpc)"
        self.events = []
        self.process = subprocess.Popen(
            ["node", os.path.join(SERVER_DIR, "server.js"), "--heartbeat", str(heartbeat_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.port = wait_until(lambda: self.first("listening"), 20, "ocpp-rpc listening")["port"]

    def _read(self):
        for line in self.process.stdout:
            try:
                self.events.append(json.loads(line))
            except ValueError:  # a crash trace: kept as it is, the test shows it
                self.events.append({"event": "output", "line": line.rstrip()})

    def first(self, kind, **match):
        return next(iter(self.all(kind, **match)), None)

    def all(self, kind, **match):
        return [e for e in list(self.events) if e.get("event") == kind
                and all(e.get(k) == v for k, v in match.items())]

    def calls(self, action):
        return [e["params"] for e in self.all("call", action=action)]

    def send(self, action, params):
        """Sends a call to the station and waits for its answer (the result payload)."""
        done = len(self.all("result", action=action)) + len(self.all("callError", action=action))
        self.process.stdin.write("%s %s\n" % (action, json.dumps(params)))
        self.process.stdin.flush()
        wait_until(lambda: len(self.all("result", action=action))
                   + len(self.all("callError", action=action)) > done, 15, action + " answer")
        errors = self.all("callError", action=action)
        assert not errors, errors
        return self.all("result", action=action)[-1]["result"]

    def failures(self):
        return [e for e in self.events
                if e.get("event") in ("strictValidationFailure", "badMessage", "output")]

    def url(self):
        return "ws://127.0.0.1:%d/ocpp" % self.port

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def charging(station, connector_id):
    connectors = station.control("status")["connectors"]
    return connectors[connector_id].get("transactionId")


def test_session_remote_start_stop_and_configuration_pass_strict_ocpp_rpc():
    server = StrictServer()
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
