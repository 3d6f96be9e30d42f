"""The Smart Charging profile's configuration keys (OCPP 1.6 section 9.4), all read-only: their
bounds are what a 128 KB board's heap and flash hold (docs/smart_charging.md). Made at boot and
again whenever the configuration needs them (firmware.config `declare` with a maker)."""
from firmware.config import CSL, INTEGER, Key


def keys():
    # The bounds, literals here: a name more would stay in a ROMFS board's heap for good.
    return (Key("ChargeProfileMaxStackLevel", INTEGER, 8, writable=False),
            Key("ChargingScheduleAllowedChargingRateUnit", CSL, ["Current", "Power"],
                writable=False),
            Key("ChargingScheduleMaxPeriods", INTEGER, 24, writable=False),
            Key("MaxChargingProfilesInstalled", INTEGER, 8, writable=False))
