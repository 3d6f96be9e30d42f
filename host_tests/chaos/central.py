"""The campaign's Central System: the bundled one (tools/csms.py: the PyPI `ocpp` package,
schema validation on) with faults to inject, and a server that can be stopped and started
again on its port as a restarted Central System is.

Its misbehaviour is a mode, set by the campaign (`set_mode`), applied to each CALL the
station sends while it lasts:
  slow      the answer goes out `delay_s` after the request came
  twice     the answer goes out twice
  callerror a transaction message (StartTransaction, StopTransaction, MeterValues) is
            answered with a CALLERROR, every other request normally
  silent    no answer at all
Every frame is recorded with its time (CentralSystem.traffic), so the checks (ledger.py)
can tell what the station saw: an answer in time, a late one, an error, none.
"""
import asyncio
import json
import time

from harness import CentralThread
from ocpp.charge_point import ChargePoint
from tools.csms import StationLink

NORMAL, SLOW, TWICE, CALLERROR, SILENT = "normal", "slow", "twice", "callerror", "silent"
MODES = (SLOW, TWICE, CALLERROR, SILENT)
TRANSACTION_ACTIONS = ("StartTransaction", "StopTransaction", "MeterValues")
CALL, CALLRESULT = 2, 3
PORT_TRIES = 10


class Injector:
    """The present mode, and how many requests each mode has touched (the figures)."""

    def __init__(self):
        self.mode = NORMAL
        self.delay_s = 0
        self.touched = {mode: 0 for mode in MODES}
        self.late = set()  # the tasks of slow answers, referenced until they are done

    def plan(self, frame):
        """The mode that applies to this received frame (NORMAL for what it spares)."""
        if frame[0] != CALL or self.mode == NORMAL:
            return NORMAL
        if self.mode == CALLERROR and frame[2] not in TRANSACTION_ACTIONS:
            return NORMAL
        self.touched[self.mode] += 1
        return self.mode


class ChaosLink(StationLink):
    """One connected station, answered as the injector's mode says."""

    def __init__(self, identity, connection, central):
        super().__init__(identity, connection, central)
        self._twice = set()  # ids of requests whose answer goes out twice

    async def route_message(self, raw_msg):
        central = self.central
        central.record(self.id, "<-", raw_msg)
        try:
            frame = json.loads(raw_msg)
            mode = central.injector.plan(frame)
        except (ValueError, TypeError, IndexError, KeyError):  # the ocpp package answers it
            mode = NORMAL
        if mode == SILENT:
            return
        if mode == CALLERROR:
            await self._send(json.dumps([4, frame[1], "InternalError", "chaos: not processed",
                                         {}]))
            return
        if mode == SLOW:
            late = central.injector.late
            task = asyncio.ensure_future(self._answer_after(raw_msg, central.injector.delay_s))
            late.add(task)
            task.add_done_callback(late.discard)
            return
        if mode == TWICE:
            self._twice.add(frame[1])
        await ChargePoint.route_message(self, raw_msg)

    async def _answer_after(self, raw_msg, delay_s):
        await asyncio.sleep(delay_s)
        try:
            await ChargePoint.route_message(self, raw_msg)
        except Exception:  # the connection went away meanwhile: the answer is lost
            pass

    async def _send(self, message):
        await super()._send(message)
        if self._twice:
            frame = json.loads(message)
            if frame[0] == CALLRESULT and frame[1] in self._twice:
                self._twice.discard(frame[1])
                await super()._send(message)


class ChaosCentral(CentralThread):
    """The Central System in its own thread, as harness.CentralThread, whose server
    `go_down()` ends (every connection cut, no close handshake) and `come_up()` starts again
    on the same port."""

    def __init__(self, **options):
        super().__init__(link_class=ChaosLink, **options)
        self.central.injector = Injector()
        self._server = None

    async def _serve(self):
        self._stop = asyncio.Event()
        await self._open()
        self._ready.set()
        await self._stop.wait()
        await self._close()
        for task in list(self.central.injector.late):
            task.cancel()

    async def _open(self):
        self._server = await self.central.serve("127.0.0.1", self.port or self._port, None)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self):
        server, self._server = self._server, None
        if server is None:
            return
        for connection in list(server.connections):
            connection.transport.abort()
        server.close()
        await server.wait_closed()

    def go_down(self):
        self.run(self._close(), timeout_s=20)

    def come_up(self):
        for _ in range(PORT_TRIES):
            try:
                self.run(self._open(), timeout_s=20)
                return
            except OSError:  # something else took the port meanwhile: it may let it go
                time.sleep(1)
        self.run(self._open(), timeout_s=20)

    @property
    def up(self):
        return self._server is not None

    def set_mode(self, mode, delay_s=0):
        def apply():
            self.central.injector.mode = mode
            self.central.injector.delay_s = delay_s
        self._loop.call_soon_threadsafe(apply)

    @property
    def touched(self):
        return dict(self.central.injector.touched)
