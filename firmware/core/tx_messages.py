"""The transaction-related message queue (StartTransaction, MeterValues, StopTransaction),
kept in the board's flash and delivered in the order the messages were made (OCPP 1.6 3.7).

The queue and the records of the transactions it speaks for share one journal
(`store.journal`): a message and the change of its transaction it stands for (started,
metered, stopped) are one record, written with one append, so a power cut keeps both or
neither. Delivery is one more small record: at once for StartTransaction and
StopTransaction; for MeterValues, with the journal's next write (or once MARKS_HELD wait),
since every append costs the flash a block erase (docs/performance.md, "Flash wear") and a
sample is half of a session's appends. A power cut can then make the station send again the
few MeterValues delivered since its last write: at least once, never lost. Replaying the journal at boot gives back the
queue and every transaction that was running; the journal is compacted (rewritten with only
what is still needed) when it has doubled since the last compaction.

Delivery: the queue is a lane of the outbound queue (firmware.outbound), whose retry policy
for transaction messages is OCPP 1.6 3.7.1's: a message the Central System fails to process
(CALLERROR) is tried TransactionMessageAttempts times, waiting
TransactionMessageRetryInterval times the number of tries so far between them, then
skipped; a time-out or a lost link is not its fault and it is tried again without counting.
A skipped StartTransaction leaves its transaction with transactionId -1 for the later
messages (errata 3.18). MeterValues and StopTransaction take
the transactionId when sent, so what was queued before the answer to StartTransaction (or
offline) carries the id the Central System assigned.

Bound: MAX_QUEUED messages. When full, the oldest MeterValues gives way to the new message;
StartTransaction and StopTransaction are never dropped (at most two per charging session).
Messages that belong to no transaction (clock-aligned values of an idle connector) are kept
in RAM only: they are not transaction-related and need no flash write.

Time not yet known (firmware.clock): what was stamped before it are seconds since the boot.
At the boot, such times replayed from an earlier boot that never learned the time are moved
to end just before this boot (how long the power was off is not known: taken as nothing).
Once the time is known, correct_times() corrects every one in RAM and, with one rewrite, in
flash; a message is corrected again when sent, for what a failed rewrite left.

The replay, the compaction and the time correction run seldom (at boot, when the journal
has doubled, once the time is known), and so does the listing of the queue: their code is
loaded for them (firmware.core.tx_journal).
"""
import asyncio
import json

from firmware import on_demand
from firmware.clock import format_iso8601, parse_iso8601
from store.journal import Journal

MAX_QUEUED = 200
# The journal records' format (firmware.core.tx_codec), in each record as "v".
VERSION = 1
# The replay, the compaction, the time correction, the listing: loaded only for them.
RARE_WORK = "firmware.core.tx_journal"
# Compaction when the journal has doubled since the last one, and is at least this big.
COMPACT_MIN_BYTES = 16384
# Delivery marks of MeterValues held for the journal's next write, at most: what a power cut
# can make the station send twice, and what they take of the heap.
MARKS_HELD = 8
# StopTransactionMaxMeterValues: transactionData holds at most this many MeterValue
# elements, Transaction.Begin and Transaction.End included.
STOP_TXN_MAX_METER_VALUES = 10


class Transaction:
    """The record of one transaction: what must survive a power cut to stop it afterwards
    (connector, idTag, meterStart, start time, its meter's serial number when the board tells
    it, the Central System's transactionId once known, the last meter reading and its time)
    and the meter values its StopTransaction carries."""

    # Flags set on the few transactions they concern: class defaults, so that a transaction's
    # own attributes fit a 17-entry table (18 took a 23-entry one: 48 bytes more each on a
    # 32-bit board).
    meter_failing = False  # its meter stopped answering: told once
    suspended = False  # an invalid idTag past MaxEnergyOnInvalidId: the output is off

    def __init__(self, connector_id, id_tag, meter_start, timestamp, ref=None, started_s=0):
        self.ref = ref                  # the station's own number for it, kept in flash
        self.connector_id = connector_id
        self.id_tag = id_tag
        self.meter_start = meter_start
        self.started_at = timestamp
        self.started_s = started_s
        self.transaction_id = None      # the Central System's; -1 when it never answered
        self.meter_serial = None        # of the meter that read meter_start, when known
        self.last_wh = meter_start
        self.last_s = started_s
        self.saved_s = started_s  # when the journal last got a reading
        self.stop_data = []             # MeterValue elements for StopTransaction
        self.ended = False
        # Not kept: a transaction does not outlive a power cut (it is stopped at boot).
        self.next_sample_s = None       # when the next Sample.Periodic is due
        self.authorized = True
        self.stopping = None            # (reason, idTag) from a stop until its meter reading

    def metered(self, wh, unix_s, saved=True):
        """The last good register reading; `saved`: it is in the journal too."""
        self.last_wh = wh
        self.last_s = unix_s
        if saved:
            self.saved_s = unix_s

    def keep_stop_value(self, meter_value):
        """Adds a MeterValue for transactionData. Past the bound every other intermediate one
        is dropped (1st, 3rd, ...: errata 3.91), keeping Transaction.Begin and room for End."""
        self.stop_data.append(meter_value)
        if len(self.stop_data) < STOP_TXN_MAX_METER_VALUES:
            return
        begin = self.stop_data[:1] if _context(self.stop_data[0]) == "Transaction.Begin" else []
        intermediate = self.stop_data[len(begin):]
        self.stop_data = begin + [intermediate[i] for i in range(len(intermediate)) if i % 2]


