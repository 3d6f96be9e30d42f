"""UpdateFirmware of the Firmware Management profile (OCTT TC_044_1, TC_044_2, TC_044_3)
on a board whose bootloader verifies images (the launcher's --unsigned-firmware, the board
contract's accepts_unsigned_firmware), and NotSupported on one without it (security
whitepaper L01.FR.20). Real FTP and HTTP servers on loopback; the station running as on a
board (see host_tests/tc.py), whose sim board installs by recording the image's version
line and restarting."""
import datetime
import os
import time

import pytest
from ocpp.v16 import call

from boards.sim.board import FLASH_BYTES
from file_servers import FtpServer, HttpServer, RawServer, forwards
from tc import CentralThread, booted, charging, security_station, tc_station, wait_until
from test_tc_security_log import tls_server

UNSIGNED = ["--unsigned-firmware"]


def now_iso(delta_s=0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def image(folder, first_line=b"version=0.3.0"):
    with open(os.path.join(folder, "fw.bin"), "wb") as f:
        f.write(first_line + b"\n" + os.urandom(30000))


def update(cs, link, location, **options):
    cs.run(link.call(call.UpdateFirmware(location=location, retrieve_date=now_iso(),
                                         **options), suppress=False))


def triggered_status(cs, link):
    """TriggerMessage(FirmwareStatusNotification) is Accepted: the status it brings."""
    sent = len(cs.requests("FirmwareStatusNotification"))
    assert cs.run(link.call(call.TriggerMessage(
        requested_message="FirmwareStatusNotification"))).status == "Accepted"
    return wait_until(lambda: cs.requests("FirmwareStatusNotification")[sent:], 10,
                      "the triggered FirmwareStatusNotification")[0]


def statuses(cs, count, timeout_s=30):
    def found():
        seen = [p["status"] for p in cs.requests("FirmwareStatusNotification")]
        return seen if len(seen) >= count else None
    return wait_until(found, timeout_s, "%d firmware statuses" % count)


def test_TC_044_1_firmware_update_download_and_install(tmp_path, starter=tc_station):
    image(str(tmp_path))
    with FtpServer(str(tmp_path)) as ftp, CentralThread(heartbeat_interval_s=300) as cs, \
            starter(cs, UNSIGNED + forwards(ftp)) as station:
        update(cs, booted(cs), ftp.url("/fw.bin"))
        assert statuses(cs, 4) == ["Downloading", "Downloaded", "Installing", "Installed"]
        assert [b["firmwareVersion"] for b in cs.requests("BootNotification")] == \
            ["0.1.0", "0.3.0"]
        wait_until(lambda: [s["status"] for s in cs.requests("StatusNotification")[-3:]] ==
                   ["Available"] * 3, 10, "Available after the update")
        assert triggered_status(cs, cs.link("CP001")) == {"status": "Idle"}
        assert station.alive


def test_TC_044_2_firmware_update_download_failed(tmp_path, starter=tc_station):
    with FtpServer(str(tmp_path)) as ftp, CentralThread() as cs, \
            starter(cs, UNSIGNED + forwards(ftp, ports=[9])) as station:
        link = booted(cs)
        update(cs, link, ftp.url("/download_fail.fwi"), retries=0)
        assert statuses(cs, 2) == ["Downloading", "DownloadFailed"]
        # A server that is not there (after its retry), and a URL the station cannot use.
        update(cs, link, "http://127.0.0.1:9/fw.bin", retries=1, retry_interval=1)
        assert statuses(cs, 4)[2:] == ["Downloading", "DownloadFailed"]
        update(cs, link, "gopher://127.0.0.1/fw.bin")
        assert statuses(cs, 5)[4:] == ["DownloadFailed"]
        assert len(cs.requests("BootNotification")) == 1  # the old firmware runs on
        charging(cs, station)  # and the station charges


def test_TC_044_3_firmware_update_installation_failed(tmp_path, starter=tc_station):
    image(str(tmp_path), first_line=b"not an image this board boots")
    with HttpServer(str(tmp_path)) as web, CentralThread() as cs, \
            starter(cs, UNSIGNED + forwards(web)) as station:
        update(cs, booted(cs), web.url("/fw.bin"))
        assert statuses(cs, 4) == ["Downloading", "Downloaded", "Installing",
                                   "InstallationFailed"]
        assert [b["firmwareVersion"] for b in cs.requests("BootNotification")] == ["0.1.0"]
        cs.wait_status(2, "Available")  # the connectors held for it are free again
        charging(cs, station)


def test_installation_waits_for_the_transaction(tmp_path):
    """AQ-4: a download during a transaction is not refused; the installation waits for its
    end, the free connector Unavailable meanwhile, and TriggerMessage tells the status."""
    image(str(tmp_path))
    with HttpServer(str(tmp_path)) as web, CentralThread() as cs, \
            tc_station(cs, UNSIGNED) as station:
        link = booted(cs)
        charging(cs, station, 1)
        update(cs, link, web.url("/fw.bin"))
        assert statuses(cs, 2) == ["Downloading", "Downloaded"]
        cs.wait_status(2, "Unavailable")
        assert triggered_status(cs, link) == {"status": "Downloaded"}
        station.control("tap CARD-0001")
        assert statuses(cs, 5)[-2:] == ["Installing", "Installed"]  # the trigger's 3rd


def test_a_board_without_it_answers_not_supported():
    with CentralThread() as cs, tc_station(cs) as station:
        link = booted(cs)
        with pytest.raises(Exception) as raised:
            update(cs, link, "http://127.0.0.1:9/fw.bin")
        assert type(raised.value).__name__ == "NotSupportedError"
        assert cs.requests("FirmwareStatusNotification") == []
        assert station.alive


def test_an_image_larger_than_the_free_flash_is_refused_before_it_is_written(tmp_path):
    with open(os.path.join(str(tmp_path), "big.bin"), "wb") as f:
        f.write(b"version=9.9.9\n" + b"\0" * (FLASH_BYTES + 1))
    with HttpServer(str(tmp_path)) as web, CentralThread() as cs, \
            tc_station(cs, UNSIGNED) as station:
        update(cs, booted(cs), web.url("/big.bin"), retries=0)
        assert statuses(cs, 2) == ["Downloading", "DownloadFailed"]
        state = [line for line in station.lines if "download attempt 1 failed" in line]
        assert state and not os.path.exists(os.path.join(station.state, "flash",
                                                          "firmware.bin"))
        assert len(cs.requests("BootNotification")) == 1


def test_the_download_waits_for_retrieve_date(tmp_path):
    image(str(tmp_path))
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            tc_station(cs, UNSIGNED):
        link = booted(cs)
        asked = time.monotonic()
        cs.run(link.call(call.UpdateFirmware(location=web.url("/fw.bin"),
                                             retrieve_date=now_iso(4)), suppress=False))
        statuses(cs, 1)
        assert cs.request_times("FirmwareStatusNotification")[0] - asked >= 2.5
        assert statuses(cs, 4)[-1] == "Installed"


@pytest.mark.parametrize("scheme", ["https", "ftps"])
def test_over_tls_the_server_is_checked_against_the_central_system_roots(tmp_path, scheme):
    """UpdateFirmware and GetDiagnostics over https:// and ftps://, the station at the
    security cases' heap (TLS buffers beside a TLS link are not needed here: the link is
    ws://, the transfer's TLS needs the room)."""
    import certs

    image(str(tmp_path))
    root = certs.make_ca("%s root" % scheme)
    trusted_certificate = certs.issue(root, "localhost")
    stranger = certs.issue(certs.make_ca("another root"), "localhost")
    with tls_server(scheme, str(tmp_path), trusted_certificate, "trusted") as trusted, \
            tls_server(scheme, str(tmp_path), stranger, "stranger") as untrusted, \
            CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs, UNSIGNED) as station:
        link = booted(cs)
        assert cs.run(link.call(call.InstallCertificate(
            certificate_type="CentralSystemRootCertificate",
            certificate=root.cert_pem.decode()))).status == "Accepted"
        update(cs, link, untrusted.url("/fw.bin"), retries=0)
        assert statuses(cs, 2) == ["Downloading", "DownloadFailed"]
        diagnostics = cs.run(link.call(call.GetDiagnostics(location=trusted.url("/"),
                                                           retries=0)))
        wait_until(lambda: [p["status"] for p in cs.requests("DiagnosticsStatusNotification")
                            ][-1:] == ["Uploaded"], 20, "the diagnostics Uploaded")
        assert os.path.exists(os.path.join(str(tmp_path), diagnostics.file_name))
        update(cs, link, trusted.url("/fw.bin"))
        assert statuses(cs, 6)[2:] == ["Downloading", "Downloaded", "Installing", "Installed"]
        assert station.alive


