"""A bench for the UART link (docs/hwlink.md): the simulated hardware and its bridge
(boards/sim/uart_bridge.py) on an event loop thread here, and a device process on the
other end of a loopback TCP connection standing for the UART -- the probe
(mp_scripts/hwlink_probe.py) or a whole station (boards/sim/main.py --hw-link uart)."""
import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time

from harness import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "lib"), ROOT]
from boards.sim.hardware import Hardware  # noqa: E402
from boards.sim.uart_bridge import UartBridge  # noqa: E402
from hwlink.hardware_end import SILENCE_MS  # noqa: E402

PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "hwlink_probe.py")
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
MICROPYTHON32 = os.path.join(ROOT, ".venv", "bin", "micropython32")


class HardwareThread:
    """Hardware and its UART bridge serving on 127.0.0.1 from their own event loop."""

    def __init__(self, state_root=None, silence_ms=SILENCE_MS):
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._state_root = state_root
        self._silence_ms = silence_ms
        self.hardware = self.bridge = self.port = None
        threading.Thread(target=self._main, daemon=True).start()
        if not self._ready.wait(10):
            raise RuntimeError("hardware did not start")

    def _main(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._loop.run_forever()

    async def _start(self):
        self.hardware = Hardware(self._state_root)
        self.bridge = UartBridge(self.hardware, silence_ms=self._silence_ms)
        self.hardware.link = self.bridge
        server = await self.bridge.serve("127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self.hardware.start()
        self._ready.set()

    def call(self, fn, timeout_s=10):
        """Runs fn() on the hardware's loop (a coroutine function is awaited)."""
        async def run():
            result = fn()
            return await result if asyncio.iscoroutine(result) else result
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout_s)

    def change(self, fn):
        """Changes an input the way the control port does, and tells the controller."""
        def apply():
            fn(self.hardware)
            self.hardware.input_changed()
        self.call(apply)

    def stop(self):
        async def cancel_all():
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        self.call(cancel_all)
        self._loop.call_soon_threadsafe(self._loop.stop)


class Probe:
    """The device side under MicroPython (or CPython) as a process, one JSON line each."""

    def __init__(self, port, interpreter=MICROPYTHON, heap="128k"):
        argv = [interpreter] + (["-X", "heapsize=" + heap] if "micropython" in interpreter
                                else []) + [PROBE, str(port)]
        env = dict(os.environ, MICROPYPATH=".frozen:lib:.", PYTHONPATH="lib:.")
        self.process = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, env=env)
        self.lines = queue.Queue()
        self.changes = []  # (monotonic arrival, view)
        self.logs = []
        self.started = None
        threading.Thread(target=self._read, daemon=True).start()
        self.started = self._message("started", 10)  # {"started": up, "view": ...}

    def _read(self):
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                message = {"raw": line.rstrip()}
            if "changed" in message:
                self.changes.append((time.monotonic(), message["changed"]))
            elif "log" in message:
                self.logs.append(message["log"])
            else:
                self.lines.put(message)

    def _message(self, key, timeout_s):
        try:
            message = self.lines.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError("no %s from the probe; logs: %s" % (key, self.logs))
        assert key in message, message
        return message

    def ask(self, line, timeout_s=10):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._message("reply", timeout_s)["reply"]

    def mark(self):
        """Where the changes seen so far end: take it before acting, wait from it after."""
        return len(self.changes)

    def wait_change(self, since, predicate, timeout_s=5, what="a change"):
        """The first `changed` view since the mark that satisfies predicate: (arrival,
        view)."""
        return wait_until(lambda: next((c for c in self.changes[since:] if predicate(c[1])),
                                       None), timeout_s, what)

    def stop(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(5)


class StationDevice:
    """The station's device process (boards/sim/main.py --hw-link uart) as the launcher
    starts it, its hardware the bench's: lines of its console collected. Its sources are
    compiled into the heap (the 128 KB board runs them from ROMFS: test_hwlink_station.py
    does that through the launcher)."""

    def __init__(self, url, port, state, interpreter=MICROPYTHON32, heap="512k",
                 identity="CP001"):
        argv = [interpreter, "-X", "heapsize=" + heap, "boards/sim/main.py",
                "--csms", url + "/" + identity, "--id", identity, "--state", str(state),
                "--hw", "127.0.0.1:%d" % port, "--hw-link", "uart"]
        self.lines = []
        self.process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True,
                                        env=dict(os.environ, MICROPYPATH=".frozen:lib:."))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text, timeout_s=10):
        return wait_until(lambda: next((line for line in self.lines if text in line), None),
                          timeout_s, "%r in:\n%s" % (text, "\n".join(self.lines[-30:])))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
