"""GetCompositeSchedule checked against an oracle written from docs/smart_charging.md ("The
limit of a connector at an instant", "Composite schedule") and OCPP 1.6 (3.13, 5.7, 5.16.4,
7.8-7.14; errata 3.7, 3.8, 3.43, 3.44, 3.79), not from firmware/smart_charging/schedule.py.

Hypothesis builds stations (1 to 3 connectors, up to 2 in a transaction, meters with and
without current, ratings and nominal voltages stated or not) with sets of charging profiles
as SetChargingProfile would have installed them: every purpose and kind, Daily and Weekly
recurrences whose restarts fall across midnight and Sunday/Monday, durations absent, shorter
and longer than the recurrence, validFrom/validTo windows, amperes and watts, stack levels,
date-times with UTC offsets. The firmware answers GetCompositeSchedule for every connector in
both units (composite_schedule on a stand-in station: portable/sc_fakes.py), under CPython
and under both MicroPythons (mp_scripts/composite_probe.py); the oracle's limit at each instant
of the window where anything may change, the second before it and a few random seconds must
be the answer's.

The oracle works with exact fractions. The document leaves the rounding of the
ChargePointMaxProfile's shares open ("evenly", limits "in tenths of their unit"): where a
share limits a connector, the answer may be off by a tenth of the profile's unit per
connector sharing it; elsewhere it must be exact, period for period. What the doc does say
is checked exactly: amperes from watts round down to the tenth, and the connectors in a
transaction never get more than the ChargePointMaxProfile together.
"""
import calendar
import functools
import json
import os
import subprocess
import time
from datetime import datetime
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sc_fakes import MAX_PERIODS, MAX_PROFILES, MAX_STACK_LEVEL, composites, hourly_days, \
    profile
from tc import MICROPYTHON32

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "composite_probe.py")
MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin",
                                                            "micropython")
# The board's interpreter at a board's heap; the 64-bit one as `make mptest` runs it.
INTERPRETERS = {"micropython": [MICROPYTHON, "-X", "heapsize=2M"],
                "micropython32": [MICROPYTHON32, "-X", "heapsize=192k"]}

CP_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX_PROFILE = "TxProfile"
DAY_S = 86400
WEEK_S = 7 * DAY_S
RECURRENCE_S = {"Daily": DAY_S, "Weekly": WEEK_S}
# docs/smart_charging.md: no rating stated is 1 MW; no nominal voltage stated is 400 V; the
# meter's voltage counts from 1 A on; a composite has at most 48 periods.
UNRATED_W = 1000000
NOMINAL_V = 400
FLOWING_A = 1
COMPOSITE_MAX_PERIODS = 48
# A Sunday: recurrences restart across Sunday/Monday as often as across other midnights.
BASE_S = calendar.timegm((2026, 3, 1, 0, 0, 0))
HOUR_S = 3600


# ---- the oracle ---------------------------------------------------------------------------

def unix(text):
    return int(datetime.fromisoformat(text).timestamp())


def optional_unix(text):
    return None if text is None else unix(text)


