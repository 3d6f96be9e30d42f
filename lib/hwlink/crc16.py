"""CRC-16/GENIBUS (polynomial 0x1021, initial 0xFFFF, no reflection, final XOR 0xFFFF; check
value 0xD64E for b"123456789"): it detects every error of up to 3 bits and every burst of up
to 16 bits in a frame of the sizes this link carries.

The final XOR matters with COBS framing: without it (CRC-16/CCITT-FALSE) a body followed by
its CRC leaves the register at zero, zeros keep it there, and a bit flip that turns a
frame's closing delimiter 00 into 01 -- which COBS decodes as one more zero at the end of
the body -- would pass the check (host_tests/test_hwlink_fuzz.py found that).

Four bits at a time from a 16-entry table: a quarter of the work of the bitwise loop for
32 bytes of table instead of the 512 of a byte table (binascii has only crc32, and not on
every port).
"""
_POLY = 0x1021


def _nibble_table():
    table = []
    for nibble in range(16):
        crc = nibble << 12
        for _ in range(4):
            crc = ((crc << 1) ^ _POLY) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _nibble_table()


def crc16(data, start=0, end=None):
    """The CRC of data[start:end] (bytes, bytearray or memoryview)."""
    table = _TABLE
    crc = 0xFFFF
    for i in range(start, len(data) if end is None else end):
        byte = data[i]
        crc = ((crc << 4) & 0xFFFF) ^ table[(crc >> 12) ^ (byte >> 4)]
        crc = ((crc << 4) & 0xFFFF) ^ table[(crc >> 12) ^ (byte & 0x0F)]
    return crc ^ 0xFFFF
