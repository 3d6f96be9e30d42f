"""What a card at the reader and a RemoteStartTransaction do (firmware.core.identification
tells the rules), loaded for each card and each remote start and unloaded after: between
them an idle station holds none of it. Each function takes the Identification service, whose
lock the caller holds."""
from firmware.core.authorization import ACCEPTED, CONCURRENT_TX, accepted
from firmware.core.identification import ANY_CONNECTOR, TAG


async def route(ident, id_tag):
    running = ident.transactions.of_tag(id_tag)
    if running is not None:
        ident.transactions.stop(running.connector_id, "Local", id_tag)
        return
    for key in list(ident.holds):
        if ident.holds[key][TAG] == id_tag:
            del ident.holds[key]
            ident.log("auth: %s presented again, authorization cancelled" % id_tag)
            ident.on_change()
            return
    if not ident.may_charge():
        ident.log("auth: %s ignored, not accepted by the Central System yet" % id_tag)
        return
    connector_id = waiting_connector(ident)
    if connector_id is not None:
        if ident.reservation_rule("may_try", connector_id, id_tag, None) is False:
            _refused(ident, id_tag, "connector %d is" % connector_id)
            return
        info = await ident.authorization.authorize(id_tag)
        if accepted(info) and ident.waiting(connector_id):
            if ident.admits(connector_id, id_tag, info):
                ident.start(connector_id, id_tag, info)
            else:
                _refused(ident, id_tag, "connector %d is" % connector_id)
        return
    info = None
    groups = _running_groups(ident)
    if groups:
        info = await ident.authorization.authorize(id_tag)
        parent = info.get("parentIdTag") if info else None
        if parent is not None and info["status"] in (ACCEPTED, CONCURRENT_TX):
            for connector_id in groups:
                if groups[connector_id] == parent:
                    ident.transactions.stop(connector_id, "Local", id_tag)
                    return
    if not any_free(ident):
        ident.log("auth: %s ignored, no connector is free" % id_tag)
        return
    stuck = _stuck_connector(ident)
    if stuck is not None:
        ident.log("auth: %s refused, the EV at connector %d cannot charge now" % (id_tag,
                                                                                 stuck))
        return
    if info is None:
        if not _free_for(ident, "may_try", id_tag, None):
            _refused(ident, id_tag, "every free connector is")
            return
        info = await ident.authorization.authorize(id_tag)
    if not accepted(info):
        return
    # An EV plugged while the Central System answered: the card is for it (the hold would
    # wait for a plug that already happened).
    connector_id = waiting_connector(ident)
    if connector_id is not None and ident.admits(connector_id, id_tag, info):
        ident.start(connector_id, id_tag, info)
    elif _free_for(ident, "admits", id_tag, info):
        ident.hold(ANY_CONNECTOR, id_tag, info)
    else:
        _refused(ident, id_tag, "every free connector is")


def _free_for(ident, rule, id_tag, info):
    """A free connector the reservation rule "admits" or "may_try" lets id_tag in."""
    for connector_id in range(1, len(ident.inputs) + 1):
        if ident.free(connector_id) and \
                ident.reservation_rule(rule, connector_id, id_tag, info) is not False:
            return True
    return False


def _stuck_connector(ident):
    """A connector an EV is plugged at that cannot start (faulted, inoperative)."""
    for connector_id in range(1, len(ident.inputs) + 1):
        if ident.inputs[connector_id - 1].plugged and not ident.waiting(connector_id) \
                and ident.transactions.on_connector(connector_id) is None:
            return connector_id
    return None


def _running_groups(ident):
    """connector id -> parentIdTag of the card that started its running transaction."""
    groups = {}
    for connector_id in range(1, len(ident.inputs) + 1):
        transaction = ident.transactions.on_connector(connector_id)
        if transaction is None:
            ident.parents.pop(connector_id, None)
            continue
        known = ident.parents.get(connector_id)
        if known is not None and known[0] == transaction.id_tag and known[1] is not None:
            groups[connector_id] = known[1]
            continue
        local = ident.authorization.known(transaction.id_tag)
        if local is not None and local.get("parentIdTag") is not None:
            groups[connector_id] = local["parentIdTag"]
    return groups


async def remote_start(ident, id_tag, connector_id, authorize_first):
    """Starts on connector_id (ANY_CONNECTOR: the station's choice) once authorized, at
    once when an EV waits there, else when one is plugged within ConnectionTimeOut."""
    info = None
    # 5.13: only its parentIdTag may let it use a reserved connector.
    connectors = range(1, len(ident.inputs) + 1) if connector_id == ANY_CONNECTOR \
        else (connector_id,)
    if authorize_first or not any(ident.admits(c, id_tag, None) for c in connectors):
        info = await ident.authorization.authorize(id_tag)
        if authorize_first and not accepted(info):
            ident.log("auth: remote start for %s not authorized" % id_tag)
            return
    if connector_id == ANY_CONNECTOR and waiting_connector(ident) is not None:
        connector_id = waiting_connector(ident)
    if connector_id != ANY_CONNECTOR and not ident.admits(connector_id, id_tag, info):
        _refused(ident, id_tag, "connector %d is" % connector_id)
    elif connector_id != ANY_CONNECTOR and ident.waiting(connector_id):
        ident.start(connector_id, id_tag, info)
    elif (connector_id == ANY_CONNECTOR and any_free(ident)) or \
            (connector_id != ANY_CONNECTOR and ident.free(connector_id)):
        ident.hold(connector_id, id_tag, info)
    else:
        ident.log("auth: remote start for %s: the connector is no longer free" % id_tag)


def _refused(ident, id_tag, where):
    ident.log("auth: %s refused, %s reserved for another idTag" % (id_tag, where))


def held_for(ident, connector_id):
    """The id tag a RemoteStartTransaction holds for this very connector, or None."""
    hold = ident.live_hold(connector_id)
    return hold[TAG] if hold else None


def waiting_connector(ident):
    for connector_id in range(1, len(ident.inputs) + 1):
        if ident.waiting(connector_id):
            return connector_id
    return None


def any_free(ident):
    for connector_id in range(1, len(ident.inputs) + 1):
        if ident.free(connector_id):
            return True
    return False
