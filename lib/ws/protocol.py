"""Sans-I/O WebSocket client connection (RFC 6455) after a successful upgrade.

Bytes from the server go in with receive_data(); events come out of events_received();
bytes to write are drained with data_to_send(). Bad input never raises: it fails the
connection with close code 1002 (framing), 1007 (bad UTF-8) or 1009 (too big), queues
that close frame, and ignores further input. Keep-alive runs on the time the caller
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
        self._in = bytearray()
        self._out = []
        self._events = []
        self._message_opcode = None  # opcode of the fragmented message being reassembled
        self._message = bytearray()
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
        self._send_data(OP_TEXT, text.encode())

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
        out = self._out
        self._out = []
        if len(out) == 1:
            return out[0]
        return b"".join(out)

    def _send_data(self, opcode, payload):
        if self.state != OPEN:
            code = self.close_code if self.close_code is not None else self._sent_close_code
            raise ConnectionClosed(code, self.close_reason or "closing")
        self._send_frame(opcode, payload)

    def _send_frame(self, opcode, payload):
        self._out.append(frames.encode_frame(opcode, payload))

    # ---- receiving ----------------------------------------------------------------------

    def events_received(self):
        events = self._events
        self._events = []
        return events

    def buffered_bytes(self):
        """Received bytes held (partial frame + partial message): bounded by the maximum
        message size plus one frame header and one control frame."""
        return len(self._in) + len(self._message)

    def receive_eof(self):
        """The transport ended; without a close handshake that is close code 1006."""
        if self.state != CLOSED:
            self._end("lost", CLOSE_ABNORMAL, "connection lost")

    def receive_data(self, data):
        if self.state == CLOSED:
            return
        buf = self._in
        buf.extend(data)
        pos = 0
        while self.state != CLOSED:
            header = frames.parse_header(buf, pos)
            if header is None or not self._accept_header(header):
                break
            end = pos + header.size + header.length
            if len(buf) < end:
                break
            payload = bytes(memoryview(buf)[pos + header.size:end])
            pos = end
            self._on_frame(header, payload)
        if self.state == CLOSED:
            self._in = bytearray()
        elif pos:
            buf[:pos] = b""

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
        if len(self._message) + header.length > self.max_message_bytes:
            return self._fail(1009, "message over %d bytes" % self.max_message_bytes)
        return True

    def _on_frame(self, header, payload):
        opcode = header.opcode
        if opcode == OP_PING:
            if self.state == OPEN:
                self._send_frame(OP_PONG, payload)
            self._events.append(Ping(payload))
        elif opcode == OP_PONG:
            if payload == self._ping_payload:
                self._ping_payload = None
                self._pong_deadline_ms = None
            self._events.append(Pong(payload))
        elif opcode == OP_CLOSE:
            self._on_close(payload)
        else:
            self._on_data(header, payload)

    def _on_data(self, header, payload):
        if header.opcode != OP_CONTINUATION:
            self._message_opcode = header.opcode
            self._text.reset()
        is_text = self._message_opcode == OP_TEXT
        if is_text and not self._text.feed(payload):
            self._fail(1007, "invalid UTF-8 in text message")
            return
        if not header.fin:
            self._message.extend(payload)
            return
        if self._message:
            self._message.extend(payload)
            payload = bytes(self._message)
            self._message = bytearray()
        self._message_opcode = None
        if not is_text:
            self._events.append(Message(payload))
        elif self._text.complete():
            self._events.append(Message(payload.decode()))
        else:
            self._fail(1007, "text message ends inside a UTF-8 sequence")

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
        self._message = bytearray()
        self._message_opcode = None
        self._pong_deadline_ms = None

    def _move(self, event):
        next_state = _TRANSITIONS.get((self.state, event))
        if next_state is None:
            raise RuntimeError("ws protocol: %s in state %s" % (event, self.state))
        self.state = next_state
