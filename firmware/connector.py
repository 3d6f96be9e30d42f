"""Connector status: the OCPP 1.6 state machine (section 4.9) as one table, the rule that
computes a connector's status from its inputs, and the rule that says from the same inputs
whether energy may flow there.

Everything that decides a ChargePointStatus lives in this file. The status is derived from
what the hardware and the transaction say (MicroOcpp's approach), then moved through the
transition table: a transition the table does not list is an error, never a silent change.

Whether energy may flow: one rule over all the connector's permissives (evse_allows),
applied to every connector at every refresh by Transactions.switch_output, the only caller
of the board's `set_energize`. A fault turns the output off at the refresh that reads it.
What it then does to a running transaction is FAULTS_THAT_SUSPEND below; OCPP 1.6 names no
stop reason for a fault, so the others stop it with Other (7.36).
"""
AVAILABLE = "Available"
PREPARING = "Preparing"
CHARGING = "Charging"
SUSPENDED_EV = "SuspendedEV"
SUSPENDED_EVSE = "SuspendedEVSE"
FINISHING = "Finishing"
RESERVED = "Reserved"
UNAVAILABLE = "Unavailable"
FAULTED = "Faulted"

NO_ERROR = "NoError"

# OCPP 1.6 section 4.9, "which status transitions are possible" (connectors > 0). The order
# within a row is the preference for an intermediate status (see path()).
TRANSITIONS = {
    AVAILABLE: (PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, RESERVED, UNAVAILABLE,
                FAULTED),
    PREPARING: (AVAILABLE, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, FAULTED),
    CHARGING: (AVAILABLE, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, UNAVAILABLE, FAULTED),
    SUSPENDED_EV: (AVAILABLE, CHARGING, SUSPENDED_EVSE, FINISHING, UNAVAILABLE, FAULTED),
    SUSPENDED_EVSE: (AVAILABLE, CHARGING, SUSPENDED_EV, FINISHING, UNAVAILABLE, FAULTED),
    FINISHING: (PREPARING, AVAILABLE, UNAVAILABLE, FAULTED),
    RESERVED: (PREPARING, AVAILABLE, UNAVAILABLE, FAULTED),
    UNAVAILABLE: (AVAILABLE, PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FAULTED),
    FAULTED: (AVAILABLE, PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING,
              RESERVED, UNAVAILABLE),
}
# Connector 0 (the Charge Point as a whole) only ever reports these.
STATION_TRANSITIONS = {
    AVAILABLE: (UNAVAILABLE, FAULTED),
    UNAVAILABLE: (AVAILABLE, FAULTED),
    FAULTED: (AVAILABLE, UNAVAILABLE),
}

ERROR_CODES = (
    "ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature",
    "InternalError", "LocalListConflict", NO_ERROR, "OtherError", "OverCurrentFailure",
    "OverVoltage", "PowerMeterFailure", "PowerSwitchFailure", "ReaderFailure", "ResetFailure",
    "UnderVoltage", "WeakSignal",
)
# Section 4.9: EVCommunicationError is a warning, used with these statuses only; every other
# error code from the hardware prevents charging (Faulted).
WARNING_ONLY = {"EVCommunicationError": (PREPARING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING)}


class IllegalTransition(Exception):
    pass


class Inputs:
    """What a connector's status is computed from; owned and updated by the station."""

    def __init__(self):
        self.plugged = False
        self.error_code = NO_ERROR
        self.operative = True          # ChangeAvailability: Operative / Inoperative
        self.reserved = False
        self.authorized = False        # an idTag was accepted and waits for the plug
        self.connection_timed_out = False  # plugged, no idTag within ConnectionTimeOut (B6)
        self.in_transaction = False
        # Its transaction is stopping: the output is off, and the status stays until the
        # StopTransaction is queued (OCTT TC_015: StopTransaction, then Finishing).
        self.stopping = False
        # The station's side lets energy flow: computed from the permissives below and the
        # error code (evse_allows below).
        self.evse_allows = True
        self.tx_authorized = True      # not an invalid idTag past MaxEnergyOnInvalidId
        self.emergency_stop = False    # the board's emergency stop is pressed
        self.limit_w = None            # the Smart Charging profile's limit, None: no limit
        self.ev_demand = False         # the EV asks for energy
        self.finishing = False         # the transaction ended; the user has yet to unplug


