# The Smart Charging profile's pieces against docs/smart_charging.md: what records.record
# refuses, ClearChargingProfile's matching (errata 3.25, 3.26), replacement (5.16.3), the
# records kept in flash, the sharing of a ChargePointMaxProfile, the OCTT composites TC_066,
# TC_067 and TC_072 worked out in process, and the profiles' life on a station: the bound,
# flash, reboots (errata 3.37), transactions ending (7.10), damaged files.
import json

from firmware.smart_charging import PROFILES_FILE, SmartCharging
from firmware.smart_charging import records
from firmware.smart_charging.records import Refused, cleared_by, from_stored, record, \
    replaces
from firmware.smart_charging.requests import clear_profiles, composite_schedule, set_profile
from firmware.smart_charging.schedule import water_fill
from ocppj.errors import PropertyConstraintViolation
from sc_fakes import MAX_PERIODS, MAX_PROFILES, MAX_STACK_LEVEL, Board, Io, Station, \
    Transaction, hourly_days, profile, scale, spoil, state_folder

NOW = 1795593600  # 2026-11-25T08:00:00Z
DAY_S = 86400
CP_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX_PROFILE = "TxProfile"
NOMINAL_V = 400  # a connector that states none, before current flows
RATING_W = 240000  # the stand-in board's, as the sim board's


# ---- records.record ------------------------------------------------------------------------

def good():
    """A valid TxDefaultProfile for connector 1, to spoil one field at a time."""
    return profile(7, TX_DEFAULT, 1, [(0, 16), (60, 10)], duration=300, start_s=NOW,
                   valid_s=(NOW - 60, NOW + 600))


def spoiled(value, *path):
    """good() with the field at `path` set to `value`, or removed when `value` is None."""
    return spoil(good(), value, *path)


def recorded(body, connector_id=1, transaction_id=None):
    return record(body, connector_id, NOW, MAX_STACK_LEVEL, MAX_PERIODS, transaction_id)


def refused(body, connector_id=1, transaction_id=None):
    try:
        recorded(body, connector_id, transaction_id)
    except Refused:
        return True
    return False


def period(index, field):
    return ("chargingSchedule", "chargingSchedulePeriod", index, field)


def test_a_valid_profile_is_recorded_in_tenths_and_unix_seconds():
    body = good()
    body["chargingSchedule"]["minChargingRate"] = 6.5
    body["chargingSchedule"]["chargingSchedulePeriod"][1]["limit"] = 8.1
    r = recorded(body)
    assert (r[records.ID], r[records.CONNECTOR], r[records.PURPOSE], r[records.STACK]) == \
        (7, 1, TX_DEFAULT, 1)
    assert (r[records.TX], r[records.KIND], r[records.RECURRENCY]) == (None, "Absolute", None)
    assert (r[records.VALID_FROM], r[records.VALID_TO]) == (NOW - 60, NOW + 600)
    assert (r[records.START], r[records.DURATION], r[records.UNIT]) == (NOW, 300, "A")
    assert r[records.MIN_RATE] == 65
    assert r[records.PERIODS] == (0, 160, 60, 81)


def test_valid_variants_are_accepted():
    # An Absolute schedule without startSchedule runs from its arrival.
    assert recorded(profile(1, TX_DEFAULT, 0, [(0, 6)]), 0)[records.START] == NOW
    # Date-times with an offset are the same instant (3.15).
    with_offset = spoiled("2026-11-25T09:00:00+01:00", "chargingSchedule", "startSchedule")
    assert recorded(with_offset)[records.START] == NOW
    daily = profile(2, TX_DEFAULT, 0, [(0, 6)], start_s=NOW, kind="Recurring",
                    recurrency="Daily")
    assert recorded(daily, 0)[records.RECURRENCY] == "Daily"
    tx = profile(3, TX_PROFILE, MAX_STACK_LEVEL, [(0, 6)], kind="Relative", transaction_id=5)
    assert recorded(tx, 2, 5)[records.TX] == 5
    assert recorded(profile(4, CP_MAX, 0, [(0, 32)], unit="W"), 0)[records.UNIT] == "W"
    longest = profile(5, TX_DEFAULT, 0, [(60 * i, 10 + i) for i in range(MAX_PERIODS)])
    assert len(recorded(longest, 0)[records.PERIODS]) == 2 * MAX_PERIODS
    assert recorded(spoiled(1, *period(0, "numberPhases")))
    assert recorded(spoiled(3, *period(0, "numberPhases")))
    assert recorded(spoiled(0, *period(0, "limit")))[records.PERIODS][1] == 0


