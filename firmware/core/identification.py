"""The single RFID reader shared by both connectors, and authorizations that wait for a plug.

A card presented at the reader goes
1. to the transaction it started, which it stops (no Authorize: OCPP 1.6 section 4.1);
2. else, when it is the card an authorization is held for, it cancels that authorization
   (section 4.9 B1: a second presentation of the idTag ends the intended usage);
3. else to the connector waiting for identification (EV plugged, no transaction): it is
   authorized, then a transaction starts there;
4. else, when a running transaction was started by a card with a parentIdTag, it is
   authorized and stops that transaction if its own parentIdTag is the same (section 3.10);
5. else, while a connector is free and no EV is plugged at a connector that cannot charge
   (faulted, inoperative: the card is for that one, TC_041), it is authorized and held for
   the next connector plugged within ConnectionTimeOut seconds; the free connectors show
   Preparing meanwhile.
A connector reserved (firmware.reservation) takes only the reservation's idTag, or one with
its parentIdTag, at steps 3 and 5: another card is refused there, without an Authorize.req
when no parentIdTag could let it in (section 5.13).
A RemoteStartTransaction for a connector without an EV holds its authorization the same way,
for that connector (or for any, when the request named none).

An EV plugged first that sees no identification within ConnectionTimeOut makes its connector
Available again (section 4.9 B6, errata 3.77); a card presented later still starts there.
"""
import asyncio

from firmware.core.authorization import ACCEPTED, CONCURRENT_TX, accepted
from firmware.config import INTEGER, Key

# The key of an authorization held for whichever connector is plugged next.
ANY_CONNECTOR = 0
_TAG, _INFO, _SINCE_MS = 0, 1, 2


