"""The emulated board's network: MicroPython's lwIP socket module over the board's LAN9118
driver (boards/mps2_an385/port), on QEMU's restricted user-mode network, where a host
loopback port forwarded by the runner (emulator.py) is the only thing the board can reach.
"""
import hashlib
import socket
import ssl
import tempfile
import threading

import pytest

from emulator import GUEST_FORWARD_ADDRESS, Board, BoardError

from certs import issue, make_ca  # noqa: E402 (host_tests/, on the path in pytest)

BRING_UP = "import network\nlan = network.LAN()\nlan.active(True)\n"


class Server:
    """A TCP server on the host's loopback, in a thread: `handle(conn)` for each connection
    (a plain socket, or a TLS one with `context`)."""

    def __init__(self, handle, context=None):
        self.handle = handle
        self.context = context
        self.errors = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(20)
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            if self.context:
                conn = self.context.wrap_socket(conn, server_side=True)
            self.handle(conn)
        except (OSError, ssl.SSLError) as e:
            self.errors.append(e)
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


@pytest.fixture
def echo_server():
    server = Server(echo)
    yield server
    server.close()


def test_link_up_with_the_static_address_once_active(firmware, echo_server, record_property):
    with Board(firmware, forward_ports=[echo_server.port]) as board:
        board.exec("import gc, network\nlan = network.LAN()\ngc.collect()\nbefore = gc.mem_free()")
        assert board.eval("(lan.active(), lan.status(), lan.isconnected())") == (False, 0, False)
        board.exec("lan.active(True)\ngc.collect()\nafter = gc.mem_free()")
        # The PHY's link (its status register), and the address: QEMU's usual 10.0.2.15.
        assert board.eval("(lan.active(), lan.status(), lan.isconnected())") == (True, 3, True)
        assert board.eval("lan.status() == lan.LINK_GOTIP")
        assert board.eval("lan.ifconfig()") == ("10.0.2.15", "255.255.255.0", "10.0.2.2",
                                                "10.0.2.3")
        # The address QEMU gives the NIC, as the chip loaded it from its EEPROM.
        assert board.eval("lan.config('mac')") == bytes.fromhex("525400123456")
        before, after = board.eval("(before, after)")
        print("network: heap free %d B before active(True), %d B after" % (before, after))
        record_property("heap_free_network_up", after)
        # lwIP's memory is static: bringing the interface up takes nothing from the heap.
        assert before - after < 256
        board.exec("lan.active(False)")
        assert board.eval("(lan.active(), lan.status(), lan.isconnected())") == (False, 0, False)


def test_tcp_echo_round_trip_to_the_hosts_loopback(firmware, echo_server):
    with Board(firmware, forward_ports=[echo_server.port]) as board:
        board.exec(BRING_UP)
        reply = board.exec(
            "import socket\n"
            "s = socket.socket()\n"
            "s.connect(%r)\n"
            "s.write(b'hello from the board')\n"
            "print(s.read(20))\n"
            "s.close()\n" % ((GUEST_FORWARD_ADDRESS, echo_server.port),), timeout_s=20)
        assert reply.strip() == "b'hello from the board'"


def test_100_kb_each_way_intact(firmware, record_property):
    size = 100 * 1024
    seen = {}

    def take_then_give_back(conn):
        data = b""
        while len(data) < size:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        seen["digest"] = hashlib.sha256(data).hexdigest()
        conn.sendall(data)

    server = Server(take_then_give_back)
    try:
        with Board(firmware, forward_ports=[server.port]) as board:
            board.exec(BRING_UP)
            # Random data, made and hashed in 1 KB pieces: 100 KB would not fit the heap.
            board.exec(
                "import hashlib, os, socket, time\n"
                "s = socket.socket()\n"
                "s.connect(%r)\n"
                "sent = hashlib.sha256()\n"
                "t = time.ticks_ms()\n"
                "for i in range(100):\n"
                "    chunk = os.urandom(1024)\n"
                "    sent.update(chunk)\n"
                "    s.write(chunk)\n"
                "up_ms = time.ticks_diff(time.ticks_ms(), t)\n"
                "got = hashlib.sha256()\n"
                "buf = bytearray(2048)\n"
                "n = 0\n"
                "t = time.ticks_ms()\n"
                "while n < %d:\n"
                "    k = s.readinto(buf)\n"
                "    if not k:\n"
                "        break\n"
                "    got.update(memoryview(buf)[:k])\n"
                "    n += k\n"
                "down_ms = time.ticks_diff(time.ticks_ms(), t)\n"
                "s.close()\n" % ((GUEST_FORWARD_ADDRESS, server.port), size), timeout_s=40)
            sent, got, n, up_ms, down_ms = board.eval(
                "(sent.digest().hex(), got.digest().hex(), n, up_ms, down_ms)")
    finally:
        server.close()
    assert n == size
    assert sent == seen["digest"] == got
    up = size / 1024 / max(up_ms, 1) * 1000
    down = size / 1024 / max(down_ms, 1) * 1000
    print("network: 100 KB up in %d ms (%.0f KB/s), down in %d ms (%.0f KB/s)"
          % (up_ms, up, down_ms, down))
    record_property("throughput_up_kb_s", round(up))
    record_property("throughput_down_kb_s", round(down))


