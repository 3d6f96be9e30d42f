"""Malformed and refused SetChargingProfile, GetCompositeSchedule and ClearChargingProfile
requests, sent as raw frames by the Central System: each gets the CALLERROR code OCPP-J and
the errata give (3.24, 3.38, 3.39) or the answer docs/smart_charging.md gives, nothing
installed or removed changes a composite schedule, and the session under way charges on.
And the longest composite schedules asked of the most profiles the station holds, which a
board's heap must answer too. The station runs as on a board (host_tests/tc.py)."""
import json
import time

from sc_fakes import hourly_days, profile, spoil
from tc import CentralThread, booted, charging, tc_station, wait_until
from test_bad_input import answer_to
from test_tc_smart_charging import composite, set_profile

CP_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX_PROFILE = "TxProfile"
REJECTED = {"status": "Rejected"}
UNKNOWN = {"status": "Unknown"}
# Installed before the bad input, limits that do not change with time: a composite asked
# later is the same as one asked before. On connector 1, which charges: 16 A; connector 2
# gets connector 0's default, 10 A; the station may take 32 A.
BASELINE = [(0, profile(1, CP_MAX, 0, [(0, 32)])),
            (0, profile(2, TX_DEFAULT, 0, [(0, 10)])),
            (1, profile(3, TX_DEFAULT, 0, [(0, 16)]))]
COMPOSITES = {0: [(0, 32)], 1: [(0, 16)], 2: [(0, 10)]}
MAX_PROFILES = 8  # MaxChargingProfilesInstalled


def good():
    """A valid TxDefaultProfile for connector 2, to spoil one field at a time."""
    return profile(9, TX_DEFAULT, 3, [(0, 6), (60, 8)], duration=600)


def spoiled(value, *path):
    """good() with the field at `path` set to `value`, or removed when `value` is None."""
    return spoil(good(), value, *path)


def period(index, field):
    return ("chargingSchedule", "chargingSchedulePeriod", index, field)


def set_on(connector_id, body):
    return {"connectorId": connector_id, "csChargingProfiles": body}


# (action, payload, the CALLERROR code or the answer expected)
CASES = [
    # What the schema refuses: the RPC layer's codes.
    ("SetChargingProfile", set_on("2", good()), "TypeConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled("3", "stackLevel")), "TypeConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled("6", *period(0, "limit"))),
     "TypeConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled({"startPeriod": 0, "limit": 6},
                                             "chargingSchedule", "chargingSchedulePeriod")),
     "TypeConstraintViolation"),
    ("SetChargingProfile", {"connectorId": 2}, "OccurenceConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled(None, "chargingSchedule")),
     "OccurenceConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled(None, "chargingSchedule", "chargingRateUnit")),
     "OccurenceConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled(None, *period(1, "limit"))),
     "OccurenceConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled("X", "chargingSchedule", "chargingRateUnit")),
     "PropertyConstraintViolation"),  # errata 3.38
    ("SetChargingProfile", set_on(2, spoiled("MaxProfile", "chargingProfilePurpose")),
     "PropertyConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled("Sometimes", "chargingProfileKind")),
     "PropertyConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled("Monthly", "recurrencyKind")),
     "PropertyConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled(6.25, *period(0, "limit"))),
     "PropertyConstraintViolation"),  # one decimal at most
    ("SetChargingProfile", set_on(2, spoiled("soon", "chargingSchedule", "startSchedule")),
     "PropertyConstraintViolation"),
    ("SetChargingProfile", set_on(2, spoiled(1, "chargingSchedule", "priority")),
     "FormationViolation"),
    # A connector the station does not have (errata 3.39).
    ("SetChargingProfile", set_on(99, good()), "PropertyConstraintViolation"),
    ("SetChargingProfile", set_on(-1, good()), "PropertyConstraintViolation"),
    # What the station refuses (docs/smart_charging.md, Rejected).
    ("SetChargingProfile", set_on(2, spoiled(0, *period(1, "startPeriod"))), REJECTED),
    # The schema has no minItems for the periods: refused by the station, not the RPC layer.
    ("SetChargingProfile", set_on(2, spoiled([], "chargingSchedule", "chargingSchedulePeriod")),
     REJECTED),
    ("SetChargingProfile", set_on(2, profile(9, TX_DEFAULT, 3, [(0, 6), (60, 7), (30, 8)])),
     REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(10, *period(0, "startPeriod"))), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(-6, *period(1, "limit"))), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(-1, "chargingSchedule", "minChargingRate")),
     REJECTED),
    ("SetChargingProfile", set_on(2, profile(9, TX_DEFAULT, 3, [(60 * i, 6) for i in range(25)])),
     REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(9, "stackLevel")), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(-1, "stackLevel")), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(0, "chargingSchedule", "duration")), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled(4, *period(0, "numberPhases"))), REJECTED),
    ("SetChargingProfile", set_on(1, profile(9, CP_MAX, 3, [(0, 6)])), REJECTED),
    ("SetChargingProfile", set_on(2, profile(9, TX_PROFILE, 3, [(0, 6)])), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled("Daily", "recurrencyKind")), REJECTED),
    ("SetChargingProfile", set_on(2, spoiled("Recurring", "chargingProfileKind")), REJECTED),
    # The same id as an installed profile: were it taken, it would replace that one.
    ("SetChargingProfile", set_on(0, profile(1, CP_MAX, 0, [(0, 32), (10, -1)])), REJECTED),
    ("GetCompositeSchedule", {"connectorId": 1, "duration": 60, "chargingRateUnit": "X"},
     "PropertyConstraintViolation"),  # errata 3.24
    ("GetCompositeSchedule", {"connectorId": 1, "duration": "60"}, "TypeConstraintViolation"),
    ("GetCompositeSchedule", {"connectorId": 1}, "OccurenceConstraintViolation"),
    ("GetCompositeSchedule", {"connectorId": 1, "duration": 60, "unit": "A"},
     "FormationViolation"),
    ("GetCompositeSchedule", {"connectorId": 99, "duration": 60}, REJECTED),
    ("GetCompositeSchedule", {"connectorId": 1, "duration": 0}, REJECTED),
    ("ClearChargingProfile", {"id": "1"}, "TypeConstraintViolation"),
    ("ClearChargingProfile", {"chargingProfilePurpose": "All"}, "PropertyConstraintViolation"),
    ("ClearChargingProfile", {"everything": True}, "FormationViolation"),
    ("ClearChargingProfile", {"id": 99}, UNKNOWN),
    # Errata 3.25: every field must match; no profile is connector 2's ChargePointMaxProfile.
    ("ClearChargingProfile", {"connectorId": 2, "chargingProfilePurpose": CP_MAX}, UNKNOWN),
    ("ClearChargingProfile", {"connectorId": 1, "stackLevel": 5}, UNKNOWN),
]


