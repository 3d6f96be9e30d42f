"""The bundled Central System: a real OCPP 1.6-J server for demos and end-to-end tests.

Built on the PyPI `ocpp` package (schema validation on, both directions) and `websockets`.
Host tooling only; never deployed to a board.

    python tools/csms.py [--host 127.0.0.1] [--port 9000] [--password KEY] [--cert PEM --key PEM]
"""
import argparse
import asyncio
import base64
import datetime
import itertools
import ssl

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

SUBPROTOCOL = "ocpp1.6"


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


class CentralSystem:
    """Accepts stations on ws(s)://host:port/<path>/<identity>, optionally with Basic auth.

    `passwords` maps identity -> AuthorizationKey; None accepts every station without
    authentication. Every frame is recorded in `traffic` as (identity, direction, text).
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

    def record(self, identity, direction, text):
        self.traffic.append((identity, direction, text))
        if self.echo:
            print("CS  %s %s %s" % (identity, direction, text), flush=True)

    def _check_basic_auth(self, connection, request):
        if self.passwords is None:
            return None
        identity = request.path.rstrip("/").rsplit("/", 1)[-1]
        expected = self.passwords.get(identity)
        header = request.headers.get("Authorization", "")
        if expected is not None and header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                user, password = None, None
            if user == identity and password == expected:
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

    def serve(self, host="127.0.0.1", port=0, ssl_context=None):
        """An async context manager: the listening server (`.sockets[0]` tells the port)."""
        return serve(self._handle, host, port, subprotocols=[SUBPROTOCOL],
                     process_request=self._check_basic_auth, ssl=ssl_context)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--password", help="AuthorizationKey every station must present")
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
        async with central.serve(args.host, args.port, context):
            scheme = "wss" if context else "ws"
            print("CS  listening on %s://%s:%d/ocpp/<identity>" % (scheme, args.host, args.port),
                  flush=True)
            await asyncio.Future()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
