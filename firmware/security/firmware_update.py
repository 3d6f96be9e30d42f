"""Signed firmware update (security whitepaper L01; TC_080, TC_081).

SignedUpdateFirmware: the signing certificate is checked first (L01.FR.23): it must be
issued by an installed ManufacturerRootCertificate -- its signature verified -- and within
its validity, else InvalidCertificate and the security event
InvalidFirmwareSigningCertificate. Accepted (AcceptedCanceled when it replaces a running
update, L01.FR.26), the station then reports every state with
SignedFirmwareStatusNotification and the request's requestId:
DownloadScheduled (until retrieveDateTime), Downloading, Downloaded or DownloadFailed
(after 1 + retries attempts, retryInterval apart), SignatureVerified or InvalidSignature
(and the event InvalidFirmwareSignature; SHA-256 over the whole file, ECDSA or RSA-PSS,
x509.verify), InstallScheduled (until installDateTime), then -- once no transaction runs
(L01.FR.06; meanwhile every connector not in use is Unavailable, L01.FR.07) -- Installing,
and the board installs the file (`install_firmware(path)`, which restarts it). After the
restart the station reports Installed and the critical event FirmwareUpdated.

The image goes to the board's flash as it arrives, hashed on the way, never whole in the
heap; an ftps:// or https:// location is checked against the installed
CentralSystemRootCertificates.
Loaded per request (firmware.on_demand.loaded); the running update is kept by its owner
(`updates`, firmware.security); `firmware_install.json` carries the requestId across the
restart.
"""
import asyncio
import os
from binascii import a2b_base64

from firmware.clock import parse_iso8601
from firmware.firmware_image import IMAGE_FILE, TRANSACTIONS_POLL_S, download_image
from firmware.on_demand import forgotten_when_done
from firmware import waits
from store.atomic import read_json_or_none, remove, write_json_atomic
from transfer.url import parse_location
from x509.cert import Certificate
from x509.pem import pem_to_der
from x509.verify import file_signed_by, issuing_root

DEFAULT_RETRIES = 2
DEFAULT_RETRY_INTERVAL_S = 60
CLOCK_SLACK_S = 2
MANUFACTURER_ROOT = "ManufacturerRootCertificate"


class FirmwareUpdate:
    def __init__(self, *, updates, call, board, clock, log, record_event, roots, transactions,
                 tls_context, hold_connectors):
        self._updates = updates  # a list holding the running update task, if any
        self._call = call
        self._board = board
        self._clock = clock
        self._log = log
        self._record_event = record_event
        self._roots = roots  # () -> DERs of the installed ManufacturerRootCertificates
        self._transactions = transactions  # those running, by connector: none when empty
        self._hold_connectors = hold_connectors  # () makes the free connectors Unavailable
        self._tls_context = tls_context  # () -> an SSLContext for ftps://, https:// (CS roots)
        self._image = board.state_dir + IMAGE_FILE
        self._record = board.state_dir + "/firmware_install.json"

    def register(self, handlers):
        handlers["SignedUpdateFirmware"] = self.signed_update_firmware

    def signed_update_firmware(self, payload):
        firmware = payload["firmware"]
        try:
            signer = Certificate(_one_der(firmware["signingCertificate"]))
            reason = self._refusal(signer)
        except ValueError as error:
            reason = "not a certificate (%s)" % error
        if reason is not None:
            self._record_event("InvalidFirmwareSigningCertificate", reason)
            return {"status": "InvalidCertificate"}
        try:
            signature = a2b_base64(firmware["signature"])
            retrieve_s = parse_iso8601(firmware["retrieveDateTime"])
            install_s = parse_iso8601(firmware["installDateTime"]) \
                if "installDateTime" in firmware else None
            location = parse_location(firmware["location"])
            if location.tls:  # ftps://, https://
                location.ssl_context = self._tls_context()
        except ValueError as error:
            self._log("firmware: request refused (%s)" % error)
            return {"status": "Rejected"}
        if getattr(self._board, "install_firmware", None) is None:
            return {"status": "Rejected"}  # this board cannot install anything
        status = "Accepted"
        running = self._updates[0] if self._updates else None
        if running is not None and not running.done():
            running.cancel()
            status = "AcceptedCanceled"
        request_id = payload["requestId"]

        def start():
            self._updates[:] = [asyncio.create_task(forgotten_when_done(
                self._updates, self._update(
                    request_id, location, retrieve_s, install_s, signer, signature,
                    payload.get("retries", DEFAULT_RETRIES),
                    payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))))]

        return {"status": status}, start

    async def after_restart(self):
        """After the boot following an installation: Installed and FirmwareUpdated."""
        record = read_json_or_none(self._record)
        if type(record) is not dict:
            return
        os.remove(self._record)
        self._record_event("FirmwareUpdated", self._board.boot_payload().get("firmwareVersion"))
        await self._notify("Installed", record.get("requestId"))

    def _refusal(self, signer):
        if not self._clock.within(signer.not_before, signer.not_after):
            return "outside its validity"
        if issuing_root(signer, self._roots()) is None:
            return "not issued by an installed ManufacturerRootCertificate"
        return None

    async def _update(self, request_id, location, retrieve_s, install_s, signer, signature,
                      retries, interval_s):
        if self._until(retrieve_s):
            await self._notify("DownloadScheduled", request_id)
            await waits.until(self._clock, retrieve_s)  # a month ahead too (firmware.waits)
        await self._notify("Downloading", request_id)
        digest = await download_image(self._board, location, retries, interval_s, self._log)
        if digest is None:
            await self._notify("DownloadFailed", request_id)
            return
        await self._notify("Downloaded", request_id)
        if not file_signed_by(signer, digest, signature):
            remove(self._image)
            self._record_event("InvalidFirmwareSignature", "SHA-256 %s" % digest.hex())
            await self._notify("InvalidSignature", request_id)
            return
        await self._notify("SignatureVerified", request_id)
        if install_s is not None and self._until(install_s):
            await self._notify("InstallScheduled", request_id)
            await waits.until(self._clock, install_s)
        self._hold_connectors()  # L01.FR.07: no new transaction while it waits
        try:
            while self._transactions:  # L01.FR.06: installing restarts the station
                await asyncio.sleep(TRANSACTIONS_POLL_S)
        except asyncio.CancelledError:  # a new update took its place: the connectors are free
            self._hold_connectors(False)
            raise
        await self._notify("Installing", request_id)
        write_json_atomic(self._record, {"requestId": request_id})
        self._log("firmware: installing %s" % self._image)
        self._board.install_firmware(self._image)

    def _until(self, unix_s):
        """True when `unix_s` is still ahead: a time within CLOCK_SLACK_S is now (our clock
        keeps the Central System's whole seconds and may trail it by one)."""
        return self._clock.synchronised and unix_s > self._clock.now_s() + CLOCK_SLACK_S

    async def _notify(self, status, request_id):
        payload = {"status": status}
        if request_id is not None:
            payload["requestId"] = request_id
        try:
            await self._call("SignedFirmwareStatusNotification", payload)
        except Exception as error:  # the update goes on; the Central System can ask again
            self._log("firmware: SignedFirmwareStatusNotification %s: %s" % (status, error))


def _one_der(pem):
    blocks = pem_to_der(pem)
    if len(blocks) != 1:
        raise ValueError("%d PEM blocks, expected one certificate" % len(blocks))
    return blocks[0]
