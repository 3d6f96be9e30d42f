# hwlink's two ends on fake time over a wire that can lose, cut and corrupt (docs/hwlink.md):
# sessions, polling, outputs confirmed and kept, cards delivered once, service commands,
# link loss found by counting misses, the I/O controller's fail-safe.
from hwlink import messages as m
from hwlink.controller_end import CARDS_MAX, MISSES_FOR_DOWN, POLL_INTERVAL_MS, \
    RESPONSE_TIMEOUT_MS, ControllerEnd
from hwlink.framing import FrameDecoder, encode_frame
from hwlink.hardware_end import SILENCE_MS, HardwareEnd


def diff(a, b):
    return a - b


class Model:
    def __init__(self):
        self.connectors = [m.ConnectorStatus(energy_wh=10), m.ConnectorStatus(soc=None)]
        self.emergency_stop = False
        self.all_off_calls = 0

    def serials(self):
        return ["OVDCM-0001", None]

    def status(self):
        return m.Status(self.connectors, self.emergency_stop)

    def set_output(self, connector_id, on, limit_w):
        connector = self.connectors[connector_id - 1]
        connector.output_on = on
        connector.limit_w = limit_w
        return on, limit_w

    def all_off(self):
        self.all_off_calls += 1
        for connector in self.connectors:
            connector.output_on = False
            connector.limit_w = None


