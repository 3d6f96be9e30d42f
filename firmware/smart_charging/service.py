"""What the Smart Charging profile does besides answering requests (requests.py): its keys and
profiles at boot, installing and clearing profiles, and working out the limits of the
outputs. Loaded for each call of firmware.smart_charging.SmartCharging and unloaded after."""
from firmware.smart_charging.records import CONNECTOR, PERIODS, PURPOSE, TX_PROFILE, UNIT, \
    Refused, from_stored, record, replaces
from firmware.smart_charging.schedule import DAY_S, Connector, connector_limit_dw, \
    next_change_s
from firmware.smart_charging import PROFILES_FILE
from store.atomic import read_json_or_none, write_json_atomic

# Amperes become watts at a connector's present voltage once current flows, else at its
# nominal one (board contract: `nominal_voltage_v`, optional).
NOMINAL_VOLTAGE_V = 400
FLOWING_A = 1
# A connector's voltage moves this much before the watts of an amperes limit are worked out
# again.
VOLTAGE_STEP_V = 2
# A board that states no power rating (board contract `max_power_w`): more than any DC
# connector delivers, so only the profiles limit it.
UNRATED_W = 1000000
# A remote start's transaction begins within ConnectionTimeOut of its idTag's authorization,
# which takes at most this long (firmware.link's response timeout).
AUTHORIZING_S = 30


def _path(smart):
    return smart.station.board.state_dir + PROFILES_FILE


def load(smart):
    """The profiles kept in flash (not TxProfiles: section 7.10)."""
    try:
        stored = read_json_or_none(_path(smart))
        if stored is not None and type(stored) is not list:  # a list is all _save writes
            raise ValueError("not a list")
        smart.profiles = [from_stored(fields) for fields in stored or ()]
    except (OSError, ValueError, TypeError, IndexError) as e:
        log(smart, "%s unreadable (%s): no profiles" % (_path(smart), e))
    _changed(smart)


def log(smart, text):
    smart.station.board.log("smart charging: " + text)


def _changed(smart):
    smart.amperes = any(p[UNIT] == "A" for p in smart.profiles)
    smart.next_s = None
    if not smart.profiles:  # SmartCharging.update leaves them so
        smart.limits_w = [None] * len(smart.limits_w)


def _save(smart):
    write_json_atomic(_path(smart), [list(p[:PERIODS]) + [list(p[PERIODS])]
                                     for p in smart.profiles if p[PURPOSE] != TX_PROFILE])


def _kept_beside(smart, profile):
    """The installed profiles `profile` would not replace (records.replaces), or None when
    with it there would be more than MaxChargingProfilesInstalled."""
    kept = [p for p in smart.profiles if not replaces(profile, p)]
    if len(kept) >= smart.station.config.get("MaxChargingProfilesInstalled"):
        return None
    return kept


def install(smart, profile, refresh=True):
    """Adds `profile`, replacing the one it replaces (records.replaces); False, and nothing
    changed, when that would make more than MaxChargingProfilesInstalled. `refresh`: the
    outputs get the new limits at once (not when the station's refresh installs it)."""
    kept = _kept_beside(smart, profile)
    if kept is None:
        return False
    replaced = [p for p in smart.profiles if p not in kept]
    smart.profiles = kept + [profile]
    if any(p[PURPOSE] != TX_PROFILE for p in replaced + [profile]):
        _save(smart)
    _changed(smart)
    if refresh:
        smart.station.refresh()
    return True


def clear(smart, matches):
    """Removes the profiles `matches(record)` picks; how many."""
    kept = [p for p in smart.profiles if not matches(p)]
    removed = [p for p in smart.profiles if p not in kept]
    smart.profiles = kept
    if any(p[PURPOSE] != TX_PROFILE for p in removed):
        _save(smart)
    _changed(smart)
    smart.station.refresh()
    return len(removed)


def bounds(smart):
    """(ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods)."""
    config = smart.station.config
    return config.get("ChargeProfileMaxStackLevel"), config.get("ChargingScheduleMaxPeriods")