def test_each_rejected_input_is_refused():
    assert not refused(good())  # what the others spoil
    assert refused(profile(1, CP_MAX, 0, [(0, 32)]), connector_id=1)
    assert refused(profile(1, TX_PROFILE, 0, [(0, 32)]), connector_id=0, transaction_id=5)
    assert refused(spoiled(5, "transactionId"))  # a TxDefaultProfile naming a transaction
    assert refused(spoiled(-1, "stackLevel"))
    assert refused(spoiled(MAX_STACK_LEVEL + 1, "stackLevel"))
    assert refused(profile(1, TX_DEFAULT, 0, [(i, 6) for i in range(MAX_PERIODS + 1)]))
    assert refused(spoiled([], "chargingSchedule", "chargingSchedulePeriod"))
    assert refused(spoiled(5, *period(0, "startPeriod")))  # errata 3.45
    assert refused(spoiled(0, *period(1, "startPeriod")))  # the same start twice
    assert refused(profile(1, TX_DEFAULT, 0, [(0, 6), (60, 7), (30, 8)]))
    assert refused(spoiled(-1, *period(1, "limit")))
    assert refused(spoiled(-0.1, "chargingSchedule", "minChargingRate"))
    assert refused(spoiled(0, *period(0, "numberPhases")))
    assert refused(spoiled(4, *period(1, "numberPhases")))
    assert refused(spoiled(0, "chargingSchedule", "duration"))
    assert refused(spoiled(-300, "chargingSchedule", "duration"))
    assert refused(spoiled(good()["validFrom"], "validTo"))  # validTo not after validFrom
    assert refused(spoiled("2026-11-25T07:00:00Z", "validTo"))
    assert refused(spoiled("tomorrow", "chargingSchedule", "startSchedule"))
    assert refused(spoiled("2026-13-01T00:00:00Z", "validFrom"))
    assert refused(spoiled("2026-11-25T25:00:00Z", "validTo"))
    assert refused(spoiled("Daily", "recurrencyKind"))  # without kind Recurring
    assert refused(spoiled("Recurring", "chargingProfileKind"))  # without recurrencyKind
    no_start = spoiled("Recurring", "chargingProfileKind")
    no_start["recurrencyKind"] = "Weekly"
    del no_start["chargingSchedule"]["startSchedule"]
    assert refused(no_start)


# ---- ClearChargingProfile, replacement ---------------------------------------------------

def some_records():
    return [recorded(profile(1, CP_MAX, 0, [(0, 32)]), 0),
            recorded(profile(2, TX_DEFAULT, 0, [(0, 16)]), 0),
            recorded(profile(3, TX_DEFAULT, 0, [(0, 10)]), 1),
            recorded(profile(4, TX_DEFAULT, 1, [(0, 8)]), 1),
            recorded(profile(5, TX_PROFILE, 0, [(0, 6)]), 2, 77)]


def ids_cleared_by(request):
    return [r[records.ID] for r in some_records() if cleared_by(request, r)]


def test_clear_by_id_ignores_the_other_fields():  # errata 3.26
    assert ids_cleared_by({"id": 3}) == [3]
    assert ids_cleared_by({"id": 3, "connectorId": 2, "stackLevel": 5,
                           "chargingProfilePurpose": CP_MAX}) == [3]
    assert ids_cleared_by({"id": 99}) == []


def test_clear_by_fields_matches_all_of_them():  # errata 3.25
    assert ids_cleared_by({"connectorId": 1}) == [3, 4]
    assert ids_cleared_by({"connectorId": 1, "stackLevel": 0}) == [3]
    assert ids_cleared_by({"chargingProfilePurpose": TX_DEFAULT}) == [2, 3, 4]
    assert ids_cleared_by({"chargingProfilePurpose": TX_DEFAULT, "stackLevel": 0,
                           "connectorId": 0}) == [2]
    assert ids_cleared_by({"chargingProfilePurpose": TX_PROFILE, "connectorId": 1}) == []


def test_clear_without_fields_clears_all():
    assert ids_cleared_by({}) == [1, 2, 3, 4, 5]


