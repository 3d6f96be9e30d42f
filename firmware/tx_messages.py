"""The transaction-related message queue (StartTransaction, MeterValues, StopTransaction),
kept in the board's flash and delivered in the order the messages were made (OCPP 1.6 3.7).

The queue and the records of the transactions it speaks for share one journal
(`store.journal`): a message and the change of its transaction it stands for (started,
metered, stopped) are one record, written with one append, so a power cut keeps both or
neither. Delivery is one more small record. Replaying the journal at boot gives back the
queue and every transaction that was running; the journal is compacted (rewritten with only
what is still needed) when it has doubled since the last compaction.

Delivery: a message the Central System fails to process (CALLERROR) is tried
TransactionMessageAttempts times, waiting TransactionMessageRetryInterval times the number of
tries so far between them, then skipped; a time-out or a lost link is not its fault and it
is tried again without counting. A skipped StartTransaction leaves its transaction with
transactionId -1 for the later messages (errata 3.18). MeterValues and StopTransaction take
the transactionId when sent, so what was queued before the answer to StartTransaction (or
offline) carries the id the Central System assigned.

Bound: MAX_QUEUED messages. When full, the oldest MeterValues gives way to the new message;
StartTransaction and StopTransaction are never dropped (at most two per charging session).
Messages that belong to no transaction (clock-aligned values of an idle connector) are kept
in RAM only: they are not transaction-related and need no flash write.
"""
import asyncio
import json

from firmware.config import INTEGER, Key
from firmware.tx_record import Transaction
from ocppj.errors import OcppError
from store.journal import Journal

MAX_QUEUED = 200
# A message not answered (time-out, offline) is sent again after this long.
RETRY_S = 5
# Compaction when the journal has doubled since the last one, and is at least this big.
COMPACT_MIN_BYTES = 16384
MAX_ATTEMPTS_LIMIT = 10


def _encode(record):
    return json.dumps(record, separators=(",", ":")).encode()


class Pending:
    def __init__(self, seq, action, transaction, payload=None, offset=None, on_answer=None):
        self.seq = seq
        self.action = action
        self.transaction = transaction
        self.ref = transaction.ref if transaction is not None else None
        self.offset = offset            # where its record is in the journal
        self._payload = payload         # kept in RAM only when it is not in the journal
        self.on_answer = on_answer
        self.attempts = 0


