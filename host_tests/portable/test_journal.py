# lib/store/journal: CRC-framed records behind a sync marker. A cut at any offset loses at most
# the record being written; a bad byte at any offset loses at most the record it hits, every
# other one read back intact and in order; a journal of the old format (no marker) is read.
import binascii
import os
import struct

from store.atomic import ensure_dir
from store.journal import CRC_BYTES, HEADER_BYTES, MAGIC, MAX_RECORD_BYTES, Journal, frame

# Per run: other runs of the suite (the other interpreter, another checkout's make test)
# may be using the build folder at the same time.
ROOT = "build/test_journal/" + binascii.hexlify(os.urandom(4)).decode()
# Among them an empty one, one over the size read in one piece (store.journal.CHUNK_BYTES),
# and one of bytes that hold the marker (a false start of a frame, to be passed over).
RECORDS = [b"first", b"", b"{\"q\":2,\"a\":\"MeterValues\"}", b"x" * 300,
           b"bin" + MAGIC + b"\x05\x00" + MAGIC, b"last one"]
# What a bad byte may be: a bit flipped, a byte erased (NOR flash reads 0xFF), one zeroed.
DAMAGES = (lambda b: b ^ 0x01, lambda b: b ^ 0x5A, lambda b: 0xFF, lambda b: 0x00)


def fresh(name):
    ensure_dir(ROOT)
    path = ROOT + "/" + name
    for leftover in (path, path + ".tmp"):
        try:
            os.remove(leftover)
        except OSError:
            pass
    return path


def payloads(journal):
    return [payload for _, payload in journal.scan()]


def write_all(path):
    journal = Journal(path)
    offsets = [journal.append(record) for record in RECORDS]
    with open(path, "rb") as f:
        return offsets, f.read()


def ends(offsets, total):
    return [offset for offset in offsets[1:]] + [total]


def test_append_scan_and_read_at():
    path = fresh("basic")
    offsets, data = write_all(path)
    journal = Journal(path)
    assert payloads(journal) == RECORDS
    assert [journal.read_at(offset) for offset in offsets] == RECORDS
    assert journal.read_at(offsets[1] + 1) is None
    assert not journal.torn()
    assert journal.size == len(data) == sum(len(frame(r)) for r in RECORDS)


def test_missing_journal_is_empty():
    journal = Journal(fresh("missing"))
    assert payloads(journal) == [] and not journal.torn()
    assert journal.read_at(0) is None


def every_cut(path):
    """Yields (cut, complete records) after writing the journal cut at each byte offset."""
    offsets, data = write_all(path)
    record_ends = ends(offsets, len(data))
    for cut in range(len(data) + 1):
        with open(path, "wb") as f:
            f.write(data[:cut])
        yield cut, len([end for end in record_ends if end <= cut]), record_ends


def test_a_cut_at_every_byte_keeps_every_complete_record():
    path = fresh("cut")
    for cut, complete, record_ends in every_cut(path):
        journal = Journal(path)
        assert payloads(journal) == RECORDS[:complete], cut
        assert journal.torn() == (cut not in [0] + record_ends), cut


def test_append_after_a_cut_drops_the_torn_tail_first():
    path = fresh("cut_append")
    for cut, complete, _ in every_cut(path):
        journal = Journal(path)
        offset = journal.append(b"after")
        assert journal.read_at(offset) == b"after"
        assert payloads(Journal(path)) == RECORDS[:complete] + [b"after"], cut


def hit(offsets, total, position):
    """The index of the record whose frame holds byte `position`."""
    return len([end for end in ends(offsets, total) if end <= position])


def test_a_bad_byte_anywhere_loses_at_most_the_record_it_hits():
    path = fresh("flip")
    offsets, data = write_all(path)
    for position in range(len(data)):
        for damage in DAMAGES:
            damaged = bytearray(data)
            damaged[position] = damage(data[position])
            if damaged == data:
                continue
            with open(path, "wb") as f:
                f.write(damaged)
            journal = Journal(path)
            lost = hit(offsets, len(data), position)
            kept = RECORDS[:lost] + RECORDS[lost + 1:]
            assert payloads(journal) == kept, position
            # Every record still readable where it was written.
            assert [journal.read_at(offsets[i]) for i in range(len(RECORDS)) if i != lost] \
                == kept, position
            assert journal.torn(), position