class Wire:
    """Both ends on one fake clock; `cut` drops everything, `lose_next_reply` one frame."""

    def __init__(self):
        self.now = 0
        self.model = Model()
        self.hardware = HardwareEnd(self.model, diff)
        self.controller = ControllerEnd(2, diff)
        self.cut = False
        self.lose_to_controller = 0  # frames of the hardware's lost
        self.to_hardware = []  # what reached the hardware end, as frames

    def pump(self):
        for _ in range(50):
            self.controller.poll(self.now)
            self.hardware.poll(self.now)
            up = self.controller.data_to_send()
            down = self.hardware.data_to_send()
            if self.cut:
                up = down = b""
            if self.lose_to_controller and down:
                self.lose_to_controller -= 1
                down = b""
            if up:
                self.hardware.receive_data(bytes(up), self.now)
            if down:
                self.controller.receive_data(bytes(down), self.now)
            if not up and not down:
                return

    def run_ms(self, ms, step_ms=10):
        for _ in range(ms // step_ms):
            self.now += step_ms
            self.pump()


def up_wire():
    wire = Wire()
    wire.pump()
    assert wire.controller.up
    wire.controller.changed = False
    return wire


def test_session_opens_with_the_meters_and_the_first_status():
    wire = Wire()
    wire.pump()
    controller = wire.controller
    assert controller.up and controller.changed
    assert controller.serials == ["OVDCM-0001", None]
    assert controller.status.connectors[0].energy_wh == 10
    assert wire.model.all_off_calls == 1  # HELLO switched every output off


def test_readings_are_polled_every_interval():
    wire = up_wire()
    wire.model.connectors[0].energy_wh = 11
    wire.run_ms(POLL_INTERVAL_MS - 20)
    assert wire.controller.status.connectors[0].energy_wh == 10
    wire.run_ms(40)
    assert wire.controller.status.connectors[0].energy_wh == 11
    assert not wire.controller.changed  # a reading is not an input


def test_an_input_change_arrives_at_once_as_an_event():
    wire = up_wire()
    wire.model.connectors[1].plugged = True
    wire.hardware.inputs_changed()
    wire.pump()  # no time passes
    assert wire.controller.changed and wire.controller.status.connectors[1].plugged


def test_an_output_is_sent_at_once_and_confirmed():
    wire = up_wire()
    wire.controller.set_output(1, on=True, limit_w=7400)
    assert not wire.controller.confirmed(1)
    wire.pump()
    assert wire.model.connectors[0].output_on and wire.model.connectors[0].limit_w == 7400
    assert wire.controller.confirmed(1) and wire.controller.confirmed(2)
    wire.controller.set_output(1, limit_w=None)
    wire.pump()
    assert wire.model.connectors[0].output_on and wire.model.connectors[0].limit_w is None


def test_an_output_lost_on_the_way_is_sent_again():
    wire = up_wire()
    wire.controller.set_output(2, on=True)
    wire.lose_to_controller = 1  # the OUTPUT_REPLY
    wire.pump()
    assert not wire.controller.confirmed(2)
    wire.run_ms(RESPONSE_TIMEOUT_MS + 20)
    assert wire.controller.confirmed(2) and wire.model.connectors[1].output_on


def test_an_output_switched_off_behind_the_controllers_back_is_restored():
    wire = up_wire()
    wire.controller.set_output(1, on=True)
    wire.pump()
    wire.model.connectors[0].output_on = False  # e.g. a glitch on the I/O controller
    wire.run_ms(POLL_INTERVAL_MS + 20)
    assert wire.model.connectors[0].output_on


def test_link_down_after_consecutive_misses_then_up_again():
    wire = up_wire()
    wire.cut = True
    wire.run_ms((RESPONSE_TIMEOUT_MS + 10) * (MISSES_FOR_DOWN - 1) + POLL_INTERVAL_MS)
    assert wire.controller.up  # misses so far, not yet down
    wire.run_ms(RESPONSE_TIMEOUT_MS * 2)
    assert not wire.controller.up and wire.controller.changed
    assert wire.controller.timeouts >= MISSES_FOR_DOWN
    wire.controller.changed = False
    wire.cut = False
    wire.run_ms(RESPONSE_TIMEOUT_MS + 20)
    assert wire.controller.up and wire.controller.changed


def test_one_stall_of_the_controller_is_one_miss_not_a_dead_link():
    wire = up_wire()
    controller = wire.controller
    wire.now += POLL_INTERVAL_MS
    controller.poll(wire.now)  # a POLL goes out, its answer comes at once...
    wire.hardware.receive_data(bytes(controller.data_to_send()), wire.now)
    answer = bytes(wire.hardware.data_to_send())
    wire.now += 3000  # ...but the controller's event loop stalls for 3 s and times it out
    controller.poll(wire.now)
    controller.receive_data(answer, wire.now)
    assert controller.timeouts == 1 and controller.stale == 1
    wire.pump()
    assert controller.up and not controller.changed


def test_hardware_fail_safe_on_silence_and_the_controller_hears_of_it():
    wire = up_wire()
    wire.controller.set_output(1, on=True)
    wire.pump()
    wire.now += SILENCE_MS  # nothing from the controller reached the hardware end
    wire.hardware.poll(wire.now)
    assert not wire.hardware.session and not wire.model.connectors[0].output_on
    assert wire.hardware.fail_safes == 1
    # The controller's next POLL is refused (HELLO first): it goes down, then opens a new
    # session and switches the output it wants on again.
    wire.controller.changed = False
    wire.controller.poll(wire.now)
    wire.hardware.receive_data(bytes(wire.controller.data_to_send()), wire.now)
    wire.controller.receive_data(bytes(wire.hardware.data_to_send()), wire.now)
    assert not wire.controller.up and wire.controller.changed
    wire.pump()
    assert wire.controller.up and wire.model.connectors[0].output_on


def test_hardware_switches_off_when_the_controller_is_lost():
    wire = up_wire()
    wire.controller.set_output(1, on=True, limit_w=1000)
    wire.pump()
    wire.hardware.lost()
    assert not wire.model.connectors[0].output_on and wire.model.connectors[0].limit_w is None


def test_a_card_is_delivered_once_even_when_its_acknowledgement_is_lost():
    wire = up_wire()
    assert wire.hardware.tap("CARD-1")
    wire.lose_to_controller = 1  # the EVENT
    wire.pump()
    assert wire.controller.cards == []
    wire.run_ms(POLL_INTERVAL_MS + 20)  # the next STATUS brings it
    assert wire.controller.cards == ["CARD-1"]
    wire.lose_to_controller = 1  # the STATUS answering the POLL that acknowledges it
    wire.run_ms(RESPONSE_TIMEOUT_MS + POLL_INTERVAL_MS * 2)
    assert wire.controller.cards == ["CARD-1"]  # not twice
    assert wire.hardware._cards == []


def test_a_card_taken_before_a_link_loss_is_not_taken_again():
    wire = up_wire()
    wire.hardware.tap("ONCE")
    wire.cut = True  # the wire breaks as the card arrives: its acknowledgement never leaves
    wire.hardware.inputs_changed()
    wire.controller.receive_data(bytes(wire.hardware.data_to_send()), wire.now)
    assert wire.controller.cards == ["ONCE"]
    wire.run_ms(1000)
    assert not wire.controller.up
    wire.cut = False
    wire.run_ms(1000)
    assert wire.controller.up and wire.controller.cards == ["ONCE"]
    assert wire.hardware._cards == []


def test_after_the_io_controller_restarts_its_card_numbers_start_again():
    wire = up_wire()
    wire.hardware.tap("FIRST")
    wire.pump()
    wire.controller.cards[:] = []
    wire.hardware = HardwareEnd(wire.model, diff, boot_id=wire.hardware.boot_id ^ 1)
    wire.hardware.tap("SECOND")
    wire.run_ms(1500)
    assert wire.controller.up and wire.controller.cards == ["SECOND"]


def test_cards_keep_their_order_and_wait_when_the_controller_is_full():
    wire = up_wire()
    tags = ["T%d" % i for i in range(CARDS_MAX + 2)]
    for tag in tags[:4]:
        assert wire.hardware.tap(tag)
    assert not wire.hardware.tap("one too many")  # the reader holds 4 unread
    wire.pump()
    assert wire.controller.cards == tags[:4]
    for tag in tags[4:]:
        assert wire.hardware.tap(tag)
    wire.run_ms(POLL_INTERVAL_MS * 3)
    assert wire.controller.cards == tags[:4]  # the controller holds CARDS_MAX unread
    assert [c[1] for c in wire.hardware._cards] == tags[4:]
    wire.controller.cards.pop(0)
    wire.run_ms(POLL_INTERVAL_MS + 20)
    assert wire.controller.cards == tags[1:5]


def test_card_numbers_wrap_past_255():
    wire = up_wire()
    taken = []
    for i in range(300):
        assert wire.hardware.tap("C%d" % i)
        wire.run_ms(POLL_INTERVAL_MS + 20)
        taken += wire.controller.cards
        wire.controller.cards[:] = []
    assert taken == ["C%d" % i for i in range(300)]


def test_service_command_round_trip_and_bound():
    wire = up_wire()
    seq = wire.hardware.send_command("status")
    wire.pump()
    assert wire.controller.commands == [[seq, "status"]]
    wire.controller.reply_command(seq, '{"ok": true}')
    wire.pump()
    wire.controller.commands[:] = []
    assert wire.hardware.answers.pop(seq) == '{"ok": true}'
    for _ in range(3):  # the controller holds 2 waiting; the third is refused as busy
        wire.hardware.send_command("heap")
    wire.pump()
    assert len(wire.controller.commands) == 2
    assert '"ok": false' in [a for a in wire.hardware.answers.values() if a][0]


def test_a_command_from_a_hardware_end_without_session_is_refused():
    wire = Wire()
    assert wire.hardware.send_command("status") is None


def test_unknown_requests_and_bad_payloads_are_refused_not_raised():
    wire = up_wire()
    hardware = wire.hardware
    hardware.receive_data(encode_frame(0x42, 9, b""), wire.now)  # unknown kind
    hardware.receive_data(encode_frame(m.OUTPUT, 10, b"\x01"), wire.now)  # short
    hardware.receive_data(encode_frame(m.OUTPUT, 11, m.encode_output(3, True, None)),
                          wire.now)
    out = bytes(hardware.data_to_send())
    frames = FrameDecoder(64).receive_data(out)
    assert [(k, s, p[0]) for k, s, p in frames] == [
        (m.ERROR, 9, m.ERROR_UNKNOWN_KIND), (m.ERROR, 10, m.ERROR_BAD_PAYLOAD),
        (m.ERROR, 11, m.ERROR_NO_CONNECTOR)]
    controller = wire.controller
    controller.receive_data(encode_frame(m.EVENT, 0, b"\x00"), wire.now)  # short status
    controller.receive_data(encode_frame(0x05, 3, b""), wire.now)  # unknown request
    assert controller.errors == 1
    assert FrameDecoder(64).receive_data(bytes(controller.data_to_send())) == [
        (m.ERROR, 3, bytes((m.ERROR_UNKNOWN_KIND,)))]


def test_late_and_unasked_replies_are_dropped():
    wire = up_wire()
    controller = wire.controller
    status = m.encode_status(wire.model.status())
    controller.receive_data(encode_frame(m.STATUS, 200, status), wire.now)
    assert controller.stale == 1


def test_a_hardware_end_of_another_version_opens_no_session():
    wire = Wire()
    wire.controller.poll(wire.now)
    wire.controller.data_to_send()
    wire.controller.receive_data(
        encode_frame(m.HELLO_REPLY, 1, m.encode_hello_reply([None, None], 1, version=2)), 0)
    assert not wire.controller.up and "version 2" in wire.controller.why_down
    assert wire.controller.wait_ms(0) == POLL_INTERVAL_MS  # not hammered at once


def test_wait_ms_tells_when_there_is_work():
    wire = up_wire()
    controller = wire.controller
    assert 0 < controller.wait_ms(wire.now) <= POLL_INTERVAL_MS
    controller.set_output(1, on=True)
    assert controller.wait_ms(wire.now) == 0
    controller.poll(wire.now)
    assert controller.wait_ms(wire.now) == RESPONSE_TIMEOUT_MS  # waiting for the reply


def test_a_reply_arriving_a_byte_at_a_time_asks_for_the_driver_only_when_whole():
    # The driver is woken for a reply only when it is whole: a UART hands bytes over a few
    # at a time, and a wake for each cost the emulated board half its idle instructions.
    wire = up_wire()
    controller = wire.controller
    wire.now += POLL_INTERVAL_MS  # the next poll is due
    controller.poll(wire.now)
    poll = controller.data_to_send()
    assert poll and controller.awaits_reply()
    wire.hardware.receive_data(bytes(poll), wire.now)
    reply = bytes(wire.hardware.data_to_send())
    for i in range(len(reply) - 1):
        controller.receive_data(reply[i:i + 1], wire.now)
        assert controller.awaits_reply(), i
    controller.receive_data(reply[-1:], wire.now)
    assert not controller.awaits_reply()


def test_emergency_stop_is_an_input():
    wire = up_wire()
    wire.model.emergency_stop = True
    wire.hardware.inputs_changed()
    wire.pump()
    assert wire.controller.changed and wire.controller.status.emergency_stop


_PERIOD = 1 << 30  # MicroPython's ticks_ms wraps here
_HALF = _PERIOD >> 1


def wrapping_diff(end, start):
    return ((end - start + _HALF) & (_PERIOD - 1)) - _HALF


def test_both_ends_run_across_a_ticks_wrap():
    wire = Wire()
    wire.hardware = HardwareEnd(wire.model, wrapping_diff)
    wire.controller = ControllerEnd(2, wrapping_diff)
    clock = [_PERIOD - 600]

    def step(ms):
        for _ in range(ms // 10):
            clock[0] = (clock[0] + 10) & (_PERIOD - 1)
            wire.now = clock[0]
            wire.pump()

    step(100)
    assert wire.controller.up
    wire.controller.set_output(1, on=True)
    wire.model.connectors[0].energy_wh = 99
    step(1000)  # through the wrap
    assert wire.now < 1000 and wire.controller.up and wire.controller.confirmed(1)
    assert wire.controller.status.connectors[0].energy_wh == 99
    assert wire.controller.timeouts == 0 and wire.hardware.session
