"""What ISO/IEC 14443-3 type A says that a reader's driver needs: the short frames, the
cascade levels of the anticollision and select, the BCC and the CRC_A.
"""
REQA = 0x26  # short frames, 7 bits
WUPA = 0x52
SHORT_FRAME_BITS = 7
HLTA = 0x50
SELECT_CODES = (0x93, 0x95, 0x97)  # cascade levels 1, 2, 3
SELECT_NVB = 0x70  # 7 bytes: SEL, NVB, 4 UID bytes, BCC (and then the CRC_A)
CASCADE_TAG = 0x88  # first byte of a cascade level that is not the last
SAK_CASCADE = 0x04  # SAK bit: the UID is not complete yet
MAX_UID_BYTES = 10  # triple size


def crc_a(data, length=None):
    """CRC_A of data[:length] (ISO/IEC 14443-3 6.2.4, Annex B: polynomial 0x1021 reflected,
    initial 0x6363, no final XOR), as an int; sent low byte first."""
    crc = 0x6363
    for i in range(len(data) if length is None else length):
        crc ^= data[i]
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def bcc(data, start):
    """The block check character: XOR of the 4 bytes from `start`."""
    return data[start] ^ data[start + 1] ^ data[start + 2] ^ data[start + 3]


def uid_hex(uid):
    """The idTag of a UID: its bytes in upper-case hex, most significant (first sent) first;
    20 characters at most (a triple-size UID), the length of an OCPP idTag."""
    return "".join("%02X" % byte for byte in uid)