def test_append_after_a_bad_byte_drops_the_damage_and_keeps_the_rest():
    path = fresh("flip_append")
    offsets, data = write_all(path)
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        with open(path, "wb") as f:
            f.write(damaged)
        lost = hit(offsets, len(data), position)
        kept = RECORDS[:lost] + RECORDS[lost + 1:]
        journal = Journal(path)
        offset = journal.append(b"after")
        assert journal.read_at(offset) == b"after", position
        again = Journal(path)
        assert payloads(again) == kept + [b"after"], position
        assert not again.torn(), position
        assert again.size == sum(len(frame(r)) for r in kept + [b"after"]), position


def test_damage_in_two_records_loses_those_two_only():
    path = fresh("two")
    offsets, data = write_all(path)
    damaged = bytearray(data)
    damaged[offsets[1] + 1] ^= 0xFF  # the marker of the empty record
    damaged[offsets[3] + HEADER_BYTES + 150] ^= 0x20  # the middle of the long one
    with open(path, "wb") as f:
        f.write(damaged)
    assert payloads(Journal(path)) == [RECORDS[0], RECORDS[2], RECORDS[4], RECORDS[5]]


def test_an_erased_run_over_two_records_loses_those_two_only():
    path = fresh("erased")
    offsets, data = write_all(path)
    damaged = bytearray(data)
    for position in range(offsets[3] + 200, offsets[4] + 3):  # the long one's end, the next's start
        damaged[position] = 0xFF
    with open(path, "wb") as f:
        f.write(damaged)
    assert payloads(Journal(path)) == RECORDS[:3] + RECORDS[5:]


def test_garbage_between_records_loses_none():
    path = fresh("garbage")
    offsets, data = write_all(path)
    with open(path, "wb") as f:
        f.write(data[:offsets[2]] + b"\xff" * 100 + MAGIC + b"\x10\x00junk" + data[offsets[2]:])
    journal = Journal(path)
    assert payloads(journal) == RECORDS
    assert journal.torn()
    journal.append(b"after")
    assert payloads(Journal(path)) == RECORDS + [b"after"]
    assert Journal(path).size == len(data) + len(frame(b"after"))


def legacy_frame(payload):
    """A record as the journal wrote it before the marker: length (4) | payload | CRC-32."""
    header = struct.pack("<I", len(payload))
    return header + payload + struct.pack("<I", binascii.crc32(payload, binascii.crc32(header))
                                          & 0xFFFFFFFF)


def write_legacy(path, records):
    offsets = []
    data = b""
    for record in records:
        offsets.append(len(data))
        data += legacy_frame(record)
    with open(path, "wb") as f:
        f.write(data)
    return offsets, data


def test_a_journal_of_the_old_format_is_read_and_rewritten_before_an_append():
    path = fresh("legacy")
    offsets, _ = write_legacy(path, RECORDS)
    journal = Journal(path)
    assert payloads(journal) == RECORDS
    assert [journal.read_at(offset) for offset in offsets] == RECORDS
    assert [Journal(path).read_at(offset) for offset in offsets] == RECORDS  # before a scan
    assert journal.torn()
    offset = journal.append(b"after")
    with open(path, "rb") as f:
        assert f.read(len(MAGIC)) == MAGIC  # in the new format now
    again = Journal(path)
    assert payloads(again) == RECORDS + [b"after"] and not again.torn()
    assert again.read_at(offset) == b"after"


