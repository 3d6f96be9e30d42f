"""Hypothesis fuzz of hwlink (docs/hwlink.md): the frame decoder on any bytes in any chunking
never raises and holds at most one frame; frames survive garbage between them; bit flips
cost only the frames they touch; neither end raises on any frame; and after any pattern of
loss, corruption, garbage and cuts a session converges: link up, every output as the
controller wants it, every card delivered exactly once and in order."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwlink import messages as m
from hwlink.controller_end import CARDS_MAX, COMMANDS_MAX, ControllerEnd
from hwlink.framing import FrameDecoder, encode_frame
from hwlink.hardware_end import ASKS_MAX, HardwareEnd
from test_hwlink_ends import Model, diff

MAX_BODY = 96
MAX_ENCODED = MAX_BODY + MAX_BODY // 254 + 1
SETTINGS = dict(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

frames = st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=60))


def chunked(data, cuts):
    pieces, at = [], 0
    for size in cuts:
        pieces.append(data[at:at + size])
        at += size
    pieces.append(data[at:])
    return pieces


@settings(**SETTINGS)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(1, 80), max_size=50),
       last=frames)
def test_decoder_never_raises_and_holds_at_most_one_frame(data, cuts, last):
    decoder = FrameDecoder(MAX_BODY)
    for piece in chunked(data, cuts):
        decoder.receive_data(piece)
        assert len(decoder._pending) <= MAX_ENCODED
    # Whatever came before, a good frame after it is delivered.
    assert decoder.receive_data(encode_frame(*last))[-1:] == [last]


@settings(**SETTINGS)
@given(sent=st.lists(frames, max_size=12), garbage=st.lists(st.binary(max_size=40), min_size=12,
                                                            max_size=12),
       cuts=st.lists(st.integers(1, 30), max_size=60))
def test_frames_survive_garbage_between_them(sent, garbage, cuts):
    stream = b"".join(g + encode_frame(*f) for g, f in zip(garbage, sent))
    decoder = FrameDecoder(MAX_BODY)
    got = []
    for piece in chunked(stream, cuts):
        got += decoder.receive_data(piece)
    remaining = iter(got)  # each frame sent, in order, among what was received
    assert all(any(f == g for g in remaining) for f in sent)


# Deterministic: a flip of a COBS code byte rearranges the body, which CRC-16 misses with
# odds of 2**-16; a fixed set of examples keeps that from ever making the run flaky.
@settings(derandomize=True, **SETTINGS)
@given(sent=st.lists(frames, min_size=1, max_size=8),
       flips=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 7)), max_size=3))
def test_bit_flips_cost_only_the_frames_they_touch(sent, flips):
    spans, stream = [], bytearray()
    for frame in sent:
        wire = encode_frame(*frame)
        spans.append((len(stream), len(stream) + len(wire)))
        stream += wire
    touched = set()
    for position, bit in flips:
        position %= len(stream)
        stream[position] ^= 1 << bit
        touched.update(i for i, (a, b) in enumerate(spans) if a <= position < b)
    got = FrameDecoder(MAX_BODY).receive_data(bytes(stream))
    assert all(g in sent for g in got)
    for i, frame in enumerate(sent):
        if i not in touched:
            assert frame in got


# ---- both ends against any frame ---------------------------------------------------------

connector_status = st.builds(
    m.ConnectorStatus, plugged=st.booleans(), ev_demand=st.booleans(),
    fault=st.sampled_from(["", "GroundFailure", "x" * 32]),
    energy_wh=st.integers(0, 2 ** 32), power_w=st.integers(-2 ** 31, 2 ** 31),
    voltage_mv=st.integers(0, 2 ** 32), current_ma=st.integers(-2 ** 31, 2 ** 31),
    soc=st.one_of(st.none(), st.integers(0, 100)), output_on=st.booleans(),
    limit_w=st.one_of(st.none(), st.integers(0, 2 ** 32)))


@st.composite
def status_payload(draw):
    card_no = draw(st.integers(0, 255))
    tag = draw(st.text("ABC123-", min_size=1, max_size=20)) if card_no else None
    count = draw(st.sampled_from([2, 2, 2, 0, 1, 3]))
    return m.encode_status(m.Status(draw(st.lists(connector_status, min_size=count,
                                                  max_size=count)),
                                    draw(st.booleans()), card_no, tag))


payloads = st.one_of(
    st.binary(max_size=80), status_payload(),
    st.builds(m.encode_output, st.integers(0, 255), st.booleans(),
              st.one_of(st.none(), st.integers(0, 2 ** 32))),
    st.builds(lambda v, b, s: m.encode_hello_reply(s, b, v), st.sampled_from([1, 1, 2]),
              st.integers(0, 65535), st.lists(st.sampled_from([None, "M-1"]), max_size=3)),
    st.integers(0, 255).map(lambda n: bytes((n,))), st.text(max_size=40).map(str.encode))
kinds = st.one_of(st.sampled_from([m.HELLO, m.POLL, m.OUTPUT, m.COMMAND, m.EVENT,
                                   m.HELLO_REPLY, m.STATUS, m.OUTPUT_REPLY, m.COMMAND_REPLY,
                                   m.ERROR]), st.integers(0, 255))
inputs = st.lists(st.one_of(
    st.tuples(kinds, st.integers(0, 255), payloads).map(lambda f: encode_frame(*f)),
    st.binary(max_size=30), st.integers(0, 400)), max_size=40)


@settings(**SETTINGS)
@given(feed=inputs)
def test_neither_end_raises_on_any_frame(feed):
    controller = ControllerEnd(2, diff)
    hardware = HardwareEnd(Model(), diff, silence_ms=300)
    now = 0
    for item in feed:
        if type(item) is int:  # time passes
            now += item
            controller.poll(now)
            hardware.poll(now)
            continue
        controller.receive_data(item, now)
        hardware.receive_data(item, now)
        controller.poll(now)
        assert len(controller.cards) <= CARDS_MAX
        assert len(controller.commands) <= COMMANDS_MAX
        assert len(hardware.answers) <= ASKS_MAX
        assert controller.up == (controller.status is not None and controller.up)
        # What comes out is always well-formed frames.
        for out in (controller.data_to_send(), hardware.data_to_send()):
            decoder = FrameDecoder(2048)
            decoder.receive_data(bytes(out))
            assert decoder.corrupt == 0 and decoder.oversized == 0


# ---- a session through any noise ---------------------------------------------------------

class NoisyWire:
    def __init__(self):
        self.now = 0
        self.model = Model()
        self.hardware = HardwareEnd(self.model, diff)
        self.controller = ControllerEnd(2, diff)
        self.fates = []  # of the next transmissions, either way: "ok", "drop" or "flip"
        self.cut_until = -1
        self.read = []  # the cards the firmware read

    def _through(self, data):
        if self.now < self.cut_until:
            return b""
        fate = self.fates.pop(0) if data and self.fates else "ok"
        if fate == "drop":
            return b""
        if fate == "flip":
            data = bytearray(data)
            data[len(data) // 2] ^= 0x10
        return bytes(data)

    def step(self, ms):
        self.now += ms
        self.controller.poll(self.now)
        self.hardware.poll(self.now)
        for _ in range(20):
            up = self._through(self.controller.data_to_send())
            down = self._through(self.hardware.data_to_send())
            if up:
                self.hardware.receive_data(up, self.now)
            if down:
                self.controller.receive_data(down, self.now)
            self.controller.poll(self.now)
            if not up and not down:
                break
        self.read += self.controller.cards  # the firmware reads what arrived
        self.controller.cards[:] = []


ops = st.lists(st.one_of(
    st.tuples(st.just("tap"), st.text("XYZ789", min_size=1, max_size=8)),
    st.tuples(st.just("out"), st.integers(1, 2), st.booleans(),
              st.one_of(st.none(), st.integers(0, 300000))),
    st.tuples(st.just("wait"), st.integers(1, 700)),
    st.tuples(st.just("noise"), st.lists(st.sampled_from(["ok", "drop", "drop", "flip"]),
                                         min_size=1, max_size=12)),
    st.tuples(st.just("garbage"), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("cut"), st.integers(100, 7000)),
    st.tuples(st.just("plug"), st.integers(1, 2), st.booleans())), max_size=40)


@settings(**dict(SETTINGS, max_examples=800))  # fast, and rare sequences matter here
@given(script=ops)
def test_a_session_converges_after_any_noise(script):
    wire = NoisyWire()
    tapped = []
    wanted = {1: (False, None), 2: (False, None)}
    for op in script:
        kind = op[0]
        if kind == "tap":
            if wire.hardware.tap(op[1]):
                tapped.append(op[1])
        elif kind == "out":
            wire.controller.set_output(op[1], on=op[2], limit_w=op[3])
            wanted[op[1]] = (op[2], op[3])
        elif kind == "wait":
            for _ in range(op[1] // 10):
                wire.step(10)
        elif kind == "noise":
            wire.fates = op[1]
        elif kind == "garbage":
            wire.controller.receive_data(op[1], wire.now)
            wire.hardware.receive_data(op[1], wire.now)
        elif kind == "cut":
            wire.cut_until = wire.now + op[1]
        else:
            wire.model.connectors[op[1] - 1].plugged = op[2]
            wire.hardware.inputs_changed()
        wire.step(10)
    wire.fates = []
    wire.cut_until = -1
    for _ in range(300):  # 3 s of a clean wire
        wire.step(10)
    controller = wire.controller
    assert controller.up
    for connector_id in (1, 2):
        assert controller.confirmed(connector_id)
        held = wire.model.connectors[connector_id - 1]
        assert (held.output_on, held.limit_w) == wanted[connector_id]
        assert controller.status.connectors[connector_id - 1].plugged == held.plugged
    assert wire.read == tapped  # each card once, in order
