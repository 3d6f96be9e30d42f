"""The bundled Central System: a real OCPP 1.6-J server for demos and end-to-end tests.

Built on the PyPI `ocpp` package (schema validation on, both directions) and `websockets`.
It answers every Charge Point -> Central System action of OCPP 1.6 (with the security
extension) validly, prints every frame, and sends any Central System -> Charge Point call
typed on its standard input, e.g.

    CP001 RemoteStartTransaction {"idTag": "ABC", "connectorId": 1}

Host tooling only; never deployed to a board.

    python tools/csms.py [--host 127.0.0.1] [--port 9000] [--password KEY] [--cert PEM --key PEM]
"""
import argparse
import asyncio
import base64
import datetime
import itertools
import json
import ssl
import sys
import threading
import time
import uuid

from ocpp.charge_point import camel_to_snake_case
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, validate_payload
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

SUBPROTOCOL = "ocpp1.6"

# The calls a Central System may send to a Charge Point (OCPP 1.6 and its security extension).
CS_TO_CP_ACTIONS = (
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
    "ClearCache", "ClearChargingProfile", "DataTransfer", "DeleteCertificate",
    "ExtendedTriggerMessage", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics",
    "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "InstallCertificate",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList",
    "SetChargingProfile", "SignedUpdateFirmware", "TriggerMessage", "UnlockConnector",
    "UpdateFirmware")

COMMANDS_HELP = ("commands: IDENTITY ACTION [JSON payload] sends a call, e.g. "
                 'CP001 RemoteStartTransaction {"idTag": "ABC", "connectorId": 1}; '
                 "list shows the connected stations; help shows this")


def utc_now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class StationLink(ChargePoint):
    """One connected charge point, answering what a Core central system answers."""

    def __init__(self, identity, connection, central):
        super().__init__(identity, connection, response_timeout=central.response_timeout_s)
        self.central = central

    async def route_message(self, raw_msg):
        self.central.record(self.id, "<-", raw_msg)
        await super().route_message(raw_msg)

    async def _send(self, message):
        self.central.record(self.id, "->", message)
        await super()._send(message)

    @on(Action.boot_notification)
    def on_boot_notification(self, **_):
        return call_result.BootNotification(current_time=utc_now_iso(),
                                            interval=self.central.heartbeat_interval_s,
                                            status=self.central.boot_status)

    @on(Action.heartbeat)
    def on_heartbeat(self):
        return call_result.Heartbeat(current_time=utc_now_iso())

    @on(Action.status_notification)
    def on_status_notification(self, **_):
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag):
        return call_result.Authorize(id_tag_info={"status": "Accepted"})

    @on(Action.start_transaction)
    def on_start_transaction(self, **_):
        return call_result.StartTransaction(transaction_id=next(self.central.transaction_ids),
                                            id_tag_info={"status": "Accepted"})

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **_):
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, **_):
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, **_):
        # No vendor extensions here, which is what OCPP 1.6 section 4.3 answers for.
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(self, **_):
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status_notification(self, **_):
        return call_result.FirmwareStatusNotification()

    @on(Action.security_event_notification)
    def on_security_event_notification(self, **_):
        return call_result.SecurityEventNotification()

    @on(Action.sign_certificate)
    def on_sign_certificate(self, **_):
        return call_result.SignCertificate(status="Accepted")

    @on(Action.log_status_notification)
    def on_log_status_notification(self, **_):
        return call_result.LogStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status_notification(self, **_):
        return call_result.SignedFirmwareStatusNotification()


