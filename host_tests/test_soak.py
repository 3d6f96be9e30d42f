"""The soak's short form (host_tests/soak.py; the whole day is tools/bench_soak.py in
`make bench`): four compressed hours on the board's interpreter and heap. After the first
hour nothing grows: the heap in use after a collection, the queue, the journal (whose
compaction bounds it: rewritten once it has doubled, from 16 KB)."""
from soak import soak
from firmware.core.tx_messages import COMPACT_MIN_BYTES

HOURS = 4
HOUR_S = 12
# A collection's figure moves with what the last request left for it to find: a frame's
# buffers, a task's frames. More than this after the first hour would be something kept.
HEAP_NOISE_BYTES = 512


def test_a_compressed_day_grows_nothing_after_the_first_hour(tmp_path):
    samples = soak(HOURS, HOUR_S, state=str(tmp_path))
    first, later = samples[0], samples[1:]
    assert [s["sessions"] for s in samples] == [2 * s["hour"] for s in samples]
    assert all(s["queued"] == 0 for s in samples)
    for sample in later:
        assert sample["allocBytes"] <= first["allocBytes"] + HEAP_NOISE_BYTES, samples
        assert sample["journalBytes"] <= max(COMPACT_MIN_BYTES, 2 * first["journalBytes"]), \
            samples
