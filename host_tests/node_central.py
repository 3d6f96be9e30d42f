"""A Central System written by others, from an npm package, in a node child process on
loopback: tools/ocpp-rpc/server.js, tools/interop/*/server.js. Each prints its events as JSON
lines (tools/interop/common.js describes them) and sends the calls written to its stdin.
"""
import json
import os
import shutil
import subprocess
import threading

from harness import ROOT, wait_until

# Events that mean the implementation refused something the station sent, or printed a line
# that is not an event (a warning, a crash trace).
FAILURES = ("strictValidationFailure", "validationFailure", "rejected", "badMessage", "output")


class NodeCentral:
    """`folder` (from the root) holds server.js and the node_modules that `make test`'s
    set-up installs with npm ci; `package` is the implementation's npm package."""

    def __init__(self, folder, package, heartbeat_s=30):
        server = os.path.join(ROOT, folder, "server.js")
        installed = os.path.isdir(os.path.join(ROOT, folder, "node_modules", package))
        # make test installs it; a missing implementation must fail the run, not skip it.
        assert installed and shutil.which("node"), \
            "%s is not installed: run 'make test' (npm ci in %s)" % (package, folder)
        self.events = []
        self.process = subprocess.Popen(
            ["node", server, "--heartbeat", str(heartbeat_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.port = wait_until(lambda: self.first("listening"), 20, package + " listening")["port"]

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
        """The payloads of the station's `action` calls, in order."""
        return [e["params"] for e in self.all("call", action=action)]

    def start_call(self, action, params):
        """Sends a call to the station, not waiting for its answer."""
        self.process.stdin.write("%s %s\n" % (action, json.dumps(params)))
        self.process.stdin.flush()

    def send(self, action, params, timeout_s=15):
        """Sends a call to the station and waits for its answer (the result payload)."""
        done = len(self.all("result", action=action)) + len(self.all("callError", action=action))
        self.start_call(action, params)
        wait_until(lambda: len(self.all("result", action=action))
                   + len(self.all("callError", action=action)) > done, timeout_s,
                   action + " answer")
        errors = self.all("callError", action=action)
        assert not errors, errors
        return self.all("result", action=action)[-1]["result"]

    def failures(self):
        return [e for e in list(self.events) if e.get("event") in FAILURES]

    def url(self):
        return "ws://127.0.0.1:%d/ocpp" % self.port

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
