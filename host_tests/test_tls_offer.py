"""The station's TLS offer against the servers Central Systems run (A00.FR.312, 318, 319,
issue 15): the bundled Central System behind a TLS terminator on loopback (see
tls_terminator.py) whose CPython server context is one of SERVERS, and the station on the
32-bit board interpreter (TLS buffers in its GC heap, from ROMFS), on the 64-bit
MicroPython and on CPython. A server the station shares a TLS version and a suite with
takes its BootNotification; any other is refused with the security event the runtime can
tell (none where it cannot) and, for a TLS refusal, a log line that says it in words."""
import socket
import ssl
import warnings

import pytest

import certs
from harness import StationProcess
from tc import CentralThread, security_station, wait_until
from tls_terminator import TlsTerminator

_CBC = ("ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:AES128-SHA256:AES256-SHA256:"
        "ECDHE-RSA-AES128-SHA:AES128-SHA")
# name: (key type, its CA is the station's, what the server context sets)
SERVERS = {
    "rsa-defaults": ("rsa", True, {}),
    "ecdsa-defaults": ("ec", True, {}),
    # The reference charger's pair, A00.FR.318's TLS_RSA suites (TLS 1.2: TLS 1.3 has its own).
    "rsa-reference-suites": ("rsa", True, {"ciphers": "AES128-GCM-SHA256:AES256-GCM-SHA384",
                                           "maximum": ssl.TLSVersion.TLSv1_2}),
    "tls13-only": ("rsa", True, {"minimum": ssl.TLSVersion.TLSv1_3}),
    "chacha20-only": ("ec", True, {"ciphers": "ECDHE-ECDSA-CHACHA20-POLY1305",
                                   "maximum": ssl.TLSVersion.TLSv1_2}),
    "cbc-only": ("rsa", True, {"ciphers": _CBC, "maximum": ssl.TLSVersion.TLSv1_2}),
    # OpenSSL 3 speaks TLS 1.0 and 1.1 only at security level 0.
    "tls10-11-only": ("rsa", True, {"ciphers": "ALL:@SECLEVEL=0",
                                    "minimum": ssl.TLSVersion.TLSv1,
                                    "maximum": ssl.TLSVersion.TLSv1_1}),
    "rsa-other-ca": ("rsa", False, {}),
    "ecdsa-other-ca": ("ec", False, {}),
}
CONNECTS = None
_MBEDTLS_ALERT = (None, "mbedTLS does not say why")
_NO_ALERT = (None, "without an alert")
_UNTRUSTED = ("InvalidCentralSystemCertificate", None)
# server: (on CPython, on MicroPython): CONNECTS or (security event, words in the log)
EXPECTED = {
    "rsa-defaults": (CONNECTS, CONNECTS),
    "ecdsa-defaults": (CONNECTS, CONNECTS),
    "rsa-reference-suites": (CONNECTS, CONNECTS),
    "tls13-only": (CONNECTS, _MBEDTLS_ALERT),
    "chacha20-only": (CONNECTS, _MBEDTLS_ALERT),
    "cbc-only": (("InvalidTLSCipherSuite", "none of the cipher suites"), _MBEDTLS_ALERT),
    "tls10-11-only": (("InvalidTLSVersion", "only older versions"), _MBEDTLS_ALERT),
    "rsa-other-ca": (_UNTRUSTED, _UNTRUSTED),
    "ecdsa-other-ca": (_UNTRUSTED, _UNTRUSTED),
}
RUNTIMES = ("board32", "micropython", "cpython")


class Roots:
    """The station's CS root and a stranger, of each key type."""

    def __init__(self, folder):
        self.folder = folder
        self.ca = {kind: certs.make_ca("offer root " + kind, kind) for kind in ("rsa", "ec")}
        self.other = {kind: certs.make_ca("other root " + kind, kind) for kind in ("rsa", "ec")}

    def ca_path(self, kind):
        return self.ca[kind].write(self.folder, "root-" + kind)[0]

    def server_context(self, name):
        kind, trusted, settings = SERVERS[name]
        issuer = (self.ca if trusted else self.other)[kind]
        context = certs.issue(issuer, "localhost", kind=kind).server_context(self.folder, name)
        if "ciphers" in settings:
            context.set_ciphers(settings["ciphers"])
        with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: the point here
            warnings.simplefilter("ignore", DeprecationWarning)
            for bound in ("minimum", "maximum"):
                if bound in settings:
                    setattr(context, bound + "_version", settings[bound])
        return context


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    return Roots(str(tmp_path_factory.mktemp("tls-offer")))


def station(runtime, cs, url, ca_path):
    if runtime == "board32":
        return security_station(cs, ["--ca", ca_path], url=url)
    return StationProcess(url, runtime, extra=["--ca", ca_path])


def check(runtime, cs, url, ca_path, expected):
    with station(runtime, cs, url, ca_path) as run:
        if expected is CONNECTS:
            run.wait_for_line("link: online wss://", 20)
            wait_until(lambda: cs.requests("BootNotification"), 10, "the boot over TLS")
            return
        event, words = expected
        run.wait_for_line("link: offline", 20)  # after the failure's event and words
        assert cs.requests("BootNotification") == []
        told = [line for line in run.lines if "security event: Invalid" in line]
        if event is None:
            assert told == [], told
        else:
            assert told and "security event: %s " % event in told[0], told
        if words is not None:
            assert [line for line in run.lines if "security: " in line and words in line], \
                run.lines
        assert run.alive


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", list(SERVERS))
def test_the_station_against_a_tls_terminator(roots, runtime, name):
    expected = EXPECTED[name][runtime != "cpython"]
    with CentralThread(heartbeat_interval_s=300) as cs, \
            TlsTerminator(roots.server_context(name), cs.port) as terminator:
        url = "wss://localhost:%d/ocpp" % terminator.port
        check(runtime, cs, url, roots.ca_path(SERVERS[name][0]), expected)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_server_that_closes_without_an_alert(roots, runtime):
    """An asyncio TLS server (the bundled Central System serving wss:// itself) drops the
    alert and closes: no kind to tell, the words say so."""
    with CentralThread(ssl_context=roots.server_context("cbc-only"),
                       heartbeat_interval_s=300) as cs:
        check(runtime, cs, cs.url(host="localhost", scheme="wss"), roots.ca_path("rsa"),
              _NO_ALERT)


# What a client that takes anything gets from each refusing server (version, suite).
NAMED_FOR = {
    "tls13-only": lambda version, suite: version == "TLSv1.3",
    "chacha20-only": lambda version, suite: "CHACHA20" in suite,
    "cbc-only": lambda version, suite: "GCM" not in suite and "CHACHA" not in suite,
    "tls10-11-only": lambda version, suite: version in ("TLSv1", "TLSv1.1"),
}


@pytest.mark.parametrize("name", list(NAMED_FOR))
def test_the_refusing_servers_speak_what_they_are_named_for(roots, name):
    """The refusals above are for the version or suites each server is named for, not for
    a server that takes nothing."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    client.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client.minimum_version = ssl.TLSVersion.TLSv1
    # Any backend will do (port 9, discard): the handshake is all this needs.
    with TlsTerminator(roots.server_context(name), 9) as terminator, \
            socket.create_connection(("127.0.0.1", terminator.port), 5) as sock, \
            client.wrap_socket(sock) as tls:
        assert NAMED_FOR[name](tls.version(), tls.cipher()[0]), (tls.version(), tls.cipher())
