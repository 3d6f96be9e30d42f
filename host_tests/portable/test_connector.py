# The connector state machine: OCPP 1.6 section 4.9 transition table and status derivation.
from firmware.connector import (
    AVAILABLE, CHARGING, FAULTED, FINISHING, PREPARING, RESERVED, STATION_TRANSITIONS,
    SUSPENDED_EV, SUSPENDED_EVSE, TRANSITIONS, UNAVAILABLE, ConnectorStatus, IllegalTransition,
    Inputs, derive_status, path)


def test_table_is_section_4_9():
    # Transitions the specification leaves out (e.g. B8, C2, F3, F4, G3) are absent.
    assert UNAVAILABLE not in TRANSITIONS[PREPARING]
    assert PREPARING not in TRANSITIONS[CHARGING]
    assert CHARGING not in TRANSITIONS[FINISHING]
    assert SUSPENDED_EV not in TRANSITIONS[FINISHING]
    assert CHARGING not in TRANSITIONS[RESERVED]
    assert FINISHING not in TRANSITIONS[AVAILABLE]
    assert len(TRANSITIONS) == 9 and all(s not in TRANSITIONS[s] for s in TRANSITIONS)
    assert sum(len(v) for v in TRANSITIONS.values()) == 53


def test_connector_zero_only_available_unavailable_faulted():
    station = ConnectorStatus(0, 0)
    try:
        station.move(PREPARING, "NoError", 1)
    except IllegalTransition:
        pass
    else:
        raise AssertionError("connector 0 entered Preparing")
    assert sorted(STATION_TRANSITIONS) == [AVAILABLE, FAULTED, UNAVAILABLE]
    assert station.move(FAULTED, "GroundFailure", 2) == [FAULTED]
    assert station.error_code == "GroundFailure"


def test_illegal_transition_goes_through_a_legal_intermediate():
    assert path(TRANSITIONS, FINISHING, CHARGING) == [PREPARING, CHARGING]
    assert path(TRANSITIONS, RESERVED, CHARGING) == [PREPARING, CHARGING]
    assert path(TRANSITIONS, PREPARING, UNAVAILABLE) == [AVAILABLE, UNAVAILABLE]
    connector = ConnectorStatus(1, 0, FINISHING)
    assert connector.move(CHARGING, "NoError", 5) == [PREPARING, CHARGING]
    assert connector.status == CHARGING and connector.since_ms == 5


def test_move_reports_error_code_changes_only_once():
    connector = ConnectorStatus(1, 0)
    assert connector.move(AVAILABLE, "NoError", 1) == []
    assert connector.move(FAULTED, "OverVoltage", 2) == [FAULTED]
    assert connector.move(FAULTED, "OverVoltage", 3) == []
    assert connector.move(FAULTED, "GroundFailure", 4) == [FAULTED]
    assert connector.since_ms == 2  # the status itself did not change


def test_ev_communication_error_is_a_warning_on_its_statuses_only():
    connector = ConnectorStatus(1, 0)
    connector.move(PREPARING, "EVCommunicationError", 1)
    assert connector.error_code == "EVCommunicationError"
    connector.move(CHARGING, "EVCommunicationError", 2)
    assert connector.error_code == "NoError"


def inputs(**values):
    result = Inputs()
    for name in values:
        setattr(result, name, values[name])
    return result


def test_derive_status_every_status():
    assert derive_status(inputs()) == AVAILABLE
    assert derive_status(inputs(plugged=True)) == PREPARING
    assert derive_status(inputs(authorized=True)) == PREPARING
    assert derive_status(inputs(plugged=True, in_transaction=True, ev_demand=True)) == CHARGING
    assert derive_status(inputs(plugged=True, in_transaction=True)) == SUSPENDED_EV
    # EV side disconnected with StopTransactionOnEVSideDisconnect false: SuspendedEV.
    assert derive_status(inputs(in_transaction=True, ev_demand=True)) == SUSPENDED_EV
    # "SuspendedEVSE SHALL have precedence over SuspendedEV"
    assert derive_status(inputs(plugged=True, in_transaction=True,
                                evse_allows=False)) == SUSPENDED_EVSE
    assert derive_status(inputs(plugged=True, finishing=True)) == FINISHING
    assert derive_status(inputs(finishing=True)) == AVAILABLE
    assert derive_status(inputs(reserved=True)) == RESERVED
    assert derive_status(inputs(operative=False)) == UNAVAILABLE
    # A transaction keeps its connector charging until it ends (Inoperative is scheduled).
    assert derive_status(inputs(operative=False, in_transaction=True, plugged=True,
                                ev_demand=True)) == CHARGING
    assert derive_status(inputs(error_code="GroundFailure", in_transaction=True)) == FAULTED
    assert derive_status(inputs(error_code="EVCommunicationError", plugged=True)) == PREPARING
