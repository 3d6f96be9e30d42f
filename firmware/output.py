"""Whether energy may flow at a connector: one rule over all its permissives, applied to every
connector at every refresh (as firmware/connector.py derive_status computes the status) by
Transactions.switch_output, the only caller of the board's `set_energize`. A fault turns
the output off at the refresh that reads it. What it then does to a running transaction is
FAULTS_THAT_SUSPEND below; OCPP 1.6 names no stop reason for a fault, so the others stop it
with Other (7.36).
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
        and inputs.tx_authorized and not inputs.reserved_for_other \
        and (inputs.limit_w is None or inputs.limit_w > 0)


def stop_reason(inputs):
    """The reason a running transaction stops for with these inputs, or None."""
    if inputs.emergency_stop:
        return "EmergencyStop"
    if inputs.error_code != NO_ERROR and inputs.error_code not in FAULTS_THAT_SUSPEND:
        return "Other"
    return None
