"""ReserveNow and CancelReservation (OCPP 1.6 sections 5.1, 5.13, 6.35, 6.39): loaded for
each request and unloaded after (firmware.reservation).

ReserveNow, in this order: Rejected while ReservationEnabled is false, for connector 0 while
ReserveConnectorZeroSupported is false, for a connector the station does not have, and for
an expiryDate already past; then Faulted, Unavailable or Occupied as the connector (for
connector 0: every connector, or the station) is; else Accepted. A reservationId in force is
replaced by the new reservation, which is judged without the old one in the way; when the
new one is refused the old one stays. CancelReservation: Accepted and ended for a
reservationId in force, else Rejected.
"""
from firmware.clock import parse_iso8601
from firmware.reservation.service import end, faulted, log, save, unavailable

ACCEPTED = "Accepted"
FAULTED = "Faulted"
OCCUPIED = "Occupied"
REJECTED = "Rejected"
UNAVAILABLE = "Unavailable"


def answer(station, action, payload):
    """The station's handler of both requests (firmware.station ON_DEMAND)."""
    reservation_id = payload["reservationId"]
    kept = [e for e in station.reservations if e[0] != reservation_id]
    if action == "CancelReservation":
        if len(kept) == len(station.reservations):
            log(station, "cancel of %d Rejected: none in force" % reservation_id)
            return {"status": REJECTED}
        end(station, [e for e in station.reservations if e[0] == reservation_id][0],
            "cancelled")
        return {"status": ACCEPTED}, station.refresh
    connector_id = payload["connectorId"]
    status, why = _judge(station, connector_id, payload["expiryDate"], kept)
    if status != ACCEPTED:
        log(station, "%d on connector %d %s: %s" % (reservation_id, connector_id, status, why))
        return {"status": status}
    entry = [reservation_id, connector_id, payload["idTag"], payload.get("parentIdTag"),
             parse_iso8601(payload["expiryDate"])]
    before = station.reservations
    station.reservations = kept + [entry]
    try:
        save(station)
    except OSError as e:
        station.reservations = before
        log(station, "%d Rejected: not saved (OSError %s)" % (reservation_id, e.errno))
        return {"status": REJECTED}
    log(station, "%d for %s on connector %d until %s" % (reservation_id, payload["idTag"],
                                                    connector_id, payload["expiryDate"]))
    return {"status": ACCEPTED}, station.refresh


def _judge(station, connector_id, expiry_date, kept):
    """(status, why) for a reservation of connector_id, `kept` the others in force."""
    config = station.config
    count = len(station.inputs)
    if not config.get("ReservationEnabled"):
        return REJECTED, "ReservationEnabled is false"
    if connector_id == 0 and not config.get("ReserveConnectorZeroSupported"):
        return REJECTED, "ReserveConnectorZeroSupported is false"
    if not 0 <= connector_id <= count:
        return REJECTED, "no such connector"
    try:
        expiry_s = parse_iso8601(expiry_date)
    except ValueError:
        return REJECTED, "expiryDate %r unreadable" % expiry_date
    if station.clock.synchronised and expiry_s <= station.clock.now_s():
        return REJECTED, "expiryDate %s has passed" % expiry_date
    if not station.availability.operative(0):
        return UNAVAILABLE, "the station is unavailable"
    named = [e[1] for e in kept]
    if connector_id == 0:
        if 0 in named:
            return OCCUPIED, "connector 0 is reserved already"
        states = [_state(station, c, named) for c in range(1, count + 1)]
        if ACCEPTED in states:
            return ACCEPTED, None
        for status in (FAULTED, UNAVAILABLE):
            if all(s == status for s in states):
                return status, "every connector is " + status
        return OCCUPIED, "no connector is free"
    status = _state(station, connector_id, named)
    if status == ACCEPTED and 0 in named and \
            [c for c in range(1, count + 1) if _state(station, c, named) == ACCEPTED] == \
            [connector_id]:
        return OCCUPIED, "the last free connector, kept for connector 0's reservation"
    return status, None if status == ACCEPTED else "the connector is " + status


def _state(station, connector_id, named):
    """What a reservation of connector_id finds there: Faulted, Unavailable, Occupied (in
    use, an EV or a card waiting, or reserved), or Accepted."""
    inputs = station.inputs[connector_id - 1]
    if faulted(inputs):
        return FAULTED
    if unavailable(station, connector_id):
        return UNAVAILABLE
    if inputs.in_transaction or inputs.plugged or inputs.authorized or inputs.finishing \
            or connector_id in named:
        return OCCUPIED
    return ACCEPTED
