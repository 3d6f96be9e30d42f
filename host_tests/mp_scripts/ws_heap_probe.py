"""Receives server frames with ws.protocol in MicroPython's bounded heap, as a board's read
loop feeds them (1 KB reads), and prints one JSON line of what it saw; run by
host_tests/test_ws_heap.py under the 32-bit MicroPython.

Usage: ws_heap_probe.py retained   three 8 KB text messages; heap kept after them
       ws_heap_probe.py unholdable a 60 KB text message announced in a 64 KB heap
"""
import gc
import json
import struct
import sys

from ws.protocol import Protocol

MESSAGE_BYTES = 8192
READ_BYTES = 1024


def text_header(length):
    return struct.pack("!BBH", 0x81, 126, length)


def feed(protocol, data):
    """`data` in reads of READ_BYTES, through one buffer as ws.client reads."""
    chunk = bytearray(READ_BYTES)
    view = memoryview(chunk)
    for start in range(0, len(data), READ_BYTES):
        count = min(READ_BYTES, len(data) - start)
        chunk[:count] = data[start:start + count]
        protocol.receive_data(view[:count])


def receive(protocol, stream, times):
    """The length of each message received; the messages themselves are dropped here, in a
    frame of its own, so that no stale slot of the caller's still points at one."""
    lengths = []
    for _ in range(times):
        feed(protocol, stream)
        for event in protocol.events_received():
            lengths.append(len(event.data))
    return lengths


def retained():
    stream = text_header(MESSAGE_BYTES) + b"A" * MESSAGE_BYTES
    protocol = Protocol(max_message_bytes=65536)
    gc.collect()
    before = gc.mem_alloc()
    received = receive(protocol, stream, 3)
    gc.collect()
    return {"received": received, "retainedBytes": gc.mem_alloc() - before,
            "state": protocol.state}


def unholdable():
    protocol = Protocol(max_message_bytes=65536)
    length = 60 * 1024
    protocol.receive_data(text_header(length))
    after_header = (protocol.state, protocol.close_code, protocol.buffered_bytes())
    feed(protocol, b"A" * READ_BYTES * 4)  # the payload that follows changes nothing
    return {"afterHeader": after_header, "closeCode": protocol.close_code,
            "bufferedBytes": protocol.buffered_bytes(),
            "sent": list(protocol.data_to_send())}


print(json.dumps({"retained": retained, "unholdable": unholdable}[sys.argv[1]]()))
