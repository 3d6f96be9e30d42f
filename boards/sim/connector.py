"""One connector of the simulated station as the firmware sees it (boards/README.md) and
as the control port drives it: a fixed cable, the EV at its end, a fault input, a meter and
the power switch of its output (boards/sim/power_stage.py tells how the output stops).
"""
NO_ERROR = "NoError"
# The faults whose protection opens the output by itself; at any other fault the hardware
# only reports it, and the output stops when the firmware switches it off.
TRIPPING_FAULTS = ("GroundFailure", "OverCurrentFailure")

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
        self.switch_stuck = False  # the power switch stays closed whatever is asked
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
        return self.delivered_w if self.acceptance_w() else 0

    def voltage_v(self):
        return self.ev.voltage_v() if self.is_plugged else 0.0

    def current_a(self):
        volts = self.voltage_v()
        return self.power_w() / volts if volts else 0.0

    def soc(self):
        return self.ev.soc() if self.is_plugged else None

    # The hardware's side.
    def switched_on(self):
        """The output is switched on: asked to, or stuck so."""
        return self.energized or self.switch_stuck

    def acceptance_w(self):
        """What the EV on this cable takes now; nothing while a protection trips."""
        if not self.is_plugged or self.fault in TRIPPING_FAULTS:
            return 0
        return self.ev.acceptance_w()

    def state(self):
        return {"plugged": self.is_plugged, "fault": self.fault, "ev": self.ev.state(),
                "switchStuck": self.switch_stuck}

    def restore(self, state):
        if type(state.get("plugged")) is bool:
            self.is_plugged = state["plugged"]
        if type(state.get("switchStuck")) is bool:
            self.switch_stuck = state["switchStuck"]
        if state.get("fault") in ERROR_CODES:
            self.fault = state["fault"]
        if type(state.get("ev")) is dict:
            self.ev.restore(state["ev"])
