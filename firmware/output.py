"""Whether energy may flow at a connector: one rule over all its permissives, applied at every
refresh (as firmware/connector.py derive_status computes the status), and the watch that a
connector switched off stops carrying current.

Everything that switches a connector's output lives here; nothing else calls the board's
`set_energize`. A fault turns the output off at the refresh that reads it. What it then does
to a running transaction is FAULTS_THAT_SUSPEND below; OCPP 1.6 names no stop reason for a
fault, so the others stop it with Other (7.36).
"""
from firmware.connector import NO_ERROR

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
# Below this a DC meter reads noise, not a flow (a few tenths of an ampere at no load).
CURRENT_STOPPED_A = 1.0
# How long the power stage may take to stop the current, unless the board states it.
DEENERGIZE_TIMEOUT_MS = 2000


def evse_allows(inputs):
    """Every permissive of the station's side allows energy (SuspendedEVSE when not). A
    ChangeAvailability to Inoperative is none of them: it waits for the transaction's end
    (Scheduled, C8/D8/E8), and without a transaction nothing is energized anyway."""
    return inputs.error_code == NO_ERROR and not inputs.emergency_stop \
        and inputs.tx_authorized and not inputs.reserved_for_other \
        and (inputs.limit_w is None or inputs.limit_w > 0)


def stop_reason(inputs):
    """The reason a running transaction stops for with these inputs, or None."""
    if inputs.emergency_stop:
        return "EmergencyStop"
    if inputs.error_code != NO_ERROR and inputs.error_code not in FAULTS_THAT_SUSPEND:
        return "Other"
    return None


class Outputs:
    """The connectors' outputs, off at boot whatever a reset left them at."""

    def __init__(self, ios, ticks_ms, ticks_diff, log):
        self._ios = ios
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._log = log
        self._on = [False] * len(ios)
        self._off_ms = [ticks_ms()] * len(ios)  # when last switched off
        # Latched until a restart: only a person can tell that the switch works again.
        self._switch_failed = [False] * len(ios)
        for io in ios:
            io.set_energize(False)

    def refresh(self, connector_id, inputs):
        """Sets `inputs.evse_allows` from the permissives and switches the output: on for a
        transaction not stopping that they all allow, else off."""
        inputs.evse_allows = evse_allows(inputs)
        on = inputs.in_transaction and not inputs.stopping and inputs.evse_allows
        i = connector_id - 1
        if on != self._on[i]:
            self._on[i] = on
            if not on:
                self._off_ms[i] = self._ticks_ms()
            self._ios[i].set_energize(on)

    def switch_failed(self, connector_id):
        return self._switch_failed[connector_id - 1]

    def settled(self, connector_id):
        """The output is off and the current has stopped, or will not: past the board's
        `deenergize_timeout_ms` a current still flowing is a PowerSwitchFailure."""
        i = connector_id - 1
        if self._on[i]:
            return False
        try:
            flowing = self._flowing(i)
        except Exception as error:  # not known to flow: wait the full time, then go on
            if not self._timed_out(i):
                return False
            self._log("output: connector %d: current unreadable: %r" % (connector_id, error))
            return True
        if flowing and not self._timed_out(i):
            return False
        if flowing:
            self._fail(i)
        return True

    def watch(self):
        """A current through an output switched off for longer than the board's timeout,
        with a transaction or without, is a PowerSwitchFailure."""
        for i in range(len(self._ios)):
            if not self._on[i] and not self._switch_failed[i] and self._timed_out(i):
                try:
                    flowing = self._flowing(i)
                except Exception:  # the meter cannot tell now: the next look may
                    continue
                if flowing:
                    self._fail(i)

    def _flowing(self, i):
        return abs(self._ios[i].current_a()) >= CURRENT_STOPPED_A

    def _timed_out(self, i):
        timeout_ms = getattr(self._ios[i], "deenergize_timeout_ms", DEENERGIZE_TIMEOUT_MS)
        return self._ticks_diff(self._ticks_ms(), self._off_ms[i]) >= timeout_ms

    def _fail(self, i):
        if not self._switch_failed[i]:
            self._switch_failed[i] = True
            self._log("output: connector %d: current flows though switched off: %s"
                      % (i + 1, POWER_SWITCH_FAILURE))
