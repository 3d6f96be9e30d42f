"""Signed firmware update (OCTT TC_080, TC_081; security whitepaper L01): the image from a
real HTTP server on loopback (HTTPS and FTPS too), signed with the `cryptography` package by a firmware signing
certificate under an installed ManufacturerRootCertificate; the station running as on a
board (see host_tests/tc.py), whose sim board installs by recording the version and
restarting."""
import base64
import datetime
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

import certs
from file_servers import FtpServer, HttpServer
from tc import CentralThread, booted, call, charging, security_station, triggered, wait_until

MANUFACTURER_ROOT = "ManufacturerRootCertificate"


def now_iso(delta_s=0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(signer, image):
    """ECDSA for an EC key, RSA-PSS for an RSA one (L01.FR.04)."""
    if isinstance(signer.key, ec.EllipticCurvePrivateKey):
        return signer.key.sign(image, ec.ECDSA(hashes.SHA256()))
    return signer.key.sign(image, padding.PSS(padding.MGF1(hashes.SHA256()),
                                              padding.PSS.MAX_LENGTH), hashes.SHA256())


class Update:
    """A manufacturer root installed on the station and a firmware image on HTTP."""

    def __init__(self, cs, link, folder, kind="ec"):
        self.cs, self.link = cs, link
        self.root = certs.make_ca("firmware root", kind=kind)
        self.signer = certs.issue(self.root, "firmware signer", hosts=(), kind=kind)
        assert cs.run(link.call(call.InstallCertificate(
            certificate_type=MANUFACTURER_ROOT,
            certificate=self.root.cert_pem.decode()))).status == "Accepted"
        self.image = b"version=0.2.0\n" + os.urandom(20000)
        with open(os.path.join(folder, "fw.bin"), "wb") as f:
            f.write(self.image)

    def request(self, url, request_id=5, signer=None, signature=None, retrieve_in_s=0,
                install_in_s=None, **options):
        signer = signer or self.signer
        signature = signature if signature is not None else sign(signer, self.image)
        firmware = {"location": url, "retrieve_date_time": now_iso(retrieve_in_s),
                    "signing_certificate": signer.cert_pem.decode(),
                    "signature": base64.b64encode(signature).decode()}
        if install_in_s is not None:
            firmware["install_date_time"] = now_iso(install_in_s)
        return self.cs.run(self.link.call(call.SignedUpdateFirmware(
            request_id=request_id, firmware=firmware, **options))).status


def statuses(cs, request_id, count):
    def found():
        seen = [p["status"] for p in cs.requests("SignedFirmwareStatusNotification")
                if p.get("requestId") == request_id]
        return seen if len(seen) >= count else None
    return wait_until(found, 30, "%d firmware statuses" % count)


def events(cs, kind):
    return [p for p in cs.requests("SecurityEventNotification") if p["type"] == kind]


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_TC_080_secure_firmware_update(tmp_path, kind):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs) as station:
        update = Update(cs, booted(cs), str(tmp_path), kind)
        assert update.request(web.url("/fw.bin")) == "Accepted"
        assert statuses(cs, 5, 5) == ["Downloading", "Downloaded", "SignatureVerified",
                                      "Installing", "Installed"]
        boots = cs.requests("BootNotification")
        assert [b["firmwareVersion"] for b in boots] == ["0.1.0", "0.2.0"]
        wait_until(lambda: events(cs, "FirmwareUpdated"), 10, "FirmwareUpdated")
        wait_until(lambda: [s["status"] for s in cs.requests("StatusNotification")[-3:]] ==
                   ["Available"] * 3, 10, "Available after the update")
        # L01.FR.28: once Installed, a triggered status is Idle.
        assert trigger_firmware_status(cs, cs.link("CP001")) == {"status": "Idle"}
        assert station.alive


def trigger_firmware_status(cs, link):
    return triggered(cs, link, "FirmwareStatusNotification", "SignedFirmwareStatusNotification")


def waiting_for_connector_1(cs, station, web, folder):
    """An update verified and waiting while connector 1 charges (L01.FR.06), connector 2
    made Unavailable (L01.FR.07)."""
    update = Update(cs, booted(cs), folder)
    charging(cs, station, 1)
    assert update.request(web.url("/fw.bin"), request_id=4) == "Accepted"
    assert statuses(cs, 4, 3) == ["Downloading", "Downloaded", "SignatureVerified"]
    cs.wait_status(2, "Unavailable")
    return update


def test_installation_waits_for_the_transaction_with_the_free_connectors_unavailable(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs) as station:
        waiting_for_connector_1(cs, station, web, str(tmp_path))
        assert cs.statuses(1)[-1] == ("Charging", "NoError")
        assert len(cs.requests("SignedFirmwareStatusNotification")) == 3
        station.control("tap CARD-0001")
        cs.wait_status(1, "Unavailable")
        assert statuses(cs, 4, 5)[3:] == ["Installing", "Installed"]
        assert [b["firmwareVersion"] for b in cs.requests("BootNotification")] == \
            ["0.1.0", "0.2.0"]
        # Not kept: after the restart the connectors are free again.
        wait_until(lambda: cs.statuses(2)[-1:] == [("Available", "NoError")], 20, "Available")


