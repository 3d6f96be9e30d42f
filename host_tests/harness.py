"""End-to-end harness: the bundled Central System in a background thread and the simulated
station as a separate process (MicroPython or CPython), both on loopback.
"""
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
# payload_audit is a portable module; tools (make bench) import this harness outside pytest.
sys.path.insert(0, os.path.join(ROOT, "host_tests", "portable"))
from tools.csms import CentralSystem  # noqa: E402
from payload_audit import empty_containers, station_payloads  # noqa: E402

STATION = os.path.join(ROOT, "boards", "sim", "station")


def socat():
    """The socat the set-up installs (tools/setup_socat.sh prints its path): serial ptys for
    the deploy and Modbus tests."""
    done = subprocess.run(["sh", os.path.join(ROOT, "tools", "setup_socat.sh"),
                           os.path.join(ROOT, ".venv")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_until(predicate, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out after %.1f s waiting for %s" % (timeout_s, what))


class CentralThread:
    """A CentralSystem serving on 127.0.0.1 from its own event loop thread; on `port`, or
    on a free one (0). A given port lets a test stop a Central System and start another
    where its stations expect it."""

    def __init__(self, ssl_context=None, port=0, **options):
        self.central = CentralSystem(**options)
        self._ssl_context = ssl_context
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop = None
        self.port = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self):
        self._stop = asyncio.Event()
        async with self.central.serve("127.0.0.1", self._port, self._ssl_context) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("central system did not start")
        return self

    def __exit__(self, exc_type, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        if exc_type is None:  # a test that passed: what its stations sent is checked too
            found = ["%s %s" % (action, path)
                     for action, payload in station_payloads(self.frames("<-"))
                     for path in empty_containers(payload)]
            assert not found, "empty optional arrays or objects sent: %s" % found

    def url(self, host="127.0.0.1", scheme="ws"):
        return "%s://%s:%d/ocpp" % (scheme, host, self.port)

    def run(self, coroutine, timeout_s=10):
        """Runs a coroutine on the central system's loop and returns its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    def frames(self, direction):
        """Parsed frames the central system received ('<-') or sent ('->')."""
        return [json.loads(text) for _, d, text, _ in list(self.central.traffic) if d == direction]

    def request_times(self, action):
        """Monotonic times at which the station's `action` requests arrived."""
        return [t for _, d, text, t in list(self.central.traffic)
                if d == "<-" and json.loads(text)[:1] == [2] and json.loads(text)[2] == action]

    def requests(self, action):
        return [f[3] for f in self.frames("<-") if f[0] == 2 and f[2] == action]

    def answers_to(self, action):
        """The frames the central system sent in answer to the station's `action` calls."""
        ids = {f[1] for f in self.frames("<-") if f[0] == 2 and f[2] == action}
        return [f for f in self.frames("->") if f[0] in (3, 4) and f[1] in ids]

    def statuses(self, connector_id):
        """(status, errorCode) of every StatusNotification for the connector, in order."""
        return [(p["status"], p["errorCode"]) for p in self.requests("StatusNotification")
                if p["connectorId"] == connector_id]

    def wait_status(self, connector_id, status, error="NoError", timeout_s=10):
        """Waits until the connector's latest StatusNotification is status/error."""
        wait_until(lambda: self.statuses(connector_id)[-1:] == [(status, error)], timeout_s,
                   "connector %d %s/%s, got %s" % (connector_id, status, error,
                                                   self.statuses(connector_id)))

    def link(self, identity):
        return wait_until(lambda: self.central.links.get(identity), 10, "station link")


def control(port, line, timeout_s=5):
    """Sends one command line to a station's control port; returns the parsed reply."""
    with socket.create_connection(("127.0.0.1", port), timeout_s) as sock:
        sock.sendall(line.encode() + b"\n")
        with sock.makefile("rb") as replies:
            return json.loads(replies.readline())


class StationProcess:
    """The simulated station launched as a user would, its console collected line by line.
    `control=True` opens its control port on a free loopback port (`control_port`);
    `state` is its --state folder; `console=True` runs the field console on its stdin
    (`type()` a line into it); `interpreter` is the MicroPython to run it on (default the
    launcher's: $MICROPYTHON, else .venv/bin/micropython); `env`: more environment
    variables for it."""

    def __init__(self, url, runtime="micropython", identity="CP001", extra=(), control=False,
                 state=None, console=False, interpreter=None, env=None):
        self.lines = []
        argv = [sys.executable, STATION, "--csms", url, "--id", identity, "--runtime", runtime]
        if control:
            argv += ["--control", "127.0.0.1:0"]
        # A fresh board unless a test reboots the same one: the default state folder is
        # shared by every run of an identity.
        self._own_state = state is None
        self.state = str(state) if state is not None else tempfile.mkdtemp(prefix="station-")
        argv += ["--state", self.state]
        if console:
            argv += ["--console"]
        env = dict(os.environ, **(env or {}))
        if interpreter:
            env["MICROPYTHON"] = interpreter
        self.process = subprocess.Popen(argv + list(extra), cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=env,
                                        stdin=subprocess.PIPE if console else None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._reader.join(5)
        if self._own_state:
            shutil.rmtree(self.state, ignore_errors=True)

    def wait_for_line(self, text, timeout_s=10):
        """The first console line that holds `text`."""
        return wait_until(lambda: next((line for line in self.lines if text in line), None),
                          timeout_s,
                          "%r in station output:\n%s" % (text, "\n".join(self.lines[-30:])))

    @property
    def control_port(self):
        line = self.wait_for_line("control: listening on ")
        return int(re.search(r"control: listening on [^ ]+:(\d+)", line).group(1))

    def control(self, line, timeout_s=5):
        return control(self.control_port, line, timeout_s)

    def type(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    @property
    def alive(self):
        return self.process.poll() is None
