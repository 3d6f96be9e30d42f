"""Hypothesis fuzz of the ws.protocol frame parser: any bytes in any chunking never raise,
never hang, keep the buffered bytes bounded, and end (if at all) with a legal close code."""
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ws.events import Close, Message
from ws.protocol import CLOSED, Protocol, is_valid_close_code

MAX_MESSAGE = 300
# a partial frame header plus a control frame may sit on top of a full message
BOUND = MAX_MESSAGE + 14 + 14 + 125


@st.composite
def frame(draw):
    """Mostly well-formed server frames with random flags, opcodes and lengths, so the
    fuzz reaches reassembly and close handling rather than dying on the first byte."""
    opcode = draw(st.sampled_from([0, 1, 2, 8, 9, 10, 3, 0xB]))
    fin = draw(st.booleans())
    rsv = draw(st.sampled_from([0, 0, 0, 0, 1, 4]))
    masked = draw(st.sampled_from([False, False, False, True]))
    payload = draw(st.one_of(st.binary(max_size=200), st.text(max_size=60).map(str.encode),
                             st.builds(lambda c, r: struct.pack("!H", c) + r.encode(),
                                       st.integers(0, 5000), st.text(max_size=20))))
    n = draw(st.one_of(st.just(len(payload)), st.integers(0, 2 ** 64 - 1)))
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    if n < 126 and draw(st.booleans()):
        header = struct.pack("!BB", first, (0x80 if masked else 0) | n)
    elif n < 65536:
        header = struct.pack("!BBH", first, (0x80 if masked else 0) | 126, n)
    else:
        header = struct.pack("!BBQ", first, (0x80 if masked else 0) | 127, n)
    if masked:
        header += b"\x01\x02\x03\x04"
    return header + payload


streams = st.one_of(st.binary(max_size=2000),
                    st.lists(frame(), max_size=12).map(b"".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams, cuts=st.lists(st.integers(1, 64), max_size=40))
def test_parser_never_raises_and_stays_bounded(data, cuts):
    protocol = Protocol(max_message_bytes=MAX_MESSAGE)
    pos = 0
    chunks = []
    for size in cuts:
        chunks.append(data[pos:pos + size])
        pos += size
    chunks.append(data[pos:])
    closed_seen = False
    for chunk in chunks:
        protocol.receive_data(chunk)
        assert protocol.buffered_bytes() <= BOUND
        for event in protocol.events_received():
            assert not closed_seen
            if type(event) is Message:
                size = len(event.data.encode() if type(event.data) is str else event.data)
                assert size <= MAX_MESSAGE
            if type(event) is Close:
                assert event.code == 1005 or is_valid_close_code(event.code)
        protocol.data_to_send()
        closed_seen = protocol.state == CLOSED
    if protocol.state == CLOSED:
        assert protocol.close_code in (1002, 1007, 1009, 1005) or is_valid_close_code(
            protocol.close_code)
        assert protocol.buffered_bytes() == 0
    protocol.receive_eof()
    assert protocol.state == CLOSED
