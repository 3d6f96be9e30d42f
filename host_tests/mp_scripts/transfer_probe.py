"""Downloads one file with transfer.files and prints one JSON line: the bytes that reached
the sink, their SHA-256, and the TransferError's status and reason if it failed; run by
host_tests/test_transfer_bounds.py under MicroPython and CPython.

Usage: transfer_probe.py URL MAX_BYTES   (MAX_BYTES "-": no bound)
"""
import asyncio
import hashlib
import json
import sys
from binascii import hexlify

from transfer.files import TransferError, download
from transfer.url import parse_location

TIMEOUT_S = 10


async def main(url, max_bytes):
    digest = hashlib.sha256()
    received = [0]

    def sink(chunk):
        received[0] += len(chunk)
        digest.update(chunk)

    outcome = {"status": None, "reason": None}
    try:
        if max_bytes is None:  # as every caller did before downloads had a bound
            await download(parse_location(url), sink, timeout_s=TIMEOUT_S)
        else:
            await download(parse_location(url), sink, timeout_s=TIMEOUT_S, max_bytes=max_bytes)
    except TransferError as error:
        outcome = {"status": error.status, "reason": str(error)}
    outcome["received"] = received[0]
    outcome["sha256"] = hexlify(digest.digest()).decode()
    print(json.dumps(outcome))


asyncio.run(main(sys.argv[1], None if sys.argv[2] == "-" else int(sys.argv[2])))
