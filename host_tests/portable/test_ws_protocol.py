"""ws.protocol receiving rules: fragmentation, ping/pong, the close handshake and failing
the connection with 1002/1007/1009 (RFC 6455 5.4, 5.5, 7.1.7, 7.4.1, 8.1)."""
import struct

from test_ws_helpers import client_frames, feed, new_protocol, server_frame
from ws.errors import ConnectionClosed
from ws.events import Close, Message, Ping, Pong
from ws.frames import OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT
from ws.protocol import CLOSED, CLOSING, OPEN


def _close_sent(protocol):
    sent = client_frames(protocol.data_to_send())
    assert sent and sent[-1][1] == OP_CLOSE, sent
    payload = sent[-1][2]
    return struct.unpack("!H", payload[:2])[0] if payload else None


def _failed_with(data, code, chunk=None, **kwargs):
    protocol = new_protocol(**kwargs)
    events = feed(protocol, data, chunk)
    assert protocol.state == CLOSED and protocol.close_code == code, (
        protocol.state, protocol.close_code, protocol.close_reason)
    assert _close_sent(protocol) == code
    assert protocol.close_reason and "\n" not in protocol.close_reason
    return protocol, events


def test_fragmented_text_with_interleaved_ping():
    data = (server_frame(OP_TEXT, b"Hel", fin=False) + server_frame(OP_PING, b"p1")
            + server_frame(OP_CONTINUATION, b"lo ", fin=False)
            + server_frame(OP_CONTINUATION, b"\xc3\xa9", fin=True))
    for chunk in (None, 1, 3):
        protocol = new_protocol()
        events = feed(protocol, data, chunk)
        assert [type(e) for e in events] == [Ping, Message]
        assert events[1].data == "Hello \u00e9"
        sent = client_frames(protocol.data_to_send())
        assert [(op, p) for _, op, p, _ in sent] == [(OP_PONG, b"p1")]


def test_fragmented_binary():
    protocol = new_protocol()
    events = feed(protocol, server_frame(OP_BINARY, b"\x00", fin=False)
                  + server_frame(OP_CONTINUATION, b"\x01"))
    assert events[0].data == b"\x00\x01"


def test_ping_answered_with_same_payload():
    protocol = new_protocol()
    events = feed(protocol, server_frame(OP_PING, b"\x01\x02") + server_frame(OP_PING))
    assert [type(e) for e in events] == [Ping, Ping]
    sent = client_frames(protocol.data_to_send())
    assert [(op, p) for _, op, p, _ in sent] == [(OP_PONG, b"\x01\x02"), (OP_PONG, b"")]


def test_unsolicited_pong_reported():
    protocol = new_protocol()
    events = feed(protocol, server_frame(OP_PONG, b"x"))
    assert type(events[0]) is Pong and protocol.data_to_send() == b""


def test_server_close_is_echoed_with_code():
    protocol = new_protocol()
    events = feed(protocol, server_frame(OP_CLOSE, struct.pack("!H", 1001) + b"going away"))
    assert type(events[0]) is Close and (events[0].code, events[0].reason) == (1001,
                                                                                "going away")
    assert _close_sent(protocol) == 1001
    assert (protocol.state, protocol.close_code) == (CLOSED, 1001)


def test_server_close_without_code_is_1005_and_echoed_empty():
    protocol = new_protocol()
    events = feed(protocol, server_frame(OP_CLOSE))
    assert events[0].code == 1005 and protocol.close_code == 1005
    assert _close_sent(protocol) is None


def test_client_close_handshake():
    protocol = new_protocol()
    protocol.close(4001, "bye")
    assert protocol.state == CLOSING
    sent = client_frames(protocol.data_to_send())
    assert sent[0][2] == struct.pack("!H", 4001) + b"bye"
    events = feed(protocol, server_frame(OP_TEXT, b"late") + server_frame(OP_CLOSE, b"\x0f\xa1"))
    assert [type(e) for e in events] == [Message, Close]
    assert (protocol.state, protocol.close_code) == (CLOSED, 4001)
    assert protocol.data_to_send() == b""  # nothing echoed: we started the handshake


def test_send_after_close_raises_connection_closed():
    protocol = new_protocol()
    protocol.close()
    protocol.close()  # second close is a no-op
    for send in (lambda: protocol.send_text("x"), lambda: protocol.send_binary(b"x")):
        try:
            send()
        except ConnectionClosed as e:
            assert e.code == 1000
            continue
        raise AssertionError("send after close accepted")


def test_bad_close_code_to_send_refused():
    for code in (999, 1005, 1006, 1015, 2999, 5000):
        try:
            new_protocol().close(code)
        except ValueError:
            continue
        raise AssertionError(code)


def test_eof_is_1006():
    protocol = new_protocol()
    protocol.receive_eof()
    assert (protocol.state, protocol.close_code) == (CLOSED, 1006)


