"""Temperature of a connector's power path from an NTC thermistor, and what it allows.

The NTC sits between the ADC pin and ground with a fixed resistor to the ADC's reference:
the reading gives its resistance, and the Beta equation the temperature. Above
`derate_from_c` the power allowed falls linearly to `floor_share` of the rating at `trip_c`;
at `trip_c` the connector reports over_temperature (HighTemperature, which suspends a
transaction with its output off) until it has cooled to `clear_c`. The derated limit goes
the way a Smart Charging limit goes, into the connector's power setpoint
(boards/common/connector.py), and the firmware's own limit is never raised by it.

A reading at either end of the ADC's range is an open or shorted sensor: the temperature is
then unknown, which counts as over_temperature (a charger must not run blind).
"""
import math

KELVIN = 273.15
# The usual 10 kOhm NTC (Beta 3950 K between 25 and 50 C) with a 10 kOhm resistor to 3.3 V.
NTC_R25_OHM = 10000
NTC_BETA_K = 3950
SERIES_OHM = 10000
ADC_FULL = 65535  # machine.ADC.read_u16()
# Readings this close to either end: the sensor is open (near full) or shorted (near 0).
ADC_MARGIN = 300


def ntc_celsius(reading, r25_ohm=NTC_R25_OHM, beta_k=NTC_BETA_K, series_ohm=SERIES_OHM):
    """The temperature for an ADC reading (0..65535), or None for an open or shorted NTC."""
    if reading <= ADC_MARGIN or reading >= ADC_FULL - ADC_MARGIN:
        return None
    ohm = series_ohm * reading / (ADC_FULL - reading)
    return 1 / (1 / (25 + KELVIN) + math.log(ohm / r25_ohm) / beta_k) - KELVIN


def ntc_reading(celsius, r25_ohm=NTC_R25_OHM, beta_k=NTC_BETA_K, series_ohm=SERIES_OHM):
    """The ADC reading at `celsius` (ntc_celsius's inverse: a model's, a test's)."""
    ohm = r25_ohm * math.exp(beta_k * (1 / (celsius + KELVIN) - 1 / (25 + KELVIN)))
    return int(ADC_FULL * ohm / (ohm + series_ohm) + 0.5)


class Thermal:
    def __init__(self, *, adc, derate_from_c=70, trip_c=85, clear_c=75, floor_share_pct=20):
        self._adc = adc
        self._derate_from_c = derate_from_c
        self._trip_c = trip_c
        self._clear_c = clear_c
        self._floor_pct = floor_share_pct
        self.celsius = None
        self.over_temperature = False

    def sample(self):
        """Reads the sensor; True when over_temperature changed."""
        self.celsius = ntc_celsius(self._adc.read_u16())
        if self.celsius is None:
            over = True
        elif self.over_temperature:
            over = self.celsius > self._clear_c
        else:
            over = self.celsius >= self._trip_c
        changed = over != self.over_temperature
        self.over_temperature = over
        return changed

    def limit_w(self, rating_w):
        """The most the temperature allows of `rating_w`, an int, or None for no limit."""
        celsius = self.celsius
        if celsius is None or celsius < self._derate_from_c:
            return None if celsius is not None else 0
        if celsius >= self._trip_c:
            return rating_w * self._floor_pct // 100
        # Tenths of a degree into the band, integer arithmetic for the watts.
        into = int((celsius - self._derate_from_c) * 10)
        band = (self._trip_c - self._derate_from_c) * 10
        return rating_w - (rating_w * (100 - self._floor_pct) // 100) * into // band
