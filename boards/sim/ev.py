"""The electric vehicle at the end of a connector's cable: a battery that takes DC energy.

Energy is kept as integer Wh plus a remainder in W*ms, so a board with single-precision
floats loses nothing to rounding. The EV takes its full power up to TAPER_START_PERCENT,
then linearly less down to TAPER_FLOOR_W at 100 %, where it stops drawing.
"""
TAPER_START_PERCENT = 80
TAPER_FLOOR_W = 2000
WMS_PER_WH = 3600000  # W*ms in one Wh

# Pack voltage at 0 % and at 100 % state of charge, per voltage class.
_VOLTAGE_SPAN_V = {400: (330, 410), 800: (660, 820)}
VOLTAGE_CLASSES = (400, 800)


class EV:
    def __init__(self, capacity_wh, soc_percent, max_power_w, voltage_class=400):
        if voltage_class not in _VOLTAGE_SPAN_V:
            raise ValueError("voltage class must be 400 or 800")
        self.capacity_wh = capacity_wh
        self.stored_wh = capacity_wh * soc_percent // 100
        self._remainder_wms = 0
        self.max_power_w = max_power_w
        self.voltage_class = voltage_class
        self.suspended = False

    def soc(self):
        """State of charge in whole percent."""
        return self.stored_wh * 100 // self.capacity_wh

    def full(self):
        return self.stored_wh >= self.capacity_wh

    def demand(self):
        """The EV asks for energy: neither paused nor full."""
        return not self.suspended and not self.full()

    def acceptance_w(self):
        """The power the EV's battery management accepts now."""
        if not self.demand():
            return 0
        taper_from_wh = self.capacity_wh * TAPER_START_PERCENT // 100
        if self.stored_wh <= taper_from_wh:
            return self.max_power_w
        # Linear from max power at the taper start to nothing at full, with a floor so
        # that the last percent completes in finite time.
        left_wh = self.capacity_wh - self.stored_wh
        tapered = self.max_power_w * left_wh // (self.capacity_wh - taper_from_wh)
        return max(tapered, min(TAPER_FLOOR_W, self.max_power_w))

    def charge(self, wms):
        """Takes `wms` W*ms of energy; never beyond capacity."""
        total = self._remainder_wms + wms
        self.stored_wh += total // WMS_PER_WH
        self._remainder_wms = total % WMS_PER_WH
        if self.stored_wh >= self.capacity_wh:
            self.stored_wh = self.capacity_wh
            self._remainder_wms = 0

    def voltage_v(self):
        low, high = _VOLTAGE_SPAN_V[self.voltage_class]
        return low + (high - low) * self.stored_wh / self.capacity_wh

    def set_soc(self, percent):
        self.stored_wh = self.capacity_wh * percent // 100
        self._remainder_wms = 0

    def set_capacity_wh(self, capacity_wh):
        """A different battery at the same state of charge."""
        percent = self.soc()
        self.capacity_wh = capacity_wh
        self.set_soc(percent)

    def state(self):
        return {"capacityWh": self.capacity_wh, "storedWh": self.stored_wh,
                "maxPowerW": self.max_power_w, "voltageClass": self.voltage_class,
                "suspended": self.suspended}

    def restore(self, state):
        """Back to a state() saved earlier; values that do not fit are left as they are."""
        capacity = state.get("capacityWh")
        stored = state.get("storedWh")
        max_power = state.get("maxPowerW")
        if _is_int(capacity) and capacity > 0:
            self.capacity_wh = capacity
        if _is_int(stored) and 0 <= stored <= self.capacity_wh:
            self.stored_wh = stored
        if _is_int(max_power) and max_power > 0:
            self.max_power_w = max_power
        if state.get("voltageClass") in _VOLTAGE_SPAN_V:
            self.voltage_class = state["voltageClass"]
        if type(state.get("suspended")) is bool:
            self.suspended = state["suspended"]


def _is_int(value):
    return type(value) is int
