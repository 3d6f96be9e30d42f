"""One DC connector of a board package as the firmware sees it (boards/README.md,
"Connectors"): its contactor with feedback, the EV's plug and demand signals (from the EV
communication controller), its insulation monitor, its temperature, its power setpoint and
its meter on the Modbus bus.

The board's I/O task calls `scan()` (inputs, contactor feedback) every few tens of
milliseconds and its meter task `measure()` (meter, temperature) every second; each says
whether something the station reads changed, so the board sets `changed` at once.

The meter's readings are never made up: while the last read failed `energy_wh()` and the
other readings raise OSError, which the firmware takes as "cannot be read" (the
transaction's meter values say nothing rather than something invented: firmware/core/
transactions.py `_read_meters`), and after the meter's `fault_after` failed reads in a row
the connector reports PowerMeterFailure.
"""
import errno

from firmware.hardware_faults import NO_ERROR, error_code

# The power stage stops the current within this of set_energize(False): the contactor opens
# in tens of milliseconds, the power modules ramp down in a few hundred.
DEENERGIZE_TIMEOUT_MS = 2000
DUTY_FULL = 65535  # machine.PWM.duty_u16


class PowerSetpoint:
    """The power the stage may deliver, as a PWM duty on its analogue programming input
    (0..rating_w as 0..100 %, through an RC filter)."""

    def __init__(self, *, pwm, rating_w):
        self._pwm = pwm
        self._rating_w = rating_w
        self.watts = 0
        pwm.duty_u16(0)

    def set(self, watts):
        watts = max(0, min(watts, self._rating_w))
        if watts != self.watts:
            self.watts = watts
            self._pwm.duty_u16(watts * DUTY_FULL // self._rating_w)


class DcConnector:
    deenergize_timeout_ms = DEENERGIZE_TIMEOUT_MS

    def __init__(self, *, connector_id, contactor, feedback, plug, ev_ready, insulation,
                 thermal, meter, setpoint, max_power_w, nominal_voltage_v=400):
        """`feedback`, `plug`, `ev_ready`, `insulation`: DebouncedInputs (insulation active:
        the monitor trips). The board sets `station_faults()`: the faults of the whole
        station (emergency stop, door, reader) by their names in firmware/hardware_faults.py."""
        self.connector_id = connector_id
        self.contactor = contactor
        self._inputs = (feedback, plug, ev_ready, insulation)
        self._plug = plug
        self._ev_ready = ev_ready
        self._insulation = insulation
        self.thermal = thermal
        self.meter = meter
        self.setpoint = setpoint
        self.max_power_w = max_power_w
        self.nominal_voltage_v = nominal_voltage_v
        self.station_faults = tuple
        self.log = print  # the board's, once it exists
        self._limit_w = None  # the firmware's (Smart Charging), None: none
        self._energized = False
        self._code = NO_ERROR

    # ---- the board's tasks --------------------------------------------------------------

    def scan(self):
        changed = False
        for signal in self._inputs:
            if signal.sample():
                changed = True
        if self.contactor.check():
            self.log("board: connector %d contactor %s: PowerSwitchFailure" % (
                self.connector_id, "welded" if self.contactor.welded else "did not close"))
            changed = True
        return self.update_code() or changed

    async def measure(self):
        await self.meter.read()
        self.thermal.sample()
        self._apply_setpoint()  # the derating follows the temperature
        return self.update_code()

    def faults(self):
        found = list(self.station_faults())
        if self.contactor.welded:
            found.append("contactor_welded")
        if self.contactor.failed_to_close:
            found.append("contactor_failed_to_close")
        if self._insulation.active:
            found.append("insulation_fault")
        if self.meter.failed:
            found.append("meter_failure")
        if self.thermal.over_temperature:
            found.append("over_temperature")
        return found

    def update_code(self):
        """Computes the error code again; True when it changed."""
        code = error_code(self.faults())
        if code == self._code:
            return False
        self._code = code
        return True

    def _apply_setpoint(self):
        if not self._energized:
            self.setpoint.set(0)
            return
        watts = self.max_power_w
        for limit in (self._limit_w, self.thermal.limit_w(self.max_power_w)):
            if limit is not None and limit < watts:
                watts = limit
        self.setpoint.set(watts)

    # ---- the firmware's side ------------------------------------------------------------

    def plugged(self):
        return self._plug.active

    def error_code(self):
        return self._code

    def ev_demand(self):
        return self._ev_ready.active

    def set_energize(self, on):
        self._energized = bool(on)
        self.contactor.command(on)
        self._apply_setpoint()

    def set_limit_w(self, watts):
        self._limit_w = None if watts is None else int(watts)
        self._apply_setpoint()

    def energy_wh(self):
        return self._reading(self.meter.energy_wh)

    def power_w(self):
        return self._reading(self.meter.power_w)

    def voltage_v(self):
        return self._reading(self.meter.voltage_v)

    def current_a(self):
        return self._reading(self.meter.current_a)

    def _reading(self, value):
        if value is None:
            raise OSError(errno.EIO, "meter: %s" % (self.meter.error or "no reading yet"))
        return value

    def soc(self):
        return None  # the EV's state of charge comes over HLC, which this board does not read

    def meter_serial(self):
        return None  # the PZEM-017 has no serial number register
