"""NXP MFRC522 reader over SPI (datasheet MFRC522 Rev. 3.9, 27 April 2016): ISO/IEC 14443 A
cards found with REQA and the anticollision of ISO/IEC 14443-3 over cascade levels 1 to 3,
reported once per presentation as their UID in upper-case hex.

Each `poll()`:
1. checks the chip answers (VersionReg, 9.3.4.8) and still holds the timer set-up (a chip
   that browned out has lost it); if not, sets it up again after a soft reset;
2. for each card already in the field: WUPA, which wakes it from HALT, then SELECT with its
   UID at each cascade level: a card that answers is still there; HLTA puts it back to sleep;
3. REQA, which only a card that is not halted answers (one newly in the field), then the
   anticollision and select; the card found is halted and, if new, is the poll's tap.
A card missed at `absent_polls` polls in a row has left (taps.py): it taps again when it
comes back.

A chip that does not answer (VersionReg 00h or FFh, a command that never ends) fails the
poll, `error` saying why; `fail_after` failed polls in a row make the reader `failed` -- the
board reports ReaderFailure -- until a poll finds it working again (one glitch on the bus
does not fault the station). A card's own errors (a garbled answer, a BCC or CRC_A that
does not match) are not the reader's: that card is tried again at the next poll.

SPI (8.1.2): mode 0, MSB first, up to 10 Mbit/s; an address byte (register << 1, bit 7 set
to read) and data; `spi` is a machine.SPI (`write`, `write_readinto`), `cs` the chip-select
Pin (`value`). The CRC_A is computed here (iso14443a.crc_a), not by the chip's CalcCRC: one
SPI exchange fewer per frame and nothing to wait for.
"""
from rfid.iso14443a import CASCADE_TAG, HLTA, MAX_UID_BYTES, REQA, SAK_CASCADE, \
    SELECT_CODES, SELECT_NVB, SHORT_FRAME_BITS, WUPA, bcc, crc_a
from rfid.reader import Reader, ReaderError

# Registers (9.2).
COMMAND = 0x01
COM_IRQ = 0x04
ERROR = 0x06
FIFO_DATA = 0x09
FIFO_LEVEL = 0x0A
CONTROL = 0x0C
BIT_FRAMING = 0x0D
COLL = 0x0E
MODE = 0x11
TX_CONTROL = 0x14
TX_ASK = 0x15
T_MODE = 0x2A
T_PRESCALER = 0x2B
T_RELOAD_HI = 0x2C
T_RELOAD_LO = 0x2D
VERSION = 0x37
# Commands (10.3).
IDLE = 0x00
TRANSCEIVE = 0x0C
SOFT_RESET = 0x0F
POWER_DOWN = 0x10  # CommandReg bit: set while the soft reset runs
# ComIrqReg bits.
TIMER_IRQ = 0x01
ERR_IRQ = 0x02
IDLE_IRQ = 0x10
RX_IRQ = 0x20
# ErrorReg bits.
PROTOCOL_ERR = 0x01
PARITY_ERR = 0x02
COLL_ERR = 0x08
BUFFER_OVFL = 0x10
# CollReg bits.
COLL_POS_NOT_VALID = 0x20
# The timer ends every exchange a card does not answer: started at the end of each sent
# frame (TModeReg TAuto), 13.56 MHz / (2 * 0xA9 + 1) = 40 kHz, 400 ticks = 10 ms -- far
# beyond the few hundred microseconds a card has to answer an anticollision frame.
T_MODE_AUTO = 0x80
T_PRESCALER_LOW = 0xA9
T_RELOAD = 400
# Reads of ComIrqReg after which a command the timer should have ended counts as the chip's
# failure: at any SPI clock up to 10 MHz they take longer than the 10 ms timer.
MAX_IRQ_READS = 2000
FIFO_SIZE = 64
CARD_ERRORS = PROTOCOL_ERR | PARITY_ERR | BUFFER_OVFL


class CardError(Exception):
    """A card's answer was garbled, or the card left mid-exchange: try at the next poll."""


