"""NXP PN532 reader over I2C (user manual UM0701-02 Rev. 02, PN532 firmware V1.6): ISO/IEC
14443 A cards listed by InListPassiveTarget, reported once per presentation as their UID in
upper-case hex.

Frames (6.2.1): 00 00 FF, LEN, LCS (LEN + LCS = 0 mod 256), TFI (D4h host to PN532, D5h
back), the command code and its data, DCS (TFI + data + DCS = 0 mod 256), 00. The PN532
acknowledges each command with the ACK frame 00 00 FF 00 FF 00 before it answers. Over I2C
(6.2.4, address 24h) every read starts with a status byte whose bit 0 says a frame is ready;
until it is, the driver reads that byte alone and waits a millisecond.

Each `poll()` sets the chip up when it must (GetFirmwareVersion, IC 32h; SAMConfiguration
normal mode, leaving the low-power state it starts in; RFConfiguration MaxRetries so that
InListPassiveTarget gives up soon on an empty field), switches the RF field off and on --
every card in it resets (ISO/IEC 14443-3: field off for at least 5 ms), so one that lies on
the reader answers again whatever the last poll left it in -- and lists up to 2 targets at
106 kbit/s type A. Taps and removals as for the MFRC522 (taps.py).

A chip that does not acknowledge, answers nothing within the bound, or sends frames that do
not check fails the poll; `fail_after` failed polls in a row make the reader `failed` (the
board reports ReaderFailure), until a poll works again. `i2c` is a machine.I2C (`writeto`,
`readfrom_into`), `sleep_ms` a blocking sleep (time.sleep_ms).
"""
from rfid.iso14443a import MAX_UID_BYTES, uid_hex
from rfid.reader import Reader, ReaderError

ADDRESS = 0x24
HOST_TO_PN532 = 0xD4
PN532_TO_HOST = 0xD5
ERROR_TFI = 0x7F  # the error frame's: the PN532 found a syntax error in the command
ACK = b"\x00\x00\xff\x00\xff\x00"
GET_FIRMWARE_VERSION = 0x02
SAM_CONFIGURATION = 0x14
RF_CONFIGURATION = 0x32
IN_LIST_PASSIVE_TARGET = 0x4A
IC_PN532 = 0x32
RF_FIELD = 0x01  # RFConfiguration items
MAX_RETRIES = 0x05
MAX_TARGETS = 2  # what InListPassiveTarget lists at most at 106 kbit/s type A
BAUD_106_TYPE_A = 0x00
SEL_RES_ISO_DEP = 0x20  # the target sent an ATS too
RF_RESET_MS = 6  # beyond the 5 ms a card needs without field to reset
READY_POLLS = 200  # 1 ms apart: InListPassiveTarget with 2 tries takes a few tens of ms
_BUFFER = 80  # the longest answer: two targets with 10-byte UIDs and ATSs


