"""ws.frames: the 16- and 64-bit payload lengths (RFC 6455 5.2) at their bounds. A frame of
64 KB and more does not fit a board's heap (the station refuses one long before: its
max_message_bytes), so this module runs at a host's heap (Makefile: MPTEST32_HOST_HEAP)."""
from test_ws_helpers import feed, new_protocol, server_frame
from ws import frames


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


def test_mask_is_rfc_6455_xor_at_every_length():
    # RFC 6455 5.3: octet i of the payload XOR octet i mod 4 of the key, whatever the chunks
    # and pieces the masking is done in.
    mask = b"\x9a\x01\xff\x3c"
    for n in (0, 1, 2, 3, 5, 125, 126, 255, 256, 257, 511, 512, 513, 1030):
        payload = bytes((i * 7 + 3) & 0xFF for i in range(n))
        expected = bytes(payload[i] ^ mask[i % 4] for i in range(n))
        assert bytes(frames.apply_mask(payload, mask)) == expected, n
        portable = bytearray(n + 3)
        frames._portable_mask_into(portable, 3, payload, mask)
        assert bytes(portable[3:]) == expected, n
        pieces = frames.encode_pieces(frames.OP_BINARY, payload, mask=mask)
        sent = b"".join(bytes(piece) for piece in pieces)
        assert sent[-n:] == expected if n else sent[-4:] == mask, n


def test_micropython_masks_in_native_code():
    # lib/ws/mask_native.py compiles its viper function at import, for the machine it runs
    # on: every MicroPython here has a native emitter. CPython has the portable mask only.
    import sys

    native = frames._native_mask_into is not None
    assert native == (sys.implementation.name == "micropython")
