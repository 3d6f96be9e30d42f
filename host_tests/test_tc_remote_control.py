"""Compliance cases of the Central System's remote control of the Core profile (OCTT
TC_013..TC_016 reset, TC_017_2/TC_018_2/TC_030/TC_031 unlock, TC_019/TC_021/TC_040_x
configuration, TC_034 power failure while Unavailable, TC_041 fault, TC_062 data transfer)
and ChangeAvailability, the station running as on a board (see host_tests/tc.py).
"""
import json
import time

import pytest

from tc import CentralThread, booted, call, restarted, tc_station, wait_until

# OCTT TC_019 step 4: the required Core keys and their accessibility.
CORE_KEYS_RW = (
    "ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation",
    "HeartbeatInterval", "LocalAuthorizeOffline", "LocalPreAuthorize", "MeterValuesAlignedData",
    "MeterValuesSampledData", "MeterValueSampleInterval", "ResetRetries",
    "StopTransactionOnInvalidId", "StopTxnAlignedData", "StopTxnSampledData",
    "TransactionMessageAttempts", "TransactionMessageRetryInterval")
CORE_KEYS_R = ("GetConfigurationMaxKeys", "NumberOfConnectors", "SupportedFeatureProfiles")
CORE_KEYS_R_OR_RW = ("AuthorizeRemoteTxRequests", "UnlockConnectorOnEVSideDisconnect")
# How long TC_041 waits, once the tap was read, to see that no transaction starts.
NO_TRANSACTION_S = 1.5


def ask(cs, link, request):
    return cs.run(link.call(request, suppress=False))


def statuses_after_boot(cs, boot_number, count=3):
    """The StatusNotifications sent after the `boot_number`-th BootNotification."""
    def after():
        seen = 0
        found = []
        for frame in cs.frames("<-"):
            if frame[0] != 2:
                continue
            if frame[2] == "BootNotification":
                seen += 1
            elif frame[2] == "StatusNotification" and seen >= boot_number:
                found.append(frame[3])
        return found if len(found) >= count else None
    return wait_until(after, 30, "status notifications after boot %d" % boot_number)


def start_charging(cs, station, connector_id, tag):
    station.control("plug %d" % connector_id)
    cs.wait_status(connector_id, "Preparing")
    station.control("tap " + tag)
    cs.wait_status(connector_id, "Charging")
    return wait_until(lambda: cs.requests("StartTransaction"), 5, "StartTransaction")[-1]


# ---- Reset ------------------------------------------------------------------------------

# Errata 3.36: a hard reset restarts all the hardware and need not stop transactions
# first; a soft one stops them gracefully, sends StopTransaction, then restarts the
# application. The sim board says which it was told to do.
HARD_LINE = "board: hard reset, all the hardware restarts"
SOFT_LINE = "board: soft reset, the application restarts"


def reset_without_transaction(kind, starter=tc_station):
    """TC_013 / TC_014: Inoperative, Reset, the connector is still Unavailable after the
    reboot, Operative again. Returns the station's output lines."""
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert ask(cs, link, call.ChangeAvailability(connector_id=1, type="Inoperative")) \
            .status == "Accepted"
        cs.wait_status(1, "Unavailable")
        assert ask(cs, link, call.Reset(type=kind)).status == "Accepted"
        after = statuses_after_boot(cs, 2)
        assert len(cs.requests("BootNotification")) == 2
        assert sorted((p["connectorId"], p["status"]) for p in after[:3]) == \
            [(0, "Available"), (1, "Unavailable"), (2, "Available")]
        link = cs.link("CP001")
        assert ask(cs, link, call.ChangeAvailability(connector_id=1, type="Operative")) \
            .status == "Accepted"
        cs.wait_status(1, "Available")
        assert restarted(station)
        return list(station.lines)


def test_TC_013_hard_reset_without_transaction(starter=tc_station):
    lines = reset_without_transaction("Hard", starter)
    assert HARD_LINE in lines and SOFT_LINE not in lines


def test_TC_014_soft_reset_without_transaction(starter=tc_station):
    lines = reset_without_transaction("Soft", starter)
    assert SOFT_LINE in lines and HARD_LINE not in lines


