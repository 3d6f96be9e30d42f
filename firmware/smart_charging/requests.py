"""SetChargingProfile, GetCompositeSchedule and ClearChargingProfile (OCPP 1.6 sections 5.5,
5.7, 5.16 and errata 3.24-3.30, 3.38, 3.39), the chargingProfile of a RemoteStartTransaction
(5.16.2, errata 3.41, 3.42), and the limits of the outputs: loaded for each use and unloaded
after (firmware.smart_charging)."""
from firmware.clock import format_iso8601
from firmware.smart_charging.records import ID, PURPOSE, STACK, TX_PROFILE, Refused, \
    cleared_by, record
from firmware.smart_charging.schedule import composite, connector_limit_dw, station_limit_dw
from firmware.smart_charging.service import NOMINAL_VOLTAGE_V, UNRATED_W, bounds, clear, log, \
    connector_states, install, starts
from ocppj.errors import PropertyConstraintViolation

ACCEPTED = "Accepted"
REJECTED = "Rejected"
# The longest composite schedule answered: a longer one ends where this many periods end
# (its duration says so). About 2 KB of JSON.
COMPOSITE_MAX_PERIODS = 48


def answer(station, action, payload):
    """The station's handler of the three requests (firmware.station ON_DEMAND)."""
    smart = station.smart_charging
    if action == "SetChargingProfile":
        return set_profile(smart, payload)
    if action == "GetCompositeSchedule":
        return composite_schedule(smart, payload)
    return clear_profiles(smart, payload)


def set_profile(smart, payload):
    connector_id = payload["connectorId"]
    if not 0 <= connector_id <= len(smart.station.board.connectors):
        raise PropertyConstraintViolation("no connector %d" % connector_id)
    profile = payload["csChargingProfiles"]
    transaction_id = None
    try:
        if profile["chargingProfilePurpose"] == TX_PROFILE and connector_id > 0:
            transaction = smart.station.transactions.on_connector(connector_id)
            if transaction is None or transaction.stopping is not None:
                raise Refused("no transaction on connector %d" % connector_id)
            transaction_id = transaction.transaction_id
            asked = profile.get("transactionId")
            if asked is not None and asked != transaction_id:
                raise Refused("transaction %s runs on connector %d, not %s" % (
                    transaction_id, connector_id, asked))
        stack_max, periods_max = bounds(smart)
        new = record(profile, connector_id, smart.station.clock.now_s(), stack_max, periods_max,
                     transaction_id)
        if not install(smart, new):
            raise Refused("MaxChargingProfilesInstalled reached")
    except Refused as e:
        log(smart, "profile %s Rejected: %s" % (profile["chargingProfileId"], e))
        return {"status": REJECTED}
    log(smart, "profile %d (%s, stack %d) on connector %d" % (
        new[ID], new[PURPOSE], new[STACK], connector_id))
    return {"status": ACCEPTED}


def clear_profiles(smart, payload):
    removed = clear(smart, lambda profile: cleared_by(payload, profile))
    log(smart, "%d profiles cleared" % removed)
    return {"status": ACCEPTED if removed else "Unknown"}


def _number(tenths):
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


def composite_schedule(smart, payload):
    connector_id = payload["connectorId"]
    duration_s = payload["duration"]
    unit = payload.get("chargingRateUnit") or "W"
    if not 0 <= connector_id <= len(smart.station.board.connectors) or duration_s < 1:
        return {"status": REJECTED}
    now_s = smart.station.clock.now_s()
    profiles = smart.profiles
    connectors = connector_states(smart)
    if connector_id == 0:
        volts = getattr(smart.station.board, "nominal_voltage_v", NOMINAL_VOLTAGE_V)
        rating_dw = getattr(smart.station.board, "max_power_w", UNRATED_W) * 10

        def limit_dw_at(t):
            return station_limit_dw(profiles, rating_dw, volts, t, now_s)
    else:
        volts = connectors[connector_id - 1].volts

        def limit_dw_at(t):
            return connector_limit_dw(profiles, connectors, connector_id - 1, t, now_s)

    def limit_at(t):  # in the unit asked, tenths
        limit_dw = limit_dw_at(t)
        return limit_dw if unit == "W" else limit_dw // volts

    periods, covered_s = composite(limit_at, profiles, now_s, duration_s,
                                   starts(now_s, connectors), COMPOSITE_MAX_PERIODS)
    start = format_iso8601(now_s)
    return {"status": ACCEPTED, "connectorId": connector_id, "scheduleStart": start,
            "chargingSchedule": {
                "duration": covered_s, "chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": offset, "limit": _number(limit)}
                                           for offset, limit in periods]}}
