# The shared reader's tap rule, authorizations held for the plug, ConnectionTimeOut for
# identification first and plug first (4.9 B1/B6, TC_004_2), stop by the same idTag or one
# with the same parentIdTag (3.10, 4.1, TC_068/TC_069), on fake time and transactions.
from firmware.connector import AVAILABLE, PREPARING, Inputs, derive_status
from firmware.core.identification import ANY_CONNECTOR, Identification
from firmware.core.reader import held_for
from test_auth_cache import Rig as AuthRig

TIMEOUT_S = 5


class Transaction:
    def __init__(self, connector_id, id_tag, transaction_id):
        self.connector_id = connector_id
        self.id_tag = id_tag
        self.transaction_id = transaction_id


class Transactions:
    """What identification and remote use of firmware.core.transactions, recorded."""

    def __init__(self):
        self.active = {}
        self.stopped = []
        self._ids = 100

    def on_connector(self, connector_id):
        return self.active.get(connector_id)

    def of_tag(self, id_tag):
        for transaction in self.active.values():
            if transaction.id_tag == id_tag:
                return transaction
        return None

    def start(self, connector_id, id_tag, reservation_id=None):
        self._ids += 1
        self.active[connector_id] = Transaction(connector_id, id_tag, self._ids)

    def stop(self, connector_id, reason, id_tag=None):
        transaction = self.active.pop(connector_id)
        self.stopped.append((connector_id, reason, id_tag))
        return transaction


class Rig(AuthRig):
    def __init__(self, name, **options):
        AuthRig.__init__(self, name, **options)
        self.inputs = [Inputs(), Inputs()]
        self.transactions = Transactions()
        self.accepted_station = True
        self.changes = 0
        self.faulted = set()

        def may_start_on(connector_id):
            return connector_id not in self.faulted \
                and self.transactions.on_connector(connector_id) is None

        def on_change():
            self.changes += 1
        self.identification = Identification(config=self.config, authorization=self.auth,
                                             transactions=self.transactions, inputs=self.inputs,
                                             may_start_on=may_start_on,
                                             may_charge=lambda: self.accepted_station,
                                             on_change=on_change, ticks_ms=self.ticks,
                                             ticks_diff=lambda a, b: a - b, log=self.lines.append)
        self.set("ConnectionTimeOut", str(TIMEOUT_S))

    def plug(self, connector_id):
        self.inputs[connector_id - 1].plugged = True
        self.identification.plugged(connector_id)

    def unplug(self, connector_id):
        self.inputs[connector_id - 1].plugged = False
        self.identification.unplugged(connector_id)

    def statuses(self):
        self.identification.update_inputs()
        return [derive_status(inputs) for inputs in self.inputs]

    def wait_s(self, seconds):
        self.ticks.ms += int(seconds * 1000)

    def running(self):
        return dict((c, t.id_tag) for c, t in self.transactions.active.items())


async def test_plugged_first_then_tap_authorizes_and_starts_there():  # TC_003
    rig = Rig("id_plug_first")
    rig.plug(2)
    assert rig.statuses() == [AVAILABLE, PREPARING]
    await rig.identification.tap("A")
    assert rig.cs.asked == ["A"]
    assert rig.running() == {2: "A"}


async def test_an_ev_plugged_while_the_card_is_authorized_starts_there():
    """The driver taps, then plugs before the Central System answers: the card is for that
    EV (held for the next plug instead, it would wait for a plug already made)."""
    import asyncio

    rig = Rig("id_plug_during_authorize")
    answer = asyncio.Event()
    ask = rig.cs.call

    async def slow_call(action, payload):
        await answer.wait()
        return await ask(action, payload)
    rig.auth._call = slow_call
    tap = asyncio.create_task(rig.identification.tap("A"))
    await asyncio.sleep(0)
    rig.plug(2)
    answer.set()
    await tap
    assert rig.running() == {2: "A"}


async def test_rejected_tag_starts_nothing():  # TC_023
    rig = Rig("id_invalid")
    rig.cs.answers["BAD"] = {"status": "Invalid"}
    rig.plug(1)
    await rig.identification.tap("BAD")
    assert rig.running() == {}
    assert rig.statuses() == [PREPARING, AVAILABLE]


async def test_tap_first_holds_the_authorization_for_the_next_plug():  # TC_004_1
    rig = Rig("id_tap_first")
    await rig.identification.tap("A")
    assert rig.statuses() == [PREPARING, PREPARING]  # either connector may be used
    rig.wait_s(TIMEOUT_S - 1)
    rig.plug(2)
    assert rig.running() == {2: "A"}
    assert rig.statuses()[0] == AVAILABLE


async def test_tap_first_authorization_expires_after_connection_timeout():  # TC_004_2
    rig = Rig("id_tap_expiry")
    await rig.identification.tap("A")
    rig.wait_s(TIMEOUT_S + 0.1)
    assert rig.statuses() == [AVAILABLE, AVAILABLE]
    rig.plug(1)
    assert rig.running() == {}


async def test_same_tag_again_cancels_the_held_authorization():  # 4.9 B1, TC_061 step 3
    rig = Rig("id_cancel")
    await rig.identification.tap("A")
    await rig.identification.tap("A")
    assert rig.statuses() == [AVAILABLE, AVAILABLE]
    assert rig.cs.asked == ["A"]
    rig.plug(1)
    assert rig.running() == {}


