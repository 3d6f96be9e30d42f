"""asyncio adapter of the WebSocket client: moves bytes between a stream and the
sans-I/O handshake and protocol cores, and nothing else.

One task should call recv() in a loop: it also drives keep-alive and the close
handshake. Any number of tasks may call send(); each frame is written whole.
"""
import asyncio

from ws import clock
from ws.errors import MBEDTLS_ERRORS, ConnectError, ConnectionClosed
from ws.events import Message
from ws.handshake import OCPP16, ClientHandshake
from ws.protocol import CLOSED, CLOSING, OPEN, Protocol
from ws.url import parse_url

_READ_CHUNK = 1024
# Linux and lwIP values; MicroPython's socket module does not name them.
_IPPROTO_TCP = 6
_TCP_NODELAY = 1


async def connect(url, password=None, ssl_context=None, ping_interval_s=0,
                  pong_timeout_s=None, max_message_bytes=65536, timeout_s=10,
                  subprotocol=OCPP16, open_connection=None):
    """Open a Connection to a ws:// or wss:// URL (str or ws.url.Url). Raises ConnectError
    (HandshakeError with `.status` for a bad HTTP answer) with a one-line reason.
    `open_connection` replaces asyncio.open_connection (same arguments): a board passes
    its own network's so that the link can be taken down under test."""
    target = parse_url(url) if type(url) is str else url
    if target.secure and ssl_context is None:
        raise ValueError("wss:// needs an ssl_context (see ws.tls.client_context)")
    handshake = ClientHandshake(target, password, subprotocol)
    # The one buffer every read of this connection goes into (see _read).
    chunk = bytearray(_READ_CHUNK)
    try:
        reader, writer = await asyncio.wait_for(
            _open_and_upgrade(target, ssl_context, handshake,
                              open_connection or asyncio.open_connection, chunk), timeout_s)
    except asyncio.TimeoutError:
        raise ConnectError("no connection to %s:%d within %s s"
                           % (target.host, target.port, timeout_s))
    protocol = Protocol(max_message_bytes, ping_interval_s, pong_timeout_s, clock.now_ms())
    connection = Connection(reader, writer, protocol, timeout_s, chunk)
    if handshake.extra:
        protocol.receive_data(handshake.extra)
        await connection._after_input()
    return connection


async def _open_and_upgrade(target, ssl_context, handshake, open_connection, chunk):
    writer = None
    try:
        if target.secure:
            reader, writer = await open_connection(
                target.host, target.port, ssl=ssl_context, server_hostname=target.host)
        else:
            reader, writer = await open_connection(target.host, target.port)
            _send_at_once(writer)
        # On MicroPython a refused connect and every TLS error only show up here.
        writer.write(handshake.request())
        await writer.drain()
        while True:
            data = await _read(reader, chunk)
            if not data:
                raise ConnectError("connection closed during the upgrade handshake")
            if handshake.receive_data(data):
                return reader, writer
    except (OSError, ValueError) as e:
        await _shut(writer, 0)
        raise ConnectError(_describe(e))
    except BaseException:
        await _shut(writer, 0)
        raise


async def _read(reader, chunk):
    """At most len(chunk) bytes; empty at the end of the stream. MicroPython's streams read
    into `chunk`, the connection's one buffer (a new 1 KB bytes object for every read
    fragments a small heap until a read fails); CPython's have no readinto."""
    if not hasattr(reader, "readinto"):
        return await reader.read(len(chunk))
    count = await reader.readinto(chunk)
    return memoryview(chunk)[:count] if count else b""


def _send_at_once(writer):
    """Turns off Nagle's algorithm where the stream shows its socket (MicroPython; CPython's
    asyncio does it itself). With it, a frame written right after another -- a CALLRESULT
    and the StartTransaction its follow-up sends -- waits for the peer's ACK of the first,
    which a peer with nothing to answer delays by up to 40 ms. A TLS socket cannot be set
    (MicroPython's SSLSocket has no setsockopt), nor can a board's own stream: left as is."""
    sock = getattr(writer, "s", None)
    if sock is not None and hasattr(sock, "setsockopt"):
        try:
            sock.setsockopt(_IPPROTO_TCP, _TCP_NODELAY, 1)
        except OSError:
            pass


def _describe(error):
    text = " ".join(str(error).split()) or repr(error)
    if type(error).__name__ not in text:
        text = "%s: %s" % (type(error).__name__, text)
    code = error.args[0] if type(error) is OSError and len(error.args) == 1 else None
    if type(code) is int and code in MBEDTLS_ERRORS:
        text += " " + MBEDTLS_ERRORS[code]
    return text[:200]


async def _shut(writer, timeout_s):
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

    async def _read_until_closed(self):
        while self.protocol.state != CLOSED:
            await self._read_once()

    async def _read_once(self):
        protocol = self.protocol
        deadline = protocol.next_deadline_ms()
        if protocol.state == CLOSING:
            deadline = self._close_deadline_ms
        data = None
        self._reading = True
        try:
            if deadline is None:
                data = await _read(self._reader, self._chunk)
            else:
                wait_ms = deadline - clock.now_ms()
                if wait_ms > 0:
                    data = await asyncio.wait_for(_read(self._reader, self._chunk),
                                                  wait_ms / 1000)
        except asyncio.TimeoutError:
            pass
        except (OSError, ValueError):
            data = b""
        finally:
            self._reading = False
        if data is None and protocol.state == CLOSING:
            protocol.receive_eof()  # the peer never answered our close
        elif data is None:
            protocol.tick(clock.now_ms())
        elif data:
            protocol.receive_data(data)
        else:
            protocol.receive_eof()
        await self._after_input()

    async def _after_input(self):
        for event in self.protocol.events_received():
            if type(event) is Message:
                self._messages.append(event.data)
        await self._flush()

    async def _flush(self):
        async with self._write_lock:
            data = self.protocol.data_to_send()
            if not data or self._shut_started:
                return
            try:
                self._writer.write(data)
                await asyncio.wait_for(self._writer.drain(), self._timeout_s)
            except (OSError, ValueError, asyncio.TimeoutError):
                self.protocol.receive_eof()

    async def _shut_transport(self):
        if self._shut_started:
            return
        self._shut_started = True
        await _shut(self._writer, self._timeout_s)
        self._shut_done.set()