class CentralSystem:
    """Accepts stations on ws(s)://host:port/<path>/<identity>, optionally with Basic auth.

    `passwords` maps identity -> AuthorizationKey (hex digits, as ChangeConfiguration sends
    it); the Basic-auth password must be the bytes they stand for (OCTT TC_085, 2025
    edition), never the digits themselves. None accepts every station without
    authentication. Every frame is recorded in `traffic` as (identity, direction, text, monotonic time).
    """

    def __init__(self, passwords=None, heartbeat_interval_s=60, boot_status="Accepted",
                 response_timeout_s=10, link_class=StationLink, echo=False):
        self.passwords = passwords
        self.heartbeat_interval_s = heartbeat_interval_s
        self.boot_status = boot_status
        self.response_timeout_s = response_timeout_s
        self.link_class = link_class
        self.echo = echo
        self.transaction_ids = itertools.count(1)
        self.traffic = []
        self.links = {}
        self.rejected_auth = 0
        self.authorizations = []  # every Authorization header a station sent

    def record(self, identity, direction, text):
        self.traffic.append((identity, direction, text, time.monotonic()))
        if self.echo:
            print("CS  %s %s %s" % (identity, direction, text), flush=True)

    def _check_basic_auth(self, connection, request):
        if self.passwords is None:
            return None
        identity = request.path.rstrip("/").rsplit("/", 1)[-1]
        expected = self.passwords.get(identity)
        header = request.headers.get("Authorization", "")
        self.authorizations.append(header)
        if expected is not None and header.startswith("Basic "):
            try:
                # The key's bytes may be anything, ':' included: the user id ends at the
                # first one (RFC 7617), and the identity has none.
                user, _, password = base64.b64decode(header[6:], validate=True).partition(b":")
            except ValueError:
                user, password = None, None
            if user == identity.encode() and password == bytes.fromhex(expected):
                return None
        self.rejected_auth += 1
        return Response(401, "Unauthorized",
                        Headers([("WWW-Authenticate", 'Basic realm="ocpp"'),
                                 ("Content-Length", "0")]), b"")

    async def _handle(self, connection):
        identity = connection.request.path.rstrip("/").rsplit("/", 1)[-1]
        if connection.subprotocol != SUBPROTOCOL:
            await connection.close(1002, "ocpp1.6 required")
            return
        link = self.link_class(identity, connection, self)
        self.links[identity] = link
        if self.echo:
            print("CS  %s connected" % identity, flush=True)
        try:
            await link.start()
        except Exception:  # the connection ended: the station reconnects when it can
            pass
        finally:
            if self.links.get(identity) is link:
                del self.links[identity]
            if self.echo:
                print("CS  %s disconnected" % identity, flush=True)

    def _answer_to(self, identity, unique_id):
        for who, direction, text, _ in reversed(self.traffic):
            if who == identity and direction == "<-":
                frame = json.loads(text)
                if frame[0] in (3, 4) and frame[1] == unique_id:
                    return frame
        return None

    async def execute(self, line):
        """Runs one operator command (see COMMANDS_HELP); returns its one-line outcome."""
        words = line.split(None, 2)
        if not words:
            return None
        if words == ["list"]:
            return "stations: " + (" ".join(sorted(self.links)) or "none connected")
        if words == ["help"]:
            return COMMANDS_HELP
        if len(words) < 2:
            return "error: expected IDENTITY ACTION [JSON], list or help"
        identity, action = words[0], words[1]
        if action not in CS_TO_CP_ACTIONS:
            return "error: %s is not a Central System -> Charge Point action of OCPP 1.6" % action
        try:
            payload = json.loads(words[2]) if len(words) > 2 else {}
        except ValueError as error:
            return "error: payload is not JSON: %s" % error
        if not isinstance(payload, dict):
            return "error: payload must be a JSON object"
        link = self.links.get(identity)
        if link is None:
            return "error: %s is not connected (list shows who is)" % identity
        unique_id = str(uuid.uuid4())
        try:
            await validate_payload(Call(unique_id, action, payload), "1.6")
            request = getattr(call, action)(**camel_to_snake_case(payload))
        except (OCPPError, TypeError) as error:
            return "error: %s payload: %s" % (action, _one_line(error))
        try:
            await link.call(request, suppress=False, unique_id=unique_id)
        except asyncio.TimeoutError:
            return "error: %s sent no answer to %s within %d s" % (
                identity, action, self.response_timeout_s)
        except OCPPError as error:
            frame = self._answer_to(identity, unique_id)
            if frame is not None and frame[0] == 4:
                return "%s %s CALLERROR %s %s" % (identity, action, frame[2],
                                                  json.dumps(frame[3]))
            return "error: %s answer to %s: %s" % (identity, action, _one_line(error))
        except Exception as error:  # the link went away under the call
            return "error: %s %s: %s" % (identity, action, _one_line(error))
        frame = self._answer_to(identity, unique_id)
        return "%s %s answered %s" % (identity, action, json.dumps(frame[2]))

    def serve(self, host="127.0.0.1", port=0, ssl_context=None):
        """An async context manager: the listening server (`.sockets[0]` tells the port)."""
        return serve(self._handle, host, port, subprotocols=[SUBPROTOCOL],
                     process_request=self._check_basic_auth, ssl=ssl_context)


def _one_line(error):
    text = " ".join(str(error).split())
    return "%s: %s" % (type(error).__name__, text) if text else type(error).__name__


async def read_commands(central, stream=sys.stdin):
    """Runs the commands typed on `stream` until it ends; the server keeps serving after."""
    loop = asyncio.get_running_loop()
    lines = asyncio.Queue()

    def read():  # blocking reads in a daemon thread: any stdin works, the loop never blocks
        for line in stream:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        line = await lines.get()
        if line is None:
            return
        outcome = await central.execute(line)
        if outcome is not None:
            print("CS  " + outcome, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--password", metavar="KEY",
                        help="AuthorizationKey every station must present (hex digits; the "
                             "Basic-auth password is the bytes they stand for)")
    parser.add_argument("--heartbeat", type=int, default=60, help="HeartbeatInterval in s")
    parser.add_argument("--cert", help="server certificate chain (PEM) for wss://")
    parser.add_argument("--key", help="server private key (PEM)")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)

    class AnyIdentity(dict):
        def get(self, identity, default=None):
            return args.password

    central = CentralSystem(passwords=AnyIdentity() if args.password else None,
                            heartbeat_interval_s=args.heartbeat, echo=True)

    async def run():
        async with central.serve(args.host, args.port, context) as server:
            scheme = "wss" if context else "ws"
            port = server.sockets[0].getsockname()[1]
            print("CS  listening on %s://%s:%d/ocpp/<identity>" % (scheme, args.host, port),
                  flush=True)
            print("CS  " + COMMANDS_HELP, flush=True)
            await read_commands(central)
            await asyncio.Future()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
