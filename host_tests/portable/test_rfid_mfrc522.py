# The MFRC522 driver (lib/rfid/mfrc522.py) against a register-level model of the chip
# (device_models/mfrc522_chip.py) with ISO/IEC 14443-3 A cards in its field: REQA, the
# anticollision over 1 to 3 cascade levels with several cards colliding, one tap per
# presentation, removal, and a reader that stops answering.
from device_models.iso14443a_card import Card, HALT, crc_a as model_crc_a, taps
from device_models.mfrc522_chip import Mfrc522Chip
from device_models.pin import Pin
from rfid.iso14443a import bcc, crc_a, uid_hex
from rfid.mfrc522 import Mfrc522


def rig(absent_polls=2):
    chip = Mfrc522Chip()
    cs = Pin()
    reader = Mfrc522(spi=chip.spi(cs), cs=cs, absent_polls=absent_polls)
    return chip, reader


def test_crc_a_and_bcc_match_iso14443_3():
    # Annex B: CRC_A of 00 00 is sent A0 1E, of 12 34 sent 26 CF.
    assert crc_a(b"\x00\x00") == 0x1EA0 and crc_a(b"\x12\x34") == 0xCF26
    for data in (b"\x93\x70\x01\x02\x03\x04\x04", b"\x50\x00", b"\x08"):
        assert crc_a(data) == model_crc_a(data)
    assert bcc(b"\x88\x04\x12\x34", 0) == 0x88 ^ 0x04 ^ 0x12 ^ 0x34
    assert uid_hex(b"\x04\xa1\x0b\xff") == "04A10BFF"


def test_a_card_taps_once_per_presentation():
    chip, reader = rig()
    card = Card(b"\xde\xad\xbe\xef")
    assert reader.poll() is None and not reader.failed and reader.version == 0x92
    chip.enter(card)
    assert reader.poll() == "DEADBEEF"
    assert card.state == HALT  # put to sleep: REQA no longer wakes it
    assert taps(reader, 10) == []  # lying on the reader: one tap, no more
    assert card.selects >= 10  # found there at each poll by WUPA and SELECT
    chip.leave(card)
    assert taps(reader, 2) == []  # gone after 2 polls without it
    chip.enter(card)
    assert reader.poll() == "DEADBEEF"  # presented again
    assert chip.cs_errors == 0


def test_a_card_missed_for_one_poll_does_not_tap_again():
    chip, reader = rig(absent_polls=2)
    card = Card(b"\x01\x02\x03\x04")
    chip.enter(card)
    assert reader.poll() == "01020304"
    chip.leave(card)  # at the edge of the field
    assert reader.poll() is None
    chip.enter(card)  # back, freshly powered: REQA finds it, known
    assert taps(reader, 5) == []


def test_double_and_triple_size_uids_go_through_the_cascade_levels():
    chip, reader = rig()
    seven = Card(b"\x04\x11\x22\x33\x44\x55\x66", sak=0x00)
    ten = Card(bytes(range(0x10, 0x1A)), sak=0x20)
    chip.enter(seven)
    assert reader.poll() == "04112233445566"
    chip.leave(seven)
    taps(reader, 2)
    chip.enter(ten)
    assert reader.poll() == "10111213141516171819"  # 20 characters: an idTag's most
    assert taps(reader, 3) == []
    select_codes = set(first for first, bits, _ in chip.frames if bits == 72)
    assert select_codes == {0x93, 0x95, 0x97}


def test_colliding_cards_are_each_found_once():
    # UIDs that first differ at the first bit, mid-byte in the second and third bytes, at
    # the last bit of the fourth, and a double-size UID whose cascade tag collides with them.
    groups = ((b"\x10\x20\x30\x40", b"\x11\x20\x30\x40", b"\x11\x28\x30\x40",
               b"\x11\x28\x31\x40"),
              (b"\x11\x28\x31\x40", b"\x11\x28\x31\xc0", b"\x04\x11\x22\x33\x44\x55\x66",
               b"\x88\x00\x00\x00"))
    for uids in groups:
        chip, reader = rig()
        for uid in uids:
            chip.enter(Card(uid))
        found = taps(reader, 10)
        assert sorted(found) == sorted(uid_hex(uid) for uid in uids)
        assert any(count > 1 for _, _, count in chip.frames)  # the cards did collide
        assert taps(reader, 5) == []


def test_cards_past_the_capacity_wait_until_one_leaves():
    chip, reader = rig()
    cards = [Card(bytes((0x20, 0, 0, n))) for n in range(5)]
    for card in cards:
        chip.enter(card)
    found = taps(reader, 10)
    assert len(found) == 4 and len(set(found)) == 4
    left = [card for card in cards if uid_hex(card.uid) in found][0]
    chip.leave(left)
    later = taps(reader, 4)
    assert len(later) == 1 and later[0] not in found


def test_a_new_card_beside_one_lying_there_taps_and_the_first_does_not_again():
    chip, reader = rig()
    first, second = Card(b"\xaa\x00\x00\x01"), Card(b"\xaa\x00\x00\x02")
    chip.enter(first)
    assert reader.poll() == "AA000001"
    chip.enter(second)
    assert reader.poll() == "AA000002"
    assert taps(reader, 5) == []
    chip.leave(first)
    assert taps(reader, 5) == []
    chip.enter(first)
    assert reader.poll() == "AA000001"


def test_a_card_with_a_wrong_bcc_is_not_reported():
    chip, reader = rig()
    card = Card(b"\x01\x02\x03\x04")
    card.levels[0] = card.levels[0][:4] + b"\x00"  # its BCC spoiled
    chip.enter(card)
    assert taps(reader, 3) == [] and not reader.failed


def test_a_reader_that_stops_answering_fails_until_it_answers_again():
    chip, reader = rig()
    card = Card(b"\x0a\x0b\x0c\x0d")
    chip.dead = True  # unplugged: MISO reads low
    assert reader.poll() is None
    assert not reader.failed and "VersionReg reads 00h" in reader.error  # one poll: a glitch
    assert taps(reader, 2) == [] and reader.failed  # the third in a row: failed
    chip.dead = False
    chip.enter(card)
    assert reader.poll() == "0A0B0C0D" and not reader.failed and reader.error is None
    chip.stuck = True  # answers on SPI, never ends a command
    assert taps(reader, 3) == []
    assert reader.failed and "never ended" in reader.error
    chip.stuck = False
    assert reader.poll() is None and not reader.failed  # the card lying there: no new tap


def test_a_chip_that_lost_its_set_up_is_set_up_again_without_a_new_tap():
    chip, reader = rig()
    card = Card(b"\x0a\x0b\x0c\x0d")
    chip.enter(card)
    assert reader.poll() == "0A0B0C0D"
    chip.power_on()  # a brown-out: registers back to their reset values, the field off
    for each in chip.cards:
        each.power_off()
    assert taps(reader, 3) == [] and not reader.failed
    chip.leave(card)
    taps(reader, 2)
    chip.enter(card)
    assert reader.poll() == "0A0B0C0D"
