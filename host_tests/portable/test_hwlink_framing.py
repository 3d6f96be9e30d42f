# hwlink framing (docs/hwlink.md "Framing"): CRC-16/GENIBUS, COBS, and a decoder that
# resynchronises on the next zero after garbage, a torn frame or a bit flip, never raises,
# and never holds more than one frame.
from hwlink.crc16 import crc16
from hwlink.framing import FrameDecoder, cobs_decode, cobs_encode, encode_frame


def test_crc_is_genibus_check_value():
    assert crc16(b"123456789") == 0xD64E
    assert crc16(b"") == 0x0000
    assert crc16(b"xx123456789yy", 2, 11) == 0xD64E


def test_cobs_round_trips_at_block_boundaries():
    for length in (0, 1, 253, 254, 255, 508, 509, 700):
        for filler in (b"\x11", b"\x00", b"\x00\x07"):
            data = (filler * length)[:length]
            encoded = cobs_encode(data)
            assert b"\x00" not in encoded, (length, filler)
            assert bytes(cobs_decode(encoded)) == data, (length, filler)
            # The overhead is bounded: one byte per 254, plus one.
            assert len(encoded) <= length + length // 254 + 2


def test_cobs_decode_refuses_a_block_running_past_the_end():
    assert cobs_decode(b"\x05ab") is None


def test_a_frame_round_trips_with_its_header():
    decoder = FrameDecoder(64)
    wire = encode_frame(0x82, 7, b"pay\x00load")
    assert wire[0] == 0 and wire[-1] == 0 and b"\x00" not in wire[1:-1]
    assert decoder.receive_data(wire) == [(0x82, 7, b"pay\x00load")]
    assert decoder.frames == 1 and decoder.corrupt == 0


def test_frames_split_byte_by_byte_and_run_together():
    decoder = FrameDecoder(64)
    wire = encode_frame(1, 1, b"a") + encode_frame(2, 2, b"") + encode_frame(3, 3, b"ccc")
    got = []
    for i in range(len(wire)):
        got += decoder.receive_data(wire[i:i + 1])
    assert got == [(1, 1, b"a"), (2, 2, b""), (3, 3, b"ccc")]


def test_garbage_before_a_frame_costs_no_frame():
    decoder = FrameDecoder(64)
    got = decoder.receive_data(b"\x13\x37garbage" + encode_frame(5, 9, b"ok"))
    assert got == [(5, 9, b"ok")]
    assert decoder.corrupt == 1  # the garbage, ended by the frame's leading zero


def test_a_torn_frame_is_dropped_and_the_next_one_delivered():
    decoder = FrameDecoder(64)
    first = encode_frame(1, 1, b"first frame")
    torn = first[:6]  # the sender stopped mid-frame; the next frame's leading zero ends it
    assert decoder.receive_data(torn + encode_frame(2, 2, b"second")) == [(2, 2, b"second")]
    assert decoder.corrupt == 1


def test_every_single_bit_flip_is_detected_delimiters_included():
    for payload in (b"\x01\x02energy\xff", b"", b"\x00\x00\x00"):
        frame = (0x82, 200, payload)
        before = encode_frame(1, 1, b"before")
        wire = encode_frame(*frame)
        after = encode_frame(2, 2, b"after")
        for i in range(len(wire)):
            for bit in range(8):
                flipped = bytearray(wire)
                flipped[i] ^= 1 << bit
                got = FrameDecoder(64).receive_data(before + bytes(flipped) + after)
                assert frame not in got and got[-1:] == [(2, 2, b"after")], (payload, i, bit)
                for kind, seq, data in got:  # nothing that was not sent
                    assert (kind, seq, data) in ((1, 1, b"before"), (2, 2, b"after"))


def test_an_oversized_frame_is_skipped_without_buffering_it():
    decoder = FrameDecoder(32)
    huge = encode_frame(1, 1, b"x" * 200)
    got = []
    for i in range(0, len(huge), 7):
        got += decoder.receive_data(huge[i:i + 7])
        assert len(decoder._pending) <= 33  # never more than one frame's worth
    got += decoder.receive_data(encode_frame(2, 2, b"fits"))
    assert got == [(2, 2, b"fits")]
    assert decoder.oversized == 1


def test_short_bodies_and_empty_frames_are_not_frames():
    decoder = FrameDecoder(32)
    assert decoder.receive_data(b"\x00\x00\x00\x02\x01\x00\x03\x01\x01\x00") == []
    assert decoder.corrupt == 2 and decoder.frames == 0


def test_a_bytearray_feeds_as_well_as_bytes():
    decoder = FrameDecoder(32)
    assert decoder.receive_data(bytearray(encode_frame(4, 4, b"z"))) == [(4, 4, b"z")]
