"""Explicit FTPS (RFC 4217) in transfer.files against a real server on loopback (pyftpdlib's
TLS handler, on pyOpenSSL), the client run under CPython, the 64-bit MicroPython and the
32-bit board interpreter, whose TLS takes its buffers from the GC heap
(mp_scripts/transfer_probe.py): an upload and a download whole, the server checked against
the CA given as the station checks it against its Central System roots (issue 21, "FTPS
everywhere"); a server with another CA's certificate, or for another host name, refused; a
server without TLS refused, never used in plain FTP; a refused login PermissionDenied."""
import hashlib
import os

import pytest

import certs
from file_servers import FtpServer
from tc import MICROPYTHON32
from test_transfer_bounds import ROOT, RUNTIMES, probe

RUNTIMES = dict(RUNTIMES, micropython64=(
    [os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython"),
     "-X", "heapsize=1M"], {"MICROPYPATH": ".frozen:lib"}))
runtimes = pytest.mark.parametrize("runtime", sorted(RUNTIMES))
assert MICROPYTHON32 in RUNTIMES["micropython"][0]  # the board's: 32-bit, TLS in its heap


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    root = certs.make_ca("ftps root")
    ca_file = folder / "root.der"
    ca_file.write_bytes(root.cert_der)
    files = {"trusted": certs.issue(root, "localhost").write(str(folder), "trusted"),
             "stranger": certs.issue(certs.make_ca("another root"), "localhost").write(
                 str(folder), "stranger"),
             "elsewhere": certs.issue(root, "other.example", hosts=["other.example"]).write(
                 str(folder), "elsewhere")}
    return str(ca_file), files


def run(runtime, url, ca_file, max_bytes=None, put_bytes=None):
    return probe(runtime, [url, "-" if max_bytes is None else str(max_bytes), ca_file,
                           "-" if put_bytes is None else str(put_bytes)], RUNTIMES)


@runtimes
def test_a_file_goes_up_and_comes_down_whole_over_ftps(runtime, tmp_path, pki):
    ca_file, files = pki
    with FtpServer(str(tmp_path), tls=files["trusted"]) as server:
        outcome = run(runtime, server.url("/up.log"), ca_file, put_bytes=25000)
        assert outcome["status"] is None, outcome
        sent = (tmp_path / "up.log").read_bytes()
        assert sent == (b"0123456789" * 2500)
        image = os.urandom(30000)
        (tmp_path / "fw.bin").write_bytes(image)
        outcome = run(runtime, server.url("/fw.bin"), ca_file, max_bytes=len(image))
        assert (outcome["status"], outcome["received"], outcome["sha256"]) == \
            (None, len(image), hashlib.sha256(image).hexdigest()), outcome


@runtimes
@pytest.mark.parametrize("certificate", ["stranger", "elsewhere"])
def test_a_server_the_roots_do_not_vouch_for_is_refused(runtime, tmp_path, pki, certificate):
    ca_file, files = pki
    with FtpServer(str(tmp_path), tls=files[certificate]) as server:
        outcome = run(runtime, server.url("/up.log"), ca_file, put_bytes=100)
        assert outcome["status"] == "UploadFailure", outcome
        assert not (tmp_path / "up.log").exists()


@runtimes
def test_a_server_without_tls_is_refused_never_used_in_plain(runtime, tmp_path, pki):
    ca_file, _ = pki
    with FtpServer(str(tmp_path)) as server:
        outcome = run(runtime, server.url("/up.log", scheme="ftps"), ca_file, put_bytes=100)
        assert outcome["status"] == "UploadFailure", outcome
        assert outcome["reason"].startswith("no TLS: FTP 5"), outcome
        assert not (tmp_path / "up.log").exists()


@runtimes
def test_a_refused_login_is_permission_denied(runtime, tmp_path, pki):
    ca_file, files = pki
    with FtpServer(str(tmp_path), tls=files["trusted"]) as server:
        outcome = run(runtime, server.url("/up.log", password="wrong"), ca_file,
                      put_bytes=100)
        assert outcome["status"] == "PermissionDenied", outcome
