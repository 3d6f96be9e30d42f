"""The limits charging profiles set, sans I/O: at an instant, and as a composite schedule over a
window (OCPP 1.6 sections 3.13, 5.7, 5.16.4 and errata 3.7, 3.8, 3.43, 3.44). Loaded when the
limits are worked out and unloaded after (firmware.smart_charging).

Profiles are the compact records of firmware.smart_charging.records. Limits are integers in
tenths of their unit (the schema allows one decimal), so nothing is lost to a board's
single-precision floats: watts x 10 (`dw`) once converted, amperes x 10 (`da`). A DC
connector's amperes are watts at its voltage `volts` (an int): dw = da * volts.

Which profile rules a connector at an instant (docs/smart_charging.md):
- A profile counts at t when t is within [validFrom, validTo) and within its schedule: from the
  schedule's start (startSchedule; for Recurring its latest recurrence; for Relative the
  transaction's start) for `duration` seconds (no duration: for ever; Recurring: at most one
  day or week, errata 3.44), its limit that of the last period started.
- Per purpose the profile of the highest stackLevel that counts rules; at the same level a
  connector's own TxDefaultProfile goes before connector 0's.
- A TxProfile installed for the connector's transaction overrules the TxDefaultProfiles for
  the whole transaction, also when its own schedule has ended (OCTT TC_066).
- ChargePointMaxProfile limits the connectors together: its limit is shared out evenly over
  the connectors in a transaction (and the one asked about), in the profile's unit, a
  connector that needs less leaving the rest to the others (`water_fill`).
- The connector's own rating (`rating_dw`) caps it all.
"""
from firmware.smart_charging.records import CONNECTOR, CP_MAX, DURATION, KIND, PERIODS, \
    PURPOSE, RECURRENCY, STACK, START, TX_DEFAULT, TX_PROFILE, UNIT, VALID_FROM, VALID_TO

DAY_S = 86400
WEEK_S = 7 * DAY_S
# The composite's walk, a step at a time: the step's instants of change are in a list at
# once, each a heap object on a 32-bit board (Unix seconds are past its small ints), so 8
# hourly profiles make 8 x 24 of them a day. A quarter of a day holds a quarter of them:
# a month's composite at 128 KB while both connectors charge found no room now and then.
STEP_S = DAY_S // 4


def recurrence_s(profile):
    if profile[KIND] != "Recurring":
        return None
    return DAY_S if profile[RECURRENCY] == "Daily" else WEEK_S


def schedule_start(profile, t, tx_start_s):
    """The start of the profile's schedule that runs at `t` (Unix s)."""
    if profile[KIND] == "Relative" and profile[PURPOSE] != CP_MAX:
        return tx_start_s
    start = profile[START]
    every = recurrence_s(profile)
    if every is not None:
        return start + (t - start) // every * every
    return start


def schedule_end(profile):
    """Seconds from the schedule's start to its end, or None: for ever."""
    duration = profile[DURATION]
    every = recurrence_s(profile)
    if every is not None and (duration is None or duration > every):
        return every
    return duration


def limit_at(profile, t, tx_start_s):
    """The profile's limit at `t` in tenths of its unit, or None when it does not count then."""
    if profile[VALID_FROM] is not None and t < profile[VALID_FROM]:
        return None
    if profile[VALID_TO] is not None and t >= profile[VALID_TO]:
        return None
    offset = t - schedule_start(profile, t, tx_start_s)
    end = schedule_end(profile)
    if offset < 0 or (end is not None and offset >= end):
        return None
    periods = profile[PERIODS]
    limit = None
    for i in range(0, len(periods), 2):
        if periods[i] > offset:
            break
        limit = periods[i + 1]
    return limit


def prevailing(profiles, purpose, connector_id, t, tx_start_s):
    """(limit, unit) of the profile of `purpose` that rules `connector_id` at `t`, or None."""
    best_rank = -1
    best = None
    for profile in profiles:
        if profile[PURPOSE] != purpose or profile[CONNECTOR] not in (0, connector_id):
            continue
        rank = profile[STACK] * 2 + (profile[CONNECTOR] != 0)
        if rank <= best_rank:
            continue
        limit = limit_at(profile, t, tx_start_s)
        if limit is not None:
            best_rank = rank
            best = (limit, profile[UNIT])
    return best


def to_dw(limit, unit, volts):
    return limit * volts if unit == "A" else limit


def water_fill(total, caps):
    """`total` shared out over `caps` (a list, None: no cap of its own): evenly, a share above a
    cap going to the others. The shares, in the same order."""
    shares = [0] * len(caps)
    waiting = list(range(len(caps)))
    while waiting:
        fair = total // len(waiting)
        capped = [i for i in waiting if caps[i] is not None and caps[i] <= fair]
        if not capped:
            for i in waiting:
                shares[i] = fair
            break
        for i in capped:
            shares[i] = caps[i]
            total -= caps[i]
            waiting.remove(i)
    return shares


class Connector:
    """What the limits of one connector depend on besides the profiles."""

    def __init__(self, connector_id, volts, rating_dw, tx_start_s=None, charging=False,
                 tx_profiles=False):
        self.connector_id = connector_id
        self.volts = volts  # its voltage now, or its nominal voltage before current flows
        self.rating_dw = rating_dw  # its own hardware limit, dW
        self.tx_start_s = tx_start_s  # its transaction's start; None: no transaction
        self.charging = charging  # in a transaction: shares the ChargePointMaxProfile
        self.tx_profiles = tx_profiles  # a TxProfile is installed for its transaction


