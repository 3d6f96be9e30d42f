"""Compliance cases of the Smart Charging profile (OCTT TC_056, 057, 058_1, 058_2, 059, 060,
066, 067, 072, 082), the station running as on a board (see host_tests/tc.py), and the
power stage following the limits. Cases alternate between amperes and watts, as the tool is
configured with one or the other; the TC_066 composite is checked in both."""
import calendar
import time

import pytest
from ocpp.v16 import call
from sc_fakes import profile, scale
from tc import CentralThread, booted, charging, tc_station, wait_until

DEVIATION_S = 2  # <Configured max time deviation>: schedules start this long before now
NOMINAL_V = 400  # the sim board's connectors before current flows
RATING_W = 240000  # the sim board's station and each connector


def unix(text):
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


def set_profile(cs, link, connector_id, body):
    return cs.run(link.call(call.SetChargingProfile(
        connector_id=connector_id, cs_charging_profiles=body))).status


def composite(cs, link, connector_id, duration, unit):
    answer = cs.run(link.call(call.GetCompositeSchedule(
        connector_id=connector_id, duration=duration, charging_rate_unit=unit)))
    assert answer.status == "Accepted" and answer.connector_id == connector_id
    schedule = answer.charging_schedule  # the `ocpp` package's snake_case names
    assert schedule["charging_rate_unit"] == unit and schedule["duration"] == duration
    assert abs(unix(answer.schedule_start) - time.time()) <= DEVIATION_S + 1
    # Errata 3.57: the composite's chargingSchedule has no startSchedule of its own;
    # scheduleStart is where it starts (what the tool's "startSchedule" check reads).
    assert "start_schedule" not in schedule
    return unix(answer.schedule_start), [(p["start_period"], p["limit"])
                                         for p in schedule["charging_schedule_period"]]


def expected(origin_s, start_s, unit, periods):
    """[(startPeriod, limit)] of a composite starting at `start_s` whose changes fall at
    origin_s + offset (the first at once)."""
    return [(max(origin_s + offset - start_s, 0), scale(unit, limit)) for offset, limit in periods]


def transaction_id_on(cs, connector_id):
    starts = {f[1] for f in cs.frames("<-") if f[0] == 2 and f[2] == "StartTransaction"
              and f[3]["connectorId"] == connector_id}
    return wait_until(lambda: [f[2]["transactionId"] for f in cs.frames("->")
                               if f[0] == 3 and f[1] in starts], 10, "the transactionId")[-1]


def limit_w(station, connector_id):
    return station.control("status")["connectors"][connector_id]["limitW"]


def supported(cs, link):
    keys = {k["key"]: k for k in cs.run(link.call(call.GetConfiguration())).configuration_key}
    assert "SmartCharging" in keys["SupportedFeatureProfiles"]["value"].split(",")
    assert keys["ChargingScheduleAllowedChargingRateUnit"]["value"] == "Current,Power"
    assert int(keys["MaxChargingProfilesInstalled"]["value"]) >= 3
    assert int(keys["ChargingScheduleMaxPeriods"]["value"]) >= 5
    return keys


