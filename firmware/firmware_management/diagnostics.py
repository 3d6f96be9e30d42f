"""GetDiagnostics (OCPP 1.6 sections 5.9 and 4.4; TC_045_1, TC_045_2): the station answers
with the name of its diagnostics file (diagnostics_file.py: there always is one), then
uploads it to `location` + "/" + that name through lib/transfer's upload() (whatever
schemes it knows: ftp://, http://, https://), telling DiagnosticsStatusNotification
Uploading, then Uploaded or UploadFailed.

An upload is tried 1 + retries times (OCTT's TC_045_2 sends retries 0 and expects one
attempt), retryInterval seconds apart; absent, DEFAULT_RETRIES and DEFAULT_RETRY_INTERVAL_S.
An attempt that moves nothing for the board's transfer_stall_s (lib/transfer's STALL_S when
it has none) fails, so a stalled server ends in UploadFailed too. A location it cannot use fails at once: retrying would not change it.

A new GetDiagnostics while one uploads cancels that upload (which tells nothing more) and
starts its own: the Central System wants the newer window and location, and, as OCPP 1.6
gives the notifications no request id, two uploads at once could not be told apart. That is
what the security whitepaper asks of GetLog (N01.FR.11) and what MicroOcpp and EVerest do.

Loaded per request (firmware.station ON_DEMAND); the running upload's task is kept in
`station.diagnostics` (firmware.on_demand.forgotten_when_done empties it when it ends), which
TriggerMessage reads to tell Uploading from Idle.
"""
import asyncio

from firmware import waits
from firmware.clock import parse_iso8601
from firmware.firmware_management.diagnostics_file import chunks, masked, taken_now
from firmware.on_demand import forgotten_when_done
from transfer.files import STALL_S, TransferError, upload
from transfer.url import parse_location

DEFAULT_RETRIES = 2
DEFAULT_RETRY_INTERVAL_S = 30
UPLOADING = {"status": "Uploading"}
UPLOADED = {"status": "Uploaded"}
UPLOAD_FAILED = {"status": "UploadFailed"}


def answer(station, action, payload):
    """GetDiagnostics.conf, and the upload as its follow-up."""
    try:
        window = (_time(payload.get("startTime")), _time(payload.get("stopTime")))
    except ValueError:  # the schema lets some texts through that are no time
        return {}  # no fileName: nothing will be uploaded
    running = station.diagnostics
    if running:
        running[0].cancel()
    name = "%s-diagnostics-%d.txt" % (station.board.identity_name, station.clock.now_s())
    attempts = 1 + max(0, payload.get("retries", DEFAULT_RETRIES))
    interval_s = max(0, payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))

    def start():
        holder = []
        station.diagnostics = holder
        holder.append(asyncio.create_task(forgotten_when_done(holder, _upload(
            station, payload["location"], name, window, attempts, interval_s))))

    return {"fileName": name}, start


async def _upload(station, remote, name, window, attempts, interval_s):
    await _notify(station, UPLOADING)
    outcome = await _attempts(station, remote, name, window, attempts, interval_s)
    # Its outcome told from here: a TriggerMessage now hears Idle (4.4), and a new request
    # has nothing left to cancel.
    if station.diagnostics and station.diagnostics[0] is asyncio.current_task():
        station.diagnostics = None
    await _notify(station, outcome)


async def _attempts(station, remote, name, window, attempts, interval_s):
    """UPLOADED or UPLOAD_FAILED, once the file is up or every attempt failed."""
    log = station.board.log
    try:
        location = parse_location(remote)
    except ValueError as error:
        log("diagnostics: %s" % masked(str(error)))
        return UPLOAD_FAILED
    location.path = location.path.rstrip("/") + "/" + name
    if location.tls:  # https://, ftps://: the Central System's roots check the server
        try:
            location.ssl_context = station.security.call("https_context")
        except ValueError as error:  # no usable root: the transfer fails without one
            log("diagnostics: no TLS context (%s)" % error)
    open_connection = getattr(station.board, "open_connection", None)
    stall_s = getattr(station.board, "transfer_stall_s", STALL_S)
    for attempt in range(attempts):
        if attempt:
            await waits.sleep(interval_s)  # the Central System's: it may be a week
        # HTTP reads the content twice (its length first): both reads must see the same.
        taken = taken_now(station, window)
        try:
            await upload(location, lambda: chunks(station, taken), open_connection, stall_s)
        except TransferError as error:
            log("diagnostics: attempt %d of %d failed: %s" % (attempt + 1, attempts, error))
            continue
        finally:
            taken = None
        log("diagnostics: %s uploaded" % name)
        return UPLOADED
    return UPLOAD_FAILED


async def _notify(station, status):
    try:
        await station.link.call("DiagnosticsStatusNotification", status)
    except Exception as error:  # the upload goes on; a TriggerMessage can ask again
        station.board.log("diagnostics: DiagnosticsStatusNotification %s: %s"
                          % (status["status"], error))


def _time(text):
    return None if text is None else parse_iso8601(text)
