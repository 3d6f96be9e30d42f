"""GetDiagnostics (OCPP 1.6 5.9, 4.4; OCTT TC_045_1, TC_045_2): the station uploads its
diagnostics file to a real FTP server (pyftpdlib, passive mode) or HTTP server on loopback
and tells DiagnosticsStatusNotification; the faults (a refused login, nobody listening, a URL
it cannot use, a server that stalls) end in UploadFailed while charging goes on; a new
request replaces a running upload; TriggerMessage tells Uploading only while one runs; the
file holds no AuthorizationKey, password or private key. The station runs on the 32-bit
board interpreter at the Core heap (host_tests/tc.py)."""
import re
import socket
import threading

import pytest

from file_servers import FtpServer, HttpServer, forwards
from tc import CentralThread, booted, call, charging, tc_station, wait_until
from test_tc_remote_trigger import next_request, trigger
from test_tc_security_log import uploaded
from test_tc_security_profiles import relinked

STATUS = "DiagnosticsStatusNotification"


def get_diagnostics(cs, link, location, **options):
    return cs.run(link.call(call.GetDiagnostics(location=location, **options)))


def statuses(cs, count, seen=0):
    """The statuses of the DiagnosticsStatusNotifications after the `seen` first, once there
    are `count` of them."""
    def got():
        found = [p["status"] for p in cs.requests(STATUS)][seen:]
        return found if len(found) >= count else None
    return wait_until(got, 40, "%d %s" % (count, STATUS))


def triggered_status(cs, link):
    seen = len(cs.requests(STATUS))
    assert trigger(cs, link, STATUS) == "Accepted"
    return next_request(cs, STATUS, seen)["status"]


@pytest.mark.parametrize("server_class", [FtpServer, HttpServer])
def test_TC_045_1_get_diagnostics(tmp_path, server_class, starter=tc_station):
    with server_class(str(tmp_path)) as server, CentralThread(heartbeat_interval_s=300) as cs, \
            starter(cs, forwards(server)) as station:
        link = booted(cs)
        start = charging(cs, station)
        answer = get_diagnostics(cs, link, server.url("/"))
        assert answer.file_name.startswith("CP001-diagnostics-")
        assert statuses(cs, 2) == ["Uploading", "Uploaded"]
        text = uploaded(str(tmp_path), answer.file_name)
        for expected in ("# diagnostics of CP001", "firmwareVersion ", "uptime_s ",
                         "[heap]\nfree ", "[flash]\nused ", "running 1\nconnector 1 ",
                         "meterStart %d" % start["meterStart"], "HeartbeatInterval=300",
                         "each with its UTC time", '{"status":"Uploading"}'):
            assert expected in text, expected
        # The log lines with the UTC time each was logged.
        assert re.search(r"\n20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ CP001 -> ", text), text[-500:]
        assert triggered_status(cs, link) == "Idle"
        cs.wait_status(1, "Charging")
        assert station.alive


def test_TC_045_2_get_diagnostics_upload_failed(tmp_path, starter=tc_station):
    with FtpServer(str(tmp_path)) as ftp, CentralThread(heartbeat_interval_s=300) as cs, \
            starter(cs, forwards(ftp)) as station:
        link = booted(cs)
        charging(cs, station)
        # OCTT: retries 0 and a location the server refuses (no such folder there).
        answer = get_diagnostics(cs, link, ftp.url("/files/failedLocation"), retries=0)
        assert answer.file_name
        assert statuses(cs, 2) == ["Uploading", "UploadFailed"]
        # The board's console may show the line after the notification went out.
        wait_until(lambda: [line for line in station.lines if "diagnostics: attempt" in line],
                   10, "the attempt logged")
        assert len([line for line in station.lines if "diagnostics: attempt" in line]) == 1
        # The Charge Point continues normal operation.
        station.control("tap CARD-0001")
        cs.wait_status(1, "Finishing")
        assert station.alive


