"""ws.frames and the sending side of ws.protocol: client masking (RFC 6455 5.3) and the
7/16/64-bit payload lengths (5.2)."""
from test_ws_helpers import client_frames, feed, new_protocol, server_frame
from ws import frames
from ws.events import Message


def test_length_encodings_round_trip():
    for n, header_size in ((0, 6), (125, 6), (126, 8), (65535, 8), (65536, 14), (70001, 14)):
        payload = bytes(i & 0xFF for i in range(n))
        data = frames.encode_frame(frames.OP_BINARY, payload)
        header = frames.parse_header(data)
        assert (header.size, header.length, header.fin) == (header_size, n, True)
        assert frames.apply_mask(data[header.size:], header.mask) == payload


def test_length_field_bytes():
    assert frames.encode_frame(1, b"a" * 125, mask=b"\0\0\0\0")[1] == 0x80 | 125
    data = frames.encode_frame(1, b"a" * 126, mask=b"\0\0\0\0")
    assert data[1] == 0x80 | 126 and data[2:4] == b"\x00\x7e"
    data = frames.encode_frame(1, b"a" * 65536, mask=b"\0\0\0\0")
    assert data[1] == 0x80 | 127 and data[2:10] == b"\x00\x00\x00\x00\x00\x01\x00\x00"


def test_server_lengths_decoded():
    for n in (0, 125, 126, 65535, 65536):
        protocol = new_protocol(max_message_bytes=70000)
        events = feed(protocol, server_frame(frames.OP_BINARY, b"z" * n), chunk=4096)
        assert len(events) == 1 and events[0].data == b"z" * n


def test_header_needs_all_its_bytes():
    data = server_frame(frames.OP_BINARY, b"x" * 70000)
    for cut in range(10):
        assert frames.parse_header(data[:cut]) is None
    assert frames.parse_header(data[:10]).length == 70000


def test_every_client_frame_masked_with_fresh_key():
    protocol = new_protocol()
    for _ in range(8):
        protocol.send_text("same text")
    sent = client_frames(protocol.data_to_send())
    masks = [mask for _, _, _, mask in sent]
    assert all(mask is not None and len(mask) == 4 for mask in masks)
    assert len(set(masks)) == 8
    assert all(payload == b"same text" for _, _, payload, _ in sent)


def test_masked_bytes_differ_from_payload():
    data = frames.encode_frame(frames.OP_TEXT, b"\x00" * 8, mask=b"\x01\x02\x03\x04")
    assert data[-8:] == b"\x01\x02\x03\x04\x01\x02\x03\x04"


def test_text_and_binary_opcodes():
    protocol = new_protocol()
    protocol.send_text("h\u00e9")
    protocol.send_binary(b"\x00\xff")
    sent = client_frames(protocol.data_to_send())
    assert [(op, payload) for _, op, payload, _ in sent] == [
        (frames.OP_TEXT, "h\u00e9".encode()), (frames.OP_BINARY, b"\x00\xff")]
    events = feed(protocol, server_frame(1, "h\u00e9".encode()) + server_frame(2, b"\xff"))
    assert [type(e) for e in events] == [Message, Message]
    assert events[0].data == "h\u00e9" and events[1].data == b"\xff"


def test_ping_sent_and_bounded():
    protocol = new_protocol()
    protocol.send_ping(b"abc")
    assert [(op, p) for _, op, p, _ in client_frames(protocol.data_to_send())] == [
        (frames.OP_PING, b"abc")]
    try:
        protocol.send_ping(b"x" * 126)
    except ValueError:
        return
    raise AssertionError("126-byte ping accepted")
