"""ws.connection.Connection over a fake stream: messages out of recv(), automatic pongs,
dead-link detection on the real clock, whole-frame writes from concurrent senders and the
bounded close handshake."""
import asyncio
import struct

from test_ws_helpers import client_frames, server_frame
from ws import clock
from ws.connection import Connection
from ws.errors import ConnectionClosed
from ws.frames import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT
from ws.protocol import Protocol


class FakeStream:
    """Reader and writer at once, as MicroPython's asyncio streams are."""

    def __init__(self, chunks=()):
        self.incoming = list(chunks)
        self.eof = False
        self.written = bytearray()
        self.closed = False
        self._arrived = asyncio.Event()

    def push(self, data=None):
        if data is None:
            self.eof = True
        else:
            self.incoming.append(data)
        self._arrived.set()

    async def read(self, n):
        while not self.incoming and not self.eof:
            self._arrived.clear()
            await self._arrived.wait()
        if not self.incoming:
            return b""
        chunk = self.incoming.pop(0)
        if len(chunk) > n:
            self.incoming.insert(0, chunk[n:])
            chunk = chunk[:n]
        return chunk

    async def readinto(self, buf):
        # MicroPython's streams have it: the count read, 0 at the end of the stream.
        chunk = await self.read(len(buf))
        buf[:len(chunk)] = chunk
        return len(chunk)

    def write(self, data):
        self.written.extend(data)

    async def drain(self):
        await asyncio.sleep(0)

    def close(self):
        pass

    async def wait_closed(self):
        # a pending read then ends, as on real streams (EOF on CPython, EBADF on MicroPython)
        self.closed = True
        self.push(None)


def _connection(stream, timeout_s=1, chunk_bytes=1024, **kwargs):
    return Connection(stream, stream, Protocol(now_ms=clock.now_ms(), **kwargs), timeout_s,
                      bytearray(chunk_bytes))


async def _closed(connection):
    try:
        message = await connection.recv()
    except ConnectionClosed as e:
        return e
    raise AssertionError("message instead of close: %r" % (message,))


async def test_recv_text_and_binary_and_pong():
    stream = FakeStream([server_frame(OP_TEXT, b"[2]") + server_frame(OP_PING, b"k"),
                         server_frame(OP_BINARY, b"\x00" * 3000)])
    connection = _connection(stream)
    assert await connection.recv() == "[2]"
    assert await connection.recv() == b"\x00" * 3000
    sent = client_frames(bytes(stream.written))
    assert [(op, p) for _, op, p, _ in sent] == [(OP_PONG, b"k")]


async def test_messages_split_over_many_reads_into_one_small_buffer_arrive_whole():
    texts = ["[2,\"%d\",\"Heartbeat\",{}]" % i + " " * (i * 7) for i in range(12)]
    stream = FakeStream([b"".join(server_frame(OP_TEXT, t.encode()) for t in texts)])
    connection = _connection(stream, chunk_bytes=16)  # every read overwrites the buffer
    received = []
    for _ in texts:  # no await in a comprehension on MicroPython
        received.append(await connection.recv())
    assert received == texts


async def test_eof_raises_1006_and_closes_transport():
    stream = FakeStream([server_frame(OP_TEXT, b"x")])
    stream.push(None)
    connection = _connection(stream)
    assert await connection.recv() == "x"
    error = await _closed(connection)
    assert error.code == 1006 and stream.closed and connection.closed


async def test_protocol_error_raises_with_code():
    connection = _connection(FakeStream([server_frame(OP_TEXT, b"\xff")]))
    assert (await _closed(connection)).code == 1007


async def test_dead_link_detected():
    stream = FakeStream()
    connection = _connection(stream, ping_interval_s=0.05, pong_timeout_s=0.05)
    started = clock.now_ms()
    error = await asyncio.wait_for(_closed(connection), 2)
    assert error.code == 1011
    assert 90 <= clock.now_ms() - started < 1500
    ops = [op for _, op, _, _ in client_frames(bytes(stream.written))]
    assert ops == [OP_PING, OP_CLOSE]