def test_TC_081_invalid_signature_and_a_signing_certificate_not_trusted(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs) as station:
        link = booted(cs)
        update = Update(cs, link, str(tmp_path))
        wrong = sign(update.signer, update.image + b"tampered")
        assert update.request(web.url("/fw.bin"), request_id=1, signature=wrong) == "Accepted"
        assert statuses(cs, 1, 3) == ["Downloading", "Downloaded", "InvalidSignature"]
        wait_until(lambda: events(cs, "InvalidFirmwareSignature"), 10, "the signature event")
        stranger = certs.issue(certs.make_ca("not the manufacturer"), "signer", hosts=())
        assert update.request(web.url("/fw.bin"), request_id=2, signer=stranger) == \
            "InvalidCertificate"
        wait_until(lambda: events(cs, "InvalidFirmwareSigningCertificate"), 10, "the event")
        # A location nobody serves: 1 + 1 attempts, then DownloadFailed.
        assert update.request("http://127.0.0.1:9/fw.bin", request_id=3, retries=1,
                              retry_interval=1) == "Accepted"
        assert statuses(cs, 3, 2) == ["Downloading", "DownloadFailed"]
        # L01.FR.20: the plain 1.6 message is not supported.
        with pytest.raises(Exception) as refused:
            cs.run(link.call(call.UpdateFirmware(location=web.url("/fw.bin"),
                                                 retrieve_date=now_iso()), suppress=False))
        assert "NotSupported" in repr(refused.value)
        assert len(cs.requests("BootNotification")) == 1 and station.alive


def test_a_new_update_releases_the_connectors_the_cancelled_one_held(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs) as station:
        update = waiting_for_connector_1(cs, station, web, str(tmp_path))
        # A new one, scheduled in an hour, takes its place: connector 2 is free meanwhile.
        assert update.request(web.url("/fw.bin"), retrieve_in_s=3600) == "AcceptedCanceled"
        cs.wait_status(2, "Available")
        assert cs.statuses(1)[-1] == ("Charging", "NoError")
        assert station.alive


def test_a_new_update_cancels_a_scheduled_one(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs):
        link = booted(cs)
        update = Update(cs, link, str(tmp_path))
        assert update.request(web.url("/fw.bin"), request_id=7, retrieve_in_s=3600) == \
            "Accepted"
        assert statuses(cs, 7, 1) == ["DownloadScheduled"]
        # L01.FR.29: triggered, the last status sent, with its requestId.
        assert trigger_firmware_status(cs, link) == {"status": "DownloadScheduled",
                                                     "requestId": 7}
        assert update.request(web.url("/fw.bin"), request_id=8) == "AcceptedCanceled"
        assert statuses(cs, 8, 5)[:2] == ["Downloading", "Downloaded"]
        assert [p["status"] for p in cs.requests("SignedFirmwareStatusNotification")
                if p.get("requestId") == 7] == ["DownloadScheduled"] * 2


def test_dates_a_month_ahead_stay_scheduled(tmp_path):
    # Issue 16: a month is more than a 32-bit board's asyncio can sleep in one go
    # (firmware/waits.py); the update waits for it all the same, on the UTC clock.
    month_s = 30 * 24 * 3600
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs) as station:
        update = Update(cs, booted(cs), str(tmp_path))
        assert update.request(web.url("/fw.bin"), request_id=11, retrieve_in_s=month_s) == \
            "Accepted"
        assert statuses(cs, 11, 1) == ["DownloadScheduled"]
        # Still scheduled, so the next request cancels it (L01.FR.26)...
        assert update.request(web.url("/fw.bin"), request_id=12, install_in_s=month_s) == \
            "AcceptedCanceled"
        assert statuses(cs, 12, 4) == ["Downloading", "Downloaded", "SignatureVerified",
                                       "InstallScheduled"]
        # ...and so is the installation a month ahead.
        assert update.request(web.url("/fw.bin"), request_id=13, retrieve_in_s=month_s) == \
            "AcceptedCanceled"
        # A week between two download attempts, from a location nobody serves.
        assert update.request("http://127.0.0.1:9/fw.bin", request_id=14, retries=1,
                              retry_interval=600000) == "AcceptedCanceled"
        wait_until(lambda: [line for line in station.lines
                            if "download attempt 1 failed" in line], 10, "a failed attempt")
        assert update.request(web.url("/fw.bin"), request_id=15, retrieve_in_s=month_s) == \
            "AcceptedCanceled"
        assert statuses(cs, 14, 1) == ["Downloading"] and station.alive


def tls_server(scheme, folder, root):
    """An https:// or ftps:// (explicit FTPS, issue 21) server for localhost on `folder`,
    its certificate issued by `root`."""
    server = certs.issue(root, "localhost")
    if scheme == "https":
        return HttpServer(folder, ssl_context=server.server_context(folder))
    return FtpServer(folder, tls=server.write(folder, "ftps-server"))


@pytest.mark.parametrize("scheme", ["https", "ftps"])
def test_a_firmware_image_over_tls(tmp_path, scheme):
    server_root = certs.make_ca("%s server root" % scheme)
    with tls_server(scheme, str(tmp_path), server_root) as web, \
            CentralThread(heartbeat_interval_s=300) as cs, security_station(cs):
        link = booted(cs)
        assert cs.run(link.call(call.InstallCertificate(
            certificate_type="CentralSystemRootCertificate",
            certificate=server_root.cert_pem.decode()))).status == "Accepted"
        update = Update(cs, link, str(tmp_path))
        assert update.request(web.url("/fw.bin"), request_id=9) == "Accepted"
        assert statuses(cs, 9, 5) == ["Downloading", "Downloaded", "SignatureVerified",
                                      "Installing", "Installed"]
