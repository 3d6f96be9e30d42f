"""A charging profile as the station keeps it: a tuple of its fields (indices below), its
periods a flat tuple (startPeriod, limit x 10, ...). About 350 bytes of a 32-bit board's heap
for 24 periods (tools/bench_smart_charging.py), where the parsed JSON took 2 KB. `record()` checks a csChargingProfiles
object beyond its schema (OCPP 1.6 section 7.8 and errata 3.45) and builds the record.
"""
from firmware.clock import parse_iso8601

(ID, CONNECTOR, PURPOSE, STACK, TX, KIND, RECURRENCY, VALID_FROM, VALID_TO, START, DURATION,
 UNIT, MIN_RATE, PERIODS) = range(14)

CP_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX_PROFILE = "TxProfile"
PURPOSES = (CP_MAX, TX_DEFAULT, TX_PROFILE)
KINDS = ("Absolute", "Recurring", "Relative")
RECURRENCIES = ("Daily", "Weekly")


class Refused(ValueError):
    """The profile cannot be installed: SetChargingProfile.conf Rejected, the reason logged."""


def _time(text, name):
    if text is None:
        return None
    try:
        return parse_iso8601(text)
    except ValueError:
        raise Refused("%s is not a date-time" % name)


def _tenths(value, name):
    tenths = int(round(value * 10))
    if tenths < 0:
        raise Refused("%s is negative" % name)
    return tenths


def record(profile, connector_id, now_s, max_stack_level, max_periods, transaction_id=None):
    """The record of `profile` (a schema-valid csChargingProfiles object) for `connector_id`;
    `now_s`: when it arrived (an Absolute schedule without startSchedule starts then);
    `transaction_id`: of a TxProfile, the transaction it is for. Raises Refused."""
    purpose = profile["chargingProfilePurpose"]
    kind = profile["chargingProfileKind"]
    recurrency = profile.get("recurrencyKind")
    stack = profile["stackLevel"]
    schedule = profile["chargingSchedule"]
    if not 0 <= stack <= max_stack_level:
        raise Refused("stackLevel %d is not within 0..%d" % (stack, max_stack_level))
    if purpose == CP_MAX and connector_id != 0:
        raise Refused("a ChargePointMaxProfile is for connector 0 only")
    if purpose == TX_PROFILE and connector_id == 0:
        raise Refused("a TxProfile is for a connector with a transaction, not 0")
    if purpose != TX_PROFILE and profile.get("transactionId") is not None:
        raise Refused("only a TxProfile names a transaction")
    if (kind == "Recurring") != (recurrency is not None):
        raise Refused("recurrencyKind goes with a Recurring profile, and only with one")
    start = _time(schedule.get("startSchedule"), "startSchedule")
    if kind == "Recurring" and start is None:
        raise Refused("a Recurring profile needs its startSchedule")
    if start is None:
        start = now_s  # Absolute: from now; a ChargePointMaxProfile's Relative: from now too
    valid_from = _time(profile.get("validFrom"), "validFrom")
    valid_to = _time(profile.get("validTo"), "validTo")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise Refused("validTo is not after validFrom")
    duration = schedule.get("duration")
    if duration is not None and duration <= 0:
        raise Refused("duration is not positive")
    periods = schedule["chargingSchedulePeriod"]
    if not 1 <= len(periods) <= max_periods:
        raise Refused("%d periods, 1..%d allowed" % (len(periods), max_periods))
    flat = []
    for period in periods:
        begins = period["startPeriod"]
        if flat and begins <= flat[-2]:
            raise Refused("startPeriod %d does not follow %d" % (begins, flat[-2]))
        if not flat and begins != 0:
            raise Refused("the first startPeriod is not 0")
        phases = period.get("numberPhases")
        if phases is not None and not 1 <= phases <= 3:
            raise Refused("numberPhases %d is not 1..3" % phases)
        flat.append(begins)
        flat.append(_tenths(period["limit"], "limit"))
    min_rate = schedule.get("minChargingRate")
    return (profile["chargingProfileId"], connector_id, purpose, stack,
            transaction_id if purpose == TX_PROFILE else None, kind, recurrency, valid_from,
            valid_to, start, duration, schedule["chargingRateUnit"],
            None if min_rate is None else _tenths(min_rate, "minChargingRate"), tuple(flat))


def from_stored(fields):
    """A record from its JSON form (a list) as kept in flash. Raises ValueError when it is not
    one (a damaged file): every field must be of the kind record() gives it, or working out
    the limits would fail on it later, at every refresh."""
    if type(fields) is not list or len(fields) != PERIODS + 1 or fields[PURPOSE] not in PURPOSES \
            or fields[KIND] not in KINDS or fields[RECURRENCY] not in (None,) + RECURRENCIES \
            or fields[UNIT] not in ("A", "W") or type(fields[PERIODS]) is not list \
            or len(fields[PERIODS]) < 2 or len(fields[PERIODS]) % 2:
        raise ValueError("not a charging profile record")
    for value in fields[PERIODS] + [fields[ID], fields[CONNECTOR], fields[STACK], fields[START]]:
        if type(value) is not int:
            raise ValueError("not a charging profile record")
    for index in (TX, VALID_FROM, VALID_TO, DURATION, MIN_RATE):  # optional integers
        if fields[index] is not None and type(fields[index]) is not int:
            raise ValueError("not a charging profile record")
    return tuple(fields[:PERIODS]) + (tuple(fields[PERIODS]),)


def replaces(new, old):
    """Section 5.16.3: the same chargingProfileId, or the same stackLevel and purpose on the
    same connector."""
    return old[ID] == new[ID] or (old[STACK] == new[STACK] and old[PURPOSE] == new[PURPOSE]
                                  and old[CONNECTOR] == new[CONNECTOR])


def cleared_by(request, profile):
    """ClearChargingProfile.req (errata 3.25, 3.26): the id alone if given, else every field
    given (logical AND); no field at all: every profile."""
    if request.get("id") is not None:
        return profile[ID] == request["id"]
    return all(request.get(name) is None or request[name] == profile[index] for name, index in
               (("connectorId", CONNECTOR), ("chargingProfilePurpose", PURPOSE),
                ("stackLevel", STACK)))
