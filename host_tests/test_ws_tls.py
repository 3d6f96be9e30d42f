"""ws over TLS (OCPP security profiles 2 and 3) and Basic auth (profile 1), against local
`websockets` servers, with the client running in-process under CPython and as a
MicroPython subprocess (mp_scripts/ws_probe.py): a valid certificate connects; wrong CA,
wrong host name and expired certificates are refused with a reason; mutual TLS; Basic
auth answers 101 or 401."""
import asyncio
import logging
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

import pytest
from websockets.asyncio.server import basic_auth, serve

from test_ws_helpers import server_frame, upgrade_response
from certs import Pki
from ws import tls
from x509 import pem
from ws.client import connect
from ws.errors import ConnectError, ConnectionClosed, HandshakeError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.environ.get("MICROPYTHON", os.path.join(ROOT, ".venv/bin/micropython"))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "ws_probe.py")
PASSWORD = "0123456789abcdef0123"


async def _echo(connection):
    async for message in connection:
        if message == "slow":  # long enough for several client keep-alive pings
            await asyncio.sleep(0.5)
        await connection.send("echo:" + message)


async def _silent_after_upgrade(reader, writer):
    """Completes the upgrade, then never answers anything: a dead link. For the path
    /eager a first message goes out in the same write as the 101 response."""
    request = await reader.readuntil(b"\r\n\r\n")
    key = [line.split(b":", 1)[1].strip().decode() for line in request.split(b"\r\n")
           if line.lower().startswith(b"sec-websocket-key:")][0]
    welcome = server_frame(1, b"welcome") if request.startswith(b"GET /eager ") else b""
    writer.write(upgrade_response(key) + welcome)
    await writer.drain()
    while await reader.read(4096):
        pass
    writer.close()