def own_limit_dw(profiles, connector, t, start_s):
    """The connector's limit without the ChargePointMaxProfile, dW: its TxProfile or else
    TxDefaultProfile and its rating. `start_s` stands for its transaction's start when it has
    none (a composite schedule asked for a connector that does not charge yet)."""
    tx_start_s = connector.tx_start_s if connector.tx_start_s is not None else start_s
    purpose = TX_PROFILE if connector.tx_profiles else TX_DEFAULT
    ruling = prevailing(profiles, purpose, connector.connector_id, t, tx_start_s)
    if ruling is None:
        return connector.rating_dw
    return min(to_dw(ruling[0], ruling[1], connector.volts), connector.rating_dw)


def connector_limit_dw(profiles, connectors, asked, t, start_s):
    """The limit of connector `asked` (an index into `connectors`) at `t`, dW."""
    own = [own_limit_dw(profiles, c, t, start_s) for c in connectors]
    station = prevailing(profiles, CP_MAX, 0, t, start_s)
    if station is None:
        return own[asked]
    limit, unit = station
    sharing = [i for i, c in enumerate(connectors) if c.charging or i == asked]
    if unit == "A":  # shared in amperes: each connector's at its own voltage
        caps = [own[i] // connectors[i].volts for i in sharing]
        shares = water_fill(limit, caps)
        share = shares[sharing.index(asked)] * connectors[asked].volts
    else:
        shares = water_fill(limit, [own[i] for i in sharing])
        share = shares[sharing.index(asked)]
    return min(own[asked], share)


def station_limit_dw(profiles, station_rating_dw, volts, t, start_s):
    """What the whole station may take from the grid at `t`, dW (the composite of connector 0)."""
    station = prevailing(profiles, CP_MAX, 0, t, start_s)
    if station is None:
        return station_rating_dw
    return min(to_dw(station[0], station[1], volts), station_rating_dw)


def changes(profile, t0, t1, starts):
    """The instants in (t0, t1) at which the profile's limit may change; `starts`: the
    transaction starts a Relative schedule may run from."""
    found = []
    for edge in (profile[VALID_FROM], profile[VALID_TO]):
        if edge is not None and t0 < edge < t1:
            found.append(edge)
    every = recurrence_s(profile)
    end = schedule_end(profile)
    offsets = [profile[PERIODS][i] for i in range(0, len(profile[PERIODS]), 2)] + [end]
    relative = profile[KIND] == "Relative" and profile[PURPOSE] != CP_MAX
    for start in starts if relative else (schedule_start(profile, t0, None),):
        while start < t1:
            for offset in offsets:
                if offset is not None and (end is None or offset <= end) \
                        and t0 < start + offset < t1:
                    found.append(start + offset)
            if every is None:
                break
            start += every
    return found


def fixed_changes(profile, t0, t1, starts):
    """The instants in (t0, t1) at which the profile's limit may change that do not come back
    every day or week: its validity's, and all of a schedule that does not recur."""
    if recurrence_s(profile) is None:
        return changes(profile, t0, t1, starts)
    return [edge for edge in (profile[VALID_FROM], profile[VALID_TO])
            if edge is not None and t0 < edge < t1]


def composite(limit_dw_at, profiles, t0, duration_s, starts, max_periods):
    """([[offset s, dW], ...], duration s): `limit_dw_at(t)` over [t0, t0 + duration_s), one
    period per change, the same limit twice in a row merged. At most `max_periods` periods: a
    schedule that needs more ends where the first left out would begin.

    The window is gone through STEP_S at a time: a board's heap holds a few hours' instants
    of change, not a year's. Between two fixed instants (fixed_changes) the limits repeat every
    week, so a week without a change means none until the next fixed instant, where it goes
    on: a window of years takes a few days' work."""
    end = t0 + duration_s
    fixed = []
    for profile in profiles:
        fixed.extend(fixed_changes(profile, t0, end, starts))
    fixed.sort()
    fixed.append(end)
    next_fixed = 0  # the first of `fixed` after `begin`
    settled = t0  # neither the limit nor a fixed instant changed since
    periods = []
    begin = t0
    while begin < end:
        while fixed[next_fixed] <= begin:
            settled = max(settled, fixed[next_fixed])
            next_fixed += 1
        if begin - settled >= WEEK_S:
            begin = settled = fixed[next_fixed]
            continue
        until = min(begin + STEP_S, end)
        edges = [begin]
        for profile in profiles:
            edges.extend(changes(profile, begin, until, starts))
        edges.sort()
        last = None
        for t in edges:
            if t == last:
                continue
            last = t
            limit = limit_dw_at(t)
            if periods and periods[-1][1] == limit:
                continue
            if len(periods) == max_periods:
                return periods, t - t0
            periods.append([t - t0, limit])
            settled = t
        begin = until
    return periods, duration_s


def next_change_s(profiles, t, starts, horizon_s=DAY_S):
    """The first instant after `t` at which a limit may change, within `horizon_s` (else
    t + horizon_s)."""
    soonest = t + horizon_s
    for profile in profiles:
        for edge in changes(profile, t, soonest, starts):
            if edge < soonest:
                soonest = edge
    return soonest
