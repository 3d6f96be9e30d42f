"""Transactions: start and stop charging sessions on the connectors and meter them.

Each transaction is a record kept in flash (see tx_messages) from its start until its
StopTransaction has been delivered. It is written when it starts and stops and with each
meter sample, never more often: at most one write per sample, plus one a minute while no
sample is taken.

Every Wh the meter counts belongs to one transaction, or flowed while none ran: meterStart
is read before the output is switched on (at the refresh the start asks for, by
switch_output below, the rule of firmware/connector.py); a stop switches the output off first
and reads meterStop once the current has stopped (or the board's de-energize timeout has
passed: PowerSwitchFailure).
After a power cut the transactions that were running are stopped at boot with reason
PowerLoss (option AQ-7.2) and the register read then, which the meter kept through the cut,
stamped with the last time known before it. A meterStop that is not this meter's register
(it cannot be read, went back, or the meter's serial changed) is the last good reading
instead, logged and flagged in the journal ("mf"), its Transaction.End value stamped when
that reading was taken.

Meter values: Sample.Periodic every MeterValueSampleInterval from the start of each
transaction; Sample.Clock every ClockAlignedDataInterval from midnight UTC on connector 0
and on every connector; StopTxnSampledData / StopTxnAlignedData gathered for the
StopTransaction's transactionData, from Transaction.Begin to Transaction.End.
"""
import asyncio

from firmware.clock import format_iso8601
from firmware.config import BOOLEAN, INTEGER, Key
from firmware.connector import CURRENT_STOPPED_A, DEENERGIZE_TIMEOUT_MS, POWER_SWITCH_FAILURE, \
    evse_allows
from firmware.core.metering import BEGIN, CLOCK, END, ENERGY, PERIODIC, Metering, meter_value, \
    station_meter_value
from firmware.core.tx_messages import Transaction  # noqa: F401 (the record, re-exported)

TICK_S = 0.25
# While no meter sample is written, the last reading (kept in RAM each second) goes to the
# journal this often: what a power cut leaves for the PowerLoss stop.
KEEP_READING_S = 60


def keys():
    """Its keys, the configuration's maker of them: made at boot to declare them and again
    when the configuration needs them, so that in between only their values take heap."""
    return (Key("StopTransactionOnInvalidId", BOOLEAN, True),
            Key("MaxEnergyOnInvalidId", INTEGER, 0, minimum=0))