class Pn532(Reader):
    def __init__(self, *, i2c, sleep_ms, address=ADDRESS, absent_polls=2, fail_after=3):
        super().__init__(absent_polls=absent_polls, capacity=MAX_TARGETS,
                         fail_after=fail_after)
        self._i2c = i2c
        self._sleep_ms = sleep_ms
        self._address = address
        self.version = None  # (IC, version, revision) from GetFirmwareVersion
        self._ready = False
        self._out = bytearray(16)
        self._in = bytearray(1 + _BUFFER)
        self._status = bytearray(1)

    # Frames -------------------------------------------------------------------------------
    def _send(self, command, params):
        out = self._out
        length = 2 + len(params)  # TFI, command, data
        out[0], out[1], out[2] = 0x00, 0x00, 0xFF
        out[3] = length
        out[4] = (0x100 - length) & 0xFF
        out[5] = HOST_TO_PN532
        out[6] = command
        total = HOST_TO_PN532 + command
        for i, byte in enumerate(params):
            out[7 + i] = byte
            total += byte
        out[7 + len(params)] = (0x100 - total) & 0xFF
        out[8 + len(params)] = 0x00
        self._i2c.writeto(self._address, memoryview(out)[:9 + len(params)])

    def _wait_ready(self, what):
        for _ in range(READY_POLLS):
            self._i2c.readfrom_into(self._address, self._status)
            if self._status[0] & 0x01:
                return
            self._sleep_ms(1)
        raise ReaderError("no %s" % what)

    def _command(self, command, params=b""):
        """Sends a command, takes its ACK and its answer; returns the answer's data (after
        the command code) as a memoryview of the receive buffer."""
        self._send(command, params)
        self._wait_ready("ACK to %02Xh" % command)
        ack = memoryview(self._in)[:1 + len(ACK)]
        self._i2c.readfrom_into(self._address, ack)
        if bytes(ack[1:]) != ACK:
            raise ReaderError("no ACK to %02Xh" % command)
        self._wait_ready("answer to %02Xh" % command)
        frame = self._in
        self._i2c.readfrom_into(self._address, frame)
        return _answer_data(frame, command)

    # Set-up -------------------------------------------------------------------------------
    def _set_up(self):
        data = self._command(GET_FIRMWARE_VERSION)
        if len(data) != 4 or data[0] != IC_PN532:
            raise ReaderError("not a PN532: firmware version %s" % uid_hex(data))
        self.version = (data[0], data[1], data[2])
        self._command(SAM_CONFIGURATION, b"\x01\x14\x01")  # normal mode, 1 s, IRQ used
        # MxRtyATR, MxRtyPSL (defaults), MxRtyPassiveActivation: 2 tries, not forever.
        self._command(RF_CONFIGURATION, b"\x05\xff\x01\x02")
        self._ready = True

    def _cards(self):
        """The UIDs (bytes) of the type A targets in the field, reset first."""
        if not self._ready:
            self._set_up()
        self._command(RF_CONFIGURATION, b"\x01\x00")
        self._sleep_ms(RF_RESET_MS)
        self._command(RF_CONFIGURATION, b"\x01\x01")
        data = self._command(IN_LIST_PASSIVE_TARGET, b"\x02\x00")
        return _targets(data)

    def _lost(self):
        self._ready = False


def _answer_data(frame, command):
    """The data of the answer to `command` in frame[1:] (frame[0] is the I2C status)."""
    if frame[1] != 0x00 or frame[2] != 0x00 or frame[3] != 0xFF:
        raise ReaderError("answer without its start code")
    length = frame[4]
    if (length + frame[5]) & 0xFF or not 2 <= length <= len(frame) - 8:
        if length == 1 and frame[6] == ERROR_TFI:
            raise ReaderError("PN532 error frame to %02Xh" % command)
        raise ReaderError("answer length %d, LCS %02Xh" % (length, frame[5]))
    total = 0
    for i in range(6, 6 + length + 1):  # TFI, data and DCS
        total += frame[i]
    if total & 0xFF:
        raise ReaderError("answer DCS")
    if frame[6] != PN532_TO_HOST or frame[7] != command + 1:
        raise ReaderError("answer %02Xh %02Xh to %02Xh" % (frame[6], frame[7], command))
    return memoryview(frame)[8:6 + length]


def _targets(data):
    """The UIDs of InListPassiveTarget's answer at 106 kbit/s type A (UM0701-02 7.3.5):
    NbTg, then for each: Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID1, and the ATS (its
    first byte its length) when SEL_RES says ISO/IEC 14443-4."""
    if not len(data) or data[0] > MAX_TARGETS:
        raise ReaderError("InListPassiveTarget answer")
    uids = []
    at = 1
    for _ in range(data[0]):
        if at + 5 > len(data):
            raise ReaderError("InListPassiveTarget answer cut")
        sel_res = data[at + 3]
        length = data[at + 4]
        if length not in (4, 7, MAX_UID_BYTES) or at + 5 + length > len(data):
            raise ReaderError("NFCID1 of %d bytes" % length)
        uids.append(bytes(data[at + 5:at + 5 + length]))
        at += 5 + length
        if sel_res & SEL_RES_ISO_DEP:
            if at >= len(data) or not data[at]:
                raise ReaderError("ATS missing")
            at += data[at]
    return uids
