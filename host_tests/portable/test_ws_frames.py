"""ws.frames and the sending side of ws.protocol: client masking (RFC 6455 5.3), opcodes, pings
(the payload lengths at their bounds: test_ws_frames_large.py)."""
from test_ws_helpers import client_frames, feed, new_protocol, server_frame
from ws import frames
from ws.events import Message


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
