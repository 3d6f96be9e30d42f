# hwlink messages (docs/hwlink.md "Messages"): every payload round trips; a payload that is
# not what its kind says raises ValueError (the ends count it), never anything else.
from hwlink import messages as m


def _status():
    return m.Status([
        m.ConnectorStatus(plugged=True, ev_demand=True, energy_wh=123456, power_w=135000,
                          voltage_mv=352100, current_ma=383413, soc=42, output_on=True,
                          limit_w=50000),
        m.ConnectorStatus(fault="GroundFailure", energy_wh=0, power_w=-5, soc=None)],
        emergency_stop=True, card_no=7, tag="CARD-0001")


def test_status_round_trips():
    status = m.decode_status(m.encode_status(_status()))
    assert status.emergency_stop and status.card_no == 7 and status.tag == "CARD-0001"
    one, two = status.connectors
    assert (one.plugged, one.ev_demand, one.fault, one.energy_wh, one.power_w, one.voltage_mv,
            one.current_ma, one.soc, one.output_on, one.limit_w) == \
        (True, True, "", 123456, 135000, 352100, 383413, 42, True, 50000)
    assert (two.plugged, two.fault, two.power_w, two.soc, two.output_on, two.limit_w) == \
        (False, "GroundFailure", -5, None, False, None)


def test_status_without_a_card():
    status = m.decode_status(m.encode_status(m.Status([m.ConnectorStatus()])))
    assert status.card_no == 0 and status.tag is None and not status.emergency_stop


def test_hello_poll_output_text_round_trip():
    assert m.decode_hello(m.encode_hello()) == m.VERSION
    assert m.decode_hello_reply(m.encode_hello_reply(["OVDCM-0001", None], 0xBEEF)) == \
        (m.VERSION, 0xBEEF, ["OVDCM-0001", None])
    assert m.decode_poll(m.encode_poll(255)) == 255
    assert m.decode_output(m.encode_output(2, True, None)) == (2, True, None)
    assert m.decode_output(m.encode_output(1, False, 0)) == (1, False, 0)
    assert m.decode_text(m.encode_text('{"ok": true, "é": 1}')) == '{"ok": true, "é": 1}'


def test_out_of_range_values_are_clamped_on_encoding():
    connector = m.ConnectorStatus(energy_wh=-1, power_w=1 << 40, soc=150, limit_w=-20)
    [back] = m.decode_status(m.encode_status(m.Status([connector]))).connectors
    assert (back.energy_wh, back.power_w, back.soc, back.limit_w) == (0, 0x7FFFFFFF, 100, 0)
    assert m.decode_output(m.encode_output(1, True, 1 << 40))[2] == 0xFFFFFFFE


def test_trailing_bytes_are_ignored_for_later_revisions():
    assert m.decode_output(m.encode_output(1, True, 7) + b"new field") == (1, True, 7)
    assert m.decode_status(m.encode_status(_status()) + b"\x01\x02").tag == "CARD-0001"


def _raises(decode, payload):
    try:
        decode(payload)
    except ValueError:
        return True
    return False


def test_bad_payloads_raise_value_error():
    good = m.encode_status(_status())
    for cut in range(len(good)):  # every truncation
        assert _raises(m.decode_status, good[:cut]), cut
    assert _raises(m.decode_hello, b"")
    assert _raises(m.decode_output, b"\x01\x02\xff\xff\xff\xff")  # on is 0 or 1
    assert _raises(m.decode_text, b"\xff\xfe")
    assert _raises(m.decode_hello_reply, b"\x01\x00\x00\x09")  # over CONNECTORS_MAX


def test_text_fields_are_bounded_and_printable():
    card = bytearray(m.encode_status(_status()))
    card[3] = 0x20  # a space in the id tag
    assert _raises(m.decode_status, bytes(card))
    too_long = bytes((0, 1, 21)) + b"A" * 21 + b"\x00"
    assert _raises(m.decode_status, too_long)
    assert _raises(m.decode_hello_reply, b"\x01\x00\x00\x01\x02\x07\x08")  # control chars


def test_a_card_number_goes_with_a_tag():
    assert _raises(m.decode_status, bytes((0, 3, 0, 0)))  # number without a tag
    assert _raises(m.decode_status, bytes((0, 0, 1)) + b"A" + b"\x00")  # tag without one


def test_soc_above_100_is_refused():
    payload = bytearray(m.encode_status(m.Status([m.ConnectorStatus(soc=50)])))
    payload[-5] = 101
    assert _raises(m.decode_status, bytes(payload))
