"""Compliance cases of starting and stopping transactions, authorization and the
Authorization Cache (OCTT TC_003 .. TC_069, TC_037), the station running as on a board
(see host_tests/tc.py). Each test checks what the case's tool validations check.
"""
import time

from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

from tc import CentralThread, booted, tc_station, wait_until
from tools.csms import StationLink

TAG = "CARD-VALID-1"
TAG_2 = "CARD-VALID-2"
OTHER = "CARD-OTHER"
CONNECTION_TIMEOUT_S = 5


class Answering(StationLink):
    """A Central System whose Authorize / StartTransaction answers a test chooses:
    `central.authorize_info[idTag]` and `central.start_info[idTag]` (default Accepted)."""

    @on(Action.authorize)
    def on_authorize(self, id_tag):
        info = getattr(self.central, "authorize_info", {}).get(id_tag, {"status": "Accepted"})
        return call_result.Authorize(id_tag_info=info)

    @on(Action.start_transaction)
    def on_start_transaction(self, id_tag, **_):
        info = getattr(self.central, "start_info", {}).get(id_tag, {"status": "Accepted"})
        return call_result.StartTransaction(transaction_id=next(self.central.transaction_ids),
                                            id_tag_info=info)


class Session:
    """One test's Central System, station and link, with the steps the cases share."""

    def __init__(self, cs, station):
        self.cs = cs
        self.station = station
        self.link = booted(cs)

    def send(self, request):
        return self.cs.run(self.link.call(request, suppress=False))

    def configure(self, key, value):
        assert self.send(call.ChangeConfiguration(key=key, value=value)).status == "Accepted"

    def authorized(self, id_tag):
        return [p for p in self.cs.requests("Authorize") if p["idTag"] == id_tag]

    def stops(self):
        return self.cs.requests("StopTransaction")

    def charging(self, connector_id, id_tag):
        """Reusable state Charging: plug in, RemoteStartTransaction; the transactionId."""
        self.station.control("plug %d" % connector_id)
        self.cs.wait_status(connector_id, "Preparing")
        answer = self.send(call.RemoteStartTransaction(id_tag=id_tag, connector_id=connector_id))
        assert answer.status == "Accepted"
        self.cs.wait_status(connector_id, "Charging")
        return self.transaction_id(connector_id)

    def transaction_id(self, connector_id):
        def known():
            ids = [f[2].get("transactionId") for f in self.cs.frames("->") if f[0] == 3
                   and f[1] in self._start_ids(connector_id)]
            return ids[-1] if ids else None
        return wait_until(known, 10, "StartTransaction.conf on connector %d" % connector_id)

    def _start_ids(self, connector_id):
        return {f[1] for f in self.cs.frames("<-") if f[0] == 2 and f[2] == "StartTransaction"
                and f[3]["connectorId"] == connector_id}

    def quiet_for(self, seconds, action):
        """Asserts no `action` request arrives within `seconds`."""
        before = len(self.cs.requests(action))
        time.sleep(seconds)
        assert len(self.cs.requests(action)) == before, self.cs.requests(action)[before:]


def test_TC_003_regular_charging_session_plugin_first(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)
        cs.wait_status(1, "Charging")
        assert s.authorized(TAG) == [{"idTag": TAG}]
        assert [f[2]["idTagInfo"]["status"] for f in cs.answers_to("Authorize")] == ["Accepted"]
        start = cs.requests("StartTransaction")
        assert len(start) == 1 and start[0]["connectorId"] == 1 and start[0]["idTag"] == TAG
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Accepted"