def test_a_journal_of_the_old_format_cut_at_every_byte_keeps_every_complete_record():
    path = fresh("legacy_cut")
    offsets, data = write_legacy(path, RECORDS)
    for cut in range(len(data) + 1):
        with open(path, "wb") as f:
            f.write(data[:cut])
        complete = len([end for end in ends(offsets, len(data)) if end <= cut])
        journal = Journal(path)
        # A cut inside the first frame leaves nothing to tell the format by: read as new,
        # which finds no record either.
        assert payloads(journal) == RECORDS[:complete], cut
        journal.append(b"after")
        assert payloads(Journal(path)) == RECORDS[:complete] + [b"after"], cut


def test_a_journal_of_the_old_format_keeps_every_record_before_a_bad_byte():
    path = fresh("legacy_flip")
    offsets, data = write_legacy(path, RECORDS)
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        with open(path, "wb") as f:
            f.write(damaged)
        # It has no marker to find the next record by: what follows a bad frame is lost.
        assert payloads(Journal(path)) == RECORDS[:hit(offsets, len(data), position)], position


def test_absurd_length_is_not_read():
    path = fresh("length")
    with open(path, "wb") as f:
        f.write(b"\xff\xff\xff\x7f" + b"\x00" * 16)
    assert payloads(Journal(path)) == []
    assert MAX_RECORD_BYTES < 0x7FFFFFFF


def test_oversized_record_is_refused():
    journal = Journal(fresh("oversized"))
    try:
        journal.append(b"x" * (MAX_RECORD_BYTES + 1))
    except ValueError:
        pass
    else:
        raise AssertionError("an oversized record was accepted")
    assert payloads(journal) == []


def test_rewrite_compacts_atomically_and_counts_writes():
    path = fresh("rewrite")
    journal = Journal(path)
    for record in RECORDS:
        journal.append(record)
    offsets = journal.rewrite(iter([b"kept", b"also kept"]))
    assert offsets == [0, HEADER_BYTES + 4 + CRC_BYTES]
    assert payloads(Journal(path)) == [b"kept", b"also kept"]
    assert journal.read_at(offsets[1]) == b"also kept"
    assert journal.writes == len(RECORDS) + 1
    journal.append(b"next")
    assert payloads(Journal(path)) == [b"kept", b"also kept", b"next"]


def test_rewrite_may_read_the_old_journal_while_writing():
    path = fresh("rewrite_stream")
    journal = Journal(path)
    for record in RECORDS:
        journal.append(record)
    journal.rewrite(payload for _, payload in journal.scan() if payload != b"")
    assert payloads(Journal(path)) == [r for r in RECORDS if r != b""]


def test_leftover_temporary_file_from_a_cut_rewrite_is_ignored():
    path = fresh("temp")
    journal = Journal(path)
    journal.append(b"committed")
    with open(path + ".tmp", "wb") as f:
        f.write(frame(b"half of a new")[:7])
    assert payloads(Journal(path)) == [b"committed"]
    journal.rewrite([b"new"])
    assert payloads(Journal(path)) == [b"new"]


def test_the_store_counts_each_write_to_the_flash_and_its_bytes():
    from store import atomic

    path = fresh("counted")
    before = atomic.writes, atomic.bytes_written

    def since():
        return atomic.writes - before[0], atomic.bytes_written - before[1]

    journal = Journal(path)
    journal.append(b"one")
    journal.append(b"two!")
    assert since() == (2, len(frame(b"one")) + len(frame(b"two!")))
    journal.rewrite([b"kept"])  # its temporary file put in place
    assert since() == (3, len(frame(b"one")) + len(frame(b"two!")) + len(frame(b"kept")))
    before = atomic.writes, atomic.bytes_written
    settings = fresh("counted_settings")
    atomic.write_atomic(settings, b"12345")  # an empty target made first (store.atomic)
    assert since() == (2, 5)
    atomic.write_json_atomic(settings, {"a": 1})
    json_bytes = os.stat(settings)[6]
    assert since() == (3, 5 + json_bytes) and json_bytes > 0
    atomic.remove(settings)
    atomic.remove(settings)  # nothing left to remove: nothing written
    assert since() == (4, 5 + json_bytes)