def test_1002_masked_server_frame():
    _failed_with(server_frame(OP_TEXT, b"hi", mask=b"abcd"), 1002)


def test_1002_reserved_bits():
    for rsv in (1, 2, 4):
        _failed_with(server_frame(OP_TEXT, b"hi", rsv=rsv), 1002)


def test_1002_unknown_opcodes():
    for opcode in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
        _failed_with(server_frame(opcode, b"x"), 1002)


def test_1002_fragmented_control_frame():
    for opcode in (OP_PING, OP_PONG, OP_CLOSE):
        _failed_with(server_frame(opcode, b"", fin=False), 1002)


def test_1002_oversize_control_frame():
    _failed_with(server_frame(OP_PING, b"x" * 126), 1002)
    # refused on the header, before the payload arrives
    _failed_with(server_frame(OP_PING, length=126), 1002)


def test_1002_continuation_without_start():
    _failed_with(server_frame(OP_CONTINUATION, b"x"), 1002)


def test_1002_new_message_inside_fragmented_one():
    _failed_with(server_frame(OP_TEXT, b"a", fin=False) + server_frame(OP_BINARY, b"b"), 1002)


def test_1002_bad_close_payloads():
    _failed_with(server_frame(OP_CLOSE, b"\x03"), 1002)
    for code in (0, 999, 1004, 1005, 1006, 1015, 2999, 5000):
        _failed_with(server_frame(OP_CLOSE, struct.pack("!H", code)), 1002)


def test_1007_invalid_utf8():
    for bad in (b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"abc\xe2\x82"):
        _failed_with(server_frame(OP_TEXT, bad), 1007)
    _failed_with(server_frame(OP_CLOSE, b"\x03\xe8\xff"), 1007)


def test_1007_detected_in_first_fragment():
    protocol, events = _failed_with(server_frame(OP_TEXT, b"ok\xff", fin=False), 1007)
    assert events == []


def test_utf8_sequence_split_across_fragments_accepted():
    protocol = new_protocol()
    events = feed(protocol, server_frame(OP_TEXT, b"\xe2", fin=False)
                  + server_frame(OP_CONTINUATION, b"\x82", fin=False)
                  + server_frame(OP_CONTINUATION, b"\xac"))
    assert events[0].data == "\u20ac"


def test_1009_announced_2_pow_40_rejected_on_header():
    protocol, events = _failed_with(server_frame(OP_BINARY, length=1 << 40), 1009,
                                    max_message_bytes=1024)
    assert protocol.buffered_bytes() == 0


def test_1009_just_over_limit_and_at_limit():
    protocol = new_protocol(max_message_bytes=100)
    assert feed(protocol, server_frame(OP_BINARY, b"x" * 100))[0].data == b"x" * 100
    _failed_with(server_frame(OP_BINARY, b"x" * 101), 1009, chunk=4, max_message_bytes=100)


def test_1009_fragmented_running_total():
    data = b"".join(server_frame(OP_CONTINUATION if i else OP_TEXT, b"x" * 40, fin=False)
                    for i in range(3))
    protocol, events = _failed_with(data, 1009, max_message_bytes=100)
    assert events == [] and protocol.buffered_bytes() == 0


def test_input_ignored_after_failure():
    protocol, _ = _failed_with(server_frame(OP_TEXT, b"x", rsv=1), 1002)
    protocol.receive_data(server_frame(OP_PING, b"p") + server_frame(OP_TEXT, b"t"))
    assert protocol.events_received() == [] and protocol.data_to_send() == b""
    assert protocol.close_code == 1002 and protocol.state == CLOSED


def test_partial_frame_buffer_bounded():
    protocol = new_protocol(max_message_bytes=1000)
    data = server_frame(OP_BINARY, b"y" * 1000)
    for i in range(0, len(data) - 1, 7):
        protocol.receive_data(data[i:i + 7])
        assert protocol.buffered_bytes() <= 1000 + 14
    assert protocol.state == OPEN


def test_a_large_text_goes_out_in_pieces_that_make_the_same_frame():
    """A board's fragmented heap may not hold one buffer of a large frame beside the message:
    it is framed in pieces of at most PIECE_BYTES, the same bytes once written in turn."""
    from ws import frames

    text = "é" + "0123456789abcdef" * 200  # 3,202 bytes of UTF-8
    payload = text.encode()
    pieces = frames.encode_pieces(OP_TEXT, payload, mask=b"\x01\x02\x03\x04")
    assert max(len(piece) for piece in pieces) <= frames.PIECE_BYTES
    assert b"".join(pieces) == frames.encode_frame(OP_TEXT, payload, mask=b"\x01\x02\x03\x04")
    protocol = new_protocol()
    protocol.send_text(text)
    sent = protocol.pieces_to_send()
    assert len(sent) == 1 + (len(payload) + frames.PIECE_BYTES - 1) // frames.PIECE_BYTES
    assert [frame[:3] for frame in client_frames(b"".join(sent))] == [(True, OP_TEXT, payload)]
