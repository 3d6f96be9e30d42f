# The NXP PN532 on I2C as its host sees it, from the user manual UM0701-02 Rev. 02: the
# normal information frame with its LCS and DCS (6.2.1), the ACK frame, the error frame for a
# command it does not know, the I2C status byte before every frame it sends (6.2.4: bit 0
# set once a frame is ready; a read that stops before the frame's end leaves it to be read
# again), and the commands GetFirmwareVersion, SAMConfiguration, RFConfiguration (RF field,
# MaxRetries) and InListPassiveTarget at 106 kbit/s type A. It starts in its low-power
# state and lists no target until SAMConfiguration; its InListPassiveTarget wakes cards
# with REQA, so a card it left selected or halted is not listed again until the field is
# switched off (the harder of the readings of the manual for a driver). Cards in its field
# are iso14443a_card.Card.
import errno

from device_models.iso14443a_card import REQA, SELECT_CODES, Field, crc_a, to_bits, to_bytes

ACK = b"\x00\x00\xff\x00\xff\x00"
ERROR_FRAME = b"\x00\x00\xff\x01\xff\x7f\x81\x00"


def frame(data):
    """A frame from the PN532: TFI D5h and data."""
    body = bytes((0xD5,)) + bytes(data)
    return bytes((0, 0, 0xFF, len(body), (0x100 - len(body)) & 0xFF)) + body + \
        bytes(((0x100 - sum(body)) & 0xFF, 0))


class Pn532Chip(Field):
    def __init__(self, address=0x24):
        self.address = address
        super().__init__()
        self.dead = False  # no acknowledge on the bus
        self.mute = False  # acknowledges its address, never has a frame ready
        self.garble = 0  # answers whose DCS is spoiled
        self.busy_reads = 2  # status reads "not ready" before each frame
        self.bad_frames = 0  # host frames with a wrong LCS or DCS (not acknowledged)
        self.commands = []  # command codes taken, the newest last
        self.power_on()

    def power_on(self):
        self.sam_configured = False
        self.field = False
        self.max_passive_tries = 0xFF
        self._queue = []  # [frame, status reads before it is ready]

    # I2C ---------------------------------------------------------------------------------
    def writeto(self, address, data):
        self._check(address)
        data = bytes(data)
        self._queue = []
        if data[:3] != b"\x00\x00\xff" or len(data) < 7:
            self.bad_frames += 1
            return len(data)
        length = data[3]
        body = data[5:5 + length]
        if (length + data[4]) & 0xFF or len(body) != length or \
                (sum(body) + data[5 + length]) & 0xFF or body[0] != 0xD4:
            self.bad_frames += 1
            return len(data)
        self.commands.append(body[1])
        self._queue.append([ACK, self.busy_reads])
        answer = self._execute(body[1], body[2:])
        if self.garble and answer != ERROR_FRAME:
            self.garble -= 1
            answer = answer[:-2] + bytes(((answer[-2] + 1) & 0xFF, 0))
        self._queue.append([answer, self.busy_reads])
        return len(data)

    def readfrom_into(self, address, buffer):
        self._check(address)
        for i in range(len(buffer)):
            buffer[i] = 0
        if self.mute or not self._queue:
            return
        entry = self._queue[0]
        if entry[1] > 0:
            entry[1] -= 1
            return
        buffer[0] = 0x01
        data = entry[0]
        count = min(len(data), len(buffer) - 1)
        buffer[1:1 + count] = data[:count]
        if len(buffer) - 1 >= len(data):
            self._queue.pop(0)

    def _check(self, address):
        if self.dead or address != self.address:
            raise OSError(errno.ENODEV)

    # Commands ----------------------------------------------------------------------------
    def _execute(self, command, params):
        if command == 0x02:  # GetFirmwareVersion: PN532, V1.6, every card type
            return frame(b"\x03\x32\x01\x06\x07")
        if command == 0x14:  # SAMConfiguration
            if params[:1] == b"\x01":
                self.sam_configured = True
            return frame(b"\x15")
        if command == 0x32:  # RFConfiguration
            if params[:1] == b"\x01":
                self._set_field(bool(params[1] & 0x01))
            elif params[:1] == b"\x05":
                self.max_passive_tries = params[3]
            return frame(b"\x33")
        if command == 0x4A and len(params) >= 2 and params[1] == 0 and 1 <= params[0] <= 2:
            return frame(b"\x4b" + self._list(params[0]))
        return ERROR_FRAME

    def _set_field(self, on):
        if self.field and not on:
            for card in self.cards:
                card.power_off()
        self.field = on

    def _list(self, most):
        if not self.sam_configured:
            return b"\x00"
        self._set_field(True)
        targets = b""
        found = 0
        while found < most:
            atqa = self._send(to_bits(bytes((REQA,)), 7))
            if not atqa:
                break
            card_uid, sak = self._activate()
            if card_uid is None:
                break
            found += 1
            sens_res = to_bytes(atqa[0])
            target = bytes((found, sens_res[1], sens_res[0], sak, len(card_uid))) + card_uid
            if sak & 0x20:
                target += b"\x05\x78\x80\x70\x02"  # an ATS of 5 bytes, its length first
            targets += target
        return bytes((found,)) + targets

    def _send(self, bits):
        return [answer for answer in (card.receive(bits) for card in self.cards)
                if answer is not None]

    def _activate(self):
        """Anticollision and select over the cascade levels, a 1 taken at each collision."""
        uid = b""
        for level in range(3):
            known = []
            while len(known) < 40:
                sent = bytes((SELECT_CODES[level], 0x20 + (len(known) // 8 << 4) +
                              len(known) % 8))
                answers = self._send(to_bits(sent) + known)
                if not answers:
                    return None, None
                for i in range(len(answers[0])):
                    values = set(answer[i] for answer in answers)
                    if len(values) > 1:  # a collision: the cards with a 1 go on
                        known.append(1)
                        break
                    known.append(values.pop())
            part = to_bytes(known)
            select = bytes((SELECT_CODES[level], 0x70)) + part
            crc = crc_a(select)
            answers = self._send(to_bits(select + bytes((crc & 0xFF, crc >> 8))))
            if len(answers) != 1:
                return None, None
            sak = to_bytes(answers[0])[0]
            if not sak & 0x04:
                return uid + part[:4], sak
            uid += part[1:4]
        return None, None