class Profile:
    """A csChargingProfiles object as the oracle reads it: times in Unix s, limits exact."""

    def __init__(self, entry):
        body = entry["csChargingProfiles"]
        schedule = body["chargingSchedule"]
        self.connector = entry["connectorId"]
        self.arrived = entry["arrived"]
        self.purpose = body["chargingProfilePurpose"]
        self.stack = body["stackLevel"]
        self.kind = body["chargingProfileKind"]
        self.every = RECURRENCE_S.get(body.get("recurrencyKind"))
        self.valid_from = optional_unix(body.get("validFrom"))
        self.valid_to = optional_unix(body.get("validTo"))
        self.start = optional_unix(schedule.get("startSchedule"))
        self.unit = schedule["chargingRateUnit"]
        self.periods = [(p["startPeriod"], Fraction(str(p["limit"])))
                        for p in schedule["chargingSchedulePeriod"]]
        # How long one run of the schedule lasts; a recurrence cuts it (errata 3.43, 3.44).
        self.length = schedule.get("duration")
        if self.every is not None:
            self.length = min(self.length or self.every, self.every)

    def relative_to_transaction(self):
        return self.kind == "Relative" and self.purpose != CP_MAX

    def first_start(self):
        """Absolute, Recurring, a ChargePointMaxProfile's Relative: startSchedule, or when the
        profile arrived."""
        return self.start if self.start is not None else self.arrived

    def origin(self, t, tx_start):
        """When the run of the schedule in force at `t` began: a transaction's start, or
        the latest restart at or before t (errata 3.79: every 24 h or 7 days at the time of
        startSchedule, also one in the future)."""
        if self.relative_to_transaction():
            return tx_start
        if self.every is None:
            return self.first_start()
        runs = (t - self.first_start()) // self.every  # floor: also for a future start
        return self.first_start() + runs * self.every

    def limit(self, t, tx_start):
        """Its limit at `t`, or None when it does not count then."""
        if self.valid_from is not None and t < self.valid_from:
            return None
        if self.valid_to is not None and t >= self.valid_to:
            return None
        offset = t - self.origin(t, tx_start)
        if offset < 0 or (self.length is not None and offset >= self.length):
            return None
        return [limit for start, limit in self.periods if start <= offset][-1]

    def changes(self, t0, t1, tx_starts):
        """Every instant in (t0, t1) at which its limit may change (more is harmless)."""
        found = {self.valid_from, self.valid_to}
        firsts = tx_starts if self.relative_to_transaction() else [self.first_start()]
        for first in firsts:
            origins = [first]
            if self.every is not None:
                runs = range((t0 - first) // self.every, (t1 - first) // self.every + 1)
                origins = [first + k * self.every for k in runs]
            for origin in origins:
                found.update(origin + start for start, _ in self.periods)
                if self.length is not None:
                    found.add(origin + self.length)
        return {t for t in found if t is not None and t0 < t < t1}


class Connector:
    def __init__(self, state, board):
        flowing = abs(state["current_a"]) >= FLOWING_A
        self.volts = int(state["voltage_v"]) if flowing else \
            state.get("nominal_voltage_v") or NOMINAL_V
        self.rating_w = state.get("max_power_w") or board.get("max_power_w") or UNRATED_W
        self.tx_start = state.get("tx_start")


class Oracle:
    """The limits of a case's station (sc_fakes.composites describes a case), in W."""

    def __init__(self, case):
        self.now = case["now"]
        board = case["board"]
        self.connectors = [Connector(c, board) for c in case["connectors"]]
        self.station_rating_w = board.get("max_power_w") or UNRATED_W
        self.station_volts = board.get("nominal_voltage_v") or NOMINAL_V
        self.profiles = [Profile(entry) for entry in case["profiles"]]
        self.tx_profile_on = {p.connector for p in self.profiles if p.purpose == TX_PROFILE}
        self._own = {}

    def ruling(self, purpose, connector_id, t, tx_start):
        """(limit, unit) of the profile of `purpose` that rules at t: the highest stack level
        that counts; at the same level a connector's own before connector 0's (3.13.1)."""
        counting = []
        for p in self.profiles:
            if p.purpose == purpose and p.connector in (0, connector_id):
                limit = p.limit(t, tx_start)
                if limit is not None:
                    counting.append((p.stack, p.connector, limit, p.unit))
        if not counting:
            return None
        return max(counting)[2:]

    def watts(self, limit, unit, volts):
        return limit * volts if unit == "A" else limit

    def own_w(self, t):
        """Each connector's own limit at t (rules 1-4): its TxProfile's for the whole of its
        transaction when it has one, else its TxDefaultProfiles; its rating caps it."""
        if t not in self._own:
            own = []
            for connector_id, c in enumerate(self.connectors, 1):
                tx_start = self.now if c.tx_start is None else c.tx_start
                purpose = TX_PROFILE if connector_id in self.tx_profile_on else TX_DEFAULT
                ruling = self.ruling(purpose, connector_id, t, tx_start)
                own.append(c.rating_w if ruling is None else
                           min(self.watts(ruling[0], ruling[1], c.volts), c.rating_w))
            self._own[t] = own
        return self._own[t]

    def station_max(self, t):
        return self.ruling(CP_MAX, 0, t, None)

    def sharing(self, asked):
        """The connectors the ChargePointMaxProfile is shared over when `asked` (an index)
        is asked about: those in a transaction, and it."""
        return [i for i, c in enumerate(self.connectors) if c.tx_start is not None or i == asked]

    def connector_w(self, asked, t):
        """(limit, how far the answer may be from it) of connector index `asked` at t, W."""
        own = self.own_w(t)
        station = self.station_max(t)
        if station is None:
            return own[asked], 0
        limit, unit = station
        sharing = self.sharing(asked)
        per_unit = [self.connectors[i].volts if unit == "A" else 1 for i in sharing]
        shares = fill(limit, [own[i] / per for i, per in zip(sharing, per_unit)])
        mine = sharing.index(asked)
        tolerance = Fraction(len(sharing) * per_unit[mine], 10)
        return min(own[asked], shares[mine] * per_unit[mine]), tolerance

    def station_w(self, t):
        """Connector 0: what the station may take from the grid (5.7, errata 3.30)."""
        station = self.station_max(t)
        if station is None:
            return self.station_rating_w
        return min(self.watts(station[0], station[1], self.station_volts),
                   self.station_rating_w)

    def limit_w(self, connector_id, t):
        if connector_id == 0:
            return self.station_w(t), 0
        return self.connector_w(connector_id - 1, t)

    def volts(self, connector_id):
        return self.station_volts if connector_id == 0 else \
            self.connectors[connector_id - 1].volts

    def changes(self, t0, t1, purpose=None):
        """The instants in (t0, t1) at which a limit (of a profile of `purpose`) may change."""
        tx_starts = [self.now] + [c.tx_start for c in self.connectors if c.tx_start is not None]
        found = set()
        for p in self.profiles:
            if purpose in (None, p.purpose):
                found |= p.changes(t0, t1, tx_starts)
        return sorted(found)


def fill(total, caps):
    """`total` shared evenly over `caps`, one below its even share keeping it and leaving the
    rest to the others: exact."""
    shares = [None] * len(caps)
    order = sorted(range(len(caps)), key=lambda i: caps[i])
    left = Fraction(total)
    for k, i in enumerate(order):
        even = left / (len(caps) - k)
        if caps[i] > even:  # this one and all above it get the even share
            for j in order[k:]:
                shares[j] = even
            break
        shares[i] = caps[i]
        left -= caps[i]
    return shares


def reported_tenths(watts, unit, volts):
    """The number a composite in `unit` gives for `watts`, in tenths: amperes round down to
    the tenth (docs/smart_charging.md); watts are whole tenths already, or round down."""
    tenths = Fraction(watts) * 10 if unit == "W" else Fraction(watts) * 10 / volts
    return tenths.numerator // tenths.denominator


# ---- comparing an answer with the oracle ------------------------------------------------

def tenths_of(number):
    return int(round(number * 10))


def periods_of(answer):
    return [(p["startPeriod"], tenths_of(p["limit"]))
            for p in answer["chargingSchedule"]["chargingSchedulePeriod"]]


def value_at(periods, offset):
    return [limit for start, limit in periods if start <= offset][-1]


def check_shape(case, request, answer):
    unit = request.get("chargingRateUnit") or "W"
    schedule = answer["chargingSchedule"]
    assert answer["status"] == "Accepted" and answer["connectorId"] == request["connectorId"]
    assert unix(answer["scheduleStart"]) == case["now"]
    assert schedule["chargingRateUnit"] == unit
    periods = periods_of(answer)
    starts = [start for start, _ in periods]
    assert starts[0] == 0 and starts == sorted(set(starts)), starts
    assert all(a[1] != b[1] for a, b in zip(periods, periods[1:])), "equal neighbours"
    assert len(periods) <= COMPOSITE_MAX_PERIODS
    covered = schedule["duration"]
    assert covered == request["duration"] or (
        len(periods) == COMPOSITE_MAX_PERIODS and starts[-1] < covered < request["duration"])
    return unit, periods, covered


def expected_runs(oracle, connector_id, unit, duration):
    """[(offset, tenths)] of the oracle's limit over the window, equal neighbours merged, up
    to the first beyond the 48 an answer may have; and whether it is exact throughout (no
    share's rounding allowed for)."""
    now = oracle.now
    runs = []
    exact = True
    for t in [now] + oracle.changes(now, now + duration):
        watts, tolerance = oracle.limit_w(connector_id, t)
        exact = exact and tolerance == 0
        tenths = reported_tenths(watts, unit, oracle.volts(connector_id))
        if not runs or runs[-1][1] != tenths:
            runs.append((t - now, tenths))
            if len(runs) > COMPOSITE_MAX_PERIODS:
                break
    return runs, exact


def check_answer(case, oracle, request, answer, probes):
    connector_id = request["connectorId"]
    unit, periods, covered = check_shape(case, request, answer)
    runs, exact = expected_runs(oracle, connector_id, unit, request["duration"])
    where = "connector %d in %s" % (connector_id, unit)
    if exact:  # period for period, and cut after 48 of them
        if len(runs) > COMPOSITE_MAX_PERIODS:
            assert (periods, covered) == (runs[:COMPOSITE_MAX_PERIODS],
                                          runs[COMPOSITE_MAX_PERIODS][0]), where
        else:
            assert periods == runs, where
        return
    # At every instant anything may change, the second before it, and a few more.
    offsets = {0, covered - 1} | {o for start, _ in runs + periods for o in (start - 1, start)}
    offsets |= {o % covered for o in probes}
    volts = oracle.volts(connector_id)
    for offset in sorted(o for o in offsets if 0 <= o < covered):
        watts, tolerance = oracle.limit_w(connector_id, case["now"] + offset)
        low = reported_tenths(max(watts - tolerance, 0), unit, volts)
        high = reported_tenths(watts + tolerance, unit, volts)
        assert low <= value_at(periods, offset) <= high, "%s at +%d s: %s, oracle %s..%s" % (
            where, offset, value_at(periods, offset), low, high)


def check_station_max_holds(case, oracle, answers):
    """3.13.3: the connectors in a transaction together within the ChargePointMaxProfile,
    from their composites in W."""
    in_watts = {r["connectorId"]: periods_of(a) for r, a in zip(case["requests"], answers)
                if (r.get("chargingRateUnit") or "W") == "W" and r["connectorId"] > 0
                and r["duration"] == a["chargingSchedule"]["duration"]}
    charging = [i for i, c in enumerate(oracle.connectors, 1) if c.tx_start is not None]
    if len(charging) < 2 or not all(i in in_watts for i in charging):
        return
    # Where an answer or the ChargePointMaxProfile changes.
    instants = {oracle.now + start for i in charging for start, _ in in_watts[i]}
    instants.update(oracle.changes(oracle.now, oracle.now + case["requests"][0]["duration"],
                                   CP_MAX))
    for t in sorted(instants):
        station = oracle.station_max(t)
        if station is None:
            continue
        limit, unit = station
        taken = sum(Fraction(value_at(in_watts[i], t - oracle.now), 10) /
                    (oracle.connectors[i - 1].volts if unit == "A" else 1) for i in charging)
        assert taken <= limit, "at +%d s the connectors take %s of %s %s" % (
            t - oracle.now, float(taken), float(limit), unit)


def check_case(case, answers):
    oracle = Oracle(case)
    assert len(answers) == len(case["requests"])
    for request, answer in zip(case["requests"], answers):
        check_answer(case, oracle, request, answer, case["probes"])
    check_station_max_holds(case, oracle, answers)


# ---- the cases ----------------------------------------------------------------------------

# UTC offsets the Central System may write its date-times with (3.15), minutes; None: "Z".
OFFSETS_MIN = (None, None, 0, 60, -300, 330)


def iso(unix_s, offset_min):
    if offset_min is None:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix_s))
    sign = "-" if offset_min < 0 else "+"
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix_s + offset_min * 60)) + \
        "%s%02d:%02d" % (sign, abs(offset_min) // 60, abs(offset_min) % 60)


def number(tenths):
    """A JSON number of at most one decimal (the schema's multipleOf 0.1)."""
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


def limits(unit):
    if unit == "A":  # up to 200 A, mostly whole amperes
        return st.one_of(st.integers(0, 200).map(lambda a: a * 10), st.integers(0, 2000))
    return st.one_of(st.integers(0, 60).map(lambda kw: kw * 50000), st.integers(0, 3000000))


@st.composite
def schedules(draw, now, kind, every, reach):
    """A chargingSchedule. Its periods' starts and its duration are near the window's
    instants, `reach` s around now: a recurrence's restart, the first hours of a run."""
    unit = draw(st.sampled_from(["A", "W"]))
    near = st.one_of(st.integers(1, reach), st.integers(1, HOUR_S // 2))
    if every is not None:  # also around and beyond the restart (errata 3.44)
        near = st.one_of(near, st.integers(every - 4 * HOUR_S, every + HOUR_S))
    count = draw(st.one_of(st.integers(1, 4), st.integers(1, MAX_PERIODS)))
    starts = [0] + sorted(draw(st.lists(near, min_size=count - 1, max_size=count - 1,
                                        unique=True)))
    tenths = draw(st.lists(limits(unit), min_size=count, max_size=count))
    phases = draw(st.one_of(st.none(), st.integers(1, 3)))  # not the station's business
    periods = []
    for start, limit in zip(starts, tenths):
        period = {"startPeriod": start, "limit": number(limit)}
        if phases is not None:
            period["numberPhases"] = phases
        periods.append(period)
    schedule = {"chargingRateUnit": unit, "chargingSchedulePeriod": periods}
    durations = [st.none(), near]
    if every is not None:  # shorter and longer than the recurrence
        durations.append(st.integers(every + 1, 2 * every))
    duration = draw(st.one_of(*durations))
    if duration is not None:
        schedule["duration"] = duration
    if kind == "Recurring":  # its restarts fall within hours of now, whatever the phase
        runs = draw(st.integers(-3, 3))
        start = now + runs * every + draw(st.integers(-4 * HOUR_S, 4 * HOUR_S))
    elif draw(st.booleans()):  # Absolute: none is "from its arrival"; ignored for Relative
        start = now + draw(st.integers(-reach - 2 * HOUR_S, reach - HOUR_S))
    else:
        start = None
    if start is not None:
        schedule["startSchedule"] = iso(start, draw(st.sampled_from(OFFSETS_MIN)))
    if draw(st.booleans()):
        schedule["minChargingRate"] = number(draw(limits(unit)))
    return schedule


@st.composite
def profiles(draw, now, connector_count, transactions, reach):
    """{"connectorId", "arrived", "csChargingProfiles"} of a profile SetChargingProfile
    would accept; `transactions`: {connector id: (transactionId, start)}; its instants
    `reach` s around now."""
    purposes = [CP_MAX, TX_DEFAULT] + ([TX_PROFILE] if transactions else [])
    purpose = draw(st.sampled_from(purposes))
    arrived = now - draw(st.integers(0, DAY_S))
    if purpose == CP_MAX:
        connector_id = 0
    elif purpose == TX_DEFAULT:
        connector_id = draw(st.integers(0, connector_count))
    else:  # installed during its transaction
        connector_id = draw(st.sampled_from(sorted(transactions)))
        arrived = draw(st.integers(transactions[connector_id][1], now))
    kind = draw(st.sampled_from(["Absolute", "Recurring", "Relative"]))
    # Low levels often: profiles at the same level on connector 0 and N (3.13.1).
    stack = draw(st.one_of(st.integers(0, 1), st.integers(0, MAX_STACK_LEVEL)))
    body = {"chargingProfileId": 0, "stackLevel": stack,
            "chargingProfilePurpose": purpose, "chargingProfileKind": kind}
    every = None
    if kind == "Recurring":
        body["recurrencyKind"] = draw(st.sampled_from(sorted(RECURRENCE_S)))
        every = RECURRENCE_S[body["recurrencyKind"]]
    body["chargingSchedule"] = draw(schedules(now, kind, every, reach))
    valid_from = draw(st.one_of(st.none(), st.integers(-reach, reach)))
    if valid_from is not None:
        body["validFrom"] = iso(now + valid_from, draw(st.sampled_from(OFFSETS_MIN)))
    valid_to = draw(st.one_of(st.none(), st.integers(-reach // 2, reach * 3 // 2)))
    if valid_to is not None:
        if valid_from is not None and valid_to <= valid_from:
            valid_to = valid_from + draw(st.integers(1, reach))
        body["validTo"] = iso(now + valid_to, draw(st.sampled_from(OFFSETS_MIN)))
    if purpose == TX_PROFILE and draw(st.booleans()):
        body["transactionId"] = transactions[connector_id][0]
    return {"connectorId": connector_id, "arrived": arrived, "csChargingProfiles": body}


def installed_together(entry):
    """Profiles that one SetChargingProfile would replace by another (5.16.3)."""
    body = entry["csChargingProfiles"]
    return entry["connectorId"], body["chargingProfilePurpose"], body["stackLevel"]


@st.composite
def connector_states(draw, now, transaction):
    flowing = draw(st.booleans())
    state = {"current_a": float(draw(st.integers(1, 300))) if flowing else
             draw(st.sampled_from([0.0, 0.4, 0.99])),
             # whole volts: the document does not say how a reading is rounded
             "voltage_v": float(draw(st.integers(150, 920))),
             "tx_start": None, "tx_id": None}
    # Mostly above what the profiles allow, so that they show.
    rating = draw(st.one_of(st.none(), st.integers(1000, 400000), st.integers(100000, 400000)))
    if rating is not None:
        state["max_power_w"] = rating
    nominal = draw(st.one_of(st.none(), st.sampled_from([230, 400, 800]),
                             st.integers(100, 1000)))
    if nominal is not None:
        state["nominal_voltage_v"] = nominal
    if transaction is not None:
        state["tx_id"] = transaction
        state["tx_start"] = now - draw(st.one_of(st.integers(0, HOUR_S),
                                                 st.integers(0, 2 * DAY_S)))
    return state


@st.composite
def cases(draw):
    """A station and the composite schedules asked of it (sc_fakes.composites), and
    `probes`: seconds of the window to compare at besides the changes."""
    # Often in the last hours of a day: the window then crosses midnight.
    second_of_day = draw(st.one_of(st.integers(0, DAY_S - 1),
                                   st.integers(DAY_S - 4 * HOUR_S, DAY_S - 1)))
    now = BASE_S + draw(st.integers(0, 13)) * DAY_S + second_of_day
    count = draw(st.integers(1, 3))
    charging = draw(st.lists(st.integers(1, count), max_size=2, unique=True))
    connectors = [draw(connector_states(now, 100 + i if i in charging else None))
                  for i in range(1, count + 1)]
    transactions = {i: (c["tx_id"], c["tx_start"]) for i, c in enumerate(connectors, 1)
                    if c["tx_start"] is not None}
    board = {}
    for name, values in (("max_power_w", st.integers(5000, 500000)),
                         ("nominal_voltage_v", st.sampled_from([230, 400, 800]))):
        value = draw(st.one_of(st.none(), values))
        if value is not None:
            board[name] = value
    # One in eight asks for weeks: schedules that begin and end days apart, with weeks
    # between them in which only recurrences change the limits.
    weeks = draw(st.integers(0, 7)) == 0
    reach = 40 * DAY_S if weeks else 4 * HOUR_S
    entries = draw(st.lists(profiles(now, count, transactions, reach), min_size=1,
                            max_size=MAX_PROFILES,
                            unique_by=installed_together))
    for profile_id, entry in enumerate(entries, 1):
        entry["csChargingProfiles"]["chargingProfileId"] = profile_id
    duration = draw(st.one_of(st.integers(1, 900), st.integers(1, reach)))
    requests = []
    for connector_id in range(count + 1):
        requests.append({"connectorId": connector_id, "duration": duration,
                         "chargingRateUnit": "A"})
        in_watts = {"connectorId": connector_id, "duration": duration}
        if draw(st.booleans()):  # else W by default
            in_watts["chargingRateUnit"] = "W"
        requests.append(in_watts)
    return {"now": now, "board": board, "connectors": connectors, "profiles": entries,
            "requests": requests, "probes": draw(st.lists(st.integers(0, duration - 1),
                                                          max_size=8))}


# ---- cases written out, their answers worked out by hand ----------------------------------

def idle_connector():
    return {"current_a": 0.0, "voltage_v": 0.0, "tx_start": None, "tx_id": None}


def written_case(now, profiles_by_connector, duration, connectors=2):
    """A station of idle 400 V connectors, no rating stated, with the profiles given as
    (connectorId, csChargingProfiles), all arrived an hour before `now`; each connector asked
    in A and in W."""
    return {"now": now, "board": {}, "connectors": [idle_connector() for _ in range(connectors)],
            "profiles": [{"connectorId": c, "arrived": now - HOUR_S, "csChargingProfiles": body}
                         for c, body in profiles_by_connector],
            "requests": [{"connectorId": c, "duration": duration, "chargingRateUnit": unit}
                         for c in range(connectors + 1) for unit in ("A", "W")],
            "probes": []}


def at_the_same_level_the_connectors_own_wins():
    # 3.13.1: connector 0's TxDefaultProfile applies to all, one on connector 1 replaces it
    # there only; listed first, connector 0's must not win on connector 1 for that.
    now = BASE_S + 3 * DAY_S
    return written_case(now, [
        (0, profile(1, TX_DEFAULT, 1, [(0, 10)], start_s=now - 60)),
        (1, profile(2, TX_DEFAULT, 1, [(0, 16)], start_s=now - 60))], 60), {
        (1, "A"): ([(0, 160)], 60), (2, "A"): ([(0, 100)], 60),
        (0, "A"): ([(0, UNRATED_W * 10 // NOMINAL_V)], 60)}


def more_than_48_changes_are_cut():
    # A 48 s schedule of 24 alternating periods over one of 24 from 50 s on, and a third from
    # 200 s on: the composite ends where its 49th period would begin (docs/smart_charging.md).
    now = BASE_S + 5 * DAY_S
    above = profile(1, TX_DEFAULT, 1, [(2 * i, 10 + 10 * (i % 2)) for i in range(24)],
                    duration=48, start_s=now)
    below = profile(2, TX_DEFAULT, 0, [(0, 11)] + [(50 + 2 * i, 21 - 10 * (i % 2))
                                                   for i in range(23)], start_s=now)
    later = profile(3, TX_DEFAULT, 2, [(0, 5)], start_s=now + 200)
    periods = [(2 * i, 100 + 100 * (i % 2)) for i in range(24)] + [(48, 110)] + \
        [(50 + 2 * i, 210 - 100 * (i % 2)) for i in range(23)]
    return written_case(now, [(1, above), (1, below), (1, later)], HOUR_S, connectors=1), {
        (1, "A"): (periods, 200)}


def a_week_restarts_across_sunday_midnight():
    # Errata 3.79: a Weekly schedule restarts 7 days after its startSchedule (a Monday, 00:00);
    # its duration, longer than the week, and its period beyond the week are not executed
    # (3.44). A Daily ChargePointMaxProfile of 23 h from 01:00 is not in force from 00:00 to
    # 01:00 (3.43): only the connector's profile limits it then.
    monday = BASE_S + DAY_S
    sunday_2330 = monday + WEEK_S - 1800
    weekly = profile(1, TX_DEFAULT, 0, [(0, 10), (HOUR_S, 20), (WEEK_S - 1800, 30),
                                        (WEEK_S + 60, 40)], duration=WEEK_S + DAY_S,
                     start_s=monday - WEEK_S, kind="Recurring", recurrency="Weekly")
    daily = profile(2, CP_MAX, 0, [(0, 32)], duration=23 * HOUR_S, start_s=monday + HOUR_S,
                    kind="Recurring", recurrency="Daily")
    window = 3 * HOUR_S
    return written_case(sunday_2330, [(0, weekly), (0, daily)], window), {
        (1, "A"): ([(0, 300), (1800, 100), (5400, 200)], window),
        (0, "A"): ([(0, 320), (1800, UNRATED_W * 10 // NOMINAL_V), (5400, 320)], window)}


def a_year_of_hourly_days_is_its_first_48_periods():
    # Eight Daily schedules of 24 hourly periods: a year's changes would not fit a board's
    # heap, its first 48 periods do.
    now = BASE_S + 2 * DAY_S + 1234
    return written_case(now, hourly_days(MAX_PROFILES, BASE_S), 365 * DAY_S), {}


def a_month_without_change_then_five_days_of_another():
    # A week without a change: none until a schedule that does not recur begins.
    now = BASE_S + 4 * DAY_S + 600
    window = 60 * DAY_S
    return written_case(now, [
        (1, profile(1, TX_DEFAULT, 0, [(0, 16)], start_s=BASE_S, kind="Recurring",
                    recurrency="Daily")),
        (0, profile(2, CP_MAX, 0, [(0, 8)], duration=5 * DAY_S, start_s=now + 30 * DAY_S))],
        window), {
        (1, "A"): ([(0, 160), (30 * DAY_S, 80), (35 * DAY_S, 160)], window),
        (0, "A"): ([(0, UNRATED_W * 10 // NOMINAL_V), (30 * DAY_S, 80),
                    (35 * DAY_S, UNRATED_W * 10 // NOMINAL_V)], window)}


def a_weekly_schedule_changes_twice_a_week_for_five_weeks():
    # Days without a change, and weeks with one: all of them in the answer.
    monday = BASE_S + DAY_S
    now = monday + WEEK_S + HOUR_S
    window = 5 * WEEK_S
    weekly = profile(1, TX_DEFAULT, 0, [(0, 10), (3 * DAY_S, 20), (5 * DAY_S, 10)],
                     start_s=monday, kind="Recurring", recurrency="Weekly")
    changes = [(7 * DAY_S * week + day * DAY_S - HOUR_S, limit)
               for week in range(5) for day, limit in ((3, 200), (5, 100))]
    return written_case(now, [(1, weekly)], window, connectors=1), {
        (1, "A"): ([(0, 100)] + changes, window)}


def a_schedule_begins_unseen_and_changes_a_week_later():
    # Three days on, a Weekly schedule becomes valid at the limit there was; its first change
    # comes five days later, eight days after the window's start.
    now = BASE_S + 2 * DAY_S
    begins = now + 3 * DAY_S
    window = 20 * DAY_S
    return written_case(now, [
        (1, profile(1, TX_DEFAULT, 0, [(0, 16)], start_s=now - HOUR_S)),
        (1, profile(2, TX_DEFAULT, 1, [(0, 16), (5 * DAY_S, 8)], start_s=begins,
                    valid_s=(begins, begins + 365 * DAY_S), kind="Recurring",
                    recurrency="Weekly"))], window, connectors=1), {
        (1, "A"): ([(0, 160), (8 * DAY_S, 80), (10 * DAY_S, 160), (15 * DAY_S, 80),
                    (17 * DAY_S, 160)], window)}


WRITTEN_CASES = [at_the_same_level_the_connectors_own_wins, more_than_48_changes_are_cut,
                 a_week_restarts_across_sunday_midnight,
                 a_year_of_hourly_days_is_its_first_48_periods,
                 a_month_without_change_then_five_days_of_another,
                 a_weekly_schedule_changes_twice_a_week_for_five_weeks,
                 a_schedule_begins_unseen_and_changes_a_week_later]


@pytest.mark.parametrize("written", WRITTEN_CASES, ids=lambda f: f.__name__)
def test_written_cases(written):
    case, expected = written()
    answers = composites(case)
    check_case(case, answers)  # the oracle agrees with the hand
    by_request = {(r["connectorId"], r["chargingRateUnit"]): a
                  for r, a in zip(case["requests"], answers)}
    for asked, (periods, covered) in expected.items():
        answer = by_request[asked]
        assert (periods_of(answer), answer["chargingSchedule"]["duration"]) == \
            (periods, covered), asked


SETTINGS = dict(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- the tests ----------------------------------------------------------------------------

@settings(max_examples=250, **SETTINGS)
@given(cases())
def test_the_firmware_composite_is_the_oracles(case):
    check_case(case, composites(case))


def micropython_answers(interpreter, cases_path):
    command = INTERPRETERS[interpreter] + [PROBE, cases_path]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, MICROPYPATH=".frozen:lib:.:host_tests/portable"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


@functools.lru_cache(maxsize=None)
def cases_for_micropython():
    """The written cases and 40 drawn ones, the same for both interpreters."""
    drawn = [written()[0] for written in WRITTEN_CASES]

    @settings(max_examples=40, **SETTINGS)
    @given(cases())
    def collect(case):
        drawn.append(case)

    collect()
    return drawn


@pytest.mark.parametrize("interpreter", sorted(INTERPRETERS))
def test_the_micropython_composite_is_the_oracles(interpreter, tmp_path):
    drawn = cases_for_micropython()
    cases_path = tmp_path / "cases.jsonl"
    cases_path.write_text("".join(json.dumps(case) + "\n" for case in drawn))
    for case, answers in zip(drawn, micropython_answers(interpreter, str(cases_path)),
                             strict=True):
        try:
            check_case(case, answers)
        except AssertionError as e:
            raise AssertionError("%s\ncase: %s" % (e, json.dumps(case))) from None
        # The same code gives the same answer wherever it runs.
        assert answers == composites(case), json.dumps(case)