class Identification:
    def __init__(self, *, config, authorization, transactions, inputs, may_start_on, may_charge,
                 on_change, ticks_ms, ticks_diff, log, reservations=None):
        """`inputs`: the connectors' Inputs; `may_start_on(connector_id)`: no fault, operative
        and no transaction there; `may_charge()`: the station may start transactions at all;
        `on_change()`: the statuses are to be recomputed; `reservations`: the Reservation
        profile's, when the station has it."""
        config.declare(Key("ConnectionTimeOut", INTEGER, 60, minimum=1, maximum=3600))
        self._config = config
        self._authorization = authorization
        self._transactions = transactions
        self._inputs = inputs
        self._may_start_on = may_start_on
        self._may_charge = may_charge
        self._on_change = on_change
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._log = log
        self._reservations = reservations
        self._lock = asyncio.Lock()
        # connector id (ANY_CONNECTOR: the next plugged) -> [id tag, idTagInfo, since ms]
        self._holds = {}
        # connector id -> ticks of the plug, while an EV plugged first waits for a card
        self._plugged_ms = {}
        # connector id -> (id tag, parentIdTag) the running transaction was authorized with
        self._parents = {}

    # ---- connector conditions -----------------------------------------------------------

    def waiting(self, connector_id):
        """An EV is plugged and the connector could start a transaction for it."""
        return self._inputs[connector_id - 1].plugged and self._may_start_on(connector_id)

    def free(self, connector_id):
        """No EV, no transaction, no fault: a connector an authorization can be held for."""
        return not self._inputs[connector_id - 1].plugged \
            and self._may_start_on(connector_id)

    def held_for(self, connector_id):
        """The id tag a RemoteStartTransaction holds for this very connector, or None."""
        hold = self._live_hold(connector_id)
        return hold[_TAG] if hold else None

    def waiting_connector(self):
        for connector_id in range(1, len(self._inputs) + 1):
            if self.waiting(connector_id):
                return connector_id
        return None

    def _any_free(self):
        for connector_id in range(1, len(self._inputs) + 1):
            if self.free(connector_id):
                return True
        return False

    # ---- reservations ----------------------------------------------------------------------

    def _reservation_rule(self, name, *args):
        """firmware.reservation.service.<name>(...) while a reservation is in force, else
        True: without one every idTag may start everywhere."""
        reservations = self._reservations
        return not (reservations and reservations.entries) or reservations.call(name, *args)

    def admits(self, connector_id, id_tag, info):
        """id_tag, authorized with idTagInfo `info` (None: not asked), may start there."""
        return self._reservation_rule("admits", connector_id, id_tag, info)

    def may_try(self, connector_id, id_tag):
        """id_tag may start there, or may once its parentIdTag is known."""
        return self._reservation_rule("may_try", connector_id, id_tag)

    def _refused(self, id_tag, where):
        self._log("auth: %s refused, %s reserved for another idTag" % (id_tag, where))

    # ---- timing ----------------------------------------------------------------------------

    def _timed_out(self, since_ms):
        timeout_ms = self._config.get("ConnectionTimeOut") * 1000
        return self._ticks_diff(self._ticks_ms(), since_ms) > timeout_ms

    def _live_hold(self, key):
        hold = self._holds.get(key)
        if hold is not None and self._timed_out(hold[_SINCE_MS]):
            del self._holds[key]
            self._log("auth: %s expired before a connector was plugged" % hold[_TAG])
            return None
        return hold

    def update_inputs(self):
        """Sets each connector's `authorized` and `connection_timed_out` inputs for now."""
        any_hold = self._live_hold(ANY_CONNECTOR)
        for connector_id in range(1, len(self._inputs) + 1):
            inputs = self._inputs[connector_id - 1]
            held = self._live_hold(connector_id) is not None or (
                any_hold is not None and self.admits(connector_id, any_hold[_TAG],
                                                     any_hold[_INFO]))
            inputs.authorized = held and self.free(connector_id)
            plugged_ms = self._plugged_ms.get(connector_id)
            inputs.connection_timed_out = plugged_ms is not None \
                and self._transactions.on_connector(connector_id) is None \
                and self._timed_out(plugged_ms)

    # ---- the hardware ----------------------------------------------------------------------

    def plugged(self, connector_id):
        """An EV was plugged: it starts at once with an authorization held for it."""
        self._plugged_ms[connector_id] = self._ticks_ms()
        if not (self._may_charge() and self.waiting(connector_id)):
            return  # a hold stays for a connector that can start
        for key in (connector_id, ANY_CONNECTOR):
            hold = self._live_hold(key)
            if hold is not None and self.admits(connector_id, hold[_TAG], hold[_INFO]):
                del self._holds[key]
                self._start(connector_id, hold[_TAG], hold[_INFO])
                return

    def unplugged(self, connector_id):
        self._plugged_ms.pop(connector_id, None)

    def _start(self, connector_id, id_tag, info):
        self._plugged_ms.pop(connector_id, None)
        self._parents[connector_id] = (id_tag, info.get("parentIdTag") if info else None)
        reservations = self._reservations
        reservation_id = reservations.call("take", connector_id, id_tag, info) \
            if reservations and reservations.entries else None
        self._transactions.start(connector_id, id_tag, reservation_id)

    def _hold(self, key, id_tag, info):
        self._holds[key] = [id_tag, info, self._ticks_ms()]
        self._log("auth: %s held for %s" % (id_tag, "connector %d" % key if key
                                            else "the next connector plugged"))
        self._on_change()

    # ---- the reader ------------------------------------------------------------------------

    async def tap(self, id_tag):
        async with self._lock:  # one card at a time: each outcome changes the next one's
            await self._route(id_tag)

    async def _route(self, id_tag):
        running = self._transactions.of_tag(id_tag)
        if running is not None:
            self._transactions.stop(running.connector_id, "Local", id_tag)
            return
        for key in list(self._holds):
            if self._holds[key][_TAG] == id_tag:
                del self._holds[key]
                self._log("auth: %s presented again, authorization cancelled" % id_tag)
                self._on_change()
                return
        if not self._may_charge():
            self._log("auth: %s ignored, not accepted by the Central System yet" % id_tag)
            return
        connector_id = self.waiting_connector()
        if connector_id is not None:
            if not self.may_try(connector_id, id_tag):
                self._refused(id_tag, "connector %d is" % connector_id)
                return
            info = await self._authorization.authorize(id_tag)
            if accepted(info) and self.waiting(connector_id):
                if self.admits(connector_id, id_tag, info):
                    self._start(connector_id, id_tag, info)
                else:
                    self._refused(id_tag, "connector %d is" % connector_id)
            return
        info = None
        groups = self._running_groups()
        if groups:
            info = await self._authorization.authorize(id_tag)
            parent = info.get("parentIdTag") if info else None
            if parent is not None and info["status"] in (ACCEPTED, CONCURRENT_TX):
                for connector_id in groups:
                    if groups[connector_id] == parent:
                        self._transactions.stop(connector_id, "Local", id_tag)
                        return
        if not self._any_free():
            self._log("auth: %s ignored, no connector is free" % id_tag)
            return
        stuck = self._stuck_connector()
        if stuck is not None:
            self._log("auth: %s refused, the EV at connector %d cannot charge now" % (id_tag,
                                                                                     stuck))
            return
        if info is None:
            if not self._free_for(self.may_try, id_tag):
                self._refused(id_tag, "every free connector is")
                return
            info = await self._authorization.authorize(id_tag)
        if accepted(info):
            if self._free_for(lambda c, tag: self.admits(c, tag, info), id_tag):
                self._hold(ANY_CONNECTOR, id_tag, info)
            else:
                self._refused(id_tag, "every free connector is")

    def _free_for(self, rule, id_tag):
        """A free connector whose reservations' `rule(connector_id, id_tag)` lets id_tag in."""
        for connector_id in range(1, len(self._inputs) + 1):
            if self.free(connector_id) and rule(connector_id, id_tag):
                return True
        return False

    def _stuck_connector(self):
        """A connector an EV is plugged at that cannot start (faulted, inoperative)."""
        for connector_id in range(1, len(self._inputs) + 1):
            if self._inputs[connector_id - 1].plugged and not self.waiting(connector_id) \
                    and self._transactions.on_connector(connector_id) is None:
                return connector_id
        return None

    def _running_groups(self):
        """connector id -> parentIdTag of the card that started its running transaction."""
        groups = {}
        for connector_id in range(1, len(self._inputs) + 1):
            transaction = self._transactions.on_connector(connector_id)
            if transaction is None:
                self._parents.pop(connector_id, None)
                continue
            known = self._parents.get(connector_id)
            if known is not None and known[0] == transaction.id_tag and known[1] is not None:
                groups[connector_id] = known[1]
                continue
            local = self._authorization.known(transaction.id_tag)
            if local is not None and local.get("parentIdTag") is not None:
                groups[connector_id] = local["parentIdTag"]
        return groups

    # ---- RemoteStartTransaction ------------------------------------------------------------

    async def remote_start(self, id_tag, connector_id, authorize_first):
        """Starts on connector_id (ANY_CONNECTOR: the station's choice) once authorized, at
        once when an EV waits there, else when one is plugged within ConnectionTimeOut."""
        async with self._lock:
            info = None
            # 5.13: only its parentIdTag may let it use a reserved connector.
            connectors = range(1, len(self._inputs) + 1) if connector_id == ANY_CONNECTOR \
                else (connector_id,)
            if authorize_first or not any(self.admits(c, id_tag, None) for c in connectors):
                info = await self._authorization.authorize(id_tag)
                if authorize_first and not accepted(info):
                    self._log("auth: remote start for %s not authorized" % id_tag)
                    return
            if connector_id == ANY_CONNECTOR and self.waiting_connector() is not None:
                connector_id = self.waiting_connector()
            if connector_id != ANY_CONNECTOR and not self.admits(connector_id, id_tag, info):
                self._refused(id_tag, "connector %d is" % connector_id)
            elif connector_id != ANY_CONNECTOR and self.waiting(connector_id):
                self._start(connector_id, id_tag, info)
            elif (connector_id == ANY_CONNECTOR and self._any_free()) or \
                    (connector_id != ANY_CONNECTOR and self.free(connector_id)):
                self._hold(connector_id, id_tag, info)
            else:
                self._log("auth: remote start for %s: the connector is no longer free" % id_tag)