def reset_with_transaction(kind, reason, starter=tc_station):
    """TC_015 / TC_016: Reset.conf Accepted, StopTransaction with the reset's reason, then a
    new boot with the connector Finishing or Preparing. Returns the traffic in order as
    (direction, frame) and the station's output lines."""
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        booted(cs)
        start_charging(cs, station, 1, "CARD-RESET")
        link = cs.link("CP001")
        assert ask(cs, link, call.Reset(type=kind)).status == "Accepted"
        after = statuses_after_boot(cs, 2)
        wait_until(lambda: cs.answers_to("StopTransaction"), 10, "StopTransaction.conf")
        stops = cs.requests("StopTransaction")
        assert [s["reason"] for s in stops] == [reason]
        assert stops[0]["transactionId"] == \
            cs.answers_to("StartTransaction")[0][2]["transactionId"]
        by_connector = dict((p["connectorId"], p["status"]) for p in after[:3])
        assert by_connector[1] in ("Finishing", "Preparing")
        assert by_connector[0] == by_connector[2] == "Available"
        # Every answer was a CALLRESULT: nothing the station sent failed its schema.
        assert {f[0] for f in cs.frames("->") if f[0] != 2} == {3}
        traffic = [(d, json.loads(text)) for _, d, text, _ in list(cs.central.traffic)]
        return traffic, list(station.lines)


def index_of(traffic, direction, test, start=0):
    """The first such frame's index from `start`, len(traffic) (never) when none is."""
    return next((i for i in range(start, len(traffic))
                 if traffic[i][0] == direction and test(traffic[i][1])), len(traffic))


def is_call(action):
    return lambda frame: frame[0] == 2 and frame[2] == action


def second_boot_at(traffic):
    return index_of(traffic, "<-", is_call("BootNotification"),
                    index_of(traffic, "<-", is_call("BootNotification")) + 1)


def test_TC_015_hard_reset_with_transaction(starter=tc_station):
    traffic, lines = reset_with_transaction("Hard", "HardReset", starter)
    assert HARD_LINE in lines and SOFT_LINE not in lines
    # A hard reset need not stop the transaction first: its StopTransaction goes out before
    # the restart or, if not, only once the new boot was accepted (errata 3.36).
    boot = second_boot_at(traffic)
    stop = index_of(traffic, "<-", is_call("StopTransaction"))
    if stop > boot:
        accepted = index_of(traffic, "->", lambda f: f[0] == 3 and f[1] == traffic[boot][1][1])
        assert traffic[accepted][1][2]["status"] == "Accepted" and accepted < stop


def test_TC_016_soft_reset_with_transaction(starter=tc_station):
    traffic, lines = reset_with_transaction("Soft", "SoftReset", starter)
    assert SOFT_LINE in lines and HARD_LINE not in lines
    # A soft reset stops the transaction gracefully before restarting: StopTransaction sent
    # and answered, then Finishing, all before the new boot (errata 3.36, TC_016 steps 3-5).
    boot = second_boot_at(traffic)
    stop = index_of(traffic, "<-", is_call("StopTransaction"))
    answered = index_of(traffic, "->", lambda f: f[0] == 3 and f[1] == traffic[stop][1][1])
    finishing = index_of(traffic, "<-", lambda f: f[0] == 2 and f[2] == "StatusNotification"
                         and f[3]["status"] == "Finishing", stop)
    assert stop < answered < boot and finishing < boot, traffic


# ---- ChangeAvailability -------------------------------------------------------------------

def test_change_availability_scheduled_while_charging_then_unavailable_after_it():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        start_charging(cs, station, 1, "CARD-SCHED")
        # OCPP 1.6 5.2: a transaction in progress: Scheduled; it goes on meanwhile.
        assert ask(cs, link, call.ChangeAvailability(connector_id=1, type="Inoperative")) \
            .status == "Scheduled"
        time.sleep(0.5)
        assert cs.statuses(1)[-1] == ("Charging", "NoError")
        assert not cs.requests("StopTransaction")
        station.control("tap CARD-SCHED")  # the driver stops: C8, straight to Unavailable
        cs.wait_status(1, "Unavailable")
        assert cs.requests("StopTransaction")[0]["reason"] == "Local"
        station.control("tap CARD-SCHED")  # still plugged, but Unavailable: no new session
        # The tap was read and refused before the window opens.
        station.wait_for_line("auth: CARD-SCHED refused, the EV at connector 1 cannot charge")
        time.sleep(1)
        assert len(cs.requests("StartTransaction")) == 1
        assert ask(cs, link, call.ChangeAvailability(connector_id=1, type="Operative")) \
            .status == "Accepted"
        cs.wait_status(1, "Preparing")  # H2: the EV is still at the cable
        assert cs.statuses(0) == [("Available", "NoError")]


