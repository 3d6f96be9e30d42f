"""asyncio adapter over the OCPP-J RPC core (ocppj.rpc); runs on MicroPython and CPython.

The owner of the WebSocket feeds every incoming text message to `on_text(text)` and
calls `connection_lost()` when the socket goes away. `call(action, payload)` sends one
CALL and returns the CALLRESULT payload; callers queue on a lock so that only one CALL
is outstanding (OCPP-J 4.1.1).

A handler's follow-up (see ocppj.rpc) is called right after its reply was handed to
`send_text`. When calling it returns a coroutine, that coroutine runs as its own task,
so it may `await session.call(...)` without blocking the reader that delivers the
response. Exceptions in follow-ups are logged and counted in `follow_up_errors`.
`log` takes one line of text (print fits); the core's counters are on `session.rpc`.
"""
import asyncio

from ocppj.errors import ConnectionLost, ResponseTimeout
from ocppj.rpc import Completed, Rpc


def _is_coroutine(value):
    # MicroPython has no inspect module; an async def call returns a generator there.
    return type(value).__name__ in ("generator", "coroutine")


class Session:
    def __init__(self, send_text, handlers, response_timeout_s=30, log=print,
                 check_outgoing=True, check_results=True):
        self.rpc = Rpc(handlers, log, int(response_timeout_s * 1000), check_outgoing,
                       check_results)
        self._send_text = send_text
        self._log = log
        self._timeout_s = response_timeout_s
        self._lock = asyncio.Lock()
        self._done = None
        self._outcome = None
        self._tasks = []
        self.follow_up_errors = 0

    async def call(self, action, payload):
        """Returns the response payload. Raises CallErrorReceived, ResponseTimeout,
        ConnectionLost, the OcppError of a request that fails its check (nothing is
        sent), or of a response that is malformed or fails its check, and whatever
        send_text raises."""
        async with self._lock:
            text = self.rpc.call(action, payload)
            payload = None  # not held while the answer is awaited: the caller keeps it if need be
            message_id = self.rpc.pending_id
            done = asyncio.Event()
            self._done = done
            self._outcome = None
            try:
                await self._send_text(text)
                # Not held while the answer is awaited (a MeterValues frame of five values:
                # 0.7 KB of a 32-bit board's heap).
                text = None
                if self._outcome is None:
                    try:
                        await asyncio.wait_for(done.wait(), self._timeout_s)
                    except asyncio.TimeoutError:
                        self._finish(self.rpc.abandon(ResponseTimeout(action, message_id)))
                outcome = self._outcome
            finally:
                self._done = None
                self._outcome = None
                if self.rpc.pending_id == message_id:
                    # send_text failed or the caller was cancelled: nobody waits for
                    # this id, and the next call must not find it outstanding.
                    self.rpc.abandon(Exception("call abandoned"))
        if outcome.error is not None:
            raise outcome.error
        return outcome.payload

    async def on_text(self, text):
        """Handles one incoming text message; replies through send_text."""
        event = self.rpc.receive(text)
        if event is None:
            return
        if type(event) is Completed:
            self._finish(event)
            return
        await self._send_text(event.text)
        if event.follow_up is not None:
            self._start(event.follow_up)

    def connection_lost(self):
        """Fails the outstanding CALL now instead of at its timeout."""
        self._finish(self.rpc.abandon(ConnectionLost("connection lost")))

    def _finish(self, completed):
        if completed is None or self._done is None:
            return
        self._outcome = completed
        self._done.set()

    def _start(self, follow_up):
        try:
            result = follow_up()
        except Exception as e:
            self._follow_up_failed(e)
            return
        if _is_coroutine(result):
            # Keep references to running tasks (the event loop only holds weak ones on
            # CPython); finished ones are pruned here so the list stays short.
            self._tasks = [t for t in self._tasks if not t.done()]
            self._tasks.append(asyncio.create_task(self._guard(result)))

    async def _guard(self, coroutine):
        try:
            await coroutine
        except Exception as e:
            self._follow_up_failed(e)

    def _follow_up_failed(self, error):
        self.follow_up_errors += 1
        self._log("ocppj: follow-up failed: %r" % (error,))