async def test_plug_first_without_identification_returns_to_available():  # 4.9 B6
    rig = Rig("id_plug_timeout")
    rig.plug(1)
    rig.wait_s(TIMEOUT_S + 0.1)
    assert rig.statuses() == [AVAILABLE, AVAILABLE]
    await rig.identification.tap("A")  # the EV is still there: a card starts it after all
    assert rig.running() == {1: "A"}
    rig.transactions.stop(1, "Local")
    rig.unplug(1)
    rig.plug(1)
    assert rig.statuses()[0] == PREPARING  # a new plug is a new incipient session


async def test_same_tag_stops_its_transaction_without_authorize():  # TC_068, 4.1
    rig = Rig("id_stop_same")
    rig.plug(1)
    await rig.identification.tap("A")
    rig.plug(2)
    await rig.identification.tap("OTHER")
    assert rig.running() == {1: "A", 2: "OTHER"}
    asked = list(rig.cs.asked)
    await rig.identification.tap("STRANGER")  # no group, no free connector: nothing
    assert rig.cs.asked == asked and len(rig.running()) == 2
    await rig.identification.tap("A")
    assert rig.cs.asked == asked
    assert rig.transactions.stopped == [(1, "Local", "A")]


async def test_tag_of_the_same_group_stops_after_authorize():  # TC_069, 3.10
    rig = Rig("id_stop_parent")
    rig.cs.answers["A"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    rig.cs.answers["B"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    rig.cs.answers["C"] = {"status": "Accepted", "parentIdTag": "NEIGHBOURS"}
    rig.plug(1)
    await rig.identification.tap("A")
    rig.plug(2)
    await rig.identification.tap("OTHER")
    await rig.identification.tap("C")
    assert len(rig.running()) == 2
    await rig.identification.tap("B")
    assert rig.cs.asked[-2:] == ["C", "B"]
    assert rig.transactions.stopped == [(1, "Local", "B")]


async def test_group_known_from_the_cache_after_the_start_authorization_is_gone():
    # e.g. a start not authorized locally (AuthorizeRemoteTxRequests false): the
    # StartTransaction.conf idTagInfo in the cache names the group.
    rig = Rig("id_stop_parent_cache")
    rig.transactions.start(1, "A")
    rig.auth.update("A", {"status": "Accepted", "parentIdTag": "FAMILY"})
    rig.cs.answers["B"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    await rig.identification.tap("B")
    assert rig.transactions.stopped == [(1, "Local", "B")]


async def test_station_not_accepted_starts_nothing_but_stops():
    rig = Rig("id_not_accepted")
    rig.plug(1)
    await rig.identification.tap("A")
    rig.accepted_station = False
    rig.plug(2)
    await rig.identification.tap("B")
    assert rig.running() == {1: "A"} and rig.cs.asked == ["A"]
    await rig.identification.tap("A")
    assert rig.running() == {}


async def test_faulted_connector_neither_waits_nor_holds():
    rig = Rig("id_faulted")
    rig.faulted.add(1)
    await rig.identification.tap("A")
    assert rig.statuses()[1] == PREPARING  # held for connector 2, the only free one
    rig.plug(1)
    assert rig.running() == {}
    rig.plug(2)
    assert rig.running() == {2: "A"}


async def test_card_with_an_ev_at_a_faulted_connector_is_refused():  # TC_041
    rig = Rig("id_faulted_plugged")
    rig.faulted.add(1)
    rig.plug(1)
    await rig.identification.tap("A")
    assert rig.cs.asked == [] and rig.running() == {}
    assert rig.statuses()[1] == AVAILABLE
    rig.plug(2)  # an EV waiting at a working connector takes the card as before
    await rig.identification.tap("A")
    assert rig.running() == {2: "A"}


async def test_remote_start_holds_for_its_connector_only():  # TC_011_1, TC_011_2
    rig = Rig("id_remote_hold")
    await rig.identification.remote_start("R", 2, True)
    assert rig.cs.asked == ["R"]
    assert rig.statuses() == [AVAILABLE, PREPARING]
    assert held_for(rig.identification, 2) == "R"
    rig.plug(1)
    assert rig.running() == {}
    rig.plug(2)
    assert rig.running() == {2: "R"}
    await rig.identification.remote_start("S", 2, False)  # no longer free: nothing
    assert rig.running() == {2: "R"}
    rig.wait_s(TIMEOUT_S + 1)
    await rig.identification.remote_start("T", ANY_CONNECTOR, False)
    assert rig.running() == {1: "T", 2: "R"}  # connector 1's EV waited (timed out)
    assert rig.cs.asked == ["R"]


async def test_remote_start_hold_expires_and_unauthorized_remote_start_is_dropped():
    rig = Rig("id_remote_expiry")
    await rig.identification.remote_start("R", 1, False)
    assert rig.statuses() == [PREPARING, AVAILABLE]
    rig.wait_s(TIMEOUT_S + 0.1)
    assert rig.statuses() == [AVAILABLE, AVAILABLE]
    assert held_for(rig.identification, 1) is None
    rig.cs.answers["BAD"] = {"status": "Blocked"}
    rig.plug(1)
    await rig.identification.remote_start("BAD", 1, True)
    assert rig.running() == {}
