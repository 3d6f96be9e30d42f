"""Faults and the power stage end to end (issue 16): the station as on a board against the
bundled Central System. The simulated hardware trips its own output only for the faults a
protection acts on (GroundFailure, OverCurrentFailure); at any other fault energy stops
because the firmware switches the output off (firmware/connector.py).
"""
from tc import CentralThread, booted, call, charging, tc_station, wait_until


def power_w(station, connector_id):
    return station.control("status")["connectors"][connector_id]["powerW"]


def test_a_fault_the_hardware_only_reports_stops_the_energy_then_charging_resumes():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        booted(cs)
        charging(cs, station, 1, "CARD-HOT")
        wait_until(lambda: power_w(station, 1) > 0, 5, "energy flowing")
        station.control("fault 1 HighTemperature")
        cs.wait_status(1, "Faulted", "HighTemperature")
        wait_until(lambda: power_w(station, 1) == 0, 5, "the output off")
        station.control("clear 1")
        cs.wait_status(1, "Charging")  # I3: the transaction went on
        wait_until(lambda: power_w(station, 1) > 0, 5, "energy flowing again")
        station.control("fault 1 PowerMeterFailure")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 10, "StopTransaction")[0]
        assert stop["reason"] == "Other"
        cs.wait_status(1, "Faulted", "PowerMeterFailure")
        wait_until(lambda: power_w(station, 1) == 0, 5, "the output off")


def test_a_stuck_power_switch_is_reported_as_power_switch_failure():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        start = charging(cs, station, 2, "CARD-WELD")
        wait_until(lambda: power_w(station, 2) > 0, 5, "energy flowing")
        station.control("switch 2 stuck")
        station.control("tap CARD-WELD")
        # After the board's de-energize timeout (5 s) with the current still flowing.
        cs.wait_status(2, "Faulted", "PowerSwitchFailure", timeout_s=15)
        stop = wait_until(lambda: cs.requests("StopTransaction"), 5, "StopTransaction")[0]
        assert stop["reason"] == "Local" and stop["meterStop"] > start["meterStart"]
        assert power_w(station, 2) > 0  # nothing the firmware can do: a person must come
        station.control("switch 2 ok")
        station.control("unplug 2")
        station.control("plug 2")
        station.control("tap CARD-WELD")  # latched: no new session until a restart
        wait_until(lambda: power_w(station, 2) == 0, 5, "the current stopped")
        assert len(cs.requests("StartTransaction")) == 1
        assert cs.statuses(2)[-1] == ("Faulted", "PowerSwitchFailure")
        assert cs.run(link.call(call.Reset(type="Soft"))).status == "Accepted"
        cs.wait_status(2, "Preparing", timeout_s=30)  # the new boot: the EV still plugged
