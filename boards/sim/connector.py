"""One connector of the simulated station as the firmware sees it (boards/README.md) and
as the control port drives it: a fixed cable, the EV at its end, a fault input and a meter.
"""
NO_ERROR = "NoError"

# OCPP 1.6 ChargePointErrorCode values a hardware fault can raise (NoError clears).
ERROR_CODES = ("ConnectorLockFailure", "EVCommunicationError", "GroundFailure",
               "HighTemperature", "InternalError", "LocalListConflict", "OtherError",
               "OverCurrentFailure", "OverVoltage", "PowerMeterFailure", "PowerSwitchFailure",
               "ReaderFailure", "ResetFailure", "UnderVoltage", "WeakSignal")


class SimConnector:
    def __init__(self, connector_id, cable, ev, meter):
        self.connector_id = connector_id
        self.cable = cable
        self.ev = ev
        self.meter = meter
        self.is_plugged = False
        self.fault = NO_ERROR
        self.energized = False
        self.limit_w = None
        self.delivered_w = 0  # set by the power stage at each physics step

    # The firmware's side (boards/README.md).
    def plugged(self):
        return self.is_plugged

    def error_code(self):
        return self.fault

    def ev_demand(self):
        return self.is_plugged and self.ev.demand()

    def set_energize(self, on):
        self.energized = bool(on)

    def set_limit_w(self, watts):
        self.limit_w = None if watts is None else int(watts)

    def energy_wh(self):
        return self.meter.register_wh

    def power_w(self):
        if not self.energized or self.acceptance_w() == 0:
            return 0
        return self.delivered_w

    def voltage_v(self):
        return self.ev.voltage_v() if self.is_plugged else 0.0

    def current_a(self):
        volts = self.voltage_v()
        return self.power_w() / volts if volts else 0.0

    def soc(self):
        return self.ev.soc() if self.is_plugged else None

    # The hardware's side.
    def acceptance_w(self):
        """What the EV on this cable takes now; nothing while a fault trips the output."""
        if not self.is_plugged or self.fault != NO_ERROR:
            return 0
        return self.ev.acceptance_w()

    def state(self):
        return {"plugged": self.is_plugged, "fault": self.fault, "ev": self.ev.state()}

    def restore(self, state):
        if type(state.get("plugged")) is bool:
            self.is_plugged = state["plugged"]
        if state.get("fault") in ERROR_CODES:
            self.fault = state["fault"]
        if type(state.get("ev")) is dict:
            self.ev.restore(state["ev"])
