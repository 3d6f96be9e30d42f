"""GetLog (security whitepaper N01, TC_079): the station uploads its security log or its
diagnostics log to the given ftp://, ftps://, http:// or https:// location (the server checked
against the installed CentralSystemRootCertificates), and reports the upload with
LogStatusNotification (Uploading, then Uploaded or the failure: UploadFailure,
PermissionDenied, BadMessage), every one with the request's requestId.

The file goes to remoteLocation + "/" + the filename answered in GetLog.conf. SecurityLog:
one line per event ("<time> <type> <techInfo>"), within oldestTimestamp..latestTimestamp
when given. DiagnosticsLog: the board's recent log lines (its log ring); without one there
is nothing to send and the request is Rejected. An upload is tried 1 + retries times
(default DEFAULT_RETRIES), retryInterval seconds apart (default DEFAULT_RETRY_INTERVAL_S).
A new GetLog while one uploads cancels it and answers AcceptedCanceled (N01.FR.11).

Loaded per request (firmware.on_demand.loaded); the running upload is kept by its owner
(`uploads`, firmware.security), so the next request can cancel it.
"""
import asyncio

from firmware.clock import format_iso8601, parse_iso8601
from firmware.on_demand import forgotten_when_done
from firmware import waits
from transfer.files import STALL_S, TransferError, upload
from transfer.url import parse_location

DEFAULT_RETRIES = 2
DEFAULT_RETRY_INTERVAL_S = 30
BAD_MESSAGE = "BadMessage"


class LogUpload:
    def __init__(self, *, uploads, call, security_log, board, log, tls_context):
        self._uploads = uploads  # [task, requestId] of the running upload, if any
        self._call = call
        self._security_log = security_log
        self._board = board
        self._log = log
        self._tls_context = tls_context  # () -> an SSLContext for ftps://, https:// (CS roots)

    def register(self, handlers):
        handlers["GetLog"] = self.get_log

    def get_log(self, payload):
        kind = payload["logType"]
        request_id = payload["requestId"]
        params = payload["log"]
        if kind == "DiagnosticsLog" and getattr(self._board, "log_ring", None) is None:
            return {"status": "Rejected"}
        try:
            oldest = _time(params.get("oldestTimestamp"))
            latest = _time(params.get("latestTimestamp"))
        except ValueError:
            return {"status": "Rejected"}
        status = "Accepted"
        running = self._uploads[0] if self._uploads else None
        if running is not None and not running.done():
            running.cancel()
            status = "AcceptedCanceled"
        name = "%s-%s-%d.log" % (self._board.identity_name,
                                 "security" if kind == "SecurityLog" else "diagnostics",
                                 request_id)

        def lines():
            if kind == "SecurityLog":
                return self._security_lines(oldest, latest)
            return (line.encode() + b"\n" for line in self._board.log_ring.lines(10000))

        def start():
            self._uploads[:] = [asyncio.create_task(forgotten_when_done(
                self._uploads, self._upload(
                    params["remoteLocation"], name, lines, request_id,
                    payload.get("retries", DEFAULT_RETRIES),
                    payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S)))), request_id]

        return {"status": status, "filename": name}, start

    def _security_lines(self, oldest, latest):
        for seq, unix_s, kind, info in self._security_log.events():
            if (oldest is None or unix_s >= oldest) and (latest is None or unix_s <= latest):
                yield ("%s %s %s\n" % (format_iso8601(unix_s), kind, info or "")).encode()

    async def _upload(self, remote, name, chunks, request_id, retries, interval_s):
        await self._notify("Uploading", request_id)
        try:
            location = parse_location(remote)
        except ValueError as error:
            self._log("log upload: %s" % error)
            await self._notify(BAD_MESSAGE, request_id)
            return
        location.path = location.path.rstrip("/") + "/" + name
        if location.tls:  # ftps://, https://
            location.ssl_context = self._tls_context()
        failure = None
        for attempt in range(1 + max(0, retries)):
            if attempt:
                await waits.sleep(interval_s)  # the Central System's: it may be a week
            try:
                await upload(location, chunks, getattr(self._board, "open_connection", None),
                             getattr(self._board, "transfer_stall_s", STALL_S))
            except TransferError as error:
                failure = error
                self._log("log upload: attempt %d failed: %s" % (attempt + 1, error))
                continue
            await self._notify("Uploaded", request_id)
            return
        await self._notify(failure.status, request_id)

    async def _notify(self, status, request_id):
        try:
            await self._call("LogStatusNotification", {"status": status,
                                                       "requestId": request_id})
        except Exception as error:  # the upload goes on; the Central System can ask again
            self._log("log upload: LogStatusNotification %s: %s" % (status, error))


def _time(text):
    return None if text is None else parse_iso8601(text)
