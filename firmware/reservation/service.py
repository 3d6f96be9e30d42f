"""The rules of reservations in force (OCPP 1.6 section 5.13), loaded for each use and
unloaded after (firmware.station's reservation_rule). Each function takes the station.

A reservation for connector 1 or 2 keeps that connector from every idTag but its own (or one
with the same parentIdTag); one for connector 0 keeps the last usable connector so, while
another may be used by anyone. A start by the reservation's idTag where it applies ends it
(its reservationId goes in the StartTransaction); so do its expiryDate, its connector
faulted or made unavailable (or, for connector 0, the whole station unavailable).
"""
from firmware.connector import NO_ERROR, WARNING_ONLY
from firmware.reservation import RESERVATIONS_FILE
from store.atomic import read_json_or_none, remove, write_json_atomic

_ID, _CONNECTOR, _TAG, _PARENT, _EXPIRY_S = 0, 1, 2, 3, 4


def _path(station):
    return station.board.state_dir + RESERVATIONS_FILE


def log(station, text):
    station.board.log("reservation: " + text)


def _well_formed(entry, connector_count):
    return type(entry) is list and len(entry) == 5 and type(entry[_ID]) is int \
        and type(entry[_CONNECTOR]) is int and 0 <= entry[_CONNECTOR] <= connector_count \
        and type(entry[_TAG]) is str \
        and (entry[_PARENT] is None or type(entry[_PARENT]) is str) \
        and type(entry[_EXPIRY_S]) is int


def load(station):
    """The reservations in force before the boot (they outlive it until they end), if any."""
    try:
        entries = read_json_or_none(_path(station))
    except (OSError, ValueError) as e:
        entries = e
    if entries is None:
        return
    count = len(station.board.connectors)
    if type(entries) is not list or not all(_well_formed(e, count) for e in entries):
        log(station, "%s damaged (%s), none in force" % (_path(station), entries))
        remove(_path(station))
        return
    station.reservations = entries
    log(station, "%d in force" % len(entries))


def save(station):
    if station.reservations:
        write_json_atomic(_path(station), station.reservations)
    else:
        remove(_path(station))


def end(station, entry, why):
    station.reservations = [e for e in station.reservations if e is not entry]
    log(station, "%d for %s on connector %d ended: %s" % (entry[_ID], entry[_TAG],
                                                   entry[_CONNECTOR], why))
    try:
        save(station)
    except OSError as e:  # at the next boot it is in force again until it expires
        log(station, "not saved (OSError %s)" % e.errno)


def _same(a, b):
    # IdToken is CiString20: compared case-insensitively, ASCII as on both interpreters.
    return a is not None and b is not None and len(a) == len(b) and \
        bytes(c - 32 if 97 <= c <= 122 else c for c in a.encode()) == \
        bytes(c - 32 if 97 <= c <= 122 else c for c in b.encode())


def _holds(entry, id_tag, info):
    """id_tag (authorized with idTagInfo `info`, or None when not asked) is the
    reservation's idTag, or has its parentIdTag."""
    return _same(entry[_TAG], id_tag) or \
        (info is not None and _same(entry[_PARENT], info.get("parentIdTag")))


def _own(station, connector_id, id_tag, info):
    """The reservation id_tag holds that a start on connector_id would use, or None."""
    for entry in station.reservations:
        if entry[_CONNECTOR] in (0, connector_id) and _holds(entry, id_tag, info):
            return entry
    return None


def against(station, connector_id):
    """The reservation that keeps connector_id from other idTags, or None: one for it, or
    one for connector 0 when connector_id is the only usable connector no reservation
    names."""
    for entry in station.reservations:
        if entry[_CONNECTOR] == connector_id:
            return entry
    named = [e[_CONNECTOR] for e in station.reservations]
    for entry in station.reservations:
        if entry[_CONNECTOR] == 0:
            left = [c for c in range(1, len(station.inputs) + 1)
                    if c not in named and station.may_start_on(c)]
            if left == [connector_id]:
                return entry
    return None


def admits(station, connector_id, id_tag, info):
    """id_tag (with its idTagInfo `info`, or None) may start on connector_id."""
    return _own(station, connector_id, id_tag, info) is not None or \
        against(station, connector_id) is None


def may_try(station, connector_id, id_tag, info=None):
    """id_tag may start on connector_id, or may once its parentIdTag is known (5.13: the
    station authorizes it to learn it). False: refused there whatever its parent, and so
    not worth an Authorize.req. (`info`: unused, as admits' is not known yet.)"""
    if admits(station, connector_id, id_tag, None):
        return True
    for entry in station.reservations:
        if entry[_CONNECTOR] in (0, connector_id) and entry[_PARENT] is not None:
            return True
    return False


def take(station, connector_id, id_tag, info):
    """The reservationId a start of id_tag on connector_id ends (section 4.8), or None."""
    entry = _own(station, connector_id, id_tag, info)
    if entry is None:
        return None
    end(station, entry, "used by %s on connector %d" % (id_tag, connector_id))
    return entry[_ID]


def faulted(inputs):
    """An error code that keeps the connector Faulted (EVCommunicationError is a warning)."""
    return inputs.error_code != NO_ERROR and inputs.error_code not in WARNING_ONLY


def unavailable(station, connector_id):
    """Inoperative (ChangeAvailability), or held by the emergency stop."""
    return not station.availability.operative(connector_id) or \
        station.inputs[connector_id - 1].emergency_stop


def _unusable(station, connector_id):
    """Why a reservation for connector_id ends now (section 5.13 (3)), or None."""
    if not station.availability.operative(0):
        return "the station is unavailable"
    if connector_id == 0:
        return None
    inputs = station.inputs[connector_id - 1]
    if faulted(inputs):
        return "the connector is faulted (%s)" % inputs.error_code
    if unavailable(station, connector_id):
        return "the connector is unavailable"
    return None


def update(station):
    """The connectors that show Reserved, once the reservations that expired or can no longer
    be used have ended."""
    clock = station.clock
    now_s = clock.now_s() if clock.synchronised else None
    for entry in list(station.reservations):
        why = _unusable(station, entry[_CONNECTOR])
        if why is None and now_s is not None and entry[_EXPIRY_S] <= now_s:
            why = "expired"
        if why is not None:
            end(station, entry, why)
    return [c for c in range(1, len(station.inputs) + 1) if against(station, c) is not None]