def take_remote_profile(smart, id_tag, connector_id, profile):
    if profile["chargingProfilePurpose"] != TX_PROFILE or profile.get("transactionId") is not None:
        log(smart, "a remote start's profile must be a TxProfile without transactionId")
        return False
    stack_max, periods_max = bounds(smart)
    try:
        new = record(profile, connector_id or 1, smart.station.clock.now_s(), stack_max, periods_max)
    except Refused as e:
        log(smart, "the remote start's profile: %s" % e)
        return False
    # On connector_id, or one the station picks later: then it replaces by its id only.
    new = new[:CONNECTOR] + (connector_id,) + new[CONNECTOR + 1:]
    if _kept_beside(smart, new) is None:
        log(smart, "no room for the remote start's profile")
        return False
    until_s = smart.station.clock.now_s() + AUTHORIZING_S + \
        smart.station.config.get("ConnectionTimeOut")
    smart.remote_profile = (id_tag, connector_id, new, until_s)
    return True


def voltage_v(smart, connector_id):
    """Its voltage now when current flows, else its nominal voltage: an int, never 0."""
    io = smart.station.board.connectors[connector_id - 1]
    try:
        if abs(io.current_a()) >= FLOWING_A:
            return max(int(io.voltage_v() + 0.5), 1)
    except Exception:  # a meter that does not answer: the nominal voltage
        pass
    return getattr(io, "nominal_voltage_v", NOMINAL_VOLTAGE_V)


def _follow_transactions(smart):
    """TxProfiles end with their transaction (section 7.10); a remote start's profile begins
    with the transaction it started (5.16.2). Whether a transaction started or ended."""
    changed = False
    for i in range(len(smart.seen)):
        transaction = smart.station.transactions.on_connector(i + 1)
        if transaction is smart.seen[i]:
            continue
        changed = True
        if smart.seen[i] is not None:
            smart.profiles = [p for p in smart.profiles
                              if p[PURPOSE] != TX_PROFILE or p[CONNECTOR] != i + 1]
            _changed(smart)
        smart.seen[i] = transaction
        remote = smart.remote_profile
        if transaction is not None and remote is not None and \
                smart.station.clock.corrected_s(transaction.started_s) > remote[3]:
            smart.remote_profile = remote = None  # its remote start began no transaction
        if transaction is not None and remote is not None and remote[0] == \
                transaction.id_tag and remote[1] in (None, i + 1):
            smart.remote_profile = None
            record = remote[2]
            if not install(smart, record[:CONNECTOR] + (i + 1,) + record[CONNECTOR + 1:],
                           refresh=False):
                log(smart, "no room for the remote start's profile")
    return changed


def _volts_moved(smart):
    moved = False
    for i in range(len(smart.volts)):
        volts = voltage_v(smart, i + 1)
        if abs(volts - smart.volts[i]) >= VOLTAGE_STEP_V:
            smart.volts[i] = volts
            moved = True
    return moved


def connector_states(smart):
    """schedule.Connector of each connector, as they stand now."""
    board = smart.station.board
    station_w = getattr(board, "max_power_w", UNRATED_W)
    states = []
    for connector_id, io in enumerate(board.connectors, 1):
        transaction = smart.station.transactions.on_connector(connector_id)
        in_transaction = transaction is not None and transaction.stopping is None
        states.append(Connector(
            connector_id, voltage_v(smart, connector_id),
            getattr(io, "max_power_w", station_w) * 10,
            smart.station.clock.corrected_s(transaction.started_s) if in_transaction else None,
            in_transaction,
            any(p[PURPOSE] == TX_PROFILE and p[CONNECTOR] == connector_id
                for p in smart.profiles)))
    return states


def starts(now_s, connectors):
    """The instants a Relative schedule may run from: the transactions' starts, and now for a
    connector that has none yet."""
    return [now_s] + [c.tx_start_s for c in connectors if c.tx_start_s is not None]


def work_out(smart, now_s):
    """The limit of each connector in a transaction (W, None: only its rating limits it), when
    something changed or is due."""
    due = smart.next_s is None or now_s >= smart.next_s
    changed = _follow_transactions(smart)
    if smart.amperes:
        changed = _volts_moved(smart) or changed
    if not (due or changed):
        return
    if not smart.profiles:
        smart.next_s = now_s + DAY_S
        return
    profiles = smart.profiles
    connectors = connector_states(smart)
    limits_w = []
    for i, connector in enumerate(connectors):
        limit_dw = None
        if connector.tx_start_s is not None:
            limit_dw = connector_limit_dw(profiles, connectors, i, now_s, now_s)
        limits_w.append(None if limit_dw is None or limit_dw >= connector.rating_dw
                        else limit_dw // 10)
    smart.limits_w = limits_w
    smart.next_s = next_change_s(profiles, now_s, starts(now_s, connectors))