def test_TC_004_1_regular_charging_session_identification_first(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.configure("MeterValueSampleInterval", "10")
        station.control("tap " + TAG)  # reusable state Authorized
        cs.wait_status(1, "Preparing")
        assert s.authorized(TAG) == [{"idTag": TAG}]
        station.control("plug 1")
        cs.wait_status(1, "Charging")
        start = cs.requests("StartTransaction")
        assert len(start) == 1 and start[0]["connectorId"] == 1 and start[0]["idTag"] == TAG
        cs.wait_status(2, "Available")  # the authorization went to connector 1 only


def test_TC_004_2_connection_timeout_identification_first_and_plug_first(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.configure("ConnectionTimeOut", str(CONNECTION_TIMEOUT_S))
        station.control("tap " + TAG)
        cs.wait_status(1, "Preparing")
        began = time.monotonic()
        cs.wait_status(1, "Available", timeout_s=CONNECTION_TIMEOUT_S + 5)
        assert time.monotonic() - began >= CONNECTION_TIMEOUT_S - 1
        station.control("plug 1")  # too late: no transaction
        cs.wait_status(1, "Preparing")
        began = time.monotonic()
        # 4.9 B6: plugged, but no identification within ConnectionTimeOut.
        cs.wait_status(1, "Available", timeout_s=CONNECTION_TIMEOUT_S + 5)
        assert time.monotonic() - began >= CONNECTION_TIMEOUT_S - 1
        assert cs.requests("StartTransaction") == []


def test_TC_007_regular_start_charging_session_cached_id(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.configure("AuthorizationCacheEnabled", "true")
        s.configure("AuthorizeRemoteTxRequests", "true")
        s.configure("LocalPreAuthorize", "true")
        station.control("tap " + TAG)  # memory state IdTagCached: authorized once ...
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)  # ... and given up again
        cs.wait_status(1, "Available")
        assert len(s.authorized(TAG)) == 1
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        answer = s.send(call.RemoteStartTransaction(id_tag=TAG, connector_id=1))
        assert answer.status == "Accepted"
        cs.wait_status(1, "Charging")
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Accepted"
        assert len(s.authorized(TAG)) == 1  # LocalPreAuthorize: the cache answered


def test_TC_061_clear_authorization_data_in_authorization_cache(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.configure("AuthorizationCacheEnabled", "true")
        s.configure("LocalPreAuthorize", "true")
        s.configure("ConnectionTimeOut", str(CONNECTION_TIMEOUT_S))
        station.control("tap " + TAG)  # reusable state Authorized
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)  # swiping again deauthorizes
        cs.wait_status(1, "Available")
        assert s.send(call.ClearCache()).status == "Accepted"
        station.control("tap " + TAG)
        wait_until(lambda: len(s.authorized(TAG)) == 2, 5, "a second Authorize.req")
        assert cs.answers_to("Authorize")[-1][2]["idTagInfo"]["status"] == "Accepted"


def test_TC_010_remote_start_charging_session_cable_plugged_in_first(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.charging(1, TAG)
        assert s.authorized(TAG) == [{"idTag": TAG}]  # AuthorizeRemoteTxRequests is true
        start = cs.requests("StartTransaction")
        assert len(start) == 1 and start[0]["connectorId"] == 1 and start[0]["idTag"] == TAG


def test_TC_011_1_remote_start_charging_session_remote_start_first(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        listing = s.send(call.GetConfiguration(key=["AuthorizeRemoteTxRequests"]))
        assert [k["key"] for k in listing.configuration_key] == ["AuthorizeRemoteTxRequests"]
        assert listing.configuration_key[0]["value"] == "true"
        answer = s.send(call.RemoteStartTransaction(id_tag=TAG, connector_id=1))
        assert answer.status == "Accepted"
        wait_until(lambda: s.authorized(TAG), 5, "Authorize.req")
        cs.wait_status(1, "Preparing")
        assert cs.statuses(2)[-1] == ("Available", "NoError")  # held for connector 1 only
        station.control("plug 1")
        cs.wait_status(1, "Charging")
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Accepted"
        # AuthorizeRemoteTxRequests false: started without an Authorize.req.
        s.configure("AuthorizeRemoteTxRequests", "false")
        answer = s.send(call.RemoteStartTransaction(id_tag=TAG_2, connector_id=2))
        assert answer.status == "Accepted"
        cs.wait_status(2, "Preparing")
        station.control("plug 2")
        cs.wait_status(2, "Charging")
        assert s.authorized(TAG_2) == []
        assert [p["idTag"] for p in cs.requests("StartTransaction")] == [TAG, TAG_2]


def test_TC_011_2_remote_start_charging_session_time_out(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.configure("ConnectionTimeOut", str(CONNECTION_TIMEOUT_S))
        answer = s.send(call.RemoteStartTransaction(id_tag=TAG, connector_id=1))
        assert answer.status == "Accepted"
        wait_until(lambda: s.authorized(TAG), 5, "Authorize.req")
        cs.wait_status(1, "Preparing")
        began = time.monotonic()
        cs.wait_status(1, "Available", timeout_s=CONNECTION_TIMEOUT_S + 5)
        assert time.monotonic() - began >= CONNECTION_TIMEOUT_S - 1
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        assert cs.requests("StartTransaction") == []


def test_TC_012_remote_stop_charging_session(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        transaction_id = s.charging(1, TAG)
        answer = s.send(call.RemoteStopTransaction(transaction_id=transaction_id))
        assert answer.status == "Accepted"
        cs.wait_status(1, "Finishing")
        stop = wait_until(s.stops, 5, "StopTransaction.req")
        assert stop[0]["transactionId"] == transaction_id and stop[0]["reason"] == "Remote"


def test_TC_023_start_charging_session_authorize_invalid(starter=tc_station):
    with CentralThread(link_class=Answering) as cs, starter(cs) as station:
        cs.central.authorize_info = {TAG: {"status": "Invalid"}}
        s = Session(cs, station)
        s.configure("LocalPreAuthorize", "true")
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)
        wait_until(lambda: cs.answers_to("Authorize"), 5, "Authorize.conf")
        assert cs.answers_to("Authorize")[0][2]["idTagInfo"]["status"] == "Invalid"
        s.quiet_for(1.5, "StartTransaction")
        assert cs.statuses(1)[-1] == ("Preparing", "NoError")


def test_TC_026_remote_start_charging_session_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        s.configure("LocalPreAuthorize", "false")
        s.charging(1, TAG)
        answer = s.send(call.RemoteStartTransaction(id_tag=TAG_2, connector_id=1))
        assert answer.status == "Rejected"
        assert len(cs.requests("StartTransaction")) == 1


def test_TC_027_remote_start_transaction_connector_id_shall_not_be_0(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        assert s.send(call.RemoteStartTransaction(id_tag=TAG, connector_id=0)).status \
            == "Rejected"
        assert s.send(call.RemoteStartTransaction(id_tag=TAG, connector_id=3)).status \
            == "Rejected"  # a connector the station does not have
        s.quiet_for(1, "Authorize")
        assert cs.statuses(1)[-1] == ("Available", "NoError")


def test_TC_028_remote_stop_transaction_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        transaction_id = s.charging(1, TAG)
        answer = s.send(call.RemoteStopTransaction(transaction_id=transaction_id + 1000))
        assert answer.status == "Rejected"
        s.quiet_for(1, "StopTransaction")
        assert cs.statuses(1)[-1] == ("Charging", "NoError")


def test_TC_068_stop_transaction_idtag_matches_start(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        transaction_id = s.charging(1, TAG)
        s.charging(2, OTHER)  # the connector NOT under test is occupied
        authorizes = len(cs.requests("Authorize"))
        station.control("tap " + TAG_2)  # a different idTag: ignored
        station.wait_for_line("auth: %s ignored, no connector is free" % TAG_2)  # it was read
        s.quiet_for(1.5, "StopTransaction")
        assert len(cs.requests("Authorize")) == authorizes
        station.control("tap " + TAG)
        cs.wait_status(1, "Finishing")
        stop = wait_until(s.stops, 5, "StopTransaction.req")
        assert len(stop) == 1 and stop[0]["transactionId"] == transaction_id
        assert stop[0]["idTag"] == TAG
        assert len(cs.requests("Authorize")) == authorizes  # 4.1: same idTag, no Authorize
        assert cs.statuses(2)[-1] == ("Charging", "NoError")


def test_TC_069_stop_transaction_parent_idtag_matches_start(starter=tc_station):
    with CentralThread(link_class=Answering) as cs, starter(cs) as station:
        cs.central.authorize_info = {
            TAG: {"status": "Accepted", "parentIdTag": "FAMILY-7"},
            TAG_2: {"status": "Accepted", "parentIdTag": "FAMILY-7"}}
        s = Session(cs, station)
        transaction_id = s.charging(1, TAG)
        s.charging(2, OTHER)
        station.control("tap " + TAG_2)
        cs.wait_status(1, "Finishing")
        assert s.authorized(TAG_2) == [{"idTag": TAG_2}]
        conf = cs.answers_to("Authorize")[-1][2]["idTagInfo"]
        assert conf == {"status": "Accepted", "parentIdTag": "FAMILY-7"}
        stop = wait_until(s.stops, 5, "StopTransaction.req")
        assert len(stop) == 1 and stop[0]["transactionId"] == transaction_id
        assert stop[0]["idTag"] == TAG_2
        assert cs.statuses(2)[-1] == ("Charging", "NoError")


def offline_start(s, id_tag):
    """TC_037: connectivity removed, a transaction started offline, connectivity restored."""
    s.configure("LocalAuthorizeOffline", "true")
    s.configure("AuthorizationCacheEnabled", "true")
    s.configure("AllowOfflineTxForUnknownId", "true")
    s.station.control("net down")
    wait_until(lambda: s.station.control("status")["connection"] != "online", 5, "offline")
    s.station.control("plug 1")
    s.station.control("tap " + id_tag)
    wait_until(lambda: s.station.control("status")["connectors"][1]["idTag"] == id_tag, 5,
               "the offline transaction")
    assert s.cs.requests("StartTransaction") == []
    s.station.control("net up")
    start = wait_until(lambda: s.cs.requests("StartTransaction"), 20, "StartTransaction.req")
    assert start[0]["idTag"] == id_tag and start[0]["connectorId"] == 1
    wait_until(lambda: s.cs.answers_to("StartTransaction"), 5, "StartTransaction.conf")
    wait_until(lambda: ("Charging", "NoError") in s.cs.statuses(1), 10, "Charging reported")


def test_TC_037_1_offline_start_transaction_valid_idtag(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        s = Session(cs, station)
        station.control("tap " + TAG)  # memory state IdTagCached
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)
        cs.wait_status(1, "Available")
        s.configure("AllowOfflineTxForUnknownId", "false")  # the cache alone authorizes
        offline_start(s, TAG)
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Accepted"
        assert len(s.authorized(TAG)) == 1  # no Authorize.req for the offline start


def test_TC_037_2_offline_start_invalid_idtag_stop_on_invalid_id_false(starter=tc_station):
    with CentralThread(link_class=Answering) as cs, starter(cs) as station:
        cs.central.start_info = {TAG: {"status": "Invalid"}}
        s = Session(cs, station)
        s.configure("StopTransactionOnInvalidId", "false")
        s.configure("MaxEnergyOnInvalidId", "0")
        offline_start(s, TAG)
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Invalid"
        cs.wait_status(1, "SuspendedEVSE")
        assert s.stops() == []


def test_TC_037_3_offline_start_invalid_idtag_stop_on_invalid_id_true(starter=tc_station):
    with CentralThread(link_class=Answering) as cs, starter(cs) as station:
        cs.central.start_info = {TAG: {"status": "Invalid"}}
        s = Session(cs, station)
        s.configure("StopTransactionOnInvalidId", "true")
        offline_start(s, TAG)
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Invalid"
        stop = wait_until(s.stops, 10, "StopTransaction.req")
        assert stop[0]["reason"] == "DeAuthorized"
        cs.wait_status(1, "Finishing")