class TransactionMessages:
    def __init__(self, log, path=None, config=None, sleep=asyncio.sleep):
        """`path`: the journal in flash (None: RAM only); `config` declares the retry keys."""
        self._log = log
        self._sleep = sleep
        self._attempts = lambda: 3
        self._retry_interval_s = lambda: 10
        if config is not None:
            config.declare(Key("TransactionMessageAttempts", INTEGER, 3, minimum=1,
                               maximum=MAX_ATTEMPTS_LIMIT))
            config.declare(Key("TransactionMessageRetryInterval", INTEGER, 10, minimum=1,
                               maximum=3600))
            self._attempts = lambda: config.get("TransactionMessageAttempts")
            self._retry_interval_s = lambda: config.get("TransactionMessageRetryInterval")
        self._journal = Journal(path) if path is not None else None
        self._queue = []
        self.transactions = {}          # ref -> Transaction, while running or still queued
        self._next_seq = 1
        self._next_ref = 1
        self._compacted_size = 0
        self.write_errors = 0
        self._wake = asyncio.Event()
        if self._journal is not None:
            self._replay()

    # ---- what the station sees --------------------------------------------------------

    def __len__(self):
        return len(self._queue)

    def __iter__(self):
        return iter([_Shown(m.action, self.payload(m), m.attempts) for m in self._queue])

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
        try:
            return json.loads(data)["p"]
        except (ValueError, KeyError, TypeError):
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
        self._wake.set()
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
        try:
            return self._journal.append(_encode(record))
        # Flash full or failing, or no heap for the record: the message stays queued in RAM.
        except (OSError, ValueError, MemoryError) as error:
            self.write_errors += 1
            self._log("tx: journal write failed: %s" % error)
            return None

    def _done(self, message, transaction_id=None):
        record = {"d": message.seq}
        transaction = message.transaction
        if transaction is not None and transaction_id is not None:
            transaction.transaction_id = transaction_id
            if transaction.ref is not None:
                record["tid"] = [transaction.ref, transaction_id]
        if message.offset is not None:
            self._write(record)
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

    # ---- delivery -----------------------------------------------------------------------

    def _to_send(self, message):
        payload = self.payload(message)
        transaction = message.transaction
        if payload is None or message.action == "StartTransaction" or transaction is None:
            return payload
        transaction_id = transaction.transaction_id
        payload = dict(payload)
        payload["transactionId"] = -1 if transaction_id is None else transaction_id
        return payload

    async def send_forever(self, call):
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            message = self._queue[0]
            payload = self._to_send(message)
            if payload is None:
                self._log("tx: %s #%d unreadable in flash: skipped" % (message.action,
                                                                       message.seq))
                self._queue.pop(0)
                self._done(message, -1 if message.action == "StartTransaction" else None)
                continue
            try:
                answer = await call(message.action, payload)
            except Exception as error:
                if not isinstance(error, OcppError):  # time-out, offline: not its fault
                    self._log("tx: %s not delivered: %s: %s" % (message.action,
                                                                type(error).__name__, error))
                    await self._sleep(RETRY_S)
                    continue
                message.attempts += 1
                self._log("tx: %s attempt %d failed: %s" % (message.action, message.attempts,
                                                            error))
                if message.attempts < self._attempts():
                    await self._sleep(self._retry_interval_s() * message.attempts)
                    continue
                self._log("tx: %s skipped after %d failures" % (message.action,
                                                                message.attempts))
                answer = None
            if self._queue and self._queue[0] is message:
                self._queue.pop(0)
            transaction_id = None
            if message.action == "StartTransaction":
                transaction_id = answer["transactionId"] if answer is not None else -1
            self._done(message, transaction_id)
            if message.on_answer is not None and answer is not None:
                message.on_answer(answer)

    # ---- flash ----------------------------------------------------------------------------

    def _replay(self):
        journal = self._journal
        records = 0
        done = {}
        queue = []
        for offset, data in journal.scan():
            records += 1
            try:
                record = json.loads(data)
                self._apply(record, offset, queue, done)
            except (ValueError, KeyError, TypeError, IndexError) as error:
                self._log("tx: journal record at %d ignored: %r" % (offset, error))
        self._queue = [m for m in queue if m.seq not in done]
        for ref in list(self.transactions):
            self._forget_if_finished(ref)
        live = len(self._queue) + len(self.transactions)
        if journal.torn() or records > live:
            self._compact()
        else:
            self._compacted_size = journal.size
        if self._queue or self.transactions:
            self._log("tx: %d queued messages and %d transactions kept in flash"
                      % (len(self._queue), len(self.running())))

    def _apply(self, record, offset, queue, done):
        transactions = self.transactions
        if "tx" in record:
            transaction = Transaction.from_record(record["tx"])
            transactions[transaction.ref] = transaction
            self._next_ref = max(self._next_ref, transaction.ref + 1)
        if "q" in record:
            ref = record.get("r")
            queue.append(Pending(record["q"], record["a"],
                                 transactions[ref] if ref is not None else None, None, offset))
            self._next_seq = max(self._next_seq, record["q"] + 1)
        if "m" in record:
            ref, wh, unix_s = record["m"]
            transactions[ref].metered(wh, unix_s)
        if "xs" in record:
            transactions[record["xs"][0]].stop_data = record["xs"][1]
        if "x" in record:
            transactions[record["x"][0]].keep_stop_value(record["x"][1])
        if "end" in record:
            transactions[record["end"]].ended = True
        if "tid" in record:
            ref, transaction_id = record["tid"]
            transactions[ref].transaction_id = transaction_id
        if "ms" in record:
            ref, serial = record["ms"]
            transactions[ref].meter_serial = serial
        if "d" in record:
            done[record["d"]] = True

    def _maybe_compact(self):
        journal = self._journal
        if journal is not None and journal.size > max(COMPACT_MIN_BYTES,
                                                      2 * self._compacted_size):
            self._compact()

    def _compact(self):
        """Rewrites the journal with only the live transactions and the queued messages."""
        kept = []
        transactions = [self.transactions[ref] for ref in sorted(self.transactions)]
        durable = [m for m in self._queue if m.offset is not None]

        def records():
            for transaction in transactions:
                yield _encode(transaction.snapshot())
            for message in durable:
                payload = self.payload(message)
                if payload is not None:
                    kept.append(message)
                    entry = {"q": message.seq, "a": message.action, "p": payload}
                    if message.ref is not None:
                        entry["r"] = message.ref
                    yield _encode(entry)

        try:
            offsets = self._journal.rewrite(records())
        except OSError as error:
            self.write_errors += 1
            self._log("tx: journal compaction failed: %s" % error)
            return
        offsets = offsets[len(transactions):]
        for message in durable:
            message.offset = None
        for message, offset in zip(kept, offsets):
            message.offset = offset
        self._queue = [m for m in self._queue if m.offset is not None or m._payload is not None]
        self._compacted_size = self._journal.size


class _Shown:
    """A queued message as the console lists it."""

    def __init__(self, action, payload, attempts):
        self.action = action
        self.payload = payload
        self.attempts = attempts
