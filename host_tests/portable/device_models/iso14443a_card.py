# An ISO/IEC 14443-3 type A card (PICC), from the standard's state diagram (6.3): IDLE,
# READY, ACTIVE, HALT (and READY*/ACTIVE* for a card woken from HALT, which go back to HALT
# where the others go back to IDLE). Frames are lists of bits, first sent first; a card
# answers with its bits, or None.

REQA, WUPA, HLTA = 0x26, 0x52, 0x50
SELECT_CODES = (0x93, 0x95, 0x97)
IDLE, READY, ACTIVE, HALT = "IDLE", "READY", "ACTIVE", "HALT"


def crc_a(data):
    # Bit by bit, as ISO/IEC 14443-3 Annex B draws it; independent of lib/rfid's.
    crc = 0x6363
    for byte in data:
        for bit in range(8):
            mix = (crc ^ (byte >> bit)) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8408
    return crc


def to_bits(data, count=None):
    bits = []
    for byte in data:
        for bit in range(8):
            bits.append((byte >> bit) & 1)
    return bits if count is None else bits[:count]


def to_bytes(bits):
    data = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        data[i // 8] |= bit << (i % 8)
    return bytes(data)


class Card:
    def __init__(self, uid, sak=0x08):
        """`uid`: 4, 7 or 10 bytes; `sak`: the last cascade level's SAK (08h MIFARE Classic
        1K, 00h MIFARE Ultralight)."""
        self.uid = bytes(uid)
        self.sak = sak
        size = {4: 0, 7: 1, 10: 2}[len(uid)]
        self.atqa = bytes((0x04 | size << 6, 0x00))
        self.levels = []  # each cascade level's 4 bytes and BCC
        rest = self.uid
        while rest:
            part = rest if len(rest) == 4 else b"\x88" + rest[:3]
            rest = b"" if len(rest) == 4 else rest[3:]
            self.levels.append(part + bytes((part[0] ^ part[1] ^ part[2] ^ part[3],)))
        self.power_off()
        self.selects = 0  # SELECTs it answered (a test can see it was looked at)

    def power_off(self):
        self.state = IDLE
        self.woken_from_halt = False
        self.level = 0

    def _back(self):
        self.state = HALT if self.woken_from_halt else IDLE
        self.level = 0

    def _interrupted(self):
        # A frame a READY or ACTIVE card does not expect sends it back (6.3).
        if self.state in (READY, ACTIVE):
            self._back()

    def receive(self, bits):
        if len(bits) == 7:
            command = to_bytes(bits)[0]
            if command == WUPA or (command == REQA and self.state == IDLE):
                if self.state in (IDLE, HALT):
                    self.woken_from_halt = self.state == HALT
                    self.state = READY
                    self.level = 0
                    return to_bits(self.atqa)
                self._back()
            elif self.state in (READY, ACTIVE):
                self._back()
            return None
        if len(bits) < 16:
            self._interrupted()
            return None
        head = to_bytes(bits[:16])
        if self.state == ACTIVE and head == bytes((HLTA, 0)):
            data = to_bytes(bits)
            if len(bits) == 32 and crc_a(data[:2]) == data[2] | data[3] << 8:
                self.state = HALT
                self.woken_from_halt = False
                return None
        if self.state != READY or head[0] != SELECT_CODES[self.level]:
            self._interrupted()
            return None
        nvb = head[1]
        known = (nvb >> 4) * 8 + (nvb & 0x0F) - 16
        level = to_bits(self.levels[self.level])
        if nvb == 0x70:
            data = to_bytes(bits)
            if len(bits) != 72 or crc_a(data[:7]) != data[7] | data[8] << 8:
                self._back()
                return None
            if data[2:7] != self.levels[self.level]:
                self._back()
                return None
            self.selects += 1
            last = self.level == len(self.levels) - 1
            sak = self.sak if last else 0x04
            if last:
                self.state = ACTIVE
            else:
                self.level += 1
            return to_bits(bytes((sak,)) + bytes((crc_a(bytes((sak,))) & 0xFF,
                                                  crc_a(bytes((sak,))) >> 8)))
        if not 0 <= known < 40 or len(bits) != 16 + known:
            return None
        if bits[16:] != level[:known]:
            return None  # not this card: it keeps still, still READY
        return level[known:]


class Field:
    """A reader's RF field: the cards in it, each powered up (IDLE) as it enters and
    powered off as it leaves."""

    def __init__(self):
        self.cards = []

    def enter(self, card):
        card.power_off()
        self.cards.append(card)

    def leave(self, card):
        self.cards.remove(card)
        card.power_off()


def taps(reader, polls):
    """The idTags a reader reports over `polls` polls."""
    found = []
    for _ in range(polls):
        tag = reader.poll()
        if tag is not None:
            found.append(tag)
    return found