def test_refused_login_nobody_listening_and_unusable_urls_fail_after_the_retries(tmp_path):
    with FtpServer(str(tmp_path)) as ftp, CentralThread(heartbeat_interval_s=300) as cs, \
            tc_station(cs) as station:
        link = booted(cs)
        charging(cs, station)
        get_diagnostics(cs, link, ftp.url("/", password="wrong"), retries=0)
        assert statuses(cs, 2) == ["Uploading", "UploadFailed"]
        # Nobody listens there: 1 + 2 attempts, 1 s apart.
        get_diagnostics(cs, link, "http://127.0.0.1:9/", retries=2, retry_interval=1)
        assert statuses(cs, 2, seen=2) == ["Uploading", "UploadFailed"]
        assert [line for line in station.lines if "diagnostics: attempt 3 of 3" in line]
        for seen, url in ((4, "gopher://u:pw@127.0.0.1/"), (6, "ftp://127.0.0.1:99999/")):
            get_diagnostics(cs, link, url, retries=3, retry_interval=60)
            # At once, without the retries (a new request would cancel it: one at a time).
            assert statuses(cs, 2, seen=seen) == ["Uploading", "UploadFailed"]
        assert not [line for line in station.lines if ":pw@" in line and "diagnostics" in line]
        cs.wait_status(1, "Charging")
        assert station.alive


def test_a_stalled_server_ends_in_upload_failed_within_the_bound():
    listener = socket.create_server(("127.0.0.1", 0))
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    try:
        with CentralThread(heartbeat_interval_s=300) as cs, \
                tc_station(cs, ["--transfer-stall-s", "3"]) as station:
            link = booted(cs)
            get_diagnostics(cs, link, "ftp://127.0.0.1:%d/" % listener.getsockname()[1],
                            retries=0)
            assert statuses(cs, 2) == ["Uploading", "UploadFailed"]  # within 3 to 6 s
            assert [line for line in station.lines if "nothing moved for 3 s" in line]
            assert station.alive
    finally:
        listener.close()


def test_a_new_request_replaces_the_running_upload_and_triggers_tell_uploading(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            tc_station(cs):
        link = booted(cs)
        assert triggered_status(cs, link) == "Idle"  # 4.4: only ever sent when triggered
        # The first keeps retrying a dead location; the second takes its place.
        get_diagnostics(cs, link, "http://127.0.0.1:9/", retries=5, retry_interval=30)
        assert statuses(cs, 2) == ["Idle", "Uploading"]
        assert triggered_status(cs, link) == "Uploading"
        answer = get_diagnostics(cs, link, web.url("/"))
        # The triggered Uploading among them; the first upload tells nothing more.
        assert statuses(cs, 5) == ["Idle", "Uploading", "Uploading", "Uploading", "Uploaded"]
        assert "[configuration]" in uploaded(str(tmp_path), answer.file_name)
        assert triggered_status(cs, link) == "Idle"


def test_the_file_holds_no_authorization_key_password_or_private_key(tmp_path):
    secret = "5ec2e7a11d0c0ffee5ec2e7a11d0c0ffee5ec2e7"
    with FtpServer(str(tmp_path), password="ftp-pass-9") as ftp, \
            CentralThread(heartbeat_interval_s=300) as cs, tc_station(cs) as station:
        link = booted(cs)
        assert cs.run(link.call(call.ChangeConfiguration(
            key="AuthorizationKey", value=secret))).status == "Accepted"
        link = relinked(cs, link)  # the station connects again with its new key
        answer = get_diagnostics(cs, link, ftp.url("/"))
        assert statuses(cs, 2) == ["Uploading", "Uploaded"]
        text = uploaded(str(tmp_path), answer.file_name)
        assert "ChangeConfiguration" in text and "value hidden" in text  # the frame went in
        assert secret not in text and "\nAuthorizationKey" not in text  # not listed
        assert "ftp-pass-9" not in text and "ftp://***@127.0.0.1" in text
        assert "PRIVATE KEY" not in text and "BEGIN" not in text
        assert station.alive
