"""The soak figures of `make bench` (issue 22, "Soak"; host_tests/soak.py): a compressed day,
24 simulated hours of SOAK_HOUR_S real seconds each, on the Core board's interpreter and heap
(32-bit MicroPython, ROMFS, 128 KB). Sampled at the end of each hour with the station idle:
the heap in use after a collection, the queue, the transaction journal's size. Budget: no
growth of the heap after the first hour, an empty queue, the journal within its compaction
bound.

    .venv/bin/python tools/bench_soak.py
"""
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
sys.path.insert(0, os.path.join(ROOT, "lib"))
from tools.bench_report import figure, not_measured, show  # noqa: E402

from firmware.core.tx_messages import COMPACT_MIN_BYTES  # noqa: E402
from soak import soak  # noqa: E402

HOURS = 24
SOAK_HOUR_S = int(os.environ.get("SOAK_HOUR_S", "15"))


def soak_figures():
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as state:
        try:
            samples = soak(HOURS, SOAK_HOUR_S, state)
        except AssertionError as failure:
            yield not_measured("soak, a compressed day", "bytes", str(failure)[:200])
            return
    first = samples[0]
    later = samples[1:]
    growth = max(s["allocBytes"] for s in later) - first["allocBytes"]
    note = "24 h of %d s each (%.0f s), %d sessions, %d MeterValues, %d Heartbeats" % (
        SOAK_HOUR_S, time.monotonic() - started, samples[-1]["sessions"],
        samples[-1]["meterValues"], samples[-1]["heartbeats"])
    yield figure("soak: heap growth after hour 1", "bytes",
                 {"growth": growth, "hour1": first["allocBytes"],
                  "hour24": samples[-1]["allocBytes"]}, budget={"growth": 0}, note=note)
    yield figure("soak: queue at each hour's end", "msgs",
                 {"max": max(s["queued"] for s in samples)}, budget={"max": 0})
    yield figure("soak: transaction journal", "bytes",
                 {"max": max(s["journalBytes"] for s in samples),
                  "last": samples[-1]["journalBytes"]},
                 budget={"max": max(COMPACT_MIN_BYTES, 2 * first["journalBytes"])})


if __name__ == "__main__":
    results = list(soak_figures())
    for result in results:
        print(show(result))
    print(json.dumps(results))