class Mfrc522(Reader):
    def __init__(self, *, spi, cs, absent_polls=2, capacity=4, fail_after=3):
        super().__init__(absent_polls=absent_polls, capacity=capacity, fail_after=fail_after)
        self._spi = spi
        self._cs = cs
        cs.value(1)
        self.version = None
        self._ready = False
        self._out = bytearray(FIFO_SIZE + 1)  # one SPI exchange: address bytes and data
        self._in = bytearray(FIFO_SIZE + 1)
        self.received = bytearray(FIFO_SIZE)  # a card's last answer
        self._frame = bytearray(9)  # the longest frame sent: SELECT with its CRC_A
        self._uid = bytearray(MAX_UID_BYTES)

    # SPI --------------------------------------------------------------------------------
    def _exchange(self, length):
        cs = self._cs
        cs.value(0)
        try:
            self._spi.write_readinto(memoryview(self._out)[:length],
                                     memoryview(self._in)[:length])
        finally:
            cs.value(1)

    def _write(self, register, value):
        self._out[0] = (register << 1) & 0x7E
        self._out[1] = value
        self._exchange(2)

    def _read(self, register):
        self._out[0] = 0x80 | ((register << 1) & 0x7E)
        self._out[1] = 0
        self._exchange(2)
        return self._in[1]

    def _write_fifo(self, data, length):
        self._out[0] = (FIFO_DATA << 1) & 0x7E
        for i in range(length):
            self._out[1 + i] = data[i]
        self._exchange(1 + length)

    def _read_fifo(self, count):
        """Reads `count` bytes of the FIFO into `received` (8.1.2.1: the address again for
        each byte, then 00h)."""
        address = 0x80 | ((FIFO_DATA << 1) & 0x7E)
        for i in range(count):
            self._out[i] = address
        self._out[count] = 0
        self._exchange(count + 1)
        for i in range(count):
            self.received[i] = self._in[1 + i]

    # Set-up -----------------------------------------------------------------------------
    def _set_up(self):
        self._write(COMMAND, SOFT_RESET)
        for _ in range(MAX_IRQ_READS):
            if not self._read(COMMAND) & POWER_DOWN:
                break
        else:
            raise ReaderError("soft reset did not end")
        self._check_version()
        self._write(T_MODE, T_MODE_AUTO)
        self._write(T_PRESCALER, T_PRESCALER_LOW)
        self._write(T_RELOAD_HI, T_RELOAD >> 8)
        self._write(T_RELOAD_LO, T_RELOAD & 0xFF)
        self._write(TX_ASK, 0x40)  # Force100ASK: the modulation 14443 A needs
        self._write(MODE, 0x3D)  # CRC preset 6363h, as CRC_A (kept for the chip's own use)
        self._write(TX_CONTROL, self._read(TX_CONTROL) | 0x03)  # both antenna drivers on
        self._ready = True

    def _check_version(self):
        version = self._read(VERSION)
        if version in (0x00, 0xFF):  # nothing drives MISO: no chip, or no power
            raise ReaderError("VersionReg reads %02Xh" % version)
        self.version = version

    def _check(self):
        """The chip is there and still set up; sets it up when it is not."""
        if self._ready:
            self._check_version()
            if self._read(T_RELOAD_LO) == T_RELOAD & 0xFF and self._read(T_MODE) == T_MODE_AUTO:
                return
            self._ready = False  # it was reset: its cards, woken, are known all the same
        self._set_up()

    # One exchange with the cards -----------------------------------------------------------
    def _transceive(self, data, length, tx_last_bits=0, rx_align=0):
        """Sends data[:length] (of its last byte only `tx_last_bits`, 0: all 8) and receives
        an answer into `received`, its first bit at bit `rx_align`. Returns (bytes, valid
        bits in the last byte (0: 8), collision position or None), or None when no card
        answered."""
        self._write(COMMAND, IDLE)
        self._write(COM_IRQ, 0x7F)  # clear every request bit
        self._write(FIFO_LEVEL, 0x80)  # FlushBuffer
        self._write_fifo(data, length)
        self._write(COMMAND, TRANSCEIVE)
        self._write(BIT_FRAMING, 0x80 | (rx_align << 4) | tx_last_bits)  # StartSend
        for _ in range(MAX_IRQ_READS):
            irq = self._read(COM_IRQ)
            if irq & (RX_IRQ | IDLE_IRQ | ERR_IRQ | TIMER_IRQ):
                break
        else:
            raise ReaderError("a transceive never ended (ComIrqReg %02Xh)" % irq)
        self._write(BIT_FRAMING, 0)
        self._write(COMMAND, IDLE)
        if not irq & (RX_IRQ | ERR_IRQ):  # the timer ran out: no card answered
            return None
        error = self._read(ERROR)
        collision = None
        if error & COLL_ERR:
            coll = self._read(COLL)
            if coll & COLL_POS_NOT_VALID:
                raise CardError("collision out of range")
            collision = (coll & 0x1F) or 32
        elif error & CARD_ERRORS:
            raise CardError("ErrorReg %02Xh" % error)
        count = self._read(FIFO_LEVEL) & 0x7F
        if count > FIFO_SIZE:
            raise ReaderError("FIFOLevelReg %d" % count)
        self._read_fifo(count)
        return count, self._read(CONTROL) & 0x07, collision

    def _short_frame(self, command):
        """REQA or WUPA: True when a card answered (ATQA), colliding or not."""
        self._frame[0] = command
        return self._transceive(self._frame, 1, SHORT_FRAME_BITS) is not None

    def _halt(self):
        frame = self._frame
        frame[0] = HLTA
        frame[1] = 0
        crc = crc_a(frame, 2)
        frame[2] = crc & 0xFF
        frame[3] = crc >> 8
        self._transceive(frame, 4)  # a halted card does not answer (14443-3 6.4.3)

    def _select(self, level, known):
        """SELECT of cascade level `level` with known[:5] (4 UID bytes and the BCC); the SAK,
        or None when no card answered it."""
        frame = self._frame
        frame[0] = SELECT_CODES[level]
        frame[1] = SELECT_NVB
        for i in range(5):
            frame[2 + i] = known[i]
        crc = crc_a(frame, 7)
        frame[7] = crc & 0xFF
        frame[8] = crc >> 8
        answer = self._transceive(frame, 9)
        if answer is None:
            return None
        received = self.received
        if answer[0] != 3 or answer[1] or crc_a(received, 1) != received[1] | (received[2] << 8):
            raise CardError("SAK garbled")
        return received[0]

    def _anticollision(self, level, known):
        """Fills known[:5] with the UID bytes and BCC of cascade level `level` of one card,
        taking the card with a 1 at each collision; False when none answered."""
        known_bits = 0
        frame = self._frame
        for _ in range(33):  # each round learns at least one bit of the 32
            whole, extra = known_bits // 8, known_bits % 8
            frame[0] = SELECT_CODES[level]
            frame[1] = ((2 + whole) << 4) | extra
            sent = whole + (1 if extra else 0)
            for i in range(sent):
                frame[2 + i] = known[i]
            answer = self._transceive(frame, 2 + sent, extra, extra)
            if answer is None:
                return False
            count, _, collision = answer
            if whole + count > 5:
                raise CardError("anticollision answer of %d bytes" % count)
            own = (1 << extra) - 1  # the bits of the first byte that were sent, not received
            for i in range(count):
                byte = self.received[i]
                if i == 0 and extra:
                    byte = (known[whole] & own) | (byte & ~own & 0xFF)
                known[whole + i] = byte
            if collision is None:
                if whole + count != 5:
                    raise CardError("anticollision answer of %d bytes" % count)
                if bcc(known, 0) != known[4]:
                    raise CardError("BCC")
                return True
            # CollPos counts from the first bit of the first byte received, RxAlign included.
            bit = whole * 8 + collision - 1
            if not known_bits <= bit < 32:
                raise CardError("collision at bit %d" % bit)
            known[bit // 8] |= 1 << (bit % 8)
            known_bits = bit + 1
        raise CardError("anticollision did not converge")

    def _read_uid(self):
        """After an ATQA: anticollision and select over the cascade levels; the card's UID
        (bytes), or None when it stopped answering. Leaves the card selected."""
        known = bytearray(5)
        uid = self._uid
        length = 0
        for level in range(3):
            if not self._anticollision(level, known):
                return None
            sak = self._select(level, known)
            if sak is None:
                return None
            if not sak & SAK_CASCADE:
                for i in range(4):
                    uid[length + i] = known[i]
                return bytes(uid[:length + 4])
            if known[0] != CASCADE_TAG:
                raise CardError("cascade without its tag")
            for i in range(3):
                uid[length + i] = known[1 + i]
            length += 3
        raise CardError("more than 3 cascade levels")

    def _still_there(self, uid):
        """WUPA, then SELECT with each cascade level of `uid`: True when the card answers;
        it is halted again."""
        if not self._short_frame(WUPA):
            return False
        known = bytearray(5)
        start = 0
        for level in range(3):
            rest = len(uid) - start
            if rest > 4:
                known[0] = CASCADE_TAG
                for i in range(3):
                    known[1 + i] = uid[start + i]
                start += 3
            else:
                for i in range(4):
                    known[i] = uid[start + i]
            known[4] = bcc(known, 0)
            sak = self._select(level, known)
            if sak is None:
                return False
            if not sak & SAK_CASCADE:
                self._halt()
                return True
        return False

    # The poll ---------------------------------------------------------------------------------
    def _lost(self):
        self._ready = False

    def _cards(self):
        self._check()
        seen = []
        for uid in self.taps.present():
            try:
                if self._still_there(uid):
                    seen.append(uid)
            except CardError:
                seen.append(uid)  # something answered as it: not gone for sure
        for _ in range(self.taps.capacity + 1):  # a flickering card may come back
            try:
                if not self._short_frame(REQA):
                    break
                uid = self._read_uid()
            except CardError:
                break
            if uid is None:
                break
            known = self.taps.knows(uid)
            if not known and self.taps.full():
                break  # left awake, so that it is found once there is room for it
            self._halt()
            seen.append(uid)
            if not known:
                break  # one new card per poll: the others stay awake for the next one
        return seen