def test_TC_056_tx_default_profile(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        supported(cs, link)
        origin = int(time.time()) - DEVIATION_S
        assert set_profile(cs, link, 1, profile(1, "TxDefaultProfile", 0, [(0, 6)], unit="W",
                                                duration=300, start_s=origin)) == "Accepted"
        # Past the profile's duration only the connector's rating limits it.
        start, periods = composite(cs, link, 1, 300, "W")
        assert periods == expected(origin, start, "W", [(0, 6), (300, RATING_W // 1000)])
        # A new transaction takes it: the output is told 6000 W.
        charging(cs, station, 1)
        assert limit_w(station, 1) == 6000


def test_TC_057_tx_profile(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        charging(cs, station, 1)
        transaction_id = transaction_id_on(cs, 1)
        origin = int(time.time()) - DEVIATION_S
        assert set_profile(cs, link, 1, profile(
            2, "TxProfile", 0, [(0, 6)], unit="A", duration=600, start_s=origin,
            transaction_id=transaction_id)) == "Accepted"
        assert composite(cs, link, 1, 300, "A")[1] == [(0, 6)]
        # 6 A at the connector's voltage, which the output is told at once.
        assert 0 < limit_w(station, 1) < 6 * 1000


def test_TC_058_1_tx_profile_without_a_transaction_is_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        assert set_profile(cs, link, 1, profile(3, "TxProfile", 0, [(0, 6)], duration=300,
                                                transaction_id=1)) == "Rejected"
        assert composite(cs, link, 1, 60, "A")[1] == [(0, RATING_W // NOMINAL_V)]
        assert station.alive


def test_TC_058_2_tx_profile_for_another_transaction_is_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        charging(cs, station, 1)
        transaction_id = transaction_id_on(cs, 1)
        assert set_profile(cs, link, 1, profile(4, "TxProfile", 0, [(0, 6)], duration=300,
                                                transaction_id=transaction_id + 1)) == "Rejected"
        assert limit_w(station, 1) is None


def test_TC_082_tx_default_profile_with_ongoing_transaction(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        charging(cs, station, 2)
        assert limit_w(station, 2) is None
        origin = int(time.time()) - DEVIATION_S
        assert set_profile(cs, link, 2, profile(5, "TxDefaultProfile", 0, [(0, 6)], unit="W",
                                                duration=300, start_s=origin)) == "Accepted"
        start, periods = composite(cs, link, 2, 300, "W")
        assert periods == expected(origin, start, "W", [(0, 6), (300, RATING_W // 1000)])
        # Errata 3.8: the running transaction switches to the new default at once.
        assert limit_w(station, 2) == 6000
        wait_until(lambda: station.control("status")["connectors"][2]["powerW"] <= 6000, 3,
                   "the power stage at the limit")


@pytest.mark.parametrize("unit", ["A", "W"])
def test_TC_066_get_composite_schedule(unit, starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        charging(cs, station, 1)
        transaction_id = transaction_id_on(cs, 1)
        origin = int(time.time()) - DEVIATION_S
        window = (origin, origin + 401)
        assert set_profile(cs, link, 0, profile(
            11, "ChargePointMaxProfile", 0, [(0, 10)], unit, 86400, origin)) == "Accepted"
        assert set_profile(cs, link, 1, profile(
            12, "TxDefaultProfile", 0, [(0, 6), (60, 10), (120, 8), (180, 15), (260, 8)], unit,
            300, origin, window)) == "Accepted"
        assert set_profile(cs, link, 1, profile(
            13, "TxProfile", 0, [(0, 8), (50, 11), (140, 16), (200, 6), (240, 12)], unit, 260,
            origin, window, transaction_id=transaction_id)) == "Accepted"
        start, periods = composite(cs, link, 1, 400, unit)
        assert periods == expected(origin, start, unit, [(0, 8), (50, 10), (200, 6), (240, 10)])


def test_TC_067_clear_charging_profile(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        origin = int(time.time()) - DEVIATION_S
        window = (origin, origin + 401)
        assert set_profile(cs, link, 1, profile(
            21, "TxDefaultProfile", 1, [(0, 6), (60, 8), (200, 10)], "A", 400,
            origin)) == "Accepted"
        assert set_profile(cs, link, 1, profile(
            22, "TxDefaultProfile", 0, [(0, 7), (100, 9)], "A", 400, origin,
            window)) == "Accepted"
        assert set_profile(cs, link, 0, profile(
            23, "ChargePointMaxProfile", 0, [(0, 11), (200, 12)], "A", 86400, origin,
            window)) == "Accepted"

        def clear(**fields):
            return cs.run(link.call(call.ClearChargingProfile(**fields))).status

        assert clear(id=21) == "Accepted"
        start, periods = composite(cs, link, 1, 350, "A")
        assert periods == expected(origin, start, "A", [(0, 7), (100, 9)])
        assert clear(charging_profile_purpose="TxDefaultProfile", stack_level=0) == "Accepted"
        start, periods = composite(cs, link, 1, 350, "A")
        assert periods == expected(origin, start, "A", [(0, 11), (200, 12)])
        assert clear() == "Accepted"
        assert composite(cs, link, 1, 350, "A")[1] == [(0, RATING_W // NOMINAL_V)]
        assert clear() == "Unknown"  # nothing left to clear
        assert station.alive


def test_TC_072_stacking_charging_profiles(starter=tc_station):
    with CentralThread() as cs, starter(cs):
        link = booted(cs)
        origin = int(time.time()) - DEVIATION_S
        window = (origin, origin + 401)
        assert set_profile(cs, link, 1, profile(
            31, "TxDefaultProfile", 0, [(0, 6), (100, 8), (200, 10)], "W", 400, origin,
            window)) == "Accepted"
        assert set_profile(cs, link, 1, profile(
            32, "TxDefaultProfile", 1, [(0, 7), (100, 9)], "W", 150, origin,
            window)) == "Accepted"
        start, periods = composite(cs, link, 1, 350, "W")
        assert periods == expected(origin, start, "W", [(0, 7), (100, 9), (150, 8), (200, 10)])


def test_TC_059_remote_start_transaction_with_charging_profile(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        tx_profile = profile(41, "TxProfile", 0, [(0, 6), (120, 10)], "A", 300,
                             kind="Relative")
        assert cs.run(link.call(call.RemoteStartTransaction(
            id_tag="CARD-0001", connector_id=1, charging_profile=tx_profile))).status \
            == "Accepted"
        cs.wait_status(1, "Charging")
        start, periods = composite(cs, link, 1, 200, "A")
        # Relative: from the transaction's start, a second or so before the request.
        began = unix(cs.requests("StartTransaction")[-1]["timestamp"])
        assert periods == expected(began, start, "A", [(0, 6), (120, 10)])
        assert 0 < limit_w(station, 1) < 6 * 1000
        # The profile ends with its transaction (section 7.10).
        station.control("tap CARD-0001")
        cs.wait_status(1, "Finishing")
        # Only the rating limits it now; in amperes at the nominal voltage once the current
        # read has stopped (an emulated board's reads lag its power stage a moment).
        wait_until(lambda: composite(cs, link, 1, 300, "A")[1] ==
                   [(0, RATING_W // NOMINAL_V)], 5, "the rating's composite in A")


def test_TC_060_remote_start_with_a_profile_not_tx_profile_is_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        not_tx = profile(51, "TxDefaultProfile", 0, [(0, 6)], "A", 300, kind="Relative")
        assert cs.run(link.call(call.RemoteStartTransaction(
            id_tag="CARD-0001", connector_id=1, charging_profile=not_tx))).status == "Rejected"
        time.sleep(1)
        assert not cs.requests("StartTransaction")
