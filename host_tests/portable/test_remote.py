# RemoteStartTransaction / RemoteStopTransaction handlers (OCPP 1.6 5.11, 5.12, errata
# 3.32/3.33; TC_010, TC_011, TC_026, TC_027, TC_028): the answer, then the work done after it.
from firmware.core.remote import Remote
from test_identification import Rig


class RemoteRig(Rig):
    def __init__(self, name):
        Rig.__init__(self, name)
        self.handlers = {}
        Remote(config=self.config, identification=self.identification,
               transactions=self.transactions, connector_count=2,
               may_charge=lambda: self.accepted_station,
               log=self.lines.append).register(self.handlers)

    async def start(self, payload):
        """The status answered; the follow-up (if any) is run as the session runs it."""
        answer = self.handlers["RemoteStartTransaction"](payload)
        if type(answer) is tuple:
            answer, follow_up = answer
            await follow_up()
        return answer["status"]

    def stop(self, transaction_id):
        answer = self.handlers["RemoteStopTransaction"]({"transactionId": transaction_id})
        if type(answer) is tuple:
            answer, follow_up = answer
            follow_up()
        return answer["status"]


async def test_remote_start_on_a_plugged_connector_authorizes_first():  # TC_010
    rig = RemoteRig("remote_plugged")
    rig.plug(1)
    assert await rig.start({"idTag": "R", "connectorId": 1}) == "Accepted"
    assert rig.cs.asked == ["R"]
    assert rig.running() == {1: "R"}


async def test_authorize_remote_tx_requests_false_starts_without_authorize():
    rig = RemoteRig("remote_no_auth")
    rig.set("AuthorizeRemoteTxRequests", "false")
    rig.plug(2)
    assert await rig.start({"idTag": "R", "connectorId": 2}) == "Accepted"
    assert rig.cs.asked == []
    assert rig.running() == {2: "R"}


async def test_remote_start_not_authorized_is_accepted_but_starts_nothing():
    # Errata 3.32: Accepted means the station will attempt the start.
    rig = RemoteRig("remote_blocked")
    rig.cs.answers["BAD"] = {"status": "Blocked"}
    rig.plug(1)
    assert await rig.start({"idTag": "BAD", "connectorId": 1}) == "Accepted"
    assert rig.running() == {}


async def test_remote_start_rejections():  # TC_026, TC_027
    rig = RemoteRig("remote_rejected")
    assert await rig.start({"idTag": "R", "connectorId": 0}) == "Rejected"
    assert await rig.start({"idTag": "R", "connectorId": 3}) == "Rejected"
    assert await rig.start({"idTag": "R", "connectorId": -1}) == "Rejected"
    rig.plug(1)
    assert await rig.start({"idTag": "R", "connectorId": 1}) == "Accepted"
    assert await rig.start({"idTag": "S", "connectorId": 1}) == "Rejected"  # in use
    assert await rig.start({"idTag": "S", "connectorId": 2}) == "Accepted"  # held for 2
    assert await rig.start({"idTag": "T", "connectorId": 2}) == "Rejected"  # 2 is promised
    rig.faulted.add(2)
    rig.wait_s(10)
    assert await rig.start({"idTag": "T", "connectorId": 2}) == "Rejected"  # faulted
    assert await rig.start({"idTag": "T"}) == "Rejected"  # nothing left to start on
    rig.accepted_station = False
    rig.faulted.clear()
    assert await rig.start({"idTag": "T", "connectorId": 2}) == "Rejected"
    assert rig.running() == {1: "R"}


async def test_remote_start_without_connector_the_station_picks():
    rig = RemoteRig("remote_any")
    rig.plug(2)
    assert await rig.start({"idTag": "R"}) == "Accepted"
    assert rig.running() == {2: "R"}
    assert await rig.start({"idTag": "S"}) == "Accepted"  # no EV yet: the next plugged
    rig.plug(1)
    assert rig.running() == {1: "S", 2: "R"}


async def test_remote_stop_known_and_unknown_transaction():  # TC_012, TC_028
    rig = RemoteRig("remote_stop")
    rig.plug(1)
    await rig.start({"idTag": "R", "connectorId": 1})
    transaction_id = rig.transactions.on_connector(1).transaction_id
    assert rig.stop(transaction_id + 1000) == "Rejected"
    assert rig.running() == {1: "R"}
    assert rig.stop(transaction_id) == "Accepted"
    assert rig.transactions.stopped == [(1, "Remote", None)]
    assert rig.stop(transaction_id) == "Rejected"
