"""CRC-16/MODBUS (Modbus over Serial Line v1.02, 6.2.2: polynomial 0xA001 reflected, initial
0xFFFF, no final XOR; check value 0x4B37 for b"123456789"). Sent low byte first.

Four bits at a time from a 16-entry table, as lib/hwlink/crc16.py does for its CRC: 32 bytes
of table instead of 512.
"""
_POLY = 0xA001


def _nibble_table():
    table = []
    for nibble in range(16):
        crc = nibble
        for _ in range(4):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _nibble_table()


def crc16(data, start=0, end=None):
    """The CRC of data[start:end] (bytes, bytearray or memoryview)."""
    table = _TABLE
    crc = 0xFFFF
    for i in range(start, len(data) if end is None else end):
        crc ^= data[i]
        crc = (crc >> 4) ^ table[crc & 0x0F]
        crc = (crc >> 4) ^ table[crc & 0x0F]
    return crc
