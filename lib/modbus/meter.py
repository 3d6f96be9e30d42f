"""An energy meter read over Modbus RTU through a register map given as data (pzem017.py is
one): every reading the map names, all from one set of reads, or none at all.

A read that fails (after the master's retries) clears every reading to None at once: a
reading that is stale is not reported as the present one. The meter is `failed` -- the
board reports PowerMeterFailure -- once `fault_after` reads in a row failed, so one lost
answer on a noisy bus does not end a charging session, and clears at the next good read.

A map is a dict:
    "blocks": ((function, address, count, fields), ...)   one read each, in order
        fields: ((name, offset, kind, multiplier, divisor), ...)
            name     energy_wh, power_w (ints, by integer arithmetic: floats are single
                     precision on the boards) or voltage_v, current_a (floats)
            offset   of the field's first register within the block
            kind     U16, U32 (high word first, the Modbus habit) or U32_LOW_WORD_FIRST
    "serial": (baudrate, data bits, parity None/0/1, stop bits)   the device's defaults
    "unit": the device's default address
"""
from modbus.frames import ModbusError

U16 = 0
U32 = 1
U32_LOW_WORD_FIRST = 2
READINGS = ("energy_wh", "power_w", "voltage_v", "current_a")
_INTEGER_READINGS = ("energy_wh", "power_w")
# Map fields (tuple positions).
NAME, OFFSET, KIND, MULTIPLIER, DIVISOR = 0, 1, 2, 3, 4


def field_value(registers, field):
    """One reading from a block's registers, scaled as the map says."""
    offset = field[OFFSET]
    kind = field[KIND]
    if kind == U16:
        raw = registers[offset]
    elif kind == U32:
        raw = (registers[offset] << 16) | registers[offset + 1]
    elif kind == U32_LOW_WORD_FIRST:
        raw = (registers[offset + 1] << 16) | registers[offset]
    else:
        raise ValueError("register kind %r" % (kind,))
    if field[NAME] in _INTEGER_READINGS:
        return raw * field[MULTIPLIER] // field[DIVISOR]
    return raw * field[MULTIPLIER] / field[DIVISOR]


class Meter:
    def __init__(self, *, master, register_map, unit=None, fault_after=3):
        self._master = master
        self._map = register_map
        self.unit = register_map["unit"] if unit is None else unit
        self._fault_after = fault_after
        self.energy_wh = None
        self.power_w = None
        self.voltage_v = None
        self.current_a = None
        self.failed = False
        self.error = None  # why the last read failed, for the log; None after a good one
        self.failed_reads = 0  # in a row

    async def read(self):
        """Reads every block of the map; True when all the readings are fresh."""
        values = []
        try:
            for function, address, count, fields in self._map["blocks"]:
                registers = await self._master.read_registers(
                    unit=self.unit, function=function, address=address, count=count)
                for field in fields:
                    values.append((field[NAME], field_value(registers, field)))
        except ModbusError as error:
            self._lost("unit %d: %s: %s" % (self.unit, type(error).__name__, error))
            return False
        except OSError as error:  # the UART itself (a driver or a bus fault)
            self._lost("unit %d: UART: %s" % (self.unit, error))
            return False
        for name, value in values:
            setattr(self, name, value)
        self.failed_reads = 0
        self.failed = False
        self.error = None
        return True

    def _lost(self, why):
        for name in READINGS:
            setattr(self, name, None)
        self.failed_reads += 1
        self.error = why
        if self.failed_reads >= self._fault_after:
            self.failed = True