def test_what_a_new_profile_replaces():  # 5.16.3, 3.13.1
    cp_max, default_0, default_1, default_1_level_1, tx = some_records()
    same_id = recorded(profile(3, CP_MAX, 4, [(0, 20)]), 0)
    assert replaces(same_id, default_1)
    assert not replaces(same_id, cp_max)
    same_level = recorded(profile(9, TX_DEFAULT, 0, [(0, 20)]), 1)
    assert replaces(same_level, default_1)
    assert not replaces(same_level, default_0)  # connector 0's is kept beside it
    assert not replaces(same_level, default_1_level_1)
    assert not replaces(recorded(profile(9, TX_PROFILE, 0, [(0, 20)]), 1, 78), default_1)
    assert not replaces(same_level, tx)


# ---- records in flash ----------------------------------------------------------------------

def stored_form(r):
    """A record as charging_profiles.json keeps it: a list, its periods a list."""
    return json.loads(json.dumps(list(r[:records.PERIODS]) + [list(r[records.PERIODS])]))


def damaged_records():
    """Stored records that read back as JSON but are not what the firmware wrote."""
    good_one = stored_form(recorded(good()))
    damaged = []
    for index, value in ((records.ID, "7"), (records.CONNECTOR, None),
                         (records.PURPOSE, "MaxProfile"), (records.STACK, 1.5),
                         (records.KIND, "Sometimes"), (records.RECURRENCY, "Monthly"),
                         (records.VALID_FROM, "2026-11-25T08:00:00Z"),
                         (records.VALID_TO, [1]), (records.START, None),
                         (records.DURATION, "300"), (records.UNIT, "kW"),
                         (records.MIN_RATE, "6"), (records.TX, {}),
                         (records.PERIODS, [0]), (records.PERIODS, [0, 160, 60]),
                         (records.PERIODS, [0, "160"]), (records.PERIODS, "0,160")):
        fields = list(good_one)
        fields[index] = value
        damaged.append(fields)
    return damaged + [good_one[:-1], good_one + [1], {"id": 7}, "profile", 7, None]


def test_records_read_back_from_their_stored_form():
    for r in some_records() + [recorded(good()), recorded(profile(
            8, TX_DEFAULT, 2, [(0, 6), (3600, 7.5)], unit="W", start_s=NOW,
            kind="Recurring", recurrency="Weekly"), 2)]:
        assert from_stored(stored_form(r)) == r


def test_damaged_records_are_refused():
    for fields in damaged_records():
        try:
            from_stored(fields)
        except ValueError:
            continue
        raise AssertionError("took %r" % (fields,))


# ---- the ChargePointMaxProfile's sharing -------------------------------------------------

def test_water_fill_shares_evenly_and_passes_on_what_a_connector_leaves():
    assert water_fill(300, [None, None, None]) == [100, 100, 100]
    assert water_fill(300, [50, None, None]) == [50, 125, 125]
    assert water_fill(300, [None, 1000, 60]) == [120, 120, 60]
    assert water_fill(300, [40, 50, 400]) == [40, 50, 210]
    assert water_fill(300, [100, 100, 100]) == [100, 100, 100]
    assert water_fill(90, [10, 20, 30]) == [10, 20, 30]  # less needed than there is
    assert water_fill(0, [10, None]) == [0, 0]
    assert water_fill(100, [None]) == [100]
    assert water_fill(100, []) == []
    assert sum(water_fill(100, [None, None, None])) <= 100  # never more than the total


# ---- a station -----------------------------------------------------------------------------

class Rig:
    """SmartCharging on a stand-in station of two connectors (400 V before current flows,
    RATING_W) with flash folder `folder`; `running` {connector id: transactionId}."""

    def __init__(self, folder, running=None, now=NOW):
        self.folder = folder
        self.ios = [Io(1), Io(2)]
        self.station = Station(Board(self.ios, folder, max_power_w=RATING_W), now)
        for connector_id, transaction_id in (running or {}).items():
            self.start(connector_id, transaction_id)
        self.smart = SmartCharging(station=self.station)

    def start(self, connector_id, transaction_id, started_s=NOW - 30, id_tag="TAG"):
        self.station.transactions.running[connector_id] = Transaction(transaction_id,
                                                                      started_s, id_tag)

    def stop(self, connector_id):
        del self.station.transactions.running[connector_id]

    def reboot(self):
        return Rig(self.folder)

    def set(self, connector_id, body):
        return set_profile(self.smart, {"connectorId": connector_id,
                                        "csChargingProfiles": body})["status"]

    def clear(self, **fields):
        return clear_profiles(self.smart, fields)["status"]

    def answer(self, connector_id, duration, unit):
        answer = composite_schedule(self.smart, {"connectorId": connector_id,
                                                 "duration": duration,
                                                 "chargingRateUnit": unit})
        assert answer["status"] == "Accepted"
        return answer

    def composite(self, connector_id, duration, unit):
        return [(p["startPeriod"], p["limit"]) for p in self.answer(
            connector_id, duration, unit)["chargingSchedule"]["chargingSchedulePeriod"]]

    def ids(self):
        return sorted(r[records.ID] for r in self.smart.profiles)

    def stored(self):
        try:
            with open(self.folder + PROFILES_FILE) as f:
                return f.read()
        except OSError:
            return None