def test_a_refused_login_and_a_full_disk_end_with_the_failure_told(tmp_path):
    """UpdateFirmware from an FTP server refusing the password; GetDiagnostics to one whose
    disk is full (552): DownloadFailed and UploadFailed, and the station charges on."""
    image(str(tmp_path))
    with FtpServer(str(tmp_path)) as ftp, FtpServer(str(tmp_path), disk_full=True) as full, \
            CentralThread() as cs, tc_station(cs, UNSIGNED) as station:
        link = booted(cs)
        charging(cs, station)
        update(cs, link, ftp.url("/fw.bin", password="wrong"), retries=0)
        assert statuses(cs, 2) == ["Downloading", "DownloadFailed"]
        cs.run(link.call(call.GetDiagnostics(location=full.url("/"), retries=0)))
        wait_until(lambda: [p["status"] for p in cs.requests("DiagnosticsStatusNotification")
                            ] == ["Uploading", "UploadFailed"], 20, "UploadFailed")
        assert [line for line in station.lines if "552" in line]
        assert station.control("status")["connectors"][1]["status"] == "Charging"


def test_a_download_that_stalls_mid_image_fails_and_the_station_charges_on(tmp_path):
    """Half an image, then silence with the connection open: DownloadFailed once nothing
    moved for the board's transfer_stall_s, no partial image left on the flash, the running
    firmware and the charging session untouched; the next update from a working server
    installs."""
    image(str(tmp_path))
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 30014\r\n\r\nversion=0.3.0\n"
    with RawServer(head, b"\0" * 1024, 15 * 1024, silent=True) as stalling, \
            HttpServer(str(tmp_path)) as web, CentralThread() as cs, \
            tc_station(cs, UNSIGNED + ["--transfer-stall-s", "3"]) as station:
        link = booted(cs)
        charging(cs, station)
        update(cs, link, stalling.url("http"), retries=0)
        assert statuses(cs, 2) == ["Downloading", "DownloadFailed"]
        assert [line for line in station.lines if "nothing moved for 3 s" in line]
        assert not os.path.exists(os.path.join(station.state, "flash", "firmware.bin"))
        assert station.control("status")["connectors"][1]["status"] == "Charging"
        station.control("tap CARD-0001")  # the session ends; then the installation may run
        update(cs, link, web.url("/fw.bin"))
        assert statuses(cs, 6)[2:] == ["Downloading", "Downloaded", "Installing", "Installed"]
        assert cs.requests("BootNotification")[-1]["firmwareVersion"] == "0.3.0"