def send(cs, link, message_id, action, payload):
    """The station's answer (a CALLRESULT or CALLERROR frame) to a raw CALL."""
    cs.run(link._connection.send(json.dumps([2, message_id, action, payload])))
    return wait_until(lambda: answer_to(cs, message_id), 10, "the answer to " + message_id)


def answered_as(frame, expected):
    if isinstance(expected, str):
        return frame[0] == 4 and frame[2] == expected
    return frame[0] == 3 and frame[2] == expected


def composites(cs, link):
    return {connector_id: composite(cs, link, connector_id, 600, "A")[1]
            for connector_id in COMPOSITES}


def test_bad_charging_profile_requests_change_nothing_and_charging_goes_on():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        charging(cs, station, 1, tag="CARD-SC1")
        for connector_id, body in BASELINE:
            assert set_profile(cs, link, connector_id, body) == "Accepted"
        assert composites(cs, link) == COMPOSITES
        wrong = []
        for number, (action, payload, expected) in enumerate(CASES):
            frame = send(cs, link, "sc%d" % number, action, payload)
            if not answered_as(frame, expected):
                wrong.append((action, payload, frame))
        assert wrong == [], "\n".join(map(str, wrong))
        assert composites(cs, link) == COMPOSITES
        # MaxChargingProfilesInstalled: the installation of one more is Rejected. These do
        # not count before next year.
        later = (4102444800, 4102448400)  # 2100-01-01
        for level in range(1, 1 + MAX_PROFILES - len(BASELINE)):
            assert set_profile(cs, link, 2, profile(10 + level, TX_DEFAULT, level, [(0, 1)],
                                                    valid_s=later)) == "Accepted"
        frame = send(cs, link, "sc-full", "SetChargingProfile",
                     set_on(0, profile(20, CP_MAX, 1, [(0, 1)])))
        assert answered_as(frame, REJECTED), frame
        assert composites(cs, link) == COMPOSITES
        # The session charged on at connector 1's limit: 16 A at its voltage.
        status = station.control("status")["connectors"][1]
        assert status["status"] == "Charging" and 0 < status["limitW"] <= 16 * 1000
        wait_until(lambda: 0 < station.control("status")["connectors"][1]["powerW"]
                   <= station.control("status")["connectors"][1]["limitW"], 5,
                   "energy flowing within the limit")
        assert cs.requests("StopTransaction") == []
        assert station.alive


def test_composites_of_a_month_and_of_68_years_fit_a_boards_heap():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        charging(cs, station, 1, tag="CARD-SC2")
        for connector_id, body in hourly_days(MAX_PROFILES, int(time.time()) - 86400):
            assert set_profile(cs, link, connector_id, body) == "Accepted"
        for number, duration in enumerate((30 * 86400, 2147483647)):
            frame = send(cs, link, "long%d" % number, "GetCompositeSchedule",
                         {"connectorId": 1, "duration": duration})
            assert frame[0] == 3 and frame[2]["status"] == "Accepted", frame
            schedule = frame[2]["chargingSchedule"]
            # The first 48 periods, the schedule ending where the 49th would begin.
            assert len(schedule["chargingSchedulePeriod"]) == 48
            assert schedule["chargingSchedulePeriod"][-1]["startPeriod"] < \
                schedule["duration"] < duration
        assert not [p for p in cs.requests("SecurityEventNotification")
                    if p["type"] == "MemoryExhaustion"]
        assert station.control("status")["connectors"][1]["status"] == "Charging"
        assert station.alive