class Pending:
    shift_s = 0  # moves its times of an earlier boot that never learned the time (replay)

    def __init__(self, seq, action, transaction, payload=None, offset=None, on_answer=None):
        self.seq = seq
        self.action = action
        self.transaction = transaction
        self.ref = transaction.ref if transaction is not None else None
        self.offset = offset            # where its record is in the journal
        self._payload = payload         # kept in RAM only when it is not in the journal
        self.on_answer = on_answer


class TransactionMessages:
    def __init__(self, *, log, path=None, connector_count=None):
        """`path`: the journal in flash (None: RAM only), of a station with `connector_count`
        connectors."""
        self._log = log
        self._connector_count = connector_count
        self._journal = Journal(path) if path is not None else None
        self._queue = []
        self.transactions = {}          # ref -> Transaction, while running or still queued
        self._next_seq = 1
        self._next_ref = 1
        self._compacted_size = 0
        self._marks = []  # seqs of MeterValues delivered, marked with the next write
        self.write_errors = 0
        self.wake = asyncio.Event()  # the outbound queue's, once it takes this lane
        self._clock = None  # once the time is known (correct_times)
        if self._journal is not None:
            on_demand.call(RARE_WORK, "replay", self)

    # ---- what the station sees --------------------------------------------------------

    def __len__(self):
        return len(self._queue)

    def __iter__(self):
        # The console's and the tests' listing: its code is loaded for it.
        return on_demand.call(RARE_WORK, "shown", self)

    @property
    def flash_writes(self):
        return self._journal.writes if self._journal is not None else 0

    def running(self):
        """Transactions that were running when the journal was last written (after a boot:
        the ones a power cut interrupted), oldest first."""
        found = [t for t in self.transactions.values() if not t.ended]
        found.sort(key=lambda t: t.ref)
        return found

    def payload(self, message):
        if message.offset is None:
            return message._payload
        data = self._journal.read_at(message.offset)
        if data is None:
            return None
        # Checked at the replay (firmware.core.tx_codec) or written by this boot; the journal
        # checks its CRC.
        try:
            return json.loads(data)["p"]
        except (ValueError, KeyError):
            return None

    # ---- recording ----------------------------------------------------------------------

    def new_transaction(self, connector_id, id_tag, meter_start, started_s, timestamp):
        transaction = Transaction(connector_id, id_tag, meter_start, timestamp,
                                  self._next_ref, started_s)
        self._next_ref += 1
        return transaction

    def push(self, action, payload, transaction=None, on_answer=None, record=None):
        """Queues a message; with a transaction it is written to flash together with
        `record` (the transaction's change it stands for). Returns the message."""
        self._make_room()
        seq = self._next_seq
        self._next_seq += 1
        ref = transaction.ref if transaction is not None else None
        if ref is not None:
            self.transactions[ref] = transaction
        message = Pending(seq, action, transaction, payload, None, on_answer)
        if ref is not None and self._journal is not None:
            entry = dict(record) if record else {}
            entry["q"] = seq
            entry["a"] = action
            entry["p"] = payload
            entry["r"] = ref
            offset = self._write(entry)
            if offset is not None:
                message.offset = offset
                message._payload = None
        self._queue.append(message)
        self.wake.set()
        self._maybe_compact()
        return message

    def note(self, record):
        """Writes a change of a transaction that goes with no message (e.g. its last meter
        reading when MeterValues are not sent)."""
        if self._journal is not None:
            self._write(record)
            self._maybe_compact()

    def _make_room(self):
        if len(self._queue) < MAX_QUEUED:
            return
        for i in range(1, len(self._queue)):  # the first may be on its way
            message = self._queue[i]
            if message.action == "MeterValues":
                self._log("tx: queue full, oldest MeterValues dropped")
                del self._queue[i]
                self._done(message)
                return

    def _write(self, record):
        """Appends the record, the delivery marks held before it; its offset, or None."""
        try:
            offset = self._journal.append(encode(record),
                                          [encode({"d": seq}) for seq in self._marks])
        # Flash full or failing, or no heap for the record: the message stays queued in RAM.
        except (OSError, ValueError, MemoryError) as error:
            self.write_errors += 1
            self._log("tx: journal write failed: %s" % error)
            return None
        self._marks = []
        return offset

    def _done(self, message, transaction_id=None):
        record = {"d": message.seq}
        transaction = message.transaction
        if transaction is not None and transaction_id is not None:
            transaction.transaction_id = transaction_id
            if transaction.ref is not None:
                record["tid"] = [transaction.ref, transaction_id]
        if message.offset is not None:
            if message.action != "MeterValues" or len(self._marks) >= MARKS_HELD - 1:
                self._write(record)
            else:
                self._marks.append(message.seq)  # an int: no heap while it waits
        self._forget_if_finished(message.ref)
        self._maybe_compact()

    def _forget_if_finished(self, ref):
        transaction = self.transactions.get(ref) if ref is not None else None
        if transaction is None or not transaction.ended:
            return
        for message in self._queue:
            if message.ref == ref:
                return
        del self.transactions[ref]

    # ---- delivery: the outbound queue's lane ---------------------------------------------

    def _to_send(self, message):
        payload = self.payload(message)
        if payload is not None:
            self._correct(payload, message.shift_s)
        transaction = message.transaction
        if payload is None or message.action == "StartTransaction" or transaction is None:
            return payload
        transaction_id = transaction.transaction_id
        payload = dict(payload)
        payload["transactionId"] = -1 if transaction_id is None else transaction_id
        return payload

    def head(self):
        return self._queue[0] if self._queue else None

    def request(self, message):
        payload = self._to_send(message)
        if payload is None:
            self._log("tx: %s #%d unreadable in flash: skipped" % (message.action, message.seq))
            return None
        return message.action, payload

    def settle(self, message, answer):
        """Delivered with `answer`, or skipped (None): a StartTransaction skipped leaves
        transactionId -1 (errata 3.18)."""
        if self._queue and self._queue[0] is message:
            self._queue.pop(0)
        transaction_id = None
        if message.action == "StartTransaction":
            transaction_id = answer["transactionId"] if answer is not None else -1
        self._done(message, transaction_id)
        if message.on_answer is not None and answer is not None:
            message.on_answer(answer)

    # ---- flash ----------------------------------------------------------------------------

    def correct_times(self, clock):
        """The time is known (from the Central System, or the board's RTC at boot): what was
        stamped before is corrected, in RAM and in flash (a rewrite, if anything there is)."""
        self._clock = clock
        if self._queue or self.transactions:
            on_demand.call(RARE_WORK, "correct_times", self)

    def _correct(self, payload, shift_s):
        """Moves a message's timestamps taken before the time was known by shift_s and, once
        it is known, corrects them (in place); True when one changed."""
        changed = False
        for holder in [payload] + (payload.get("meterValue") or []) + \
                (payload.get("transactionData") or []):
            text = holder.get("timestamp") if type(holder) is dict else None
            if type(text) is not str or text[:2] != "19":
                continue
            fixed = shifted(text, shift_s)
            if self._clock is not None:
                fixed = self._clock.corrected_iso8601(fixed)
            if fixed != text:
                holder["timestamp"] = fixed
                changed = True
        return changed

    def _maybe_compact(self):
        journal = self._journal
        if journal is not None and journal.size > max(COMPACT_MIN_BYTES,
                                                      2 * self._compacted_size):
            on_demand.call(RARE_WORK, "compact", self)


def encode(record):
    """The bytes of a journal record (a dict of firmware.core.tx_codec's keys, without "v")."""
    record["v"] = VERSION
    return json.dumps(record, separators=(",", ":")).encode()


def shifted(text, shift_s):
    """A timestamp taken before the clock was set, moved by shift_s."""
    if not shift_s or text[:2] != "19":
        return text
    try:
        return format_iso8601(parse_iso8601(text) + shift_s)
    except ValueError:
        return text


def _context(meter_value):
    values = meter_value.get("sampledValue") or [{}]
    return values[0].get("context")
