"""Transactions: start and stop charging sessions on the connectors and meter them.

Each transaction is a record that lives until its StopTransaction has been delivered; the
Central System's transactionId is filled in when StartTransaction is answered.
"""
import asyncio

from firmware.config import INTEGER, Key
from firmware.metering import meter_value

# With sampling off (0) the sampler still wakes this often to see the key change.
IDLE_SAMPLER_S = 5


class Transaction:
    def __init__(self, connector_id, id_tag, meter_start, timestamp):
        self.connector_id = connector_id
        self.id_tag = id_tag
        self.meter_start = meter_start
        self.started_at = timestamp
        self.transaction_id = None


class Transactions:
    def __init__(self, config, connectors_io, clock, messages, log, on_change):
        # The reference station's range; 0 switches sampled MeterValues off.
        config.declare(Key("MeterValueSampleInterval", INTEGER, 10, minimum=0, maximum=60,
                           check=lambda s: s == 0 or s >= 5))
        self._config = config
        self._io = connectors_io
        self._clock = clock
        self._messages = messages
        self._log = log
        self._on_change = on_change
        self.active = {}

    def on_connector(self, connector_id):
        return self.active.get(connector_id)

    def of_tag(self, id_tag):
        for transaction in self.active.values():
            if transaction.id_tag == id_tag:
                return transaction
        return None

    def start(self, connector_id, id_tag):
        io = self._io[connector_id - 1]
        timestamp = self._clock.now_iso8601()
        transaction = Transaction(connector_id, id_tag, io.energy_wh(), timestamp)
        self.active[connector_id] = transaction
        self._messages.push("StartTransaction", {
            "connectorId": connector_id, "idTag": id_tag, "meterStart": transaction.meter_start,
            "timestamp": timestamp}, transaction, lambda conf: self._started(transaction, conf))
        io.set_energize(True)
        self._log("tx: started on connector %d for %s at %d Wh" % (connector_id, id_tag,
                                                                 transaction.meter_start))
        self._on_change()
        return transaction

    def _started(self, transaction, conf):
        transaction.transaction_id = conf["transactionId"]
        status = conf["idTagInfo"]["status"]
        if status != "Accepted" and self.active.get(transaction.connector_id) is transaction:
            self._log("tx: %s is %s: stopping" % (transaction.id_tag, status))
            self.stop(transaction.connector_id, "DeAuthorized")

    def stop(self, connector_id, reason, id_tag=None):
        transaction = self.active.pop(connector_id, None)
        if transaction is None:
            return None
        io = self._io[connector_id - 1]
        io.set_energize(False)
        payload = {"meterStop": io.energy_wh(), "timestamp": self._clock.now_iso8601(),
                   "reason": reason}
        if id_tag is not None:
            payload["idTag"] = id_tag
        self._messages.push("StopTransaction", payload, transaction)
        self._log("tx: stopped on connector %d (%s) at %d Wh" % (connector_id, reason,
                                                               payload["meterStop"]))
        self._on_change()
        return transaction

    async def sample_forever(self):
        """MeterValues of every running transaction each sample interval (Sample.Periodic)."""
        while True:
            interval_s = self._config.get("MeterValueSampleInterval")
            await asyncio.sleep(interval_s or IDLE_SAMPLER_S)
            if not interval_s:
                continue
            timestamp = self._clock.now_iso8601()
            for connector_id, transaction in list(self.active.items()):
                io = self._io[connector_id - 1]
                self._messages.push("MeterValues", {
                    "connectorId": connector_id,
                    "meterValue": [meter_value(timestamp, io, "Sample.Periodic")]}, transaction)
