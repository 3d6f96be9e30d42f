"""GetLog (OCTT TC_079, security whitepaper N01): the station uploads its security log or
its diagnostics log to a real FTP server (pyftpdlib, passive mode; FTPS too) or HTTP
server (HTTPS too) on loopback, and reports it with LogStatusNotification; failures, retries and a new request
cancelling a running upload; the station running as on a board (see host_tests/tc.py)."""
import os

import pytest

from file_servers import FtpServer, HttpServer
from tc import CentralThread, booted, call, security_station, triggered, wait_until


def get_log(cs, link, location, kind="SecurityLog", request_id=1, **options):
    return cs.run(link.call(call.GetLog(log={"remote_location": location}, log_type=kind,
                                        request_id=request_id, **options)))


def log_statuses(cs, request_id, count):
    return wait_until(lambda: [p["status"] for p in cs.requests("LogStatusNotification")
                               if p.get("requestId") == request_id][count - 1:] and
                      [p["status"] for p in cs.requests("LogStatusNotification")
                       if p.get("requestId") == request_id], 20,
                      "%d LogStatusNotification(s) of request %d" % (count, request_id))


def uploaded(folder, name):
    path = os.path.join(folder, name)
    wait_until(lambda: os.path.exists(path), 10, name)
    with open(path) as f:
        return f.read()


@pytest.mark.parametrize("server_class", [FtpServer, HttpServer])
def test_TC_079_get_security_log(tmp_path, server_class):
    with server_class(str(tmp_path)) as server, \
            CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        wait_until(lambda: cs.requests("SecurityEventNotification"), 10, "StartupOfTheDevice")
        answer = get_log(cs, link, server.url("/"), request_id=7)
        assert answer.status == "Accepted" and answer.filename == "CP001-security-7.log"
        assert log_statuses(cs, 7, 2) == ["Uploading", "Uploaded"]
        lines = uploaded(str(tmp_path), answer.filename).splitlines()
        assert lines and lines[0].split(" ")[1] == "StartupOfTheDevice"
        assert lines[0].startswith(cs.requests("SecurityEventNotification")[0]["timestamp"])
        assert station.alive


def test_diagnostics_log_over_http_and_a_time_window_that_leaves_nothing(tmp_path):
    with HttpServer(str(tmp_path)) as server, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs):
        link = booted(cs)
        answer = get_log(cs, link, server.url("/"), kind="DiagnosticsLog", request_id=3)
        assert answer.status == "Accepted"
        assert log_statuses(cs, 3, 2) == ["Uploading", "Uploaded"]
        assert "boot: Accepted" in uploaded(str(tmp_path), answer.filename)
        answer = cs.run(link.call(call.GetLog(
            log={"remote_location": server.url("/"), "latest_timestamp": "2001-01-01T00:00:00Z"},
            log_type="SecurityLog", request_id=4)))
        assert log_statuses(cs, 4, 2) == ["Uploading", "Uploaded"]
        assert uploaded(str(tmp_path), answer.filename) == ""


def test_refused_credentials_bad_urls_and_retries(tmp_path):
    with FtpServer(str(tmp_path)) as ftp, \
            HttpServer(str(tmp_path), user="u", password="right") as web, \
            CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        get_log(cs, link, ftp.url("/", password="wrong"), request_id=1, retries=0)
        assert log_statuses(cs, 1, 2) == ["Uploading", "PermissionDenied"]
        get_log(cs, link, ftp.url("/no/such/folder/"), request_id=6, retries=0)
        assert log_statuses(cs, 6, 2) == ["Uploading", "PermissionDenied"]
        get_log(cs, link, web.url("/", user="u", password="wrong"), request_id=2, retries=0)
        assert log_statuses(cs, 2, 2) == ["Uploading", "PermissionDenied"]
        get_log(cs, link, "gopher://127.0.0.1/", request_id=3)
        assert log_statuses(cs, 3, 2) == ["Uploading", "BadMessage"]
        # Nobody listens there: 1 + 1 attempts, 1 s apart, then UploadFailure.
        get_log(cs, link, "http://127.0.0.1:9/", request_id=4, retries=1, retry_interval=1)
        assert log_statuses(cs, 4, 2) == ["Uploading", "UploadFailure"]
        assert len([line for line in station.lines if "log upload: attempt" in line]) >= 4
        get_log(cs, link, web.url("/", user="u", password="right"), request_id=5)
        assert log_statuses(cs, 5, 2) == ["Uploading", "Uploaded"]


