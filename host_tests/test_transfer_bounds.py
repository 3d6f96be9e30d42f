"""transfer.files against servers that misbehave (issue 16, "Inputs that must not stop the
station"), under the board's MicroPython and under CPython (mp_scripts/transfer_probe.py):
a server that never ends a line fails the transfer after _LINE_MAX bytes, however much it
sends, and one that never ends its HTTP header block after 64 lines; a file announced larger than the room given (HTTP Content-Length, FTP SIZE) is
refused before a byte reaches the sink; one that turns out larger is cut off at the room; an
HTTP body shorter than its Content-Length is a failure. Real servers on loopback: raw TCP
(file_servers.RawServer), http.server and pyftpdlib."""
import hashlib
import json
import os
import subprocess
import sys

import pytest

from file_servers import FtpServer, HttpServer, RawServer
from tc import MICROPYTHON32

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "transfer_probe.py")
# The board's heap: a reply line read without a bound would exhaust it long before the
# 16 MB a misbehaving server sends here.
RUNTIMES = {"micropython": ([MICROPYTHON32, "-X", "heapsize=128k"], {"MICROPYPATH": ".frozen:lib"}),
            "cpython": ([sys.executable], {"PYTHONPATH": "lib"})}
ENDLESS_BYTES = 16 * 1024 * 1024
KB = b"x" * 1024
OK = "HTTP/1.1 200 OK\r\n"


def download(runtime, url, max_bytes=None):
    return probe(runtime, [url, "-" if max_bytes is None else str(max_bytes)])


def probe(runtime, arguments, runtimes=RUNTIMES):
    """What mp_scripts/transfer_probe.py prints, run with these arguments."""
    command, env = runtimes[runtime]
    done = subprocess.run(command + [PROBE] + arguments, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, **env))
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def failed(outcome, reason):
    assert outcome["status"] == "UploadFailure" and outcome["reason"] == reason, outcome
    return outcome


runtimes = pytest.mark.parametrize("runtime", sorted(RUNTIMES))


@runtimes
@pytest.mark.parametrize("scheme, head", [("ftp", b"220 "), ("http", OK.encode() + b"X: ")])
def test_a_line_that_never_ends_fails_after_1024_bytes(runtime, scheme, head):
    with RawServer(head, KB, ENDLESS_BYTES) as server:
        failed(download(runtime, server.url(scheme)), "reply line over 1024 bytes")


@runtimes
@pytest.mark.parametrize("head, filler, reason", [
    (OK, b"X-Filler: y\r\n" * 64, "over 64 header lines"),
    (OK + "Content-Length: -1\r\n\r\n", KB, "Content-Length '-1'")])
def test_endless_or_bad_headers_fail(runtime, head, filler, reason):
    with RawServer(head.encode(), filler, ENDLESS_BYTES) as server:
        failed(download(runtime, server.url("http")), reason)


@runtimes
def test_a_content_length_over_the_room_is_refused_before_any_byte(runtime):
    head = (OK + "Content-Length: 1099511627776\r\n\r\n").encode()
    with RawServer(head, KB, 64 * 1024) as server:
        outcome = failed(download(runtime, server.url("http"), 100000),
                         "a file of 1099511627776 bytes, 100000 free for it")
        assert outcome["received"] == 0


@runtimes
def test_a_body_without_content_length_is_cut_off_at_the_room(runtime):
    with RawServer(OK.encode() + b"\r\n", KB, 64 * 1024) as server:
        outcome = failed(download(runtime, server.url("http"), 10000),
                         "the file is over the 10000 bytes free for it")
        assert outcome["received"] <= 10000


@runtimes
def test_a_body_shorter_than_its_content_length_fails(runtime):
    head = (OK + "Content-Length: 5000\r\n\r\n").encode()
    with RawServer(head, KB, 3 * 1024) as server:
        failed(download(runtime, server.url("http")),
               "the connection ended after 3072 of 5000 bytes")


@runtimes
def test_files_within_the_room_arrive_whole_and_ftp_size_refuses_one_over_it(runtime,
                                                                              tmp_path):
    image = os.urandom(20000)
    (tmp_path / "fw.bin").write_bytes(image)
    expected = hashlib.sha256(image).hexdigest()
    with FtpServer(str(tmp_path)) as ftp, HttpServer(str(tmp_path)) as web:
        for url in (ftp.url("/fw.bin"), web.url("/fw.bin")):
            outcome = download(runtime, url, len(image))
            assert (outcome["status"], outcome["received"], outcome["sha256"]) == \
                (None, len(image), expected), outcome
        outcome = failed(download(runtime, ftp.url("/fw.bin"), len(image) - 1),
                         "a file of 20000 bytes, 19999 free for it")
        assert outcome["received"] == 0


# ---- Stalls: bounded by silence, not by the transfer's length ------------------------------
STALL_S = 1


@runtimes
@pytest.mark.parametrize("scheme, head, put_bytes", [
    ("http", OK + "Content-Length: 100000\r\n\r\n", None),  # mid-body
    ("ftp", "220 ready\r\n", None),  # after the greeting: USER never answered
    ("http", "", 2000)])  # an upload whose answer never comes
def test_a_server_that_goes_silent_fails_the_transfer(runtime, scheme, head, put_bytes):
    with RawServer(head.encode(), KB, 10 * 1024 if head.endswith("\n\n") else 0,
                   silent=True) as server:
        outcome = failed(probe(runtime, [server.url(scheme), "-", "-",
                                         "-" if put_bytes is None else str(put_bytes),
                                         str(STALL_S)]),
                         "nothing moved for %d s" % STALL_S)
        assert outcome["received"] == (10 * 1024 if head.endswith("\n\n") else 0)


@runtimes
def test_a_slow_transfer_that_keeps_moving_is_not_cut(runtime):
    # 4 s of trickle, a read each 0.25 s: four times the stall bound, never silent that long.
    head = (OK + "Content-Length: 16384\r\n\r\n").encode()
    with RawServer(head, KB, 16 * 1024, pause_s=0.25) as server:
        outcome = probe(runtime, [server.url("http"), "-", "-", "-", str(STALL_S)])
        assert (outcome["status"], outcome["received"]) == (None, 16 * 1024), outcome
