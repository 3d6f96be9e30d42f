"""RFC 6455 frame layout: opcodes, header parsing, client frame encoding and masking.

Pure functions over bytes; the rules about which frames are acceptable live in protocol.py.
"""
import os
import struct

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

DATA_OPCODES = (OP_CONTINUATION, OP_TEXT, OP_BINARY)
CONTROL_OPCODES = (OP_CLOSE, OP_PING, OP_PONG)
MAX_CONTROL_PAYLOAD = 125
MAX_HEADER_SIZE = 14  # 2 + 8 length bytes + 4 mask bytes
_MASK_CHUNK = 256
PIECE_BYTES = 512  # a multiple of 4, so that each piece's mask starts with the key's first byte

try:
    from ws.mask_native import xor_into as _native_mask_into
except (ImportError, SyntaxError, NameError):
    # CPython; a firmware without a native emitter (SyntaxError from its compiler) or
    # without exec.
    _native_mask_into = None


class Header:
    def __init__(self, fin, rsv, opcode, mask, length, size):
        self.fin = fin
        self.rsv = rsv  # the three reserved bits, 0 unless an extension was negotiated
        self.opcode = opcode
        self.mask = mask  # 4 bytes, or None for an unmasked frame
        self.length = length  # payload length as announced
        self.size = size  # header length in bytes


def parse_header(buf, start=0):
    """The Header of the frame at buf[start:], or None until enough bytes are there."""
    available = len(buf) - start
    if available < 2:
        return None
    first = buf[start]
    second = buf[start + 1]
    length = second & 0x7F
    size = 2
    if length == 126:
        size = 4
        if available < size:
            return None
        length = struct.unpack_from("!H", buf, start + 2)[0]
    elif length == 127:
        size = 10
        if available < size:
            return None
        length = struct.unpack_from("!Q", buf, start + 2)[0]
    mask = None
    if second & 0x80:
        if available < size + 4:
            return None
        mask = bytes(buf[start + size:start + size + 4])
        size += 4
    return Header(bool(first & 0x80), (first >> 4) & 7, first & 0x0F, mask, length, size)


def apply_mask(data, mask):
    """data XOR the repeated 4-byte mask, as a new bytearray."""
    out = bytearray(len(data))
    _mask_into(out, 0, data, mask)
    return out


def _mask_into(out, at, data, mask):
    if _native_mask_into is not None:
        _native_mask_into(out, at, data, mask)
    else:
        _portable_mask_into(out, at, data, mask)


def _portable_mask_into(out, at, data, mask):
    # Big-integer XOR over bounded chunks: a per-byte Python loop is slow on MicroPython,
    # and one integer for the whole payload would take several payload-sized allocations.
    # The key is as long as the first chunk, turned into an integer once; a shorter last
    # chunk takes its leading bytes (a shift: the integers are big-endian).
    size = len(data)
    key_bytes = min(size, _MASK_CHUNK) + 3 & ~3
    key = int.from_bytes(mask * (key_bytes // 4), "big")
    view = memoryview(data)
    for start in range(0, size, _MASK_CHUNK):
        n = min(_MASK_CHUNK, size - start)
        mixed = int.from_bytes(view[start:start + n], "big") ^ \
            (key if n == key_bytes else key >> 8 * (key_bytes - n))
        out[at + start:at + start + n] = mixed.to_bytes(n, "big")


def encode_frame(opcode, payload, fin=True, mask=None):
    """One client frame, built in a single buffer. A client must mask every frame
    (RFC 6455 5.3) with a fresh unpredictable key, so `mask` defaults to os.urandom(4)."""
    if mask is None:
        mask = os.urandom(4)
    head = _head(opcode, len(payload), fin, mask)
    frame = bytearray(len(head) + len(payload))
    frame[:len(head)] = head
    _mask_into(frame, len(head), payload, mask)
    return frame


def encode_pieces(opcode, payload, mask=None):
    """The same frame as a list of buffers of at most PIECE_BYTES each (the header and mask
    first), to be written one after another: a large frame never needs one buffer of its
    size, which a board's fragmented heap may not have beside the message it carries."""
    if len(payload) <= PIECE_BYTES:
        return [encode_frame(opcode, payload, mask=mask)]
    if mask is None:
        mask = os.urandom(4)
    pieces = [_head(opcode, len(payload), True, mask)]
    view = memoryview(payload)
    for start in range(0, len(payload), PIECE_BYTES):  # PIECE_BYTES % 4 == 0: the key
        chunk = view[start:start + PIECE_BYTES]        # starts again at each piece
        piece = bytearray(len(chunk))
        _mask_into(piece, 0, chunk, mask)
        pieces.append(piece)
    return pieces


def _head(opcode, n, fin, mask):
    first = (0x80 if fin else 0) | opcode
    if n < 126:
        return struct.pack("!BB", first, 0x80 | n) + mask
    if n < 65536:
        return struct.pack("!BBH", first, 0x80 | 126, n) + mask
    return struct.pack("!BBQ", first, 0x80 | 127, n) + mask
