"""Downloads one file with transfer.files and prints one JSON line: the bytes that reached
the sink, their SHA-256, and the TransferError's status and reason if it failed; or uploads
PUT_BYTES bytes (b"0123456789" over and over) and prints the same line, nothing received.
Run by host_tests/test_transfer_bounds.py and test_transfer_ftps.py under MicroPython and
CPython.

Usage: transfer_probe.py URL MAX_BYTES [CA_DER_FILE [PUT_BYTES [STALL_S]]]
  MAX_BYTES "-": no bound; CA_DER_FILE "-": none, else ftps:// and https:// servers are
  checked against that CA as the station checks them against its Central System roots.
  STALL_S: the silence that ends the transfer (else 10 s).
"""
import asyncio
import hashlib
import json
import sys
from binascii import hexlify

from transfer.files import TransferError, download, upload
from transfer.url import parse_location

STALL_S = 10


async def main(url, max_bytes, ca_der_file, put_bytes, stall_s):
    location = parse_location(url)
    if ca_der_file is not None:
        from ws.tls import client_context

        with open(ca_der_file, "rb") as f:
            location.ssl_context = client_context(f.read())
    digest = hashlib.sha256()
    received = [0]

    def sink(chunk):
        received[0] += len(chunk)
        digest.update(chunk)

    outcome = {"status": None, "reason": None}
    try:
        if put_bytes is not None:
            await upload(location, lambda: _pattern(put_bytes), stall_s=stall_s)
        elif max_bytes is None:  # as every caller did before downloads had a bound
            await download(location, sink, stall_s=stall_s)
        else:
            await download(location, sink, stall_s=stall_s, max_bytes=max_bytes)
    except TransferError as error:
        outcome = {"status": error.status, "reason": str(error)}
    outcome["received"] = received[0]
    outcome["sha256"] = hexlify(digest.digest()).decode()
    print(json.dumps(outcome))


def _pattern(count):
    for start in range(0, count, 1000):
        yield (b"0123456789" * 100)[:min(1000, count - start)]


def _optional(index):
    value = sys.argv[index] if len(sys.argv) > index else "-"
    return None if value == "-" else value


max_bytes, put_bytes, stall_s = _optional(2), _optional(4), _optional(5)
asyncio.run(main(sys.argv[1], None if max_bytes is None else int(max_bytes), _optional(3),
                 None if put_bytes is None else int(put_bytes),
                 STALL_S if stall_s is None else int(stall_s)))
