# The transaction journal's replay at boot (firmware/core/tx_journal.py) over a journal with a
# bad byte in it (lib/store/journal's sync marker): the record it hits is lost -- with a
# transaction's start, that transaction, whose later records name it -- and nothing else;
# the station boots, stops what was running with PowerLoss, the damage is gone from flash
# after the boot, and the rest is delivered in order. A journal of the format before the
# marker (a board upgraded in the field) gives back all it held.
import json
import os

from store.journal import CRC_BYTES, HEADER_BYTES, Journal
from test_journal import legacy_frame
from tx_fakes import Central, Rig, deliver, folder


def offline_sessions(path):
    """Both connectors' sessions, offline but for one delivery: each step one record."""
    rig = Rig(path, settings={"MeterValueSampleInterval": "5"})
    messages = rig.messages
    rig.transactions.start(1, "A")
    rig.advance(2.5)
    rig.transactions.start(2, "B")
    first = messages._queue.pop(0)  # the first StartTransaction delivered
    messages._done(first, 501)
    rig.advance(5)  # a MeterValues of each
    rig.transactions.stop(1, "Local", "A")
    return rig


def journal_of(path):
    with open(path + "/tx.journal", "rb") as f:
        return f.read()


def records_of(path):
    """[(offset, end, record)] of the journal in `path`."""
    found = []
    for offset, payload in Journal(path + "/tx.journal").scan():
        found.append((offset, offset + HEADER_BYTES + len(payload) + CRC_BYTES,
                      json.loads(payload)))
    return found


def booted(path, data):
    with open(path + "/tx.journal", "wb") as f:
        f.write(data)
    return Rig(path).messages


def from_flash(messages, count):
    """The seqs of the first `count` queued messages, and the actions and reasons of the
    rest (the PowerLoss stops the boot queued)."""
    queued = [m.seq for m in messages._queue]
    tail = [(m.action, m.payload.get("reason")) for m in messages][count:]
    return queued[:count], tail


def expected_after_losing(record, baseline, running):
    """The seqs replayed and the refs still running when `record` is lost."""
    lost_ref = record["tx"][0] if "tx" in record else None
    seqs = [seq for seq, ref in baseline if seq != record.get("q") and ref != lost_ref]
    if "d" in record:  # its delivery is forgotten: the message is sent again
        seqs = sorted(seqs + [record["d"]])
    running = [ref for ref in running if ref != lost_ref]
    if "end" in record:  # its stop is lost: the boot stops it, PowerLoss
        running = sorted(running + [record["end"]])
    return seqs, running


def test_a_bad_byte_in_any_record_loses_that_record_only_and_the_station_recovers():
    path = folder("replay_source")
    rig = offline_sessions(path)
    data = journal_of(path)
    records = records_of(path)
    assert len(records) == 6
    baseline = [(m.seq, m.ref) for m in rig.messages._queue]
    running = [t.ref for t in rig.messages.running()]
    assert running == [2]
    damaged_path = folder("replay_damaged")
    for offset, end, record in records:
        # The marker, the length, the payload's middle, the CRC's last byte.
        for position in (offset, offset + 3, (offset + HEADER_BYTES + end) // 2, end - 1):
            damaged = bytearray(data)
            damaged[position] ^= 0x5A
            messages = booted(damaged_path, damaged)
            seqs, still_running = expected_after_losing(record, baseline, running)
            assert from_flash(messages, len(seqs)) == \
                (seqs, [("StopTransaction", "PowerLoss")] * len(still_running)), position
            # Compacted at the boot: the damage is gone, a second boot replays the same.
            assert not Journal(damaged_path + "/tx.journal").torn(), position
            again = Rig(damaged_path).messages
            assert [m.seq for m in again._queue] == [m.seq for m in messages._queue], position


async def test_after_a_bad_byte_the_rest_is_delivered_in_order():
    path = folder("replay_deliver_source")
    offline_sessions(path)
    data = journal_of(path)
    meter_values_record = [r for r in records_of(path) if r[2].get("a") == "MeterValues"][0]
    damaged = bytearray(data)
    damaged[(meter_values_record[0] + meter_values_record[1]) // 2] ^= 0x01
    damaged_path = folder("replay_deliver")
    booted(damaged_path, damaged)
    rig = Rig(damaged_path)
    central = Central()
    await deliver(rig, central)
    assert len(rig.messages) == 0
    sent = [(action, payload.get("connectorId"), payload.get("reason"))
            for action, payload in central.sent]
    # Connector 1's MeterValues was the damaged record; connector 2's session stopped by
    # the boot. Its StartTransaction, not delivered, goes first.
    assert sent == [("StartTransaction", 2, None), ("MeterValues", 2, None),
                    ("StopTransaction", None, "Local"), ("StopTransaction", None, "PowerLoss")]


def test_a_journal_of_the_format_before_the_marker_gives_back_everything():
    path = folder("replay_legacy_source")
    offline_sessions(path)
    records = records_of(path)
    data = journal_of(path)
    legacy = b"".join(legacy_frame(data[offset + HEADER_BYTES:end - CRC_BYTES])
                      for offset, end, _ in records)
    expected = Rig(path).messages
    upgraded_path = folder("replay_legacy")
    upgraded = booted(upgraded_path, legacy)
    assert [(m.seq, m.action) for m in upgraded._queue] == \
        [(m.seq, m.action) for m in expected._queue]
    assert [m.payload for m in upgraded] == [m.payload for m in expected]
    assert upgraded.transactions[1].transaction_id == 501
    # Rewritten in the new format at the boot.
    assert not Journal(upgraded_path + "/tx.journal").torn()
    assert os.stat(upgraded_path + "/tx.journal")[6] > 0
