"""Opens a WebSocket connection (ws.connection.Connection): TCP (and TLS), the upgrade
handshake of the sans-I/O core ws.handshake, then the protocol core takes over.

Only needed while connecting: with the handshake and URL code it imports, a caller short of
heap can unload it between connections (firmware.link does, firmware.on_demand).
"""
import asyncio

from ws import clock
from ws.connection import Connection, read, shut
from ws.errors import ConnectError
from ws.handshake import OCPP16, ClientHandshake
from ws.protocol import Protocol
from ws.url import parse_url

# A connection's one read buffer, for as long as it is open: 512 bytes of a 128 KB board's
# heap less than 1 KB was (the heap budget test's margin), for twice the reads of a frame.
_READ_CHUNK = 512
# Linux's values, for a socket module that does not name them (the unix port's). lwIP's
# socket module (a board's) names them, and its TCP_NODELAY is lwIP's flag 0x40, not 1.
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
    # The one buffer every read of this connection goes into (ws.connection.read).
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
            data = await read(reader, chunk)
            if not data:
                raise ConnectError("connection closed during the upgrade handshake")
            if handshake.receive_data(data):
                return reader, writer
    except (OSError, ValueError) as e:
        await shut(writer, 0)
        raise ConnectError(_describe(e))
    except BaseException:
        await shut(writer, 0)
        raise


def _send_at_once(writer):
    """Turns off Nagle's algorithm where the stream shows its socket (MicroPython; CPython's
    asyncio does it itself). With it, a frame written right after another -- a CALLRESULT
    and the StartTransaction its follow-up sends -- waits for the peer's ACK of the first,
    which a peer with nothing to answer delays by up to 40 ms. A TLS socket cannot be set
    (MicroPython's SSLSocket has no setsockopt), nor can a board's own stream: left as is."""
    sock = getattr(writer, "s", None)
    if sock is not None and hasattr(sock, "setsockopt"):
        import socket

        try:
            sock.setsockopt(getattr(socket, "IPPROTO_TCP", _IPPROTO_TCP),
                            getattr(socket, "TCP_NODELAY", _TCP_NODELAY), 1)
        except OSError:
            pass


def _describe(error):
    text = " ".join(str(error).split()) or repr(error)
    if type(error).__name__ not in text:
        text = "%s: %s" % (type(error).__name__, text)
    code = error.args[0] if type(error) is OSError and len(error.args) == 1 else None
    if type(code) is int and code < 0:  # mbedTLS's: named by a module loaded for them
        from ws.mbedtls_errors import NAMES

        if code in NAMES:
            text += " " + NAMES[code]
    return text[:200]
