"""A minimal charge point on the PyPI `ocpp` package (v16) and `websockets`, under CPython.

Written only as the comparison point of tools/bench_timing.py: it does what the bench asks
of a charge point and nothing else (no hardware, no persistence, no authorization).
Host tooling only; never deployed to a board.

    python tools/peer_cp.py ws://127.0.0.1:9000/ocpp/PEER
"""
import asyncio
import itertools
import sys

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import connect

from csms import utc_now_iso  # tools/ is this script's folder

CONNECTORS = (0, 1, 2)
ALL = (None,) + CONNECTORS  # a TriggerMessage without connectorId is for every connector


class PeerChargePoint(ChargePoint):
    def __init__(self, identity, connection):
        super().__init__(identity, connection)
        self.keys = {"HeartbeatInterval": ("60", False), "MeterValueSampleInterval": ("0", False),
                     "NumberOfConnectors": ("2", True), "SupportedFeatureProfiles": ("Core", True)}
        self.transactions = {}  # transactionId -> connectorId
        self.stopping = set()  # transactionIds of an accepted RemoteStopTransaction
        self.meter_wh = itertools.count(0, 1000)
        self.triggered = {"StatusNotification": self.send_status,
                          "MeterValues": self.send_meter_values, "Heartbeat": self.send_heartbeat}

    async def boot(self):
        await self.call(call.BootNotification(charge_point_model="Peer",
                                              charge_point_vendor="Bench"))
        await self.send_status(None)

    @on(Action.get_configuration)
    def on_get_configuration(self, key=None):
        wanted = key if key is not None else list(self.keys)
        known = [{"key": k, "value": self.keys[k][0], "readonly": self.keys[k][1]}
                 for k in wanted if k in self.keys]
        unknown = [k for k in wanted if k not in self.keys]
        return call_result.GetConfiguration(configuration_key=known,
                                            unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value):
        if key not in self.keys:
            return call_result.ChangeConfiguration(status="NotSupported")
        if self.keys[key][1]:
            return call_result.ChangeConfiguration(status="Rejected")
        self.keys[key] = (value, False)
        return call_result.ChangeConfiguration(status="Accepted")

    @on(Action.data_transfer)
    def on_data_transfer(self, **_):
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.clear_cache)
    def on_clear_cache(self):
        return call_result.ClearCache(status="Accepted")

    def sender(self, requested_message, connector_id):
        """What sends the requested message, or None when the peer does not send it."""
        return self.triggered.get(requested_message) if connector_id in ALL else None

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message, connector_id=None):
        accepted = self.sender(requested_message, connector_id) is not None
        return call_result.TriggerMessage(status="Accepted" if accepted else "Rejected")

    @after(Action.trigger_message)
    async def send_triggered(self, requested_message, connector_id=None):
        send = self.sender(requested_message, connector_id)
        if send is not None:
            await send(connector_id)

    async def send_status(self, connector_id):
        for each in CONNECTORS if connector_id is None else (connector_id,):
            await self.call(call.StatusNotification(connector_id=each, error_code="NoError",
                                                    status="Available"))

    async def send_meter_values(self, connector_id):
        for each in CONNECTORS if connector_id is None else (connector_id,):
            await self.call(call.MeterValues(connector_id=each, meter_value=[{
                "timestamp": utc_now_iso(), "sampledValue": [
                    {"value": str(next(self.meter_wh)), "context": "Trigger"}]}]))

    async def send_heartbeat(self, _):
        await self.call(call.Heartbeat())

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag, connector_id=1, **_):
        return call_result.RemoteStartTransaction(status="Accepted")

    @after(Action.remote_start_transaction)
    async def start_after_remote(self, id_tag, connector_id=1, **_):
        answer = await self.call(call.StartTransaction(
            connector_id=connector_id, id_tag=id_tag, meter_start=next(self.meter_wh),
            timestamp=utc_now_iso()))
        self.transactions[answer.transaction_id] = connector_id

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id):
        # Taken out here: the after-handler runs whatever the answer was.
        accepted = self.transactions.pop(transaction_id, None) is not None
        if accepted:
            self.stopping.add(transaction_id)
        return call_result.RemoteStopTransaction(status="Accepted" if accepted else "Rejected")

    @after(Action.remote_stop_transaction)
    async def stop_after_remote(self, transaction_id):
        if transaction_id in self.stopping:
            self.stopping.discard(transaction_id)
            await self.call(call.StopTransaction(
                transaction_id=transaction_id, meter_stop=next(self.meter_wh),
                timestamp=utc_now_iso(), reason="Remote"))


async def run(url):
    """Connects to `url` (identity = its last path segment) and serves until it closes."""
    async with connect(url, subprotocols=["ocpp1.6"]) as connection:
        peer = PeerChargePoint(url.rstrip("/").rsplit("/", 1)[-1], connection)
        serving = asyncio.ensure_future(peer.start())
        await peer.boot()
        await serving


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/peer_cp.py ws://HOST:PORT/PATH/IDENTITY")
    try:
        asyncio.run(run(sys.argv[1]))
    except KeyboardInterrupt:
        pass