class Transactions:
    def __init__(self, *, config, connectors_io, clock, messages, log, on_change, ticks_ms,
                 ticks_diff):
        """`on_change()`: the statuses and outputs are to be recomputed (the station's
        refresh, which calls switch_output)."""
        for key in keys():
            config.declare(key, keys)
        self.metering = Metering(config)
        self._config = config
        self._io = connectors_io
        self._clock = clock
        self._messages = messages
        self._log = log
        self._on_change = on_change
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        # The outputs, off at boot whatever a reset left them at. Kept here: a class of
        # their own took 144 bytes more of the 32-bit board's heap, which has little left.
        self._on = [False] * len(connectors_io)
        self._off_ms = [ticks_ms()] * len(connectors_io)  # when last switched off
        # Per connector, latched until a restart: only a person can tell that the switch
        # works again.
        self.switch_failed = [False] * len(connectors_io)
        for io in connectors_io:
            io.set_energize(False)
        # Connector id -> transaction, from its start until its StopTransaction is queued
        # (`stopping` set meanwhile: the output is off, the current not yet stopped).
        self.active = {}
        self._next_aligned_s = None
        # Called with (idTag, idTagInfo) from StartTransaction.conf and StopTransaction.conf.
        self.on_id_tag_info = None
        self.interrupted = self._stop_interrupted()

    def on_connector(self, connector_id):
        return self.active.get(connector_id)

    def of_tag(self, id_tag):
        for transaction in self.active.values():
            if transaction.id_tag == id_tag:
                return transaction
        return None

    # ---- start and stop -----------------------------------------------------------------

    def start(self, connector_id, id_tag, reservation_id=None):
        io = self._io[connector_id - 1]
        now_s = self._clock.now_s()
        timestamp = format_iso8601(now_s)
        meter_start = io.energy_wh()
        transaction = self._messages.new_transaction(connector_id, id_tag, meter_start, now_s,
                                                     timestamp)
        transaction.next_sample_s = now_s + self.metering.sample_interval_s()
        record = {"tx": [transaction.ref, connector_id, id_tag, meter_start, now_s]}
        transaction.meter_serial = meter_serial(io)
        if transaction.meter_serial is not None:
            record["ms"] = [transaction.ref, transaction.meter_serial]
        begin = self._stop_value(io, timestamp, BEGIN)
        if begin is not None:
            transaction.keep_stop_value(begin)
            record["x"] = [transaction.ref, begin]
        self.active[connector_id] = transaction
        payload = {"connectorId": connector_id, "idTag": id_tag, "meterStart": meter_start,
                   "timestamp": timestamp}
        if reservation_id is not None:  # the reservation it ends (section 4.8)
            payload["reservationId"] = reservation_id
        self._messages.push("StartTransaction", payload, transaction,
                            lambda conf: self._started(transaction, conf), record)
        self._log("tx: started on connector %d for %s at %d Wh" % (connector_id, id_tag,
                                                                 meter_start))
        self._on_change()
        return transaction

    def _id_tag_info(self, id_tag, conf):
        info = conf.get("idTagInfo")
        if info is not None and id_tag is not None and self.on_id_tag_info is not None:
            self.on_id_tag_info(id_tag, info)

    def _started(self, transaction, conf):
        self._id_tag_info(transaction.id_tag, conf)
        status = conf["idTagInfo"]["status"]
        if status == "Accepted" or self.active.get(transaction.connector_id) is not transaction:
            return
        if self._config.get("StopTransactionOnInvalidId"):
            self._log("tx: %s is %s: stopping" % (transaction.id_tag, status))
            self.stop(transaction.connector_id, "DeAuthorized")
            return
        # Errata 3.17: only stop the energy, after MaxEnergyOnInvalidId Wh if it is set.
        self._log("tx: %s is %s: energy limited to %d Wh" % (
            transaction.id_tag, status, self._config.get("MaxEnergyOnInvalidId")))
        transaction.authorized = False
        self._limit_invalid(transaction)

    def _limit_invalid(self, transaction):
        if transaction.authorized or transaction.suspended or transaction.stopping:
            return
        io = self._io[transaction.connector_id - 1]
        if io.energy_wh() - transaction.meter_start >= self._config.get("MaxEnergyOnInvalidId"):
            transaction.suspended = True
            self._log("tx: connector %d suspended (invalid id)" % transaction.connector_id)
            self._on_change()

    def stop(self, connector_id, reason, id_tag=None):
        """Ends delivery at once; StopTransaction follows once the current has stopped."""
        transaction = self.active.get(connector_id)
        if transaction is None or transaction.stopping is not None:
            return None
        transaction.stopping = (reason, id_tag)
        self._on_change()  # the output goes off
        self._finish_if_settled(transaction)
        return transaction

    def _finish_if_settled(self, transaction):
        if not self._settled(transaction.connector_id):
            return
        connector_id = transaction.connector_id
        reason, id_tag = transaction.stopping
        io = self._io[connector_id - 1]
        now_s = self._clock.now_s()
        timestamp = format_iso8601(now_s)
        meter_stop, taken_s, problem = self._final_reading(io, transaction, now_s)
        end = self._end_value(io, meter_stop, taken_s, problem is None)
        transaction.metered(meter_stop, taken_s)
        transaction.ended = True
        del self.active[connector_id]
        payload = {"meterStop": meter_stop, "timestamp": timestamp, "reason": reason}
        if id_tag is not None:
            payload["idTag"] = id_tag
        if end is not None:
            payload["transactionData"] = transaction.stop_data + [end]
        record = {"end": transaction.ref, "m": [transaction.ref, meter_stop, taken_s]}
        if problem is not None:
            record["mf"] = [transaction.ref, problem]
        self._messages.push("StopTransaction", payload, transaction,
                            lambda conf: self._id_tag_info(id_tag, conf), record)
        self._log("tx: stopped on connector %d (%s) at %d Wh" % (connector_id, reason,
                                                               meter_stop))
        self._on_change()

    def _end_value(self, io, wh, taken_s, readable):
        """Transaction.End for StopTransaction: every configured measurand when the meter
        answers, else its register as last read, stamped when it was read."""
        if not self.metering.stop_begin_end():
            return None
        timestamp = format_iso8601(taken_s)
        if readable:
            try:
                return self._stop_value(io, timestamp, END)
            except Exception as error:
                self._log("tx: Transaction.End: %r: the register alone" % error)
        return {"timestamp": timestamp, "sampledValue": [{
            "value": str(wh), "context": END, "measurand": ENERGY, "location": "Outlet",
            "unit": "Wh"}]}

    def _final_reading(self, io, transaction, now_s):
        """(Wh, its time, None) from the register now; (the last good reading, its time,
        why) when the register cannot be read, went back or is another meter's."""
        try:
            wh = io.energy_wh()
            serial = meter_serial(io)
        except Exception as error:
            problem = "meter read failed: %r" % error
        else:
            known = transaction.meter_serial
            if known is not None and serial is not None and serial != known:
                problem = "meter serial %s, was %s" % (serial, known)
            elif type(wh) is not int or wh < transaction.last_wh:
                problem = "register %r, not a Wh count at or above %d" % (
                    wh, transaction.last_wh)
            else:
                return wh, now_s, None
        self._log("tx: connector %d: %s: meterStop is the last saved reading, %d Wh at %s"
                  % (transaction.connector_id, problem, transaction.last_wh,
                     format_iso8601(transaction.last_s)))
        return transaction.last_wh, transaction.last_s, problem

    def _stop_interrupted(self):
        """At boot: StopTransaction PowerLoss for every transaction a power cut interrupted,
        with the register its meter kept through the cut, stamped with the last time known
        before the cut. Returns their connector ids."""
        connectors = []
        for transaction in self._messages.running():
            transaction.ended = True
            connector_id = transaction.connector_id
            # A record naming no connector of this board is stopped at its last reading.
            io = self._io[connector_id - 1] if type(connector_id) is int \
                and 0 < connector_id <= len(self._io) else None
            wh, _, problem = self._final_reading(io, transaction, transaction.last_s)
            transaction.metered(wh, transaction.last_s)
            payload = {"meterStop": wh, "timestamp": format_iso8601(transaction.last_s),
                       "reason": "PowerLoss"}
            # Only the energy register is known for the moment the power went.
            end = self._end_value(io, wh, transaction.last_s, False)
            if end is not None:
                payload["transactionData"] = transaction.stop_data + [end]
            record = {"end": transaction.ref, "m": [transaction.ref, wh, transaction.last_s]}
            if problem is not None:
                record["mf"] = [transaction.ref, problem]
            self._messages.push("StopTransaction", payload, transaction, None, record)
            self._log("tx: connector %d: transaction interrupted by a power cut, stopped at "
                      "%d Wh" % (transaction.connector_id, wh))
            connectors.append(transaction.connector_id)
        return connectors

    # ---- the outputs ------------------------------------------------------------------------

    def switch_output(self, connector_id, inputs):
        """Sets `inputs.evse_allows` (firmware/connector.py) and switches the output: on for a
        transaction not stopping that every permissive allows, else off."""
        inputs.evse_allows = evse_allows(inputs)
        on = inputs.in_transaction and not inputs.stopping and inputs.evse_allows
        i = connector_id - 1
        if on != self._on[i]:
            self._on[i] = on
            if not on:
                self._off_ms[i] = self._ticks_ms()
            self._io[i].set_energize(on)

    def _settled(self, connector_id):
        """The output is off and the current has stopped, or will not: a current still
        flowing past the board's `deenergize_timeout_ms` is a PowerSwitchFailure."""
        i = connector_id - 1
        if self._on[i]:
            return False
        io = self._io[i]
        try:
            flowing = abs(io.current_a()) >= CURRENT_STOPPED_A
        except Exception:  # not known to flow: wait the full time, then go on
            flowing = None
        if flowing is False:
            return True
        timeout_ms = getattr(io, "deenergize_timeout_ms", DEENERGIZE_TIMEOUT_MS)
        if self._ticks_diff(self._ticks_ms(), self._off_ms[i]) < timeout_ms:
            return False
        if flowing and not self.switch_failed[i]:
            self.switch_failed[i] = True
            self._log("output: connector %d: current flows though switched off: %s"
                      % (connector_id, POWER_SWITCH_FAILURE))
        return True

    def watch_outputs(self):
        """The same for every output switched off, with a transaction or without."""
        for connector_id in range(1, len(self._io) + 1):
            self._settled(connector_id)

    # ---- meter values ---------------------------------------------------------------------

    def _stop_value(self, io, timestamp, context):
        measurands = self.metering.stop_begin_end()
        return meter_value(timestamp, io, measurands, context) if measurands else None

    def _sample(self, transaction, unix_s, context, measurands, stop_measurands):
        """One sample of a running transaction: MeterValues, its last reading and (when
        configured) a value for StopTransaction, written to flash at once."""
        io = self._io[transaction.connector_id - 1]
        timestamp = format_iso8601(unix_s)
        wh = io.energy_wh()
        transaction.metered(wh, unix_s)
        record = {"m": [transaction.ref, wh, unix_s]}
        if stop_measurands:
            kept = meter_value(timestamp, io, stop_measurands, context)
            if kept is not None:
                transaction.keep_stop_value(kept)
                record["x"] = [transaction.ref, kept]
        value = meter_value(timestamp, io, measurands, context)
        if value is None:
            self._messages.note(record)
            return
        self._messages.push("MeterValues", {"connectorId": transaction.connector_id,
                                            "meterValue": [value]}, transaction, None, record)

    def _read_meters(self, now_s):
        """Each second, the register of every running transaction, kept in RAM: a meter that
        stops answering leaves meterStop a second old, not a sample's interval. A meter that
        fails is told once, and once again when it answers."""
        for transaction in list(self.active.values()):
            if now_s == transaction.last_s:
                continue
            try:
                wh = self._io[transaction.connector_id - 1].energy_wh()
            except Exception as error:
                if not transaction.meter_failing:
                    transaction.meter_failing = True
                    self._log("tx: connector %d: meter read failed: %r"
                              % (transaction.connector_id, error))
                continue
            if transaction.meter_failing:
                transaction.meter_failing = False
                self._log("tx: connector %d: meter answers again" % transaction.connector_id)
            if type(wh) is int and wh >= transaction.last_wh:
                transaction.metered(wh, now_s, saved=False)

    def _periodic(self, now_s):
        interval_s = self.metering.sample_interval_s()
        for transaction in list(self.active.values()):
            if transaction.meter_failing:
                continue  # no sample to take; the stop takes the last good reading
            if not interval_s:
                transaction.next_sample_s = None
            elif transaction.next_sample_s is None:
                transaction.next_sample_s = now_s + interval_s
            elif now_s >= transaction.next_sample_s:
                due_s = transaction.next_sample_s
                if now_s - due_s >= interval_s:  # the clock was set forward: catch up once
                    due_s = now_s
                self._sample(transaction, due_s, PERIODIC, self.metering.sampled(),
                             self.metering.stop_sampled())
                transaction.next_sample_s = due_s + interval_s
            if now_s - transaction.saved_s >= KEEP_READING_S:
                self._messages.note({"m": [transaction.ref, transaction.last_wh,
                                           transaction.last_s]})
                transaction.saved_s = now_s

    def _clock_aligned(self, now_s):
        interval_s = self.metering.aligned_interval_s()
        if not interval_s or not self._clock.synchronised:
            self._next_aligned_s = None
            return
        if self._next_aligned_s is None or self._next_aligned_s - now_s > interval_s:
            self._next_aligned_s = (now_s // interval_s + 1) * interval_s
            return
        if now_s < self._next_aligned_s:
            return
        due_s = self._next_aligned_s
        self._next_aligned_s = (now_s // interval_s + 1) * interval_s
        measurands = self.metering.aligned()
        timestamp = format_iso8601(due_s)
        value = station_meter_value(timestamp, self._io, measurands, CLOCK)
        if value is not None:
            self._messages.push("MeterValues", {"connectorId": 0, "meterValue": [value]})
        for connector_id, io in enumerate(self._io, 1):
            transaction = self.active.get(connector_id)
            if transaction is not None:
                self._sample(transaction, due_s, CLOCK, measurands, self.metering.stop_aligned())
                continue
            value = meter_value(timestamp, io, measurands, CLOCK)
            if value is not None:
                self._messages.push("MeterValues", {"connectorId": connector_id,
                                                    "meterValue": [value]})

    def tick(self):
        for transaction in list(self.active.values()):
            if transaction.stopping is not None:
                self._finish_if_settled(transaction)
        now_s = self._clock.now_s()
        self._read_meters(now_s)
        self._periodic(now_s)
        self._clock_aligned(now_s)
        for transaction in list(self.active.values()):
            self._limit_invalid(transaction)

    async def sample_forever(self):
        while True:
            await asyncio.sleep(TICK_S)
            try:
                self.tick()
            except Exception as error:  # e.g. MemoryError: metering goes on at the next tick
                self._log("tx: sampling failed: %s: %s" % (type(error).__name__, error))


def meter_serial(io):
    """The serial number of the connector's meter (optional in the board contract), or None."""
    read = getattr(io, "meter_serial", None)
    return read() if read is not None else None