def test_change_availability_preparing_and_unknown_connector():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        assert ask(cs, link, call.ChangeAvailability(connector_id=3, type="Inoperative")) \
            .status == "Rejected"
        station.control("plug 2")
        cs.wait_status(2, "Preparing")
        assert ask(cs, link, call.ChangeAvailability(connector_id=2, type="Inoperative")) \
            .status == "Accepted"
        cs.wait_status(2, "Unavailable")
        # 4.9 has no Preparing -> Unavailable: the incipient session ends (B1), then A8.
        assert cs.statuses(2)[-3:] == [("Preparing", "NoError"), ("Available", "NoError"),
                                       ("Unavailable", "NoError")]
        assert ask(cs, link, call.ChangeAvailability(connector_id=2, type="Inoperative")) \
            .status == "Accepted"  # already so
        assert cs.statuses(1) == [("Available", "NoError")]


def test_TC_034_power_failure_with_unavailable_status(tmp_path, starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs:
        with starter(cs, state=tmp_path) as station:
            link = booted(cs)
            assert ask(cs, link, call.ChangeAvailability(connector_id=0, type="Inoperative")) \
                .status == "Accepted"
            for connector_id in (0, 1, 2):
                cs.wait_status(connector_id, "Unavailable")
            try:
                station.control("power off")
            except (OSError, ValueError):  # gone before it could answer
                pass
            station.process.wait(5)
        with starter(cs, state=tmp_path):
            after = statuses_after_boot(cs, 2)
            assert sorted((p["connectorId"], p["status"]) for p in after[:3]) == \
                [(0, "Unavailable"), (1, "Unavailable"), (2, "Unavailable")]
            link = cs.link("CP001")
            assert ask(cs, link, call.ChangeAvailability(connector_id=0, type="Operative")) \
                .status == "Accepted"
            for connector_id in (0, 1, 2):
                cs.wait_status(connector_id, "Available")


# ---- Fault ------------------------------------------------------------------------------

def test_TC_041_fault_behavior(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        booted(cs)
        station.control("fault 1 GroundFailure")
        cs.wait_status(1, "Faulted", "GroundFailure")
        station.control("plug 1")  # the driver tries to start a transaction
        wait_until(lambda: station.control("status")["connectors"][1]["plugged"], 5, "plugged")
        station.control("tap CARD-FAULT")
        # The tap was read and refused before the window opens.
        station.wait_for_line("auth: CARD-FAULT refused, the EV at connector 1 cannot charge")
        time.sleep(NO_TRANSACTION_S)
        assert not cs.requests("StartTransaction")
        assert cs.statuses(1)[-1] == ("Faulted", "GroundFailure")
        station.control("unplug 1")
        station.control("clear 1")
        cs.wait_status(1, "Available")  # I1: back to the pre-fault status


def test_TC_041_fault_while_charging_returns_to_charging(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        booted(cs)
        start_charging(cs, station, 2, "CARD-FAULT2")
        station.control("fault 2 OverVoltage")
        cs.wait_status(2, "Faulted", "OverVoltage")  # C9
        station.control("clear 2")
        cs.wait_status(2, "Charging")  # I3: the transaction went on
        assert not cs.requests("StopTransaction")


# ---- One station for the cases that leave it as they found it ------------------------

@pytest.fixture(scope="module")
def station_cs():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        booted(cs)
        yield station, cs


def test_TC_017_2_unlock_connector_fixed_cable_no_session(station_cs):
    station, cs = station_cs
    link = cs.link("CP001")
    for connector_id in (1, 2):
        assert ask(cs, link, call.UnlockConnector(connector_id=connector_id)).status == \
            "NotSupported"


def test_TC_018_2_unlock_connector_fixed_cable_with_session(station_cs):
    station, cs = station_cs
    stops = len(cs.requests("StopTransaction"))
    start_charging(cs, station, 1, "CARD-UNLOCK")
    link = cs.link("CP001")
    assert ask(cs, link, call.UnlockConnector(connector_id=1)).status == "NotSupported"
    time.sleep(0.5)
    assert len(cs.requests("StopTransaction")) == stops  # the session goes on
    assert cs.statuses(1)[-1] == ("Charging", "NoError")
    station.control("tap CARD-UNLOCK")
    cs.wait_status(1, "Finishing")
    station.control("unplug 1")
    cs.wait_status(1, "Available")


def test_TC_030_no_unlock_failure_without_a_lock(station_cs):
    # TC_030 needs a lock that can fail; a fixed cable has none, so the answer stays
    # NotSupported, never UnlockFailed (errata 3.87), even with a lock fault reported.
    station, cs = station_cs
    station.control("fault 2 ConnectorLockFailure")
    cs.wait_status(2, "Faulted", "ConnectorLockFailure")
    link = cs.link("CP001")
    assert ask(cs, link, call.UnlockConnector(connector_id=2)).status == "NotSupported"
    station.control("clear 2")
    cs.wait_status(2, "Available")


def test_TC_031_unlock_unknown_connector(station_cs):
    station, cs = station_cs
    link = cs.link("CP001")
    assert ask(cs, link, call.UnlockConnector(connector_id=3)).status == "NotSupported"


def test_TC_019_retrieve_configuration(starter=tc_station):
    # A fresh station: after a charging session the full listing does not fit the 256k
    # test heap today (MemoryError building the answer; see the notes).
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs):
        link = booted(cs)
        profiles = ask(cs, link, call.GetConfiguration(key=["SupportedFeatureProfiles"]))
        assert not profiles.unknown_key
        assert [k["key"] for k in profiles.configuration_key] == ["SupportedFeatureProfiles"]
        assert "Core" in profiles.configuration_key[0]["value"].split(",")
        listing = ask(cs, link, call.GetConfiguration())
        access = dict((k["key"], k["readonly"]) for k in listing.configuration_key)
        for key in CORE_KEYS_RW + CORE_KEYS_R + CORE_KEYS_R_OR_RW:
            if key in access and key not in CORE_KEYS_R_OR_RW:
                assert access[key] is (key in CORE_KEYS_R), key
        assert "AuthorizationKey" not in access  # OCPP-J 1.6: never given back
        max_keys = ask(cs, link, call.GetConfiguration(key=["GetConfigurationMaxKeys"]))
        assert max_keys.configuration_key == [{"key": "GetConfigurationMaxKeys",
                                               "readonly": True, "value": "21"}]
        names = sorted(access)[:min(21, len(access))]
        picked = ask(cs, link, call.GetConfiguration(key=names))
        assert not picked.unknown_key
        assert sorted(k["key"] for k in picked.configuration_key) == names
        # More than GetConfigurationMaxKeys: refused as a violated occurrence bound.
        refused = cs.run(link.call(call.GetConfiguration(key=sorted(access) + ["X"] * 22),
                                   suppress=True))
        assert refused is None
        errors = [f for f in cs.frames("<-") if f[0] == 4]
        assert errors[-1][2] == "OccurenceConstraintViolation"


def test_TC_019_every_required_core_key_with_its_accessibility(station_cs):
    station, cs = station_cs
    listing = ask(cs, cs.link("CP001"), call.GetConfiguration(key=list(
        CORE_KEYS_RW[:11])))
    listing2 = ask(cs, cs.link("CP001"), call.GetConfiguration(key=list(
        CORE_KEYS_RW[11:] + CORE_KEYS_R + CORE_KEYS_R_OR_RW)))
    access = dict((k["key"], k["readonly"])
                  for k in listing.configuration_key + listing2.configuration_key)
    for key in CORE_KEYS_RW:
        assert access.get(key) is False, key
    for key in CORE_KEYS_R:
        assert access.get(key) is True, key
    for key in CORE_KEYS_R_OR_RW:
        assert key in access, key


def test_TC_021_change_configuration(station_cs):
    station, cs = station_cs
    link = cs.link("CP001")
    assert ask(cs, link, call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                  value="15")).status == "Accepted"
    got = ask(cs, link, call.GetConfiguration(key=["MeterValueSampleInterval"]))
    assert got.configuration_key == [{"key": "MeterValueSampleInterval", "readonly": False,
                                      "value": "15"}]


def test_TC_040_1_configuration_key_not_supported(station_cs):
    station, cs = station_cs
    link = cs.link("CP001")
    assert ask(cs, link, call.ChangeConfiguration(key="Testing", value="true")).status == \
        "NotSupported"


def test_TC_040_2_configuration_key_invalid_value(station_cs):
    station, cs = station_cs
    link = cs.link("CP001")
    before = ask(cs, link, call.GetConfiguration(key=["MeterValueSampleInterval"]))
    assert ask(cs, link, call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                  value="-1")).status == "Rejected"
    after = ask(cs, link, call.GetConfiguration(key=["MeterValueSampleInterval"]))
    assert after.configuration_key == before.configuration_key


def test_TC_062_data_transfer_to_the_charge_point(station_cs):
    station, cs = station_cs
    link = cs.link("CP001")
    answer = ask(cs, link, call.DataTransfer(vendor_id="com.example.unknown",
                                             message_id="Hello", data="{}"))
    assert answer.status == "UnknownVendorId" and answer.data is None
