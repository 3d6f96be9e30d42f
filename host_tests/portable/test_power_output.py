# Issue 16, "power flows only when everything allows it": the station switches each
# connector's output from all its permissives at every refresh (firmware/connector.py). A
# fault turns it off at once, then stops the transaction (reason Other) or suspends it
# until the fault clears (OCPP 1.6 4.9: C9/D9/E9, then I3-I5 back to the pre-fault
# status). The station runs on the simulated board, its hardware link replaced by the
# rows set here as the hardware would send them.
from firmware.connector import ERROR_CODES, NO_ERROR
from scratch import fresh_folder

# What each ChargePointErrorCode (7.6) does to a running transaction.
STOPS = ("GroundFailure", "InternalError", "OtherError", "OverCurrentFailure",
         "PowerMeterFailure", "PowerSwitchFailure")
SUSPENDS = ("ConnectorLockFailure", "EVCommunicationError", "HighTemperature",
            "LocalListConflict", "OverVoltage", "ReaderFailure", "ResetFailure",
            "UnderVoltage", "WeakSignal")
VOLTS = 400.0


def make(name):
    from boards.sim.board import SimBoard
    from firmware.station import Station

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None,
                     fresh_folder("test_power_output", name))
    return Station(board), board


def hardware(board, connector_id, error=NO_ERROR, current_a=0.0, energy_wh=5000):
    """The hardware's row for a connector with an EV plugged that asks for energy."""
    board.connectors[connector_id - 1].io = [True, error, True, energy_wh,
                                             int(current_a * VOLTS), VOLTS, current_a, 50]


def charging(station, board, connector_id, tag="TAG"):
    hardware(board, connector_id)
    station._read_inputs()
    station.transactions.start(connector_id, tag)
    hardware(board, connector_id, current_a=300.0)
    assert board.connectors[connector_id - 1].energized


def stops(station):
    return [m.payload for m in station.messages if m.action == "StopTransaction"]


def shown(station, connector_id):
    state = station.status.connectors[connector_id]
    return state.status, state.error_code


def test_every_fault_turns_the_output_off_at_once_then_stops_or_suspends():
    assert sorted(STOPS + SUSPENDS + (NO_ERROR,)) == sorted(ERROR_CODES)
    station, board = make("every_fault")
    one = board.connectors[0]
    for code in ERROR_CODES:
        if code == NO_ERROR:
            continue
        charging(station, board, 1)
        stopped = len(stops(station))
        hardware(board, 1, error=code)
        station._read_inputs()
        assert not one.energized, code
        if code in STOPS:
            assert station.transactions.on_connector(1) is None, code
            assert len(stops(station)) == stopped + 1, code
            assert stops(station)[-1]["reason"] == "Other", code
            assert shown(station, 1) == ("Faulted", code)
        else:
            assert station.transactions.on_connector(1) is not None, code
            # 7.6: EVCommunicationError is a warning, "it should go to SuspendedEVSE".
            status = "SuspendedEVSE" if code == "EVCommunicationError" else "Faulted"
            assert shown(station, 1) == (status, code)
            hardware(board, 1)
            station._read_inputs()
            assert one.energized, code  # I3: the transaction goes on
            assert shown(station, 1) == ("Charging", NO_ERROR), code
            station.transactions.stop(1, "Local")
            assert stops(station)[-1]["reason"] == "Local"
        hardware(board, 1)
        station._read_inputs()
        assert shown(station, 1)[1] == NO_ERROR


def test_a_fault_on_one_connector_leaves_the_other_charging():
    station, board = make("one_fault")
    charging(station, board, 1)
    charging(station, board, 2)
    hardware(board, 2, error="GroundFailure")
    station._read_inputs()
    assert board.connectors[0].energized and not board.connectors[1].energized
    assert station.transactions.on_connector(1) is not None
    assert [stop["reason"] for stop in stops(station)] == ["Other"]


def test_a_zero_limit_suspends_the_output():
    # The Smart Charging profile's limit: a TxDefaultProfile of 0 W, then 11 kW.
    station, board = make("permissives")
    one = board.connectors[0]
    charging(station, board, 1)
    limited = []
    one.set_limit_w = limited.append  # what the output is told
    for limit_w in (0, 11000):
        assert answer(station, "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": {
            "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute", "chargingSchedule": {
                "chargingRateUnit": "W", "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": limit_w}]}}}) == {"status": "Accepted"}
        assert limited[-1] == limit_w
        assert one.energized == (limit_w > 0)
        assert shown(station, 1) == ("Charging" if limit_w else "SuspendedEVSE", NO_ERROR)
    assert answer(station, "ClearChargingProfile", {}) == {"status": "Accepted"}
    assert limited[-1] is None and one.energized and shown(station, 1) == ("Charging", NO_ERROR)


def answer(station, action, payload):
    from ocppj.rpc import ANY_ACTION

    return (station.handlers.get(action) or station.handlers[ANY_ACTION](action))(payload)


def test_a_stuck_power_switch_faults_the_connector_until_a_restart():
    station, board = make("stuck")
    one = board.connectors[0]
    one.deenergize_timeout_ms = 0  # waited already: current still flows after it
    charging(station, board, 1)
    station.transactions.stop(1, "Local")
    assert stops(station)[-1]["reason"] == "Local" and not one.energized
    assert shown(station, 1) == ("Faulted", "PowerSwitchFailure")
    hardware(board, 1)  # the current stops (the EV opened its own contactor)
    station._read_inputs()
    assert shown(station, 1) == ("Faulted", "PowerSwitchFailure")
    assert not station.may_start_on(1) and station.may_start_on(2)
    restarted = type(station)(board)
    restarted._read_inputs()
    assert restarted.may_start_on(1) and shown(restarted, 1)[1] == NO_ERROR


def test_current_through_an_idle_output_is_a_power_switch_failure():
    station, board = make("stuck_idle")
    board.connectors[1].deenergize_timeout_ms = 0
    hardware(board, 2)
    station._read_inputs()
    assert shown(station, 2) == ("Preparing", NO_ERROR)
    hardware(board, 2, current_a=290.0)  # never switched on, and yet
    station._read_inputs()
    assert shown(station, 2) == ("Faulted", "PowerSwitchFailure")
    assert not station.may_start_on(2) and station.may_start_on(1)


def test_emergency_stop_ends_every_transaction_and_holds_the_connectors():
    station, board = make("estop")
    pressed = [False]
    board.emergency_stop = lambda: pressed[0]
    charging(station, board, 1)
    charging(station, board, 2)
    pressed[0] = True
    station._read_inputs()
    assert not board.connectors[0].energized and not board.connectors[1].energized
    assert stops(station) == []  # the power stage ramps down: 300 A still
    hardware(board, 1, energy_wh=5010)
    hardware(board, 2, energy_wh=5012)
    station.transactions.tick()
    assert sorted([(stop["reason"], stop["meterStop"]) for stop in stops(station)]) == [
        ("EmergencyStop", 5010), ("EmergencyStop", 5012)]
    assert shown(station, 1) == ("Unavailable", NO_ERROR)
    assert not station.may_start_on(1) and not station.may_start_on(2)
    pressed[0] = False
    station._read_inputs()
    assert station.may_start_on(1) and shown(station, 1)[0] != "Unavailable"
