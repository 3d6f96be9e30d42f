"""The connectors, the card reader and the emergency stop of a board whose I/O controller
sits behind a UART (docs/hwlink.md), for the firmware (boards/README.md): the asyncio
adapter of hwlink's controller end over a (reader, writer) stream pair -- a UART's on a
microcontroller, a TCP connection's on a host.

    hardware = LinkedHardware(2, board.ticks_ms, board.ticks_diff, board.log, board.execute)
    await hardware.start(reader, writer)   # returns once the link is up, or after a while
    board.connectors, board.read_tag, board.emergency_stop, board.changed = ...

Two tasks: one reads the stream, one sends (the only writer: requests, and the replies to
service commands). The firmware's calls never wait: readings come from the last STATUS,
which is at most POLL_INTERVAL_MS plus a round trip old while the event loop runs (a stall
of the loop adds its length); while the link is down they raise (connector.py). An output
asked for is sent at once and confirmed by the I/O controller's reply. `changed` is set
when an input changes (the I/O controller sends an EVENT at once), a card is read, or the
link goes down or up.
"""
import asyncio
import json

from boards.uart_link.connector import LinkedConnector
from hwlink.controller_end import POLL_INTERVAL_MS, ControllerEnd

ATTACH_TIMEOUT_MS = 3000  # at boot: how long the station waits for the I/O controller
READ_CHUNK_BYTES = 128
# While a reply is coming, the bytes that arrive in this long are read together: a UART
# hands them over a few at a time, and a wake per byte or two cost the emulated board
# about 10 M instructions a second at four polls a second. A frame of 60 bytes takes 5 ms
# at 115200 baud.
GATHER_MS = 2
WRITE_TIMEOUT_MS = 1000  # a write stuck longer is given up (the frame may be torn)
REPLY_TEXT_MAX = 1000  # a service command's reply, as JSON


class LinkedHardware:
    def __init__(self, connector_count, ticks_ms, ticks_diff, log, execute=None):
        """`execute(command)`: carries out a service command, returns a JSON-able reply."""
        self.core = ControllerEnd(connector_count, ticks_diff)
        self._ticks_ms = ticks_ms
        self._log = log
        self._execute = execute
        self.connectors = [LinkedConnector(self, i) for i in range(1, connector_count + 1)]
        self.changed = asyncio.Event()
        self.closed = asyncio.Event()  # the stream ended (a socket; a UART never does)
        self._wake = asyncio.Event()
        self._up = asyncio.Event()
        self._tasks = []
        self.write_failures = 0
        self.failures = 0  # exceptions out of the link's core (none expected: MemoryError)

    async def start(self, reader, writer, attach_timeout_ms=ATTACH_TIMEOUT_MS):
        """Starts the link on the stream; returns True once it is up, False when it is not
        after attach_timeout_ms (the station then starts with the link down)."""
        self._tasks = [asyncio.create_task(self._read(reader)),
                       asyncio.create_task(self._drive(writer))]
        try:
            await _wait_ms(self._up.wait(), attach_timeout_ms)
        except asyncio.TimeoutError:
            self._log("hwlink: no I/O controller yet (%s)" % self.core.why_down)
        return self.core.up

    # ---- the firmware's side ----------------------------------------------------------

    def read_tag(self):
        cards = self.core.cards
        return cards.pop(0) if cards else None

    def emergency_stop(self):
        status = self.core.status  # while the link is down: as last seen
        return status is not None and status.emergency_stop

    def set_output(self, connector_id, on=None, limit_w=False):
        self.core.set_output(connector_id, on, limit_w)
        self._wake.set()

    # ---- the tasks ----------------------------------------------------------------------

    async def _read(self, reader):
        while True:
            try:
                data = await reader.read(READ_CHUNK_BYTES)
            except OSError:
                data = b""
            if not data:
                self.closed.set()
                return
            try:
                self.core.receive_data(data, self._ticks_ms())
                self._take_news()
            except Exception as error:  # MemoryError in a full heap: these bytes are lost
                self._failed(error)
            if not self.core.awaits_reply():  # a reply freed the request slot, or a command
                self._wake.set()
            else:
                await _sleep_ms(GATHER_MS)

    async def _drive(self, writer):
        core = self.core
        while True:
            self._wake.clear()
            wait_ms = None
            try:
                core.poll(self._ticks_ms())
                self._take_news()
                while core.commands:
                    seq, command = core.commands.pop(0)
                    core.reply_command(seq, self._carry_out(command))
                data = core.data_to_send()
            except Exception as error:  # as in _read: the link goes on a poll interval later
                self._failed(error)
                data = None
                wait_ms = POLL_INTERVAL_MS
            if data:
                try:
                    writer.write(data)
                    await _wait_ms(writer.drain(), WRITE_TIMEOUT_MS)
                except (OSError, asyncio.TimeoutError):
                    self.write_failures += 1
            if wait_ms is None:
                wait_ms = core.wait_ms(self._ticks_ms())
            if wait_ms:
                try:
                    await _wait_ms(self._wake.wait(), wait_ms)
                except asyncio.TimeoutError:
                    pass
            else:
                await asyncio.sleep(0)

    def _take_news(self):
        core = self.core
        if not core.changed:
            return
        core.changed = False
        if core.up and not self._up.is_set():
            self._up.set()
            self._log("hwlink: I/O controller up, meters %s" % ", ".join(
                [serial or "?" for serial in core.serials]))
        elif not core.up and self._up.is_set():
            self._up.clear()
            for connector in self.connectors:
                connector.loss_unreported = True
            self._log("hwlink: I/O controller link down (%s): connectors faulted" % core.why_down)
        self.changed.set()

    def _failed(self, error):
        self.failures += 1
        if self.failures == 1 or self.failures % 100 == 0:  # not a log line per frame
            self._log("hwlink: %s: %s (%d so far)" % (type(error).__name__, error,
                                                     self.failures))

    def _carry_out(self, command):
        try:
            reply = self._execute(command) if self._execute is not None else \
                {"ok": False, "error": "no service commands on this board"}
            text = json.dumps(reply)
        except Exception as e:  # a bug there must not end the link
            text = json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        if len(text) > REPLY_TEXT_MAX:
            text = '{"ok": false, "error": "reply too long"}'
        return text


async def _sleep_ms(ms):
    if hasattr(asyncio, "sleep_ms"):  # MicroPython: no float division
        await asyncio.sleep_ms(ms)
    else:
        await asyncio.sleep(ms / 1000)


async def _wait_ms(awaitable, timeout_ms):
    if hasattr(asyncio, "wait_for_ms"):  # MicroPython: no float division
        return await asyncio.wait_for_ms(awaitable, timeout_ms)
    return await asyncio.wait_for(awaitable, timeout_ms / 1000)
