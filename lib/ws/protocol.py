"""Sans-I/O WebSocket client connection (RFC 6455) after a successful upgrade.

Bytes from the server go in with receive_data(); events come out of events_received();
bytes to write are drained with data_to_send(). Bad input never raises: it fails the
connection with close code 1002 (framing), 1007 (bad UTF-8) or 1009 (over the maximum
size, or more than the heap can hold), queues that close frame, and ignores further input.
A message's buffer is allocated whole from its frame headers: nothing grows read by read,
and nothing of a message stays behind once it is delivered. Keep-alive runs on the time the caller
passes in: call tick(now_ms) at next_deadline_ms().
"""
import os
import struct

from ws import frames
from ws.errors import ConnectionClosed
from ws.events import Close, Message, Ping, Pong
from ws.frames import OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT
from ws.utf8 import Utf8Validator

OPEN = "OPEN"
CLOSING = "CLOSING"  # our close frame is sent, the peer's is awaited
CLOSED = "CLOSED"

# Every state change goes through this table; a missing entry is a bug in this file.
_TRANSITIONS = {
    (OPEN, "send_close"): CLOSING,
    (OPEN, "recv_close"): CLOSED,
    (OPEN, "fail"): CLOSED,
    (OPEN, "lost"): CLOSED,
    (CLOSING, "recv_close"): CLOSED,
    (CLOSING, "fail"): CLOSED,
    (CLOSING, "lost"): CLOSED,
}

CLOSE_NO_STATUS = 1005
CLOSE_ABNORMAL = 1006
_MAX_PONG_TIMEOUT_S = 30


def is_valid_close_code(code):
    """Codes that may appear in a close frame (RFC 6455 7.4.1 and the IANA registry)."""
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


