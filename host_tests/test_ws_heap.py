"""ws.protocol in a board's heap (issue 16: an 8 KB text frame with about 29 KB of heap free
raised MemoryError inside the WebSocket core), on the 32-bit MicroPython that models the
board (mp_scripts/ws_heap_probe.py): a message's buffer is allocated once from its frame
headers and nothing of it is kept after delivery; a message whose buffer cannot be had is
refused with close 1009 on its header, before any payload is buffered, never with
MemoryError."""
import json
import os
import struct
import subprocess

from tc import MICROPYTHON32
from test_ws_helpers import client_frames
from ws.frames import OP_CLOSE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "ws_heap_probe.py")


def probe(case, heap):
    done = subprocess.run([MICROPYTHON32, "-X", "heapsize=" + heap, PROBE, case], cwd=ROOT,
                          capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, MICROPYPATH=".frozen:lib"))
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_nothing_of_a_received_message_stays_in_the_heap():
    seen = probe("retained", "128k")
    assert seen["received"] == [8192] * 3 and seen["state"] == "OPEN"
    assert seen["retainedBytes"] < 512, seen


def test_a_message_the_heap_cannot_hold_is_refused_with_1009_on_its_header():
    seen = probe("unholdable", "64k")
    assert seen["afterHeader"] == ["CLOSED", 1009, 0], seen
    assert seen["closeCode"] == 1009 and seen["bufferedBytes"] == 0
    [(_, opcode, payload, _)] = client_frames(bytes(seen["sent"]))
    assert opcode == OP_CLOSE and struct.unpack("!H", payload[:2]) == (1009,)