def test_TC_066_composite():
    for unit in ("A", "W"):
        rig = Rig(state_folder("tc066" + unit), {1: 101})
        window = (NOW, NOW + 401)
        assert rig.set(0, profile(11, CP_MAX, 0, [(0, 10)], unit, 86400, NOW)) == "Accepted"
        assert rig.set(1, profile(12, TX_DEFAULT, 0, [(0, 6), (60, 10), (120, 8), (180, 15),
                                                      (260, 8)], unit, 300, NOW,
                                  window)) == "Accepted"
        assert rig.set(1, profile(13, TX_PROFILE, 0, [(0, 8), (50, 11), (140, 16), (200, 6),
                                                      (240, 12)], unit, 260, NOW, window,
                                  transaction_id=101)) == "Accepted"
        assert rig.composite(1, 400, unit) == [(0, scale(unit, 8)), (50, scale(unit, 10)),
                                               (200, scale(unit, 6)), (240, scale(unit, 10))]


def test_TC_067_composites_as_profiles_are_cleared():
    rig = Rig(state_folder("tc067"))
    window = (NOW, NOW + 401)
    assert rig.set(1, profile(21, TX_DEFAULT, 1, [(0, 6), (60, 8), (200, 10)], "A", 400,
                              NOW)) == "Accepted"
    assert rig.set(1, profile(22, TX_DEFAULT, 0, [(0, 7), (100, 9)], "A", 400, NOW,
                              window)) == "Accepted"
    assert rig.set(0, profile(23, CP_MAX, 0, [(0, 11), (200, 12)], "A", 86400, NOW,
                              window)) == "Accepted"
    assert rig.composite(1, 350, "A") == [(0, 6), (60, 8), (200, 10)]
    assert rig.clear(id=21) == "Accepted"
    assert rig.composite(1, 350, "A") == [(0, 7), (100, 9)]
    assert rig.clear(chargingProfilePurpose=TX_DEFAULT, stackLevel=0) == "Accepted"
    assert rig.composite(1, 350, "A") == [(0, 11), (200, 12)]
    assert rig.clear() == "Accepted"
    assert rig.composite(1, 350, "A") == [(0, RATING_W // NOMINAL_V)]  # the local limit
    assert rig.clear() == "Unknown"


def test_TC_072_stacked_composite():
    rig = Rig(state_folder("tc072"))
    window = (NOW, NOW + 401)
    assert rig.set(1, profile(31, TX_DEFAULT, 0, [(0, 6), (100, 8), (200, 10)], "W", 400,
                              NOW, window)) == "Accepted"
    assert rig.set(1, profile(32, TX_DEFAULT, 1, [(0, 7), (100, 9)], "W", 150, NOW,
                              window)) == "Accepted"
    assert rig.composite(1, 350, "W") == [(0, 7000), (100, 9000), (150, 8000), (200, 10000)]


def test_a_composite_of_a_year_is_its_first_48_periods():
    # A board's heap holds a day's changes, not a year's (about 73000 here).
    rig = Rig(state_folder("year"))
    for connector_id, body in hourly_days(MAX_PROFILES, NOW - 7 * DAY_S):
        assert rig.set(connector_id, body) == "Accepted"
    answer = rig.answer(1, 365 * DAY_S, "A")
    periods = answer["chargingSchedule"]["chargingSchedulePeriod"]
    assert len(periods) == 48  # and it ends where the 49th would begin:
    assert answer["chargingSchedule"]["duration"] > periods[-1]["startPeriod"]
    assert rig.answer(1, 2 * DAY_S, "A")["chargingSchedule"]["chargingSchedulePeriod"] == \
        periods


def test_a_composite_that_never_changes_covers_the_whole_window():
    rig = Rig(state_folder("never"))
    assert rig.set(1, profile(1, TX_DEFAULT, 0, [(0, 16)], start_s=NOW - DAY_S,
                              kind="Recurring", recurrency="Daily")) == "Accepted"
    # A month on, another profile for five days; the longest window the schema allows.
    later = NOW + 30 * DAY_S
    assert rig.set(1, profile(2, TX_DEFAULT, 1, [(0, 8)], duration=5 * DAY_S,
                              start_s=later)) == "Accepted"
    answer = rig.answer(1, 2147483647, "A")
    assert answer["chargingSchedule"]["duration"] == 2147483647
    assert [(p["startPeriod"], p["limit"])
            for p in answer["chargingSchedule"]["chargingSchedulePeriod"]] == \
        [(0, 16), (30 * DAY_S, 8), (35 * DAY_S, 16)]


def test_tx_profiles_need_their_transaction():  # OCTT TC_058_1, TC_058_2
    rig = Rig(state_folder("tx_needs"), {1: 101})
    assert rig.set(2, profile(1, TX_PROFILE, 0, [(0, 6)])) == "Rejected"
    assert rig.set(1, profile(2, TX_PROFILE, 0, [(0, 6)], transaction_id=102)) == "Rejected"
    assert rig.ids() == [] and rig.stored() is None
    assert rig.set(1, profile(3, TX_PROFILE, 0, [(0, 6)], transaction_id=101)) == "Accepted"
    assert rig.set(1, profile(4, TX_PROFILE, 1, [(0, 6)])) == "Accepted"  # its own
    assert rig.smart.profiles[-1][records.TX] == 101


def test_an_unknown_connector_is_a_property_constraint_violation():  # errata 3.39
    rig = Rig(state_folder("connector_99"))
    for connector_id in (3, 99, -1):
        try:
            rig.set(connector_id, profile(1, TX_DEFAULT, 0, [(0, 6)]))
        except PropertyConstraintViolation:
            continue
        raise AssertionError("connector %d taken" % connector_id)
    assert rig.ids() == []


def test_at_most_max_charging_profiles_installed():
    rig = Rig(state_folder("bound"))
    for level in range(MAX_PROFILES):
        assert rig.set(1, profile(level + 1, TX_DEFAULT, level, [(0, 6 + level)])) == "Accepted"
    kept = rig.stored()
    assert rig.set(0, profile(50, CP_MAX, 0, [(0, 32)])) == "Rejected"
    assert rig.ids() == list(range(1, MAX_PROFILES + 1)) and rig.stored() == kept
    # One that replaces an installed one makes no more of them.
    assert rig.set(1, profile(51, TX_DEFAULT, 0, [(0, 32)])) == "Accepted"
    assert rig.set(0, profile(2, CP_MAX, 0, [(0, 32)])) == "Accepted"
    assert rig.ids() == [2, 3, 4, 5, 6, 7, 8, 51]
    assert rig.reboot().ids() == [2, 3, 4, 5, 6, 7, 8, 51]


def test_profiles_survive_a_reboot_but_tx_profiles_do_not():  # errata 3.37, 7.10
    rig = Rig(state_folder("reboot"), {1: 101})
    assert rig.set(0, profile(1, CP_MAX, 0, [(0, 32), (600, 20)], start_s=NOW)) == "Accepted"
    assert rig.set(0, profile(2, TX_DEFAULT, 0, [(0, 16)], "W", kind="Relative")) == "Accepted"
    assert rig.set(1, profile(3, TX_PROFILE, 0, [(0, 10)])) == "Accepted"
    before = [r for r in rig.smart.profiles if r[records.PURPOSE] != TX_PROFILE]
    rebooted = rig.reboot()
    assert rebooted.smart.profiles == before
    assert rebooted.composite(0, 900, "A") == rig.composite(0, 900, "A") == [(0, 32),
                                                                              (600, 20)]
    # Connector 1's TxProfile no longer takes its part of the ChargePointMaxProfile.
    assert rig.composite(2, 900, "A") == [(0, 22), (600, 10)]
    assert rebooted.composite(2, 900, "A") == [(0, 32), (600, 20)]
    assert rebooted.station.board.lines == []  # nothing to complain of


def test_a_tx_profile_ends_with_its_transaction():  # 7.10
    rig = Rig(state_folder("tx_ends"), {1: 101})
    assert rig.set(1, profile(3, TX_PROFILE, 0, [(0, 10)])) == "Accepted"
    rig.smart.update()
    assert rig.ios[0].limits_w == [10 * NOMINAL_V]  # at the output
    rig.stop(1)
    rig.smart.update()
    assert rig.ids() == [] and rig.ios[0].limits_w == [10 * NOMINAL_V, None]
    rig.start(1, 102)  # the next transaction does not inherit it
    rig.smart.update()
    assert rig.ios[0].limits_w == [10 * NOMINAL_V, None]


def remote_start_with_a_profile(rig, connector_id):
    """RemoteStartTransaction for TAG with a Relative TxProfile of 6 A: taken?"""
    return rig.smart.call("take_remote_profile", "TAG", connector_id,
                          profile(41, TX_PROFILE, 0, [(0, 6)], kind="Relative"))


def test_a_remote_starts_profile_goes_to_the_transaction_it_starts():  # errata 3.42
    rig = Rig(state_folder("remote_start"))
    assert remote_start_with_a_profile(rig, None)
    rig.smart.update()
    assert rig.ids() == []  # until its transaction starts
    rig.start(2, 101, started_s=NOW + 20, id_tag="OTHER")  # not its transaction
    rig.smart.update()
    assert rig.ids() == []
    rig.station.clock.now = NOW + 30
    rig.start(1, 102, started_s=NOW + 30)
    rig.smart.update()
    assert [(r[records.ID], r[records.CONNECTOR], r[records.TX]) for r in rig.smart.profiles] \
        == [(41, 1, None)]
    assert rig.composite(1, 60, "A") == [(0, 6)]


def test_a_remote_start_that_started_nothing_leaves_no_profile_behind():  # errata 3.42
    # Nobody plugged in within ConnectionTimeOut: the card's next session, started at the
    # station an hour later, is not the transaction the request started.
    rig = Rig(state_folder("remote_lapsed"))
    assert remote_start_with_a_profile(rig, 1)
    rig.smart.update()
    rig.station.clock.now = NOW + 3600
    rig.start(1, 103, started_s=NOW + 3600)
    rig.smart.update()
    assert rig.ids() == [] and rig.ios[0].limits_w == []


def test_a_remote_start_with_a_profile_there_is_no_room_for_is_rejected():
    # Rejected unless its profile would be installed (docs/smart_charging.md).
    rig = Rig(state_folder("remote_full"))
    for level in range(MAX_PROFILES):
        assert rig.set(0, profile(level + 1, TX_DEFAULT, level, [(0, 6)])) == "Accepted"
    assert not remote_start_with_a_profile(rig, 1)
    # One that would replace an installed profile (its chargingProfileId) has room.
    assert rig.smart.call("take_remote_profile", "TAG", 1,
                          profile(3, TX_PROFILE, 0, [(0, 6)], kind="Relative"))


def test_limits_reach_the_outputs_of_connectors_in_a_transaction():
    rig = Rig(state_folder("outputs"), {2: 101})
    assert rig.set(0, profile(1, TX_DEFAULT, 0, [(0, 6)], "W")) == "Accepted"
    assert rig.station.refreshes == 1  # at once, not at the next second
    rig.smart.update()
    assert rig.ios[0].limits_w == [] and rig.ios[1].limits_w == [6000]
    assert rig.clear(id=1) == "Accepted"
    rig.smart.update()
    assert rig.ios[1].limits_w == [6000, None]


def test_a_damaged_file_gives_no_profiles_and_a_log_line():
    folder = state_folder("damaged")
    contents = ["{not json", "", "7", "{}", "[1, 2]", '{"id": 7}', "[[]]"] + \
        [json.dumps([fields]) for fields in damaged_records()]
    for content in contents:
        with open(folder + PROFILES_FILE, "w") as f:
            f.write(content)
        rig = Rig(folder, {1: 101})
        assert rig.ids() == [], content
        if content:  # an empty file is no file (store.atomic)
            assert [line for line in rig.station.board.lines
                    if "charging_profiles.json" in line], content
        rig.smart.update()  # and the station goes on
        assert rig.smart.limits_w == [None, None], content
