"""The transaction journal's rare work (firmware.core.tx_messages), loaded for it and unloaded
after it (firmware.on_demand): the replay at boot, each record checked first
(firmware.core.tx_codec); the compaction; the correction of the times stamped before the time
was known; the queue's listing. Each function works on the state of the TransactionMessages
it is given.
"""
import gc

from firmware.core import tx_codec
from firmware.clock import UNSET_BEFORE_S, format_iso8601
from firmware.core.tx_messages import Pending, Transaction, encode, shifted


def replay(messages):
    """Gives `messages` back its queue and transactions from the journal."""
    journal = messages._journal
    transactions = messages.transactions
    records = 0
    # The messages in the journal's order, a delivered one dropped at its "d" record: the
    # replay holds no more messages than the queue would (a full queue's worth of a board's
    # heap, not all the journal has seen since its last compaction). A list, not a dict by
    # seq: a full queue's dict table is one block of 1.8 KB, which a board's heap after a
    # long replay may not have in one piece.
    queue = []
    for offset, data in journal.scan():
        records += 1
        try:
            record = tx_codec.decode(data, messages._connector_count)
            ref = tx_codec.unknown_ref(record, transactions)
            if ref is not None:
                raise ValueError("unknown transaction %d" % ref)
        except ValueError as error:  # checked, not applied: the boot goes on without it
            messages._log("tx: journal record at %d rejected: %s" % (offset, error))
            continue
        _apply(messages, record, offset, queue)
    queue.sort(key=lambda m: m.seq)  # in place: the journal's order already, unless damaged
    messages._queue = queue
    for ref in list(transactions):
        messages._forget_if_finished(ref)
    _before_this_boot(messages)
    live = len(messages._queue) + len(transactions)
    if journal.torn() or records > live:
        gc.collect()  # the replay's garbage gone before the rewrite reads every payload
        compact(messages)
    else:
        messages._compacted_size = journal.size
    if messages._queue or transactions:
        messages._log("tx: %d queued messages and %d transactions kept in flash"
                      % (len(messages._queue), len(messages.running())))


def _apply(messages, record, offset, queue):
    transactions = messages.transactions
    if "tx" in record:
        ref, connector_id, id_tag, meter_start, started_s = record["tx"]
        transactions[ref] = Transaction(connector_id, id_tag, meter_start,
                                        format_iso8601(started_s), ref, started_s)
        messages._next_ref = max(messages._next_ref, ref + 1)
    if "q" in record:
        ref = record.get("r")
        queue.append(Pending(record["q"], record["a"],
                             transactions[ref] if ref is not None else None, None, offset))
        messages._next_seq = max(messages._next_seq, record["q"] + 1)
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
    if "d" in record:  # most often the oldest message: the queue is sent in order
        for index, message in enumerate(queue):
            if message.seq == record["d"]:
                del queue[index]
                break


def _before_this_boot(messages):
    """Times since an earlier boot (the clock not set then) end 1 s before this boot."""
    latest = None
    for transaction in messages.transactions.values():  # its last time is its latest
        if transaction.last_s < UNSET_BEFORE_S:
            latest = transaction.last_s if latest is None else max(latest, transaction.last_s)
    if latest is None:
        return
    shift_s = -latest - 1
    messages._log("tx: times of a boot that did not learn the time moved by %d s" % shift_s)
    for transaction in messages.transactions.values():
        _correct_transaction(transaction, lambda text: shifted(text, shift_s),
                             lambda unix_s: unix_s + shift_s)
    for message in messages._queue:
        message.shift_s = shift_s


def correct_times(messages):
    """The time is known (messages._clock): what was stamped before is corrected, in RAM and
    in flash (a rewrite, if anything there is)."""
    clock = messages._clock
    durable = False
    for transaction in messages.transactions.values():
        durable = _correct_transaction(transaction, clock.corrected_iso8601,
                                       clock.corrected_s) or durable
    for message in messages._queue:
        if message.offset is None:
            messages._correct(message._payload, message.shift_s)
        elif not durable:
            payload = messages.payload(message)
            durable = payload is not None and messages._correct(payload, message.shift_s)
    if durable and messages._journal is not None:
        messages._log("tx: times stamped before the time was known corrected")
        compact(messages)


def _correct_transaction(transaction, fix_text, fix_s):
    """True when it had a time to correct."""
    if transaction.last_s >= UNSET_BEFORE_S and transaction.started_s >= UNSET_BEFORE_S:
        return False
    transaction.started_s = fix_s(transaction.started_s)
    transaction.last_s = fix_s(transaction.last_s)
    transaction.started_at = format_iso8601(transaction.started_s)
    for value in transaction.stop_data:
        value["timestamp"] = fix_text(value["timestamp"])
    return True


def compact(messages):
    """Rewrites the journal with only the live transactions and the queued messages."""
    kept = []
    transactions = [messages.transactions[ref] for ref in sorted(messages.transactions)]
    durable = [m for m in messages._queue if m.offset is not None]

    def records():
        for transaction in transactions:
            yield encode(_snapshot(transaction))
        for message in durable:
            payload = messages.payload(message)
            if payload is not None:
                messages._correct(payload, message.shift_s)  # in flash as it is to be sent
                kept.append(message)
                entry = {"q": message.seq, "a": message.action, "p": payload}
                if message.ref is not None:
                    entry["r"] = message.ref
                yield encode(entry)

    try:
        offsets = messages._journal.rewrite(records())
    except OSError as error:
        messages.write_errors += 1
        messages._log("tx: journal compaction failed: %s" % error)
        return
    offsets = offsets[len(transactions):]
    for message in durable:
        message.offset = None
    for message, offset in zip(kept, offsets):
        message.offset = offset
        message.shift_s = 0
    messages._queue = [m for m in messages._queue
                       if m.offset is not None or m._payload is not None]
    messages._compacted_size = messages._journal.size
    messages._marks = []  # what they marked delivered is no longer in the journal


def _snapshot(transaction):
    """Everything kept about a transaction, as one journal record."""
    ref = transaction.ref
    record = {"tx": [ref, transaction.connector_id, transaction.id_tag,
                     transaction.meter_start, transaction.started_s],
              "m": [ref, transaction.last_wh, transaction.last_s],
              "xs": [ref, transaction.stop_data]}
    if transaction.transaction_id is not None:
        record["tid"] = [ref, transaction.transaction_id]
    if transaction.meter_serial is not None:
        record["ms"] = [ref, transaction.meter_serial]
    if transaction.ended:
        record["end"] = ref
    return record


def shown(messages):
    """The queue as the console lists it, one payload at a time: read back from flash, 200
    of them would not fit a board's heap. The generator holds this code while it runs."""
    for message in messages._queue:
        yield _Shown(message.action, messages.payload(message))


class _Shown:
    """A queued message as the console lists it."""

    def __init__(self, action, payload):
        self.action = action
        self.payload = payload
