"""UpdateFirmware (OCPP 1.6 sections 4.5, 5.19; OCTT TC_044_1, 044_2, 044_3) for a board that
takes unsigned images: its contract's `accepts_unsigned_firmware`, a bootloader that
verifies what it installs. Any other board answers a CALLERROR NotSupported, as the
security whitepaper's L01.FR.20 asks of a station with signed updates (firmware.security).

UpdateFirmware.conf goes out first (it has no status). Then, at retrieveDate: Downloading,
the image to the board's flash (1 + retries attempts, retryInterval apart; one larger than
the free flash fails before it is written), Downloaded or DownloadFailed. Once no
transaction runs (the free connectors Unavailable meanwhile, as for a signed update; a
download during a transaction is not refused, AQ-4): Installing, and the board installs the
image and restarts. After the boot: Installed when the board runs another version, else
InstallationFailed; InstallationFailed at once when the board refuses the image.
A new update (this or a signed one: they share the image file) replaces one not yet
installing. Loaded per request and unloaded after; `firmware_update.json` carries the
version that was running across the restart.
"""
import asyncio

from firmware import waits
from firmware.clock import parse_iso8601
from firmware.firmware_image import IMAGE_FILE, TRANSACTIONS_POLL_S, download_image
from firmware.on_demand import forgotten_when_done
from ocppj.errors import NotSupported
from store.atomic import read_json_or_none, remove, write_json_atomic
from transfer.url import parse_location

RECORD_FILE = "/firmware_update.json"  # in the board's state_dir (firmware.station reads it)
DEFAULT_RETRIES = 2
DEFAULT_RETRY_INTERVAL_S = 60


def answer(station, action, payload):
    """The station's handler of UpdateFirmware (firmware.station ON_DEMAND)."""
    board = station.board
    if not getattr(board, "accepts_unsigned_firmware", False) or \
            getattr(board, "install_firmware", None) is None:
        raise NotSupported("this board installs signed firmware only (SignedUpdateFirmware)")
    updates = station.security.updates  # one image file: one update at a time, either kind
    running = updates[0] if updates else None
    if running is not None and not running.done():
        running.cancel()
        station.availability.hold_for_installation(False)
        board.log("firmware: the update running is replaced by a new one")

    def start():
        updates[:] = [asyncio.create_task(forgotten_when_done(updates, update(
            station, payload["location"], payload["retrieveDate"],
            payload.get("retries", DEFAULT_RETRIES),
            payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))))]

    return {}, start


async def update(station, url, retrieve_date, retries, interval_s):
    board, clock = station.board, station.clock
    try:
        location = parse_location(url)
        if location.tls:  # ftps://, https://: the server checked as the Central System is
            location.ssl_context = station.security.call("https_context")
        retrieve_s = parse_iso8601(retrieve_date)
    except ValueError as error:
        board.log("firmware: update refused (%s)" % error)
        await notify(station, "DownloadFailed")
        return
    if clock.synchronised and retrieve_s > clock.now_s():
        await waits.until(clock, retrieve_s)  # a month ahead too (firmware.waits)
    await notify(station, "Downloading")
    if await download_image(board, location, retries, interval_s, board.log) is None:
        await notify(station, "DownloadFailed")
        return
    await notify(station, "Downloaded")
    station.availability.hold_for_installation()  # no new transaction while it waits
    try:
        while station.transactions.active:  # installing restarts the station
            await asyncio.sleep(TRANSACTIONS_POLL_S)
    except asyncio.CancelledError:  # a new update took its place: the connectors are free
        station.availability.hold_for_installation(False)
        raise
    await notify(station, "Installing")
    path = board.state_dir + RECORD_FILE
    write_json_atomic(path, {"version": board.boot_payload().get("firmwareVersion")})
    board.log("firmware: installing %s" % (board.state_dir + IMAGE_FILE))
    try:
        board.install_firmware(board.state_dir + IMAGE_FILE)  # restarts the board
    except Exception as error:  # the board refused the image: the old firmware runs on
        board.log("firmware: installation failed: %s" % error)
        remove(path)
        station.availability.hold_for_installation(False)
        await notify(station, "InstallationFailed")


async def after_boot(station):
    """Once the boot is accepted: the outcome of an installation that restarted the
    station (Installed, or InstallationFailed when the same version still runs)."""
    path = station.board.state_dir + RECORD_FILE
    try:
        record = read_json_or_none(path)
    except ValueError:  # damaged: what was installed cannot be told
        record = {}
    if record is None:
        return
    remove(path)
    before = record.get("version") if type(record) is dict else None
    now = station.board.boot_payload().get("firmwareVersion")
    await notify(station, "Installed" if now != before else "InstallationFailed")


async def notify(station, status):
    """FirmwareStatusNotification; TriggerMessage reports the same while it runs."""
    station.firmware_status = None if status in ("DownloadFailed", "InstallationFailed",
                                                 "Installed") else status
    try:
        await station.link.call("FirmwareStatusNotification", {"status": status})
    except Exception as error:  # the update goes on; the Central System can ask again
        station.board.log("firmware: FirmwareStatusNotification %s: %s" % (status, error))