class Servers:
    """websockets servers on 127.0.0.1 in one background event loop."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.servers = []

    def start(self, **kwargs):
        async def start():
            return await serve(_echo, "127.0.0.1", 0, subprotocols=["ocpp1.6"], **kwargs)

        server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.servers.append(server)
        return server.sockets[0].getsockname()[1]

    def start_silent(self):
        async def start():
            return await asyncio.start_server(_silent_after_upgrade, "127.0.0.1", 0)

        server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.servers.append(server)
        return server.sockets[0].getsockname()[1]

    def stop(self):
        async def stop():
            for server in self.servers:
                server.close()
                await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _server_context(issued, client_ca=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "server.pem")
        with open(path, "wb") as f:
            f.write(issued.cert_pem + issued.key_pem)
        context.load_cert_chain(path)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca.cert_der)
    return context


@pytest.fixture(scope="module")
def env():
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    pki = Pki()
    servers = Servers()
    ports = {name: servers.start(ssl=_server_context(getattr(pki, name)))
             for name in ("server", "wrong_host", "expired", "foreign")}
    ports["mtls"] = servers.start(ssl=_server_context(pki.server, client_ca=pki.ca))
    ports["auth"] = servers.start(process_request=basic_auth(
        realm="ocpp", credentials=("CP1", PASSWORD)))
    ports["silent"] = servers.start_silent()
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for name, data in (("ca", pki.ca.cert_der), ("cert", pki.client.cert_der),
                           ("key", pki.client.key_der)):
            files[name] = os.path.join(folder, name + ".der")
            with open(files[name], "wb") as f:
                f.write(data)
        yield pki, ports, files
    servers.stop()


def _url(ports, name, scheme="wss"):
    return "%s://127.0.0.1:%d/ocpp/CP1" % (scheme, ports[name])


def _cpython(url, context=None, password=None, timeout_s=10, ping_interval_s=0,
             message="hello"):
    async def run():
        try:
            connection = await connect(url, password=password, ssl_context=context,
                                       timeout_s=timeout_s, ping_interval_s=ping_interval_s)
        except HandshakeError as e:
            return "HANDSHAKE %s %s" % (e.status, e.reason)
        except ConnectError as e:
            return "CONNECT " + e.reason
        await connection.send(message)
        try:
            reply = await connection.recv()
        except ConnectionClosed as e:
            return "CLOSED %d %s" % (e.code, e.reason)
        await connection.close()
        return "OK " + reply

    return asyncio.run(run())


def _micropython(url, *options):
    env = dict(os.environ, MICROPYPATH=".frozen:lib:.")
    result = subprocess.run([MICROPYTHON, PROBE, url] + list(options), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and len(lines) == 1, (result.stdout, result.stderr)
    return lines[0]


def _both(env, name, ca="ca", client_cert=False):
    pki, ports, files = env
    ca_issued = getattr(pki, ca)
    if client_cert:
        context = tls.client_context(ca_issued.cert_der, pki.client.cert_der,
                                     pki.client.key_der)
        options = ["--ca", files["ca"], "--cert", files["cert"], "--key", files["key"]]
    else:
        context = tls.client_context([ca_issued.cert_der])
        options = ["--ca", files["ca"]]
    return _cpython(_url(ports, name), context), _micropython(_url(ports, name), *options)


def test_valid_certificate_connects_and_exchanges(env):
    assert _both(env, "server") == ("OK echo:hello", "OK echo:hello")


def _refused(results, cpython_words, micropython_words):
    cpython, micropython = results
    assert cpython.startswith("CONNECT ") and cpython_words in cpython, cpython
    assert micropython.startswith("CONNECT ") and micropython_words in micropython, micropython


def test_certificate_from_another_ca_refused(env):
    _refused(_both(env, "foreign"), "unable to get local issuer", "not correctly signed")


def test_wrong_host_name_refused(env):
    _refused(_both(env, "wrong_host"), "mismatch", "does not match")


def test_expired_certificate_refused(env):
    _refused(_both(env, "expired"), "expired", "expired")


def test_refused_tcp_connect_and_silent_server(env):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    url = "ws://127.0.0.1:%d/ocpp/CP1" % port
    assert "ECONNREFUSED" in _micropython(url)
    assert _cpython(url).startswith("CONNECT ")
    listener.listen(4)  # accepts TCP in the kernel, never answers the upgrade
    try:
        assert _micropython(url, "--timeout", "0.3") == (
            "CONNECT no connection to 127.0.0.1:%d within 0.3 s" % port)
        assert "within" in _cpython(url, timeout_s=0.3)
    finally:
        listener.close()


def test_wss_without_context_refused():
    with pytest.raises(ValueError):
        asyncio.run(connect("wss://127.0.0.1:1/ocpp/CP1"))


def test_mutual_tls_with_client_certificate(env):
    assert _both(env, "mtls", client_cert=True) == ("OK echo:hello", "OK echo:hello")


def test_mutual_tls_without_client_certificate_refused(env):
    for result in _both(env, "mtls"):
        assert result.startswith("CONNECT "), result


def test_cipher_suite_restriction(env):
    """A list of suites replaces the offer; names the runtime's TLS lacks are left out (a
    build without some suites takes the same list). On CPython the list is TLS 1.2's: TLS
    1.3, which this server speaks, comes with OpenSSL's own suites."""
    pki, ports, files = env
    url = _url(ports, "server")
    ca = ["--ca", files["ca"], "--ciphers"]
    assert _micropython(url, *ca, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256") == "OK echo:hello"
    assert _micropython(url, *ca, "NO-SUCH-SUITE,TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256") == (
        "OK echo:hello")
    # an RSA key exchange suite cannot work with the server's ECDSA certificate
    assert _micropython(url, *ca, "TLS-RSA-WITH-AES-128-GCM-SHA256").startswith("CONNECT ")
    assert _micropython(url, *ca, "NO-SUCH-SUITE").startswith("VALUE cipher suites")
    context = tls.client_context(pki.ca.cert_der, ciphers=["AES128-GCM-SHA256"])
    assert _cpython(url, context) == "OK echo:hello"
    with pytest.raises(ValueError):
        tls.client_context(pki.ca.cert_der, ciphers=["NO-SUCH-SUITE"])


def test_keepalive_pings_answered_over_tls(env):
    pki, ports, files = env
    url = _url(ports, "server")
    context = tls.client_context(pki.ca.cert_der)
    assert _cpython(url, context, ping_interval_s=0.1, message="slow") == "OK echo:slow"
    assert _micropython(url, "--ca", files["ca"], "--ping", "0.1", "--message", "slow") == (
        "OK echo:slow")


def test_dead_link_closed_with_1011(env):
    _, ports, _ = env
    url = _url(ports, "silent", "ws")
    assert _cpython(url, ping_interval_s=0.1).startswith("CLOSED 1011 ")
    assert _micropython(url, "--ping", "0.1").startswith("CLOSED 1011 ")


def test_basic_auth_right_password(env):
    _, ports, _ = env
    url = _url(ports, "auth", "ws")
    assert _micropython(url, "--password", PASSWORD) == "OK echo:hello"
    assert _cpython(url, password=PASSWORD) == "OK echo:hello"


def test_basic_auth_wrong_or_missing_password_is_401(env):
    _, ports, _ = env
    url = _url(ports, "auth", "ws")
    assert _micropython(url, "--password", "wrong").startswith("HANDSHAKE 401 ")
    assert _micropython(url).startswith("HANDSHAKE 401 ")
    assert _cpython(url, password="wrong").startswith("HANDSHAKE 401 ")


def test_pem_to_der_round_trip(env):
    pki, _, _ = env
    bundle = pki.ca.cert_pem + pki.other_ca.cert_pem
    assert pem.pem_to_der(bundle) == [pki.ca.cert_der, pki.other_ca.cert_der]
    assert pem.pem_to_der(pki.client.key_pem.decode()) == [pki.client.key_der]
    assert pem.pem_to_der(pem.der_to_pem(pki.ca.cert_der, "CERTIFICATE")) == [pki.ca.cert_der]


def test_context_always_verifies(env):
    pki, _, _ = env
    context = tls.client_context(pki.ca.cert_der)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(ValueError):
        tls.client_context([])
    with pytest.raises(ValueError):
        tls.client_context(pki.ca.cert_der, cert_der=pki.client.cert_der)


def test_frame_in_same_packet_as_upgrade_response(env):
    _, ports, _ = env
    url = "ws://127.0.0.1:%d/eager" % ports["silent"]
    # the silent server never answers the close: a short timeout bounds it
    assert _cpython(url, timeout_s=0.5) == "OK welcome"
    assert _micropython(url, "--timeout", "0.5") == "OK welcome"
