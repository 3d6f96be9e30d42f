"""Modbus RTU frames of the two reads a meter needs, without I/O (Modbus Application
Protocol v1.1b3, 6.3 and 6.4; Modbus over Serial Line v1.02, 2.5.1):

    request    unit, function (3 or 4), address (2), count (2), CRC (2, low byte first)
    response   unit, function, byte count (2 * count), registers (2 each, high byte first), CRC
    exception  unit, function | 0x80, exception code, CRC

A broken answer is a typed error, never a crash: ModbusFrameError for one that is garbled
(CRC, length, unit, function) -- worth a retry -- and ModbusException for one the device sent
on purpose, with its exception code.
"""
from modbus.crc import crc16

READ_HOLDING_REGISTERS = 3
READ_INPUT_REGISTERS = 4
_FUNCTIONS = (READ_HOLDING_REGISTERS, READ_INPUT_REGISTERS)
_EXCEPTION_FLAG = 0x80
# The standard allows 125 registers per read; a meter's readings take a few. The bound sizes
# the master's one receive buffer.
MAX_REGISTERS = 32
EXCEPTION_LENGTH = 5
# Exception codes (Application Protocol 7): the names a log line shows.
EXCEPTION_NAMES = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
                   4: "server device failure", 5: "acknowledge", 6: "server device busy",
                   8: "memory parity error", 10: "gateway path unavailable",
                   11: "gateway target device failed to respond"}


class ModbusError(Exception):
    """Any failed exchange: the device did not answer usefully."""


class ModbusTimeout(ModbusError):
    """Nothing, or no complete answer, came within the response timeout."""


class ModbusFrameError(ModbusError):
    """An answer came, garbled: wrong CRC, length, unit or function."""


class ModbusException(ModbusError):
    """The device answered with an exception response: `code` says why."""

    def __init__(self, code):
        super().__init__("exception %d (%s)" % (code, EXCEPTION_NAMES.get(code, "unknown")))
        self.code = code


def read_request(unit, function, address, count):
    """The 8 bytes that ask `unit` for `count` registers from `address` (0-based, as on the
    wire: the datasheets' "30001" is address 0 of function 4)."""
    if not 1 <= unit <= 247:  # 0 is broadcast, which no device answers; 248+ are reserved
        raise ValueError("unit %r: 1..247" % (unit,))
    if function not in _FUNCTIONS:
        raise ValueError("function %r: 3 or 4" % (function,))
    if not 1 <= count <= MAX_REGISTERS or not 0 <= address <= 0xFFFF - count + 1:
        raise ValueError("registers %r+%r" % (address, count))
    frame = bytearray(8)
    frame[0] = unit
    frame[1] = function
    frame[2] = address >> 8
    frame[3] = address & 0xFF
    frame[4] = count >> 8
    frame[5] = count & 0xFF
    crc = crc16(frame, 0, 6)
    frame[6] = crc & 0xFF
    frame[7] = crc >> 8
    return bytes(frame)


def response_length(head, function, count):
    """The whole length of the answer whose first two bytes are `head`, or None when they
    begin no answer to `function` (noise, or another device's frame)."""
    if head[1] == function:
        return 5 + 2 * count
    if head[1] == function | _EXCEPTION_FLAG:
        return EXCEPTION_LENGTH
    return None


def decode_response(frame, length, unit, function, count):
    """The `count` register values of the answer in frame[:length], as a list of ints.
    Raises ModbusException for an exception response, ModbusFrameError for a bad one."""
    if length < EXCEPTION_LENGTH:
        raise ModbusFrameError("answer of %d bytes" % length)
    crc = crc16(frame, 0, length - 2)
    if frame[length - 2] != crc & 0xFF or frame[length - 1] != crc >> 8:
        raise ModbusFrameError("CRC")
    if frame[0] != unit:
        raise ModbusFrameError("answer from unit %d, not %d" % (frame[0], unit))
    if frame[1] == function | _EXCEPTION_FLAG and length == EXCEPTION_LENGTH:
        raise ModbusException(frame[2])
    if frame[1] != function or frame[2] != 2 * count or length != 5 + 2 * count:
        raise ModbusFrameError("answer to function %d of %d bytes" % (frame[1], length))
    return [(frame[3 + 2 * i] << 8) | frame[4 + 2 * i] for i in range(count)]