def derive_status(inputs):
    """The ChargePointStatus these inputs mean (section 4.9 and its notes)."""
    error = inputs.error_code
    if error != NO_ERROR and error not in WARNING_ONLY:
        return FAULTED
    if inputs.in_transaction:
        if not inputs.evse_allows:  # "SuspendedEVSE SHALL have precedence over SuspendedEV"
            return SUSPENDED_EVSE
        if not inputs.plugged or not inputs.ev_demand:
            return SUSPENDED_EV
        return CHARGING
    if not inputs.operative:
        return UNAVAILABLE
    if inputs.finishing and inputs.plugged:
        return FINISHING
    if (inputs.plugged and not inputs.connection_timed_out) or inputs.authorized:
        return PREPARING
    if inputs.reserved:
        return RESERVED
    return AVAILABLE


def path(table, old, new):
    """The statuses to pass through from `old` to `new`: [new] when the table allows it,
    [via, new] through one legal intermediate status when it does not (e.g. Finishing ->
    Preparing -> Charging when a new session starts quickly). Raises IllegalTransition."""
    if new in table.get(old, ()):
        return [new]
    for via in table.get(old, ()):
        if new in table.get(via, ()):
            return [via, new]
    raise IllegalTransition("%s -> %s" % (old, new))


class ConnectorStatus:
    """One connector's current status and the time it was entered (ticks in ms)."""

    def __init__(self, connector_id, now_ms, status=AVAILABLE):
        self.connector_id = connector_id
        self.status = status
        self.error_code = NO_ERROR
        self.info = None
        self.since_ms = now_ms
        self._table = TRANSITIONS if connector_id > 0 else STATION_TRANSITIONS

    def move(self, status, error_code, now_ms, info=None):
        """Enter `status`, through the transition table; returns the statuses entered (empty
        when nothing changed; the last one again when only the error code or info did)."""
        if error_code not in WARNING_ONLY or status not in WARNING_ONLY[error_code]:
            error_code = error_code if status == FAULTED else NO_ERROR
        if status == self.status:
            if error_code == self.error_code and info == self.info:
                return []
            steps = [status]
        else:
            steps = path(self._table, self.status, status)
            self.since_ms = now_ms
        self.status = status
        self.error_code = error_code
        self.info = info
        return steps


# Faults a transaction outlives, its output off while they last (OCPP 1.6 4.9: C9/D9/E9 to
# Faulted, then I3-I5 "status returns to the pre-fault state"): conditions that clear by
# themselves (temperature, supply voltage, the cable lock), EVCommunicationError (7.6: a
# warning, "it should go to the SuspendedEVSE state"), and parts outside the power path.
# Every other code stops the transaction (reason Other), a code no table lists included:
# a tripped protection (GroundFailure, OverCurrentFailure) needs a person, a switch the
# firmware cannot control or a meter it cannot read leaves nothing to bill a resumption
# with, and an internal or unknown error gives no ground to resume on.
FAULTS_THAT_SUSPEND = ("ConnectorLockFailure", "EVCommunicationError", "HighTemperature",
                       "LocalListConflict", "OverVoltage", "ReaderFailure", "ResetFailure",
                       "UnderVoltage", "WeakSignal")
POWER_SWITCH_FAILURE = "PowerSwitchFailure"
# Below this a DC meter reads noise, not a flow (a few tenths of an ampere at no load). An
# int: a float is a heap object on both MicroPython builds here (32 and 64 bytes).
CURRENT_STOPPED_A = 1
# How long the power stage may take to stop the current, unless the board states it.
DEENERGIZE_TIMEOUT_MS = 2000


def evse_allows(inputs):
    """Every permissive of the station's side allows energy (SuspendedEVSE when not). A
    ChangeAvailability to Inoperative is none of them: it waits for the transaction's end
    (Scheduled, C8/D8/E8), and without a transaction nothing is energized anyway."""
    return inputs.error_code == NO_ERROR and not inputs.emergency_stop \
        and inputs.tx_authorized and (inputs.limit_w is None or inputs.limit_w > 0)


def stop_reason(inputs):
    """The reason a running transaction stops for with these inputs, or None."""
    if inputs.emergency_stop:
        return "EmergencyStop"
    if inputs.error_code != NO_ERROR and inputs.error_code not in FAULTS_THAT_SUSPEND:
        return "Other"
    return None