class Protocol:
    def __init__(self, max_message_bytes=65536, ping_interval_s=0, pong_timeout_s=None,
                 now_ms=0):
        self.state = OPEN
        self.close_code = None  # set when CLOSED: the code that ended the connection
        self.close_reason = ""
        self.max_message_bytes = max_message_bytes
        self._sent_close_code = None
        self._in = bytearray()  # a frame header split across reads
        self._out = []
        self._events = []
        self._header = None  # the frame whose payload is arriving, and how much is to come
        self._left = 0
        self._control = None  # a control frame's payload
        self._message_opcode = None  # opcode of the data message being received
        self._message = None  # its buffer, allocated from the frame headers
        self._filled = 0  # bytes of it received
        self._text = Utf8Validator()
        self._ping_payload = None
        self._pong_deadline_ms = None
        self.set_ping_interval(ping_interval_s, now_ms, pong_timeout_s)

    # ---- keep-alive -------------------------------------------------------------------

    def set_ping_interval(self, ping_interval_s, now_ms, pong_timeout_s=None):
        """0 disables pings. The pong timeout defaults to the interval, at most 30 s."""
        self._ping_interval_ms = int(ping_interval_s * 1000)
        if pong_timeout_s is None:
            pong_timeout_s = min(ping_interval_s, _MAX_PONG_TIMEOUT_S)
        self._pong_timeout_ms = int(pong_timeout_s * 1000)
        self._next_ping_ms = now_ms + self._ping_interval_ms if self._ping_interval_ms else None

    def next_deadline_ms(self):
        """When tick() has something to do, or None."""
        if self.state != OPEN:
            return None
        if self._pong_deadline_ms is not None:
            return self._pong_deadline_ms
        return self._next_ping_ms

    def tick(self, now_ms):
        if self.state != OPEN:
            return
        if self._pong_deadline_ms is not None:
            if now_ms - self._pong_deadline_ms >= 0:
                self._fail(1011, "no pong within %d ms" % self._pong_timeout_ms)
            return
        if self._next_ping_ms is not None and now_ms - self._next_ping_ms >= 0:
            self._ping_payload = os.urandom(4)
            self._send_frame(OP_PING, self._ping_payload)
            self._pong_deadline_ms = now_ms + self._pong_timeout_ms
            self._next_ping_ms = now_ms + self._ping_interval_ms

    # ---- sending ------------------------------------------------------------------------

    def send_text(self, text):
        self._send_data(OP_TEXT, _utf8(text))

    def send_binary(self, data):
        self._send_data(OP_BINARY, data)

    def send_ping(self, payload=b""):
        if len(payload) > frames.MAX_CONTROL_PAYLOAD:
            raise ValueError("ping payload over 125 bytes")
        self._send_data(OP_PING, payload)

    def close(self, code=1000, reason=""):
        """Start the closing handshake; a no-op once closing or closed."""
        if self.state != OPEN:
            return
        if not is_valid_close_code(code):
            raise ValueError("close code %d may not be sent" % code)
        payload = struct.pack("!H", code) + reason.encode()
        if len(payload) > frames.MAX_CONTROL_PAYLOAD:
            raise ValueError("close reason over 123 bytes")
        self._send_frame(OP_CLOSE, payload)
        self._sent_close_code = code
        self._move("send_close")

    def data_to_send(self):
        out = self.pieces_to_send()
        if len(out) == 1:
            return out[0]
        return b"".join(out)

    def has_output(self):
        return len(self._out) > 0

    def pieces_to_send(self):
        """The bytes to write, as buffers to write in turn (a large frame comes in pieces:
        frames.encode_pieces)."""
        out = self._out
        self._out = []
        return out

    def _send_data(self, opcode, payload):
        if self.state != OPEN:
            code = self.close_code if self.close_code is not None else self._sent_close_code
            raise ConnectionClosed(code, self.close_reason or "closing")
        self._send_frame(opcode, payload)

    def _send_frame(self, opcode, payload):
        self._out.extend(frames.encode_pieces(opcode, payload))

    # ---- receiving ----------------------------------------------------------------------

    def events_received(self):
        events = self._events
        self._events = []
        return events

    def buffered_bytes(self):
        """Bytes held for reception: a partial frame header, the message being received (its
        buffer is allocated whole from the frame headers) and a control frame's payload;
        at most the maximum message size plus one header and one control frame."""
        held = len(self._in)
        if self._message is not None:
            held += len(self._message)
        if self._control is not None:
            held += len(self._control)
        return held

    def receive_eof(self):
        """The transport ended; without a close handshake that is close code 1006."""
        if self.state != CLOSED:
            self._end("lost", CLOSE_ABNORMAL, "connection lost")

    def receive_data(self, data):
        # Payload bytes go straight from `data` into the buffer of their message or control
        # frame; only a frame header split across reads is held back (in self._in).
        view = memoryview(data)
        pos = 0
        while pos < len(view) and self.state != CLOSED:
            if self._header is None:
                pos = self._take_header(view, pos)
                if self._header is None:
                    break
            else:
                count = min(self._left, len(view) - pos)
                self._take_payload(view[pos:pos + count])
                pos += count
            if self._header is not None and self._left == 0 and self.state != CLOSED:
                self._frame_done()

    def _take_header(self, view, pos):
        """Where the next frame's payload starts in `view`; sets self._header once the
        header is complete and acceptable."""
        held = self._in
        before = len(held)
        taken = min(frames.MAX_HEADER_SIZE - before, len(view) - pos)
        held.extend(view[pos:pos + taken])
        header = frames.parse_header(held)
        if header is None:
            return pos + taken
        held[:] = b""
        if self._accept_header(header) and self._start_frame(header):
            self._header = header
            self._left = header.length
        return pos + header.size - before

    def _accept_header(self, header):
        """False after failing the connection for a header that breaks RFC 6455 5.2-5.5,
        before any of its payload is buffered."""
        opcode = header.opcode
        if header.mask is not None:
            return self._fail(1002, "masked frame from server")
        if header.rsv:
            return self._fail(1002, "reserved bits set without an extension")
        if opcode in frames.CONTROL_OPCODES:
            if not header.fin:
                return self._fail(1002, "fragmented control frame")
            if header.length > frames.MAX_CONTROL_PAYLOAD:
                return self._fail(1002, "control frame over 125 bytes")
            return True
        if opcode not in frames.DATA_OPCODES:
            return self._fail(1002, "unknown opcode %d" % opcode)
        if opcode == OP_CONTINUATION and self._message_opcode is None:
            return self._fail(1002, "continuation frame without a message start")
        if opcode != OP_CONTINUATION and self._message_opcode is not None:
            return self._fail(1002, "new message inside a fragmented message")
        if self._filled + header.length > self.max_message_bytes:
            return self._fail(1009, "message over %d bytes" % self.max_message_bytes)
        return True

    def _start_frame(self, header):
        """Allocates where the frame's payload goes, all of it at once: a buffer grown as
        reads arrive leaves holes of every size behind in a small heap, and one that cannot
        be had is a message too big for this station (1009), refused before any of it is
        buffered. False when the connection failed."""
        if header.opcode in frames.CONTROL_OPCODES:
            self._control = bytearray()
            return True
        received = self._filled
        try:
            buffer = bytearray(received + header.length)
        except MemoryError:
            return self._fail(1009, "message of %d bytes does not fit in memory"
                              % (received + header.length))
        if header.opcode == OP_CONTINUATION:
            buffer[:received] = self._message
        else:
            self._message_opcode = header.opcode
            self._text.reset()
        self._message = buffer
        return True

    def _take_payload(self, piece):
        self._left -= len(piece)
        if self._header.opcode in frames.CONTROL_OPCODES:
            self._control.extend(piece)
            return
        if self._message_opcode == OP_TEXT and not self._text.feed(piece):
            self._fail(1007, "invalid UTF-8 in text message")
            return
        end = self._filled + len(piece)
        self._message[self._filled:end] = piece
        self._filled = end

    def _frame_done(self):
        header = self._header
        self._header = None
        opcode = header.opcode
        if opcode in frames.CONTROL_OPCODES:
            payload = bytes(self._control)
            self._control = None
            self._on_control(opcode, payload)
        elif header.fin:
            self._message_done()

    def _on_control(self, opcode, payload):
        if opcode == OP_PING:
            if self.state == OPEN:
                self._send_frame(OP_PONG, payload)
            self._events.append(Ping(payload))
        elif opcode == OP_PONG:
            if payload == self._ping_payload:
                self._ping_payload = None
                self._pong_deadline_ms = None
            self._events.append(Pong(payload))
        else:
            self._on_close(payload)

    def _message_done(self):
        message = self._message
        is_text = self._message_opcode == OP_TEXT
        self._message = None
        self._filled = 0
        self._message_opcode = None
        if not is_text:
            self._events.append(Message(bytes(message)))
        elif not self._text.complete():
            self._fail(1007, "text message ends inside a UTF-8 sequence")
        else:
            try:
                text = str(message, "utf-8")
            except MemoryError:  # the buffer was had, its text copy was not
                self._fail(1009, "message of %d bytes does not fit in memory" % len(message))
                return
            self._events.append(Message(text))

    def _on_close(self, payload):
        if len(payload) == 1:
            self._fail(1002, "close frame with a 1-byte payload")
            return
        code = CLOSE_NO_STATUS
        reason = ""
        if payload:
            code = struct.unpack("!H", payload[:2])[0]
            if not is_valid_close_code(code):
                self._fail(1002, "invalid close code %d" % code)
                return
            raw_reason = payload[2:]
            validator = Utf8Validator()
            if not (validator.feed(raw_reason) and validator.complete()):
                self._fail(1007, "invalid UTF-8 in close reason")
                return
            reason = raw_reason.decode()
        if self.state == OPEN:
            # Echo the status code, as RFC 6455 5.5.1 suggests.
            self._send_frame(OP_CLOSE, payload[:2])
        self._events.append(Close(code, reason))
        self._end("recv_close", code, reason)

    # ---- ending -------------------------------------------------------------------------

    def _fail(self, code, reason):
        """Fail the connection (RFC 6455 7.1.7); returns False for the caller's convenience."""
        if self.state == OPEN:
            self._send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode()[:123])
        self._end("fail", code, reason)
        return False

    def _end(self, event, code, reason):
        self._move(event)
        self.close_code = code
        self.close_reason = reason
        self._in = bytearray()
        self._header = None
        self._control = None
        self._message = None
        self._filled = 0
        self._message_opcode = None
        self._pong_deadline_ms = None

    def _move(self, event):
        next_state = _TRANSITIONS.get((self.state, event))
        if next_state is None:
            raise RuntimeError("ws protocol: %s in state %s" % (event, self.state))
        self.state = next_state


def _utf8(text):
    """The UTF-8 bytes of `text`: on MicroPython a view of the str's own bytes, so a large
    message is not copied whole before it is framed; CPython copies."""
    try:
        return memoryview(text)
    except TypeError:
        return text.encode()