def triggered_log_status(cs, link):
    return triggered(cs, link, "LogStatusNotification", "LogStatusNotification")


def test_a_new_get_log_cancels_the_running_upload(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs):
        link = booted(cs)
        # The first keeps retrying a dead location; the second takes its place.
        assert get_log(cs, link, "http://127.0.0.1:9/", request_id=1, retries=5,
                       retry_interval=30).status == "Accepted"
        log_statuses(cs, 1, 1)
        # While it runs, a trigger tells so (6.19: Idle only when nothing uploads).
        assert triggered_log_status(cs, link) == {"status": "Uploading", "requestId": 1}
        assert get_log(cs, link, web.url("/"), request_id=2).status == "AcceptedCanceled"
        assert log_statuses(cs, 2, 2) == ["Uploading", "Uploaded"]
        assert [p["status"] for p in cs.requests("LogStatusNotification")
                if p["requestId"] == 1] == ["Uploading", "Uploading"]
        assert triggered_log_status(cs, link) == {"status": "Idle"}


def tls_server(scheme, folder, certificate, stem):
    if scheme == "https":
        return HttpServer(folder, ssl_context=certificate.server_context(folder, stem))
    return FtpServer(folder, tls=certificate.write(folder, stem))


@pytest.mark.parametrize("scheme", ["https", "ftps"])
def test_uploads_over_tls_are_checked_against_the_central_system_roots(tmp_path, scheme):
    """HTTPS, and explicit FTPS (issue 21): AUTH TLS, the data connection over TLS too."""
    import certs

    root = certs.make_ca("%s root" % scheme)
    trusted_certificate = certs.issue(root, "localhost")
    stranger = certs.issue(certs.make_ca("another root"), "localhost")
    with tls_server(scheme, str(tmp_path), trusted_certificate, "trusted") as trusted, \
            tls_server(scheme, str(tmp_path), stranger, "stranger") as untrusted, \
            CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        assert cs.run(link.call(call.InstallCertificate(
            certificate_type="CentralSystemRootCertificate",
            certificate=root.cert_pem.decode()))).status == "Accepted"
        answer = get_log(cs, link, trusted.url("/"), request_id=1)
        assert log_statuses(cs, 1, 2) == ["Uploading", "Uploaded"]
        assert "StartupOfTheDevice" in uploaded(str(tmp_path), answer.filename)
        get_log(cs, link, untrusted.url("/"), request_id=2, retries=0)
        assert log_statuses(cs, 2, 2) == ["Uploading", "UploadFailure"]
        if scheme == "ftps":
            with FtpServer(str(tmp_path)) as plain:  # no TLS: refused, never plain FTP
                get_log(cs, link, plain.url("/", scheme="ftps"), request_id=3, retries=0)
                assert log_statuses(cs, 3, 2) == ["Uploading", "UploadFailure"]
            get_log(cs, link, trusted.url("/", password="wrong"), request_id=4, retries=0)
            assert log_statuses(cs, 4, 2) == ["Uploading", "PermissionDenied"]
            # The user and password of a URL never reach the station's log.
            assert [line for line in station.lines if "ftps://***@localhost" in line]
            assert not [line for line in station.lines if ":%s@" % trusted.password in line
                        or "wrong" in line]
        assert station.alive
