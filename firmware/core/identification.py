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

from firmware import on_demand

from firmware.config import INTEGER, Key

# The key of an authorization held for whichever connector is plugged next.
ANY_CONNECTOR = 0
TAG, INFO, SINCE_MS = 0, 1, 2  # of a hold
READER = "firmware.core.reader"


def _no_reservation(*_):
    return None  # a station without the Reservation profile: none is ever in force


class Identification:
    def __init__(self, *, config, authorization, transactions, inputs, may_start_on, may_charge,
                 on_change, ticks_ms, ticks_diff, log, reservation_rule=None):
        """`inputs`: the connectors' Inputs; `may_start_on(connector_id)`: no fault, operative
        and no transaction there; `may_charge()`: the station may start transactions at all;
        `on_change()`: the statuses are to be recomputed; `reservation_rule(name, ...)`: the
        Reservation profile's rules (firmware.reservation.service), None while no
        reservation is in force -- "admits" (connector id, id tag, idTagInfo or None),
        "may_try" (the same: or may, once its parentIdTag is known), "take"
        (the reservationId a start ends)."""
        config.declare(Key("ConnectionTimeOut", INTEGER, 60, minimum=1, maximum=3600))
        self._config = config
        self.authorization = authorization
        self.transactions = transactions
        self.inputs = inputs
        self._may_start_on = may_start_on
        self.may_charge = may_charge
        self.on_change = on_change
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self.log = log
        self.reservation_rule = reservation_rule or _no_reservation
        self._lock = asyncio.Lock()
        # connector id (ANY_CONNECTOR: the next plugged) -> [id tag, idTagInfo, since ms]
        self.holds = {}
        # connector id -> ticks of the plug, while an EV plugged first waits for a card
        self._plugged_ms = {}
        # connector id -> (id tag, parentIdTag) the running transaction was authorized with
        self.parents = {}

    # ---- connector conditions -----------------------------------------------------------

    def waiting(self, connector_id):
        """An EV is plugged and the connector could start a transaction for it."""
        return self.inputs[connector_id - 1].plugged and self._may_start_on(connector_id)

    def free(self, connector_id):
        """No EV, no transaction, no fault: a connector an authorization can be held for."""
        return not self.inputs[connector_id - 1].plugged \
            and self._may_start_on(connector_id)

    def admits(self, connector_id, id_tag, info):
        """id_tag (with its idTagInfo, or None) may start there as far as reservations go."""
        return self.reservation_rule("admits", connector_id, id_tag, info) is not False

    # ---- timing ----------------------------------------------------------------------------

    def _timed_out(self, since_ms):
        timeout_ms = self._config.get("ConnectionTimeOut") * 1000
        return self._ticks_diff(self._ticks_ms(), since_ms) > timeout_ms

    def live_hold(self, key):
        hold = self.holds.get(key)
        if hold is not None and self._timed_out(hold[SINCE_MS]):
            del self.holds[key]
            self.log("auth: %s expired before a connector was plugged" % hold[TAG])
            return None
        return hold

    def update_inputs(self):
        """Sets each connector's `authorized` and `connection_timed_out` inputs for now."""
        any_hold = self.live_hold(ANY_CONNECTOR)
        for connector_id in range(1, len(self.inputs) + 1):
            inputs = self.inputs[connector_id - 1]
            held = self.live_hold(connector_id) is not None or (
                any_hold is not None and self.admits(connector_id, any_hold[TAG],
                                                     any_hold[INFO]))
            inputs.authorized = held and self.free(connector_id)
            plugged_ms = self._plugged_ms.get(connector_id)
            inputs.connection_timed_out = plugged_ms is not None \
                and self.transactions.on_connector(connector_id) is None \
                and self._timed_out(plugged_ms)

    # ---- the hardware ----------------------------------------------------------------------

    def plugged(self, connector_id):
        """An EV was plugged: it starts at once with an authorization held for it."""
        self._plugged_ms[connector_id] = self._ticks_ms()
        if not (self.may_charge() and self.waiting(connector_id)):
            return  # a hold stays for a connector that can start
        for key in (connector_id, ANY_CONNECTOR):
            hold = self.live_hold(key)
            if hold is not None and self.admits(connector_id, hold[TAG], hold[INFO]):
                del self.holds[key]
                self.start(connector_id, hold[TAG], hold[INFO])
                return

    def unplugged(self, connector_id):
        self._plugged_ms.pop(connector_id, None)

    def start(self, connector_id, id_tag, info):
        self._plugged_ms.pop(connector_id, None)
        self.parents[connector_id] = (id_tag, info.get("parentIdTag") if info else None)
        self.transactions.start(connector_id, id_tag,
                                 self.reservation_rule("take", connector_id, id_tag, info))

    def hold(self, key, id_tag, info):
        self.holds[key] = [id_tag, info, self._ticks_ms()]
        self.log("auth: %s held for %s" % (id_tag, "connector %d" % key if key
                                            else "the next connector plugged"))
        self.on_change()

    # ---- the reader ------------------------------------------------------------------------

    async def tap(self, id_tag):
        async with self._lock:  # one card at a time: each outcome changes the next one's
            with on_demand.loaded(READER) as reader:  # a card's rules, loaded for it
                await reader.route(self, id_tag)

    # ---- RemoteStartTransaction ------------------------------------------------------------

    async def remote_start(self, id_tag, connector_id, authorize_first):
        """Starts on connector_id (ANY_CONNECTOR: the station's choice) once authorized, at
        once when an EV waits there, else when one is plugged within ConnectionTimeOut."""
        async with self._lock:
            with on_demand.loaded(READER) as reader:
                await reader.remote_start(self, id_tag, connector_id, authorize_first)