async def test_the_keep_alive_task_ends_with_the_connection():
    # Pings go out from a task beside the reads; it sleeps until the next ping is due (here
    # 60 s), and must not hold a closed connection's buffers that long.
    stream = FakeStream([server_frame(OP_TEXT, b"x")])
    connection = _connection(stream, ping_interval_s=60)
    assert await connection.recv() == "x"
    keeper = connection._keeper
    assert keeper is not None and not keeper.done()
    stream.push(None)
    assert (await _closed(connection)).code == 1006
    await asyncio.sleep(0)
    assert keeper.done() and connection._keeper is None


async def test_ping_answered_keeps_link_alive():
    stream = FakeStream()
    connection = _connection(stream, ping_interval_s=0.03, pong_timeout_s=0.1)

    async def server():
        answered = 0
        while answered < 3:
            await asyncio.sleep(0.01)
            for _, op, payload, _ in client_frames(bytes(stream.written)):
                if op == OP_PING:
                    stream.push(server_frame(OP_PONG, payload))
                    answered += 1
            stream.written = bytearray()
        stream.push(server_frame(OP_TEXT, b"done"))

    task = asyncio.create_task(server())
    assert await asyncio.wait_for(connection.recv(), 2) == "done"
    await task


async def test_concurrent_senders_write_whole_frames():
    stream = FakeStream()
    connection = _connection(stream)

    async def sender(tag):
        for i in range(20):
            await connection.send("%s-%d-" % (tag, i) + "x" * 200)

    await asyncio.gather(sender("a"), sender("b"), sender("c"))
    texts = [p.decode() for _, op, p, _ in client_frames(bytes(stream.written))]
    assert len(texts) == 60
    for tag in "abc":
        assert [t for t in texts if t[0] == tag] == ["%s-%d-" % (tag, i) + "x" * 200
                                                     for i in range(20)]


async def test_close_handshake_answered():
    stream = FakeStream()
    connection = _connection(stream)
    stream.push(server_frame(OP_CLOSE, struct.pack("!H", 1000)))
    await connection.close()
    assert connection.closed and stream.closed
    assert connection.protocol.close_code == 1000
    error = await _closed(connection)
    assert error.code == 1000


async def test_close_without_answer_is_bounded():
    stream = FakeStream()
    connection = _connection(stream, timeout_s=0.1)
    started = clock.now_ms()
    await connection.close(1001, "reboot")
    assert clock.now_ms() - started < 1000 and stream.closed
    assert client_frames(bytes(stream.written))[0][2] == b"\x03\xe9reboot"
    try:
        await connection.send("x")
    except ConnectionClosed:
        return
    raise AssertionError("send after close accepted")


async def test_close_while_another_task_receives():
    stream = FakeStream()
    connection = _connection(stream)
    receiver = asyncio.create_task(_closed(connection))
    await asyncio.sleep(0.01)
    closing = asyncio.create_task(connection.close())
    await asyncio.sleep(0.01)
    stream.push(server_frame(OP_CLOSE, struct.pack("!H", 1000)))
    await asyncio.wait_for(closing, 2)
    assert (await receiver).code == 1000 and stream.closed


async def test_unanswered_close_ends_a_concurrent_recv():
    stream = FakeStream()
    connection = _connection(stream, timeout_s=0.1)
    receiver = asyncio.create_task(_closed(connection))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(connection.close(), 2)
    assert (await asyncio.wait_for(receiver, 2)).code == 1006 and stream.closed


async def test_recv_after_abandoned_close_is_bounded():
    stream = FakeStream()
    connection = _connection(stream, timeout_s=0.1)
    try:
        await asyncio.wait_for(connection.close(), 0.01)
    except asyncio.TimeoutError:
        pass
    assert (await asyncio.wait_for(_closed(connection), 2)).code == 1006


def test_a_bare_mbedtls_code_is_named_in_the_reason():
    # As a firmware without mbedTLS's error strings raises them (MicroPython 1.25 on a TLS
    # read too): the station's security events look for "verif" in the reason.
    from ws.client import _describe

    assert _describe(OSError(-0x2700)) == "OSError: -9984 MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"
    assert _describe(OSError(-0x7280)) == "OSError: -29312 MBEDTLS_ERR_SSL_CONN_EOF"
    assert _describe(OSError(-1)) == "OSError: -1"
    named = _describe(OSError(-0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"))
    assert named.count("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED") == 1