def test_asyncio_client_through_the_forward(firmware, echo_server):
    # asyncio waits on lwIP's sockets with select.poll, as the station's link does.
    with Board(firmware, forward_ports=[echo_server.port]) as board:
        board.exec(BRING_UP)
        reply = board.exec(
            "import asyncio\n"
            "async def main():\n"
            "    reader, writer = await asyncio.open_connection(%r, %d)\n"
            "    replies = []\n"
            "    for i in range(3):\n"
            "        writer.write(b'line %%d\\n' %% i)\n"
            "        await writer.drain()\n"
            "        replies.append(await asyncio.wait_for(reader.readline(), 5))\n"
            "    writer.close()\n"
            "    await writer.wait_closed()\n"
            "    return replies\n"
            "print(asyncio.run(main()))\n" % (GUEST_FORWARD_ADDRESS, echo_server.port),
            timeout_s=20)
        assert reply.strip() == "[b'line 0\\n', b'line 1\\n', b'line 2\\n']"


def _tls_client(board, port, ca_der):
    """An asyncio TLS session from the board, its server's certificate checked against
    `ca_der` (DER): the reply, the handshake's milliseconds, and the heap free before, at its
    lowest during the handshake (sampled by a task) and with the session open."""
    board.exec("import asyncio, gc, time, tls\nCA = %r" % ca_der)
    board.exec(
        "async def main():\n"
        "    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)\n"
        "    ctx.verify_mode = tls.CERT_REQUIRED\n"
        "    ctx.load_verify_locations(CA)\n"
        "    gc.collect()\n"
        "    before = lowest = gc.mem_free()\n"
        "    t = time.ticks_ms()\n"
        "    reader, writer = await asyncio.open_connection(%r, %d, ssl=ctx,\n"
        "                                                   server_hostname='localhost')\n"
        "    writer.write(b'hello')\n"
        "    await writer.drain()\n"
        "    reply = await asyncio.wait_for(reader.read(5), 10)\n"
        "    handshake_ms = time.ticks_diff(time.ticks_ms(), t)\n"
        "    lowest = min(lowest, gc.mem_free())\n"
        "    gc.collect()\n"
        "    during = gc.mem_free()\n"
        "    writer.close()\n"
        "    return reply, handshake_ms, before, during\n"
        "result = asyncio.run(main())\n" % (GUEST_FORWARD_ADDRESS, port), timeout_s=30)
    return board.eval("result")


def test_tls_with_certificate_checks_through_the_forward(firmware, record_property):
    ca = make_ca()
    server_cert = issue(ca, "board test")
    with tempfile.TemporaryDirectory() as folder:
        server = Server(lambda conn: conn.sendall(conn.recv(5).upper()),
                        server_cert.server_context(folder))
    try:
        with Board(firmware, forward_ports=[server.port]) as board:
            board.exec(BRING_UP)
            reply, handshake_ms, before, during = _tls_client(board, server.port, ca.cert_der)
            print("network: TLS session open in %d ms (handshake and one echo); heap free "
                  "%d B before, %d B with it open" % (handshake_ms, before, during))
            record_property("tls_open_ms", handshake_ms)
            record_property("heap_free_tls_open", during)
            assert reply == b"HELLO"
            assert 16 * 1024 < before - during < 40 * 1024
            # A server whose certificate another CA issued is refused.
            with pytest.raises(BoardError):
                _tls_client(board, server.port, make_ca("Another Root").cert_der)
    finally:
        server.close()


def test_nothing_but_the_forwarded_port_is_reachable(firmware, echo_server):
    # A listener on the host's loopback that is not forwarded: nothing may reach it.
    bystander = socket.socket()
    bystander.bind(("127.0.0.1", 0))
    bystander.listen(4)
    bystander.setblocking(False)
    port = bystander.getsockname()[1]
    targets = [
        (GUEST_FORWARD_ADDRESS, echo_server.port),  # the forward: reachable
        (GUEST_FORWARD_ADDRESS, port),  # the forwarded address, another port
        ("10.0.2.2", port),  # QEMU's gateway, which is the host
        ("10.0.2.2", echo_server.port),
        ("10.0.2.3", 53),  # QEMU's DNS proxy
        ("127.0.0.1", port),  # the board's own loopback, not the host's
        ("192.0.2.1", 80),  # beyond (TEST-NET-1)
    ]
    try:
        with Board(firmware, forward_ports=[echo_server.port]) as board:
            board.exec(BRING_UP)
            # All at once, without blocking: a connection that has not been made within
            # 3 s (the forward's takes milliseconds) cannot take the first byte.
            board.exec(
                "import socket, time\n"
                "socks = []\n"
                "for address in %r:\n"
                "    s = socket.socket()\n"
                "    s.setblocking(False)\n"
                "    try:\n"
                "        s.connect(address)\n"
                "    except OSError:\n"
                "        pass\n"
                "    socks.append(s)\n"
                "time.sleep(3)\n"
                "results = []\n"
                "for s in socks:\n"
                "    try:\n"
                "        results.append(s.send(b'x') == 1)\n"
                "    except OSError:\n"
                "        results.append(False)\n"
                "    s.close()\n" % (targets,), timeout_s=20)
            results = board.eval("results")
            assert results == [True] + [False] * (len(targets) - 1), list(zip(targets, results))
            with pytest.raises(BlockingIOError):
                bystander.accept()
    finally:
        bystander.close()


def test_without_forwards_nothing_is_reachable(firmware, echo_server):
    # The network on, no port forwarded: the host's listener stays out of reach.
    with Board(firmware, forward_ports=[]) as board:
        board.exec(BRING_UP)
        assert board.eval("lan.isconnected()")
        with pytest.raises(BoardError, match="ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTCONN"):
            board.exec(
                "import socket\n"
                "s = socket.socket()\n"
                "s.settimeout(3)\n"
                "s.connect(('10.0.2.100', %d))\n"
                "s.write(b'x')\n"
                "s.read(1)\n" % echo_server.port, timeout_s=10)
