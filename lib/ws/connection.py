"""An open WebSocket connection: the asyncio adapter that moves bytes between a stream and
the sans-I/O protocol core (ws.protocol), and nothing else. ws.client opens it.

One task should call recv() in a loop: it also drives the close handshake, and starts the
keep-alive task, which sends the pings beside it. Any number of tasks may call send(); each
frame is written whole.
"""
import asyncio

from ws import clock
from ws.errors import ConnectionClosed
from ws.events import Message
from ws.protocol import CLOSED, CLOSING, OPEN


async def read(reader, chunk):
    """At most len(chunk) bytes; empty at the end of the stream. MicroPython's streams read
    into `chunk`, the connection's one buffer (a new bytes object of its size for every read
    fragments a small heap until a read fails); CPython's have no readinto."""
    if not hasattr(reader, "readinto"):
        return await reader.read(len(chunk))
    count = await reader.readinto(chunk)
    return memoryview(chunk)[:count] if count else b""


async def shut(writer, timeout_s):
    """Close a stream, never waiting on the peer longer than timeout_s (0: abort).
    MicroPython only closes the socket in wait_closed()."""
    if writer is None:
        return
    transport = getattr(writer, "transport", None)
    try:
        if timeout_s == 0 and transport is not None:
            transport.abort()
        else:
            writer.close()
        await asyncio.wait_for(writer.wait_closed(), timeout_s or 1)
    except Exception:
        pass


class Connection:
    def __init__(self, reader, writer, protocol, timeout_s, chunk):
        self.protocol = protocol
        self._reader = reader
        self._writer = writer
        self._timeout_s = timeout_s
        self._messages = []
        self._write_lock = asyncio.Lock()
        self._reading = False
        self._shut_done = asyncio.Event()
        self._shut_started = False
        self._close_deadline_ms = None
        self._chunk = chunk
        # MicroPython's streams read into the connection's one buffer (read() below); the
        # reads of a message go straight there, through one view of it made here.
        self._readinto = getattr(reader, "readinto", None)
        self._chunk_view = memoryview(chunk)
        self._keeper = None  # the keep-alive task, while pings are due

    @property
    def closed(self):
        """True once no more messages can be sent."""
        return self.protocol.state != OPEN

    async def recv(self):
        """The next message: str for text, bytes for binary. Raises ConnectionClosed."""
        while not self._messages:
            if self.protocol.state == CLOSED:
                await self._shut_transport()
                raise ConnectionClosed(self.protocol.close_code, self.protocol.close_reason)
            if self._keeper is None and self.protocol.next_deadline_ms() is not None:
                self._keeper = asyncio.create_task(self._keep_alive())
            await self._read_once()
        return self._messages.pop(0)

    async def send(self, message):
        if type(message) is str:
            self.protocol.send_text(message)
        else:
            self.protocol.send_binary(message)
        await self._flush()
        if self.protocol.state == CLOSED:
            raise ConnectionClosed(self.protocol.close_code, self.protocol.close_reason)

    async def close(self, code=1000, reason=""):
        """Close handshake bounded by timeout_s, then the transport is closed."""
        if self._close_deadline_ms is None:
            self._close_deadline_ms = clock.now_ms() + int(self._timeout_s * 1000)
        self.protocol.close(code, reason)
        await self._flush()
        try:
            if self._reading:
                # The recv() task receives the peer's close and shuts the transport.
                await asyncio.wait_for(self._shut_done.wait(), self._timeout_s)
            else:
                await asyncio.wait_for(self._read_until_closed(), self._timeout_s)
        except asyncio.TimeoutError:
            pass
        self.protocol.receive_eof()
        await self._shut_transport()

    async def abort(self):
        """Closes the transport at once, without the close handshake: the network is gone."""
        self.protocol.receive_eof()
        await self._shut_transport()

    async def _read_until_closed(self):
        while self.protocol.state != CLOSED:
            await self._read_once()

    async def _keep_alive(self):
        """Sends the pings when due and fails the connection when a pong is late, beside the
        reads: a read bounded by the next ping's time took a wait_for, two tasks and an
        exception for every message. A failed connection's transport is shut, which ends
        the read in progress."""
        protocol = self.protocol
        try:
            while protocol.state == OPEN:
                deadline = protocol.next_deadline_ms()
                if deadline is None:  # pings switched off; recv() starts this again
                    break
                wait_ms = deadline - clock.now_ms()
                if wait_ms > 0:
                    await asyncio.sleep(wait_ms / 1000)
                    continue
                protocol.tick(clock.now_ms())
                await self._flush()
        finally:
            self._keeper = None
        if protocol.state == CLOSED:
            await self._shut_transport()

    async def _read_once(self):
        protocol = self.protocol
        data = None
        self._reading = True
        try:
            if protocol.state == CLOSING:  # our close sent: the peer's answer is bounded
                wait_ms = self._close_deadline_ms - clock.now_ms()
                if wait_ms > 0:
                    data = await asyncio.wait_for(read(self._reader, self._chunk),
                                                  wait_ms / 1000)
            elif self._readinto is not None:
                count = await self._readinto(self._chunk)
                data = self._chunk_view[:count] if count else b""
            else:
                data = await read(self._reader, self._chunk)
        except asyncio.TimeoutError:
            pass
        except (OSError, ValueError):
            data = b""
        finally:
            self._reading = False
        if data is None:
            protocol.receive_eof()  # the peer never answered our close
        elif data:
            protocol.receive_data(data)
        else:
            protocol.receive_eof()
        await self._after_input()

    async def _after_input(self):
        for event in self.protocol.events_received():
            if type(event) is Message:
                self._messages.append(event.data)
        if self.protocol.has_output():  # a pong, a close: most reads have nothing to send
            await self._flush()

    async def _flush(self):
        async with self._write_lock:
            pieces = self.protocol.pieces_to_send()
            if not pieces or self._shut_started:
                return
            try:
                for piece in pieces:
                    self._writer.write(piece)
                pieces = None  # what the writer could not send at once, it keeps
                if getattr(self._writer, "out_buf", None) != b"":
                    await asyncio.wait_for(self._writer.drain(), self._timeout_s)
                # else MicroPython's stream wrote it all at once: its drain() would only
                # yield to the loop, and a wait_for around it cost two tasks and an
                # exception. Every sender awaits something next (an answer, the next read).
            except (OSError, ValueError, asyncio.TimeoutError):
                self.protocol.receive_eof()

    async def _shut_transport(self):
        keeper = self._keeper
        if keeper is not None and keeper is not asyncio.current_task():
            keeper.cancel()  # it would hold the connection until its next ping
            self._keeper = None
        if self._shut_started:
            return
        self._shut_started = True
        await shut(self._writer, self._timeout_s)
        self._shut_done.set()
