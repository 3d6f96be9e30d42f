"""Frames on a byte stream (docs/hwlink.md, "Framing"): each frame goes out as
    00  COBS(kind, seq, payload..., CRC-16 high, CRC-16 low)  00
COBS (consistent overhead byte stuffing) leaves no zero byte in a frame, so a zero always
ends one: after line noise, a lost byte or a receiver that starts mid-frame, the next zero
puts the receiver back in step, and at most the frame around the damage is lost. The
leading zero ends whatever garbage came before the frame, so that garbage costs no frame.

The decoder never raises on what it is fed: a frame whose stuffing or CRC is wrong, or that
is shorter than a header, is dropped and counted; bytes beyond `max_body` without a zero are
dropped until the next zero, so a stream of garbage takes no more memory than one frame.
"""
from hwlink.crc16 import crc16

HEADER_BYTES = 2  # kind, seq
CRC_BYTES = 2
_DELIMITER = b"\x00"
_MAX_BLOCK = 254  # data bytes a COBS block holds (code 0xFF: 254 bytes, no zero after)


def encode_frame(kind, seq, payload=b""):
    """The bytes that carry one frame, delimiters included."""
    body = bytearray(HEADER_BYTES + len(payload) + CRC_BYTES)
    body[0] = kind
    body[1] = seq
    body[HEADER_BYTES:HEADER_BYTES + len(payload)] = payload
    crc = crc16(body, 0, len(body) - CRC_BYTES)
    body[-2] = crc >> 8
    body[-1] = crc & 0xFF
    return _DELIMITER + cobs_encode(body) + _DELIMITER


def cobs_encode(data):
    """COBS of `data` (bytes or bytearray): no zero byte in the result."""
    out = bytearray()
    start = 0
    while True:
        zero = data.find(_DELIMITER, start)
        end = len(data) if zero < 0 else zero
        while end - start >= _MAX_BLOCK:
            out.append(_MAX_BLOCK + 1)
            out += data[start:start + _MAX_BLOCK]
            start += _MAX_BLOCK
        out.append(end - start + 1)
        out += data[start:end]
        if zero < 0:
            return bytes(out)
        start = zero + 1


def cobs_decode(data):
    """The bytes `data` (no zero in it) stands for, or None when its stuffing is broken."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        end = i + code
        if code == 0 or end > len(data):
            return None
        out += data[i + 1:end]
        i = end
        if code <= _MAX_BLOCK and i < len(data):
            out.append(0)
    return out


class FrameDecoder:
    def __init__(self, max_body):
        """`max_body`: the longest body (header, payload and CRC) accepted."""
        self._max_encoded = max_body + max_body // _MAX_BLOCK + 1
        self._pending = bytearray()  # the frame being received, still stuffed
        self._skipping = False  # past max_body: dropping bytes until the next zero
        self.frames = 0  # frames delivered
        self.corrupt = 0  # dropped for their stuffing, their CRC or a missing header
        self.oversized = 0  # dropped for their length

    def receive_data(self, data):
        """Takes received bytes; returns the frames they complete, [(kind, seq, payload)]."""
        frames = []
        start = 0
        while start < len(data):
            zero = data.find(_DELIMITER, start)
            end = len(data) if zero < 0 else zero
            if not self._skipping:
                if len(self._pending) + end - start > self._max_encoded:
                    self._skipping = True
                    self._pending[:] = b""
                    self.oversized += 1
                else:
                    self._pending += data[start:end]
            if zero < 0:
                break
            if self._pending:
                frame = self._unpack(self._pending)
                self._pending[:] = b""
                if frame is not None:
                    frames.append(frame)
            self._skipping = False
            start = zero + 1
        return frames

    def _unpack(self, stuffed):
        body = cobs_decode(stuffed)
        if body is None or len(body) < HEADER_BYTES + CRC_BYTES \
                or crc16(body, 0, len(body) - CRC_BYTES) != (body[-2] << 8 | body[-1]):
            self.corrupt += 1
            return None
        self.frames += 1
        return body[0], body[1], bytes(body[HEADER_BYTES:-CRC_BYTES])
