"""Metering: which measurands go where (OCPP 1.6 9.1 and errata 3.13 "Metering Data"), read
from the board's meters as OCPP SampledValues.

Owns the metering configuration keys. A measurand list names only what the board's meters
offer; a list with anything else is refused (ChangeConfiguration Rejected, errata 3.14.4).
An empty MeterValuesSampledData / MeterValuesAlignedData means the energy register alone
(TC_070, TC_071); empty StopTxnSampledData and StopTxnAlignedData mean no meter values in
StopTransaction (errata 3.14.5).
"""
from firmware.config import CSL, INTEGER, Key
from firmware.core.tx_messages import STOP_TXN_MAX_METER_VALUES

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
# What the board's DC meters and the EV report: (unit, location, reading of a connector io).
MEASURANDS = {
    ENERGY: ("Wh", "Outlet", lambda io: str(io.energy_wh())),
    POWER: ("W", "Outlet", lambda io: str(io.power_w())),
    "Voltage": ("V", "Outlet", lambda io: "%.1f" % io.voltage_v()),
    "Current.Import": ("A", "Outlet", lambda io: "%.1f" % io.current_a()),
    "SoC": ("Percent", "EV", lambda io: _optional(io.soc())),
}
# Connector 0 (the station as a whole): the sum of the connectors' meters.
STATION_MEASURANDS = (ENERGY, POWER)
MAX_LENGTH = 10
DEFAULT_SAMPLED = [ENERGY, POWER, "Voltage", "Current.Import", "SoC"]
SAMPLE_INTERVAL_MIN_S = 5     # the reference station's range, 0 switches sampling off
SAMPLE_INTERVAL_MAX_S = 60

PERIODIC = "Sample.Periodic"
CLOCK = "Sample.Clock"
BEGIN = "Transaction.Begin"
END = "Transaction.End"


def _optional(value):
    return None if value is None else str(value)


def supported(measurands):
    """True when every item is a measurand the board offers, each at most once."""
    for i in range(len(measurands)):
        if measurands[i] not in MEASURANDS or measurands[i] in measurands[:i]:
            return False
    return True


def sampled_values(io, measurands, context):
    values = []
    for measurand in measurands:
        unit, location, read = MEASURANDS[measurand]
        value = read(io)
        if value is not None:  # e.g. no SoC while the EV does not tell it
            values.append({"value": value, "context": context, "measurand": measurand,
                           "location": location, "unit": unit})
    return values


def meter_value(timestamp, io, measurands, context):
    """A MeterValue element, or None when none of the measurands has a reading now."""
    values = sampled_values(io, measurands, context)
    return {"timestamp": timestamp, "sampledValue": values} if values else None


def station_meter_value(timestamp, ios, measurands, context):
    """Connector 0's MeterValue: energy and power summed over the connectors, or None."""
    values = []
    for measurand in measurands:
        if measurand in STATION_MEASURANDS:
            unit, location, _ = MEASURANDS[measurand]
            total = 0
            for io in ios:
                total += io.energy_wh() if measurand == ENERGY else io.power_w()
            values.append({"value": str(total), "context": context, "measurand": measurand,
                           "location": location, "unit": unit})
    return {"timestamp": timestamp, "sampledValue": values} if values else None


def _measurand_list(name, default):
    return Key(name, CSL, default, maximum=MAX_LENGTH, check=supported)


def keys():
    """The metering keys, the configuration's maker of them: made at boot to declare them and
    again whenever the configuration needs them (a listing, a change), so that in between
    only their values take heap (a Key about 60 bytes on a 32-bit board)."""
    return (Key("MeterValueSampleInterval", INTEGER, 10, minimum=0,
                maximum=SAMPLE_INTERVAL_MAX_S,
                check=lambda s: s == 0 or s >= SAMPLE_INTERVAL_MIN_S),
            Key("ClockAlignedDataInterval", INTEGER, 0, minimum=0, maximum=86400),
            _measurand_list("MeterValuesSampledData", DEFAULT_SAMPLED),
            _measurand_list("MeterValuesAlignedData", [ENERGY]),
            _measurand_list("StopTxnSampledData", [ENERGY]),
            _measurand_list("StopTxnAlignedData", []),
            Key("MeterValuesSampledDataMaxLength", INTEGER, MAX_LENGTH, writable=False),
            Key("MeterValuesAlignedDataMaxLength", INTEGER, MAX_LENGTH, writable=False),
            Key("StopTxnSampledDataMaxLength", INTEGER, MAX_LENGTH, writable=False),
            Key("StopTxnAlignedDataMaxLength", INTEGER, MAX_LENGTH, writable=False),
            Key("StopTransactionMaxMeterValues", INTEGER, STOP_TXN_MAX_METER_VALUES,
                writable=False))


class Metering:
    def __init__(self, config):
        self._config = config
        for key in keys():
            config.declare(key, keys)

    def sample_interval_s(self):
        return self._config.get("MeterValueSampleInterval")

    def aligned_interval_s(self):
        return self._config.get("ClockAlignedDataInterval")

    def sampled(self):
        return self._config.get("MeterValuesSampledData") or [ENERGY]

    def aligned(self):
        return self._config.get("MeterValuesAlignedData") or [ENERGY]

    def stop_sampled(self):
        return self._config.get("StopTxnSampledData")

    def stop_aligned(self):
        return self._config.get("StopTxnAlignedData")

    def stop_begin_end(self):
        """Transaction.Begin and .End carry every measurand configured for StopTransaction
        (errata 3.14 / 3.16.6): the union of both lists, in order."""
        union = list(self.stop_sampled())
        for measurand in self.stop_aligned():
            if measurand not in union:
                union.append(measurand)
        return union
