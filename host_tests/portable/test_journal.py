# lib/store/journal: CRC-framed records; a cut or a bad byte at any offset loses at most the
# record it hits (and, for a bad byte, what follows it), never an older one.
import binascii
import os

from store.atomic import ensure_dir
from store.journal import CRC_BYTES, HEADER_BYTES, MAX_RECORD_BYTES, Journal, frame

# Per run: other runs of the suite (the other interpreter, another checkout's make test)
# may be using the build folder at the same time.
ROOT = "build/test_journal/" + binascii.hexlify(os.urandom(4)).decode()
RECORDS = [b"first", b"", b"{\"q\":2,\"a\":\"MeterValues\"}", b"x" * 300, b"last one"]


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


def test_a_bad_byte_anywhere_keeps_every_record_before_it():
    path = fresh("flip")
    offsets, data = write_all(path)
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        with open(path, "wb") as f:
            f.write(damaged)
        before = len([offset for offset in ends(offsets, len(data)) if offset <= position])
        kept = payloads(Journal(path))
        assert kept == RECORDS[:before], position


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
