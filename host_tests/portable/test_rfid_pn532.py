# The PN532 driver (lib/rfid/pn532.py) against a model of the chip on I2C
# (device_models/pn532_chip.py): frames with LCS and DCS, ACK before each answer, the
# status byte, InListPassiveTarget with one and two cards, ISO 14443-4 targets with an ATS,
# one tap per presentation, and a chip that stops answering.
from device_models.iso14443a_card import Card, taps
from device_models.pn532_chip import Pn532Chip, frame
from rfid.pn532 import Pn532, _answer_data, _targets
from rfid.reader import ReaderError


class Sleeps:
    def __init__(self):
        self.total_ms = 0

    def __call__(self, ms):
        self.total_ms += ms


def rig(**options):
    chip = Pn532Chip()
    sleeps = Sleeps()
    reader = Pn532(i2c=chip, sleep_ms=sleeps, **options)
    return chip, reader, sleeps


def test_frames_are_checked_by_start_code_lcs_dcs_and_command():
    good = bytearray(b"\x01" + frame(b"\x03\x32\x01\x06\x07") + bytes(20))
    assert bytes(_answer_data(good, 0x02)) == b"\x32\x01\x06\x07"
    for index, what in ((2, "start code"), (5, "LCS"), (9, "DCS"), (7, "command")):
        bad = bytearray(good)
        bad[index] ^= 0x01
        try:
            _answer_data(bad, 0x02)
        except ReaderError:
            continue
        raise AssertionError(what)
    error = bytearray(b"\x01\x00\x00\xff\x01\xff\x7f\x81\x00" + bytes(20))
    try:
        _answer_data(error, 0x4A)
        raise AssertionError("the error frame was taken for an answer")
    except ReaderError as failure:
        assert "error frame" in str(failure)


def test_target_lists_with_and_without_ats_and_cut_ones():
    one = b"\x01\x01\x00\x04\x08\x04\xde\xad\xbe\xef"
    assert _targets(one) == [b"\xde\xad\xbe\xef"]
    two = b"\x02\x01\x00\x44\x20\x07\x04\x11\x22\x33\x44\x55\x66\x05\x78\x80\x70\x02" \
        b"\x02\x00\x04\x08\x04\x01\x02\x03\x04"
    assert _targets(two) == [b"\x04\x11\x22\x33\x44\x55\x66", b"\x01\x02\x03\x04"]
    assert _targets(b"\x00") == []
    for bad in (one[:-1], b"\x03" + one[1:], two[:14], b"\x01\x01\x00\x04\x08\x05\x01\x02"):
        try:
            _targets(bad)
        except ReaderError:
            continue
        raise AssertionError(bad)


def test_a_card_taps_once_per_presentation():
    chip, reader, sleeps = rig()
    card = Card(b"\xde\xad\xbe\xef")
    assert reader.poll() is None and not reader.failed and reader.version == (0x32, 1, 6)
    assert chip.sam_configured and chip.max_passive_tries == 2
    chip.enter(card)
    assert reader.poll() == "DEADBEEF"
    assert taps(reader, 10) == []  # lying there: listed at every poll, one tap
    chip.leave(card)
    assert taps(reader, 2) == []
    chip.enter(card)
    assert reader.poll() == "DEADBEEF"
    assert chip.bad_frames == 0
    assert sleeps.total_ms >= 15 * 6  # the field off long enough at each poll


def test_two_cards_and_an_iso_dep_card_with_its_ats():
    chip, reader, _ = rig()
    chip.enter(Card(b"\x11\x28\x31\x40"))
    chip.enter(Card(b"\x04\x11\x22\x33\x44\x55\x66", sak=0x20))  # ISO 14443-4: an ATS too
    found = taps(reader, 3)
    assert sorted(found) == ["04112233445566", "11283140"]
    assert taps(reader, 5) == []


def test_a_garbled_answer_fails_one_poll_not_the_reader():
    chip, reader, _ = rig()
    card = Card(b"\x01\x02\x03\x04")
    chip.enter(card)
    assert reader.poll() == "01020304"
    chip.garble = 1
    assert reader.poll() is None and not reader.failed and "DCS" in reader.error
    assert taps(reader, 3) == [] and reader.error is None  # the card is still known


def test_a_reader_that_stops_answering_fails_until_it_answers_again():
    chip, reader, _ = rig(fail_after=3)
    chip.dead = True
    assert taps(reader, 2) == [] and not reader.failed
    assert reader.poll() is None and reader.failed and "OSError" in reader.error
    chip.dead = False
    chip.power_on()  # came back from a power cut: set up again
    chip.enter(Card(b"\x0a\x0b\x0c\x0d"))
    assert reader.poll() == "0A0B0C0D" and not reader.failed
    chip.mute = True  # acknowledges its address, never has a frame ready
    assert taps(reader, 3) == [] and reader.failed and "no ACK" in reader.error
