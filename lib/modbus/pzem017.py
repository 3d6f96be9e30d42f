"""Peacefair PZEM-017 DC energy meter (0-300 V, external shunt 50-300 A; the PZEM-003 is its
10 A twin): the register map of "PZEM-003/017 DC communication module user manual" (Ningbo
Peacefair Electronic Technology Co.), section "Communication protocol" -- input registers,
function 4, read in one block:

    0x0000 voltage, 0.01 V          0x0004 energy, low word, 1 Wh
    0x0001 current, 0.01 A          0x0005 energy, high word
    0x0002 power, low word, 0.1 W   0x0006 high-voltage alarm (0xFFFF: alarm)
    0x0003 power, high word         0x0007 low-voltage alarm

32-bit values come low word first. The serial defaults are 9600 baud, 8 data bits, no parity,
2 stop bits, unit 1. Energy is counted in whole Wh by the meter itself, so no float ever
holds it. The map was taken from that manual's register table; no meter has been read here.
"""
from modbus.frames import READ_INPUT_REGISTERS
from modbus.meter import U16, U32_LOW_WORD_FIRST

PZEM017 = {
    "blocks": ((READ_INPUT_REGISTERS, 0x0000, 6, (
        ("voltage_v", 0, U16, 1, 100),
        ("current_a", 1, U16, 1, 100),
        ("power_w", 2, U32_LOW_WORD_FIRST, 1, 10),
        ("energy_wh", 4, U32_LOW_WORD_FIRST, 1, 1),
    )),),
    "serial": (9600, 8, None, 2),
    "unit": 1,
}
