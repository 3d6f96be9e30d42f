# The NXP MFRC522 as its SPI master sees it, from the datasheet (Rev. 3.9): the SPI address
# byte (8.1.2), the registers the driver uses with their reset values (9.2, 9.3), the FIFO
# of 64 bytes (8.3), the commands Idle, Transceive and SoftReset (10.3), the bit framing
# of BitFramingReg (TxLastBits, RxAlign, StartSend), CollReg's collision position (counted
# from the first bit of the first received byte, RxAlign included, as the family's
# datasheets give it), ErrorReg and ComIrqReg, and the timer that TModeReg TAuto starts at
# the end of each sent frame. The cards in its field (iso14443a_card.Card) answer together:
# bits on which they disagree are a collision.
from device_models.iso14443a_card import Field, to_bits

COMMAND, COM_IRQ, DIV_IRQ, ERROR = 0x01, 0x04, 0x05, 0x06
FIFO_DATA, FIFO_LEVEL, CONTROL, BIT_FRAMING, COLL = 0x09, 0x0A, 0x0C, 0x0D, 0x0E
TX_CONTROL, T_MODE, VERSION = 0x14, 0x2A, 0x37
IDLE, TRANSCEIVE, SOFT_RESET = 0x00, 0x0C, 0x0F
# Reset values (9.3) of the registers whose value matters here.
RESET = {COMMAND: 0x20, COM_IRQ: 0x14, FIFO_LEVEL: 0x00, CONTROL: 0x10, COLL: 0x80,
         0x11: 0x3F, TX_CONTROL: 0x80, 0x15: 0x00, T_MODE: 0x00, 0x2B: 0x00, 0x2C: 0x00,
         0x2D: 0x00, VERSION: 0x92}


class Mfrc522Chip(Field):
    def __init__(self):
        super().__init__()
        self.dead = False  # no chip on the bus: MISO reads low
        self.stuck = False  # answers on SPI, but its transceiver never ends a command
        self.cs_errors = 0  # SPI exchanges without chip select
        # (first byte, bits sent, number of cards that answered) of the newest frames
        self.frames = []
        self.power_on()

    def power_on(self):
        self.registers = bytearray(64)
        for register, value in RESET.items():
            self.registers[register] = value
        self.fifo = []

    # SPI ---------------------------------------------------------------------------------
    def spi(self, cs):
        return _Spi(self, cs)

    def exchange(self, out):
        """One chip-select period: the bytes the master sent; returns what MISO carried."""
        if self.dead:
            return bytes(len(out))
        answer = bytearray(len(out))
        address = out[0]
        if address & 0x80:  # a read: each byte carries the next address, 00h ends
            for i in range(len(out) - 1):
                answer[i + 1] = self._read((out[i] >> 1) & 0x3F)
        else:
            for value in out[1:]:
                self._write((address >> 1) & 0x3F, value)
        return bytes(answer)

    def _read(self, register):
        if register == FIFO_DATA:
            return self.fifo.pop(0) if self.fifo else 0
        if register == FIFO_LEVEL:
            return len(self.fifo)
        return self.registers[register]

    def _write(self, register, value):
        registers = self.registers
        if register == FIFO_DATA:
            if len(self.fifo) < 64:
                self.fifo.append(value)
            else:
                registers[ERROR] |= 0x10  # BufferOvfl
        elif register == FIFO_LEVEL:
            if value & 0x80:
                self.fifo = []
                registers[ERROR] &= ~0x10
        elif register in (COM_IRQ, DIV_IRQ):  # Set1 (bit 7): set the marked bits, else clear
            if value & 0x80:
                registers[register] |= value & 0x7F
            else:
                registers[register] &= ~value & 0xFF
        elif register == COMMAND:
            command = value & 0x0F
            if command == SOFT_RESET:
                self.power_on()
                return
            registers[COMMAND] = value & 0x3F
        elif register == BIT_FRAMING:
            registers[BIT_FRAMING] = value
            if value & 0x80 and registers[COMMAND] & 0x0F == TRANSCEIVE:
                self._transceive()
        elif register == VERSION:
            return  # read-only
        else:
            registers[register] = value

    # The transceiver ---------------------------------------------------------------------
    def _transceive(self):
        registers = self.registers
        framing = registers[BIT_FRAMING]
        tx_last_bits = framing & 0x07
        rx_align = (framing >> 4) & 0x07
        data = bytes(self.fifo)
        self.fifo = []
        bits = to_bits(data)
        if tx_last_bits:
            bits = bits[:len(bits) - 8 + tx_last_bits]
        registers[ERROR] = 0
        registers[COM_IRQ] |= 0x40  # TxIRq
        if self.stuck:
            return
        answers = []
        if registers[TX_CONTROL] & 0x03:  # the antenna drives the field
            for card in self.cards:
                answer = card.receive(bits)
                if answer is not None:
                    answers.append(answer)
        self.frames.append((data[0] if data else None, len(bits), len(answers)))
        del self.frames[:-200]
        if not answers:
            if registers[T_MODE] & 0x80:  # TAuto: the timer ran and ran out
                registers[COM_IRQ] |= 0x01
            return
        length = max(len(answer) for answer in answers)
        received = []
        collision = None
        for i in range(length):
            values = set(answer[i] for answer in answers if i < len(answer))
            if len(values) > 1 and collision is None:
                collision = i
            received.append(1 if 1 in values else 0)
        if collision is not None and not registers[COLL] & 0x80:  # ValuesAfterColl = 0
            received = received[:collision] + [0] * (length - collision)
        stream = [0] * rx_align + received
        for i in range(0, len(stream), 8):
            byte = 0
            for j, bit in enumerate(stream[i:i + 8]):
                byte |= bit << j
            self.fifo.append(byte)
        registers[CONTROL] = (registers[CONTROL] & 0xF8) | (len(stream) % 8)
        registers[COM_IRQ] |= 0x20  # RxIRq
        if collision is not None:
            position = rx_align + collision + 1
            registers[ERROR] |= 0x08  # CollErr
            registers[COM_IRQ] |= 0x02  # ErrIRq
            registers[COLL] = (registers[COLL] & 0x80) | \
                (0x20 if position > 32 else position % 32)
        else:
            registers[COLL] = (registers[COLL] & 0x80) | 0x20  # CollPosNotValid


class _Spi:
    """machine.SPI's write and write_readinto, on the chip's bus, with its chip select."""

    def __init__(self, chip, cs):
        self._chip = chip
        self._cs = cs

    def _selected(self):
        if self._cs.level != 0:
            self._chip.cs_errors += 1
            return False
        return True

    def write(self, data):
        if self._selected():
            self._chip.exchange(bytes(data))

    def write_readinto(self, out, into):
        answer = self._chip.exchange(bytes(out)) if self._selected() else b"\xff" * len(out)
        into[:len(answer)] = answer
