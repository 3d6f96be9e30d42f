# The world around a board package run on the stand-ins (machine.py, network.py): the device
# models on its buses (host_tests/portable/device_models: MFRC522 or PN532 with ISO 14443 A
# cards, a Modbus RTU meter answering the PZEM-017's registers), and a plant that closes the
# contactor's feedback when its drive is on (unless it is welded or stuck open), counts the
# energy an EV draws into the meter's registers, and drives the inputs a test asks for.
# Test code: never deployed.
import asyncio

import machine
import network
from device_models.iso14443a_card import Card
from device_models.mfrc522_chip import Mfrc522Chip
from device_models.modbus_slave import ModbusDevice
from device_models.pn532_chip import Pn532Chip

PLANT_STEP_MS = 100
VOLTAGE_V = 400
EV_MAX_W = 11000
WMS_PER_WH = 3600 * 1000


class RealClock:
    """The device models' clock on real time: reading it is now; moving it forward (a UART's
    flush waits for the last bit) waits until then, as the hardware would."""

    @property
    def now_us(self):
        return machine.ticks_us()

    @now_us.setter
    def now_us(self, value):
        while machine.ticks_us() < value:
            pass


class DirectionLine:
    """The transceiver's direction as the meter hears it: the board's pin, or (a transceiver
    that switches itself) high while the UART sends."""

    def __init__(self, pin):
        self._pin = pin
        self.sending = False

    @property
    def level(self):
        if self._pin is None:
            return 1 if self.sending else 0
        return machine.levels.get(self._pin, 0)


class MeterBus:
    """machine.UART's side of the bus: the meter model, with an automatic transceiver's
    direction where the board has no pin for it."""

    def __init__(self, meter, line):
        self._meter = meter
        self._line = line

    def write(self, data):
        self._line.sending = True  # until the last bit is out (flush)
        return self._meter.write(data)

    def flush(self):
        self._meter.flush()
        self._line.sending = False

    def any(self):
        return self._meter.any()

    def readinto(self, buffer):
        return self._meter.readinto(buffer)


class Plant:
    def __init__(self, pins):
        self.pins = pins
        spec = pins.CONNECTORS[0]
        self.spec = spec
        self.welded = False
        self.stuck_open = False
        self.energy_wh = 0
        self._remainder_wms = 0
        self.power_w = 0
        # Inputs at rest: contacts closed (0), contactor open, no EV.
        for pin in (pins.EMERGENCY_STOP, pins.DOOR, spec["insulation_fault"]):
            machine.set_level(pin[0], 0)
        for pin in (spec["feedback"], spec["plug"], spec["ev_ready"]):
            machine.set_level(pin[0], 1)
        machine.watchers[spec["contactor"]] = self._drive
        self.temperature(25)
        # The meter on the RS-485 bus.
        self.meter = ModbusDevice(RealClock(), unit=spec["meter_unit"], baudrate=9600)
        self._publish()
        line = DirectionLine(pins.METER_BUS["direction"])
        self.meter.pin = line
        machine.uart_devices[pins.METER_BUS["uart"]] = MeterBus(self.meter, line)
        # The card reader.
        reader = pins.READER
        if "cs" in reader:
            self.chip = Mfrc522Chip()
            machine.spi_devices[(reader["spi"], reader["cs"])] = self.chip
        else:
            self.chip = Pn532Chip()
            machine.i2c_devices[reader["i2c"]] = [self.chip]
        self.card = None

    def _drive(self, level):
        closed = (level == 1 and not self.stuck_open) or self.welded
        machine.set_level(self.spec["feedback"][0], 0 if closed else 1)

    def contactor_closed(self):
        return machine.levels.get(self.spec["feedback"][0]) == 0

    def _publish(self):
        registers = self.meter.input_registers
        current_ca = self.power_w * 100 // VOLTAGE_V
        deciwatts = self.power_w * 10
        registers.update({0: VOLTAGE_V * 100, 1: current_ca & 0xFFFF,
                          2: deciwatts & 0xFFFF, 3: deciwatts >> 16,
                          4: self.energy_wh & 0xFFFF, 5: self.energy_wh >> 16,
                          6: 0, 7: 0})

    def setpoint_w(self, rating_w):
        return machine.pwm_duty.get(self.spec["setpoint_pwm"], 0) * rating_w // 65535

    async def run(self, rating_w):
        while True:
            demand = machine.levels.get(self.spec["plug"][0]) == 0 and \
                machine.levels.get(self.spec["ev_ready"][0]) == 0
            self.power_w = min(EV_MAX_W, self.setpoint_w(rating_w)) \
                if demand and self.contactor_closed() else 0
            total = self._remainder_wms + self.power_w * PLANT_STEP_MS
            self.energy_wh += total // WMS_PER_WH
            self._remainder_wms = total % WMS_PER_WH
            self._publish()
            await asyncio.sleep_ms(PLANT_STEP_MS) if hasattr(asyncio, "sleep_ms") else \
                await asyncio.sleep(PLANT_STEP_MS / 1000)

    # ---- what a test does ---------------------------------------------------------------

    def plug(self, plugged):
        machine.set_level(self.spec["plug"][0], 0 if plugged else 1)
        machine.set_level(self.spec["ev_ready"][0], 0 if plugged else 1)

    def tap(self, uid_hex):
        self.remove()
        self.card = Card(bytes(int(uid_hex[i:i + 2], 16) for i in range(0, len(uid_hex), 2)))
        self.chip.enter(self.card)

    def remove(self):
        if self.card is not None:
            self.chip.leave(self.card)
            self.card = None

    def temperature(self, celsius):
        from boards.common.thermal import ntc_reading

        machine.adc_readings[self.spec["temperature_adc"]] = ntc_reading(celsius)

    def contact(self, name, tripped):
        spec = {"estop": self.pins.EMERGENCY_STOP, "door": self.pins.DOOR,
                "insulation": self.spec["insulation_fault"]}[name]
        machine.set_level(spec[0], 1 if tripped else 0)

    def link(self, up):
        network.set_link(up)
