"""Compliance cases of the Local Authorization List Management profile (OCTT TC_008, TC_042_1,
TC_042_2, TC_043, TC_043_1, TC_043_2, TC_043_3), the station running as on a board (see
host_tests/tc.py), and bad SendLocalList requests while a connector charges."""
import json

from ocpp.v16 import call

from tc import CentralThread, booted, charging, tc_station, wait_until
from test_tc_authorization import Answering

TAG = "CARD-LIST-1"
MAX_ITEMS = 32  # SendLocalListMaxLength


def answer_to(cs, message_id):
    for frame in cs.frames("<-"):
        if frame[0] in (3, 4) and frame[1] == message_id:
            return frame
    return None


def raw(cs, link, message_id, action, payload):
    """Sends a request as written, unchecked: the station's answer frame."""
    cs.run(link._connection.send(json.dumps([2, message_id, action, payload],
                                            separators=(",", ":"))))
    return wait_until(lambda: answer_to(cs, message_id), 10, "the answer to " + message_id)


def configure(cs, link, key, value):
    assert cs.run(link.call(call.ChangeConfiguration(key=key, value=value))).status == \
        "Accepted"


def send_list(cs, link, update_type, version, entries=None):
    request = call.SendLocalList(list_version=version, update_type=update_type)
    if entries is not None:
        request.local_authorization_list = entries
    return cs.run(link.call(request)).status


def list_version(cs, link):
    return cs.run(link.call(call.GetLocalListVersion())).list_version


def item(id_tag, status="Accepted", **info):
    info["status"] = status
    return {"idTag": id_tag, "idTagInfo": info}


def largest(i):
    """An entry as long as the schema lets it be: a 4.9 KB frame of 32 of them."""
    return item("%020d" % i, "ConcurrentTx", expiryDate="2030-01-01T00:00:00.000+00:00",
                parentIdTag="P" * 20)


def test_TC_042_1_get_local_list_version_not_supported(starter=tc_station):
    with CentralThread() as cs, starter(cs):
        link = booted(cs)
        configure(cs, link, "LocalAuthListEnabled", "false")
        frame = raw(cs, link, "v1", "GetLocalListVersion", {})
        assert frame[0] == 4 and frame[2] == "NotSupported", frame


def test_TC_042_2_get_local_list_version_empty(starter=tc_station):
    with CentralThread() as cs, starter(cs):
        link = booted(cs)
        assert send_list(cs, link, "Full", 1) == "Accepted"
        assert list_version(cs, link) == 0


def test_TC_043_send_local_authorization_list(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        keys = {k["key"]: k for k in cs.run(link.call(call.GetConfiguration())).configuration_key}
        assert "LocalAuthListManagement" in keys["SupportedFeatureProfiles"]["value"].split(",")
        assert keys["LocalAuthListEnabled"]["value"] == "true"
        assert int(keys["SendLocalListMaxLength"]["value"]) == MAX_ITEMS
        assert send_list(cs, link, "Full", 1, [item("CARD-OTHER")]) == "Accepted"
        assert send_list(cs, link, "Differential", 2, [item(TAG)]) == "Accepted"
        assert list_version(cs, link) == 2
        # The list authorizes the driver: offline, with only listed ids allowed.
        configure(cs, link, "AllowOfflineTxForUnknownId", "false")
        configure(cs, link, "AuthorizationCacheEnabled", "false")
        station.control("net down")
        wait_until(lambda: station.control("status")["connection"] != "online", 5, "offline")
        station.control("plug 1")
        station.control("tap " + TAG.lower())  # CiString20: case-insensitive
        wait_until(lambda: station.control("status")["connectors"][1]["status"] == "Charging",
                   10, "Charging offline")
        station.control("net up")
        start = wait_until(lambda: cs.requests("StartTransaction"), 20, "StartTransaction.req")
        assert start[0]["idTag"] == TAG.lower() and cs.requests("Authorize") == []


def test_TC_043_1_send_local_authorization_list_not_supported(starter=tc_station):
    with CentralThread() as cs, starter(cs):
        link = booted(cs)
        configure(cs, link, "LocalAuthListEnabled", "false")
        assert send_list(cs, link, "Full", 1, [item(TAG)]) == "NotSupported"
        configure(cs, link, "LocalAuthListEnabled", "true")
        assert list_version(cs, link) == 0


def test_TC_043_2_send_local_authorization_list_version_mismatch(starter=tc_station):
    with CentralThread() as cs, starter(cs):
        link = booted(cs)
        assert send_list(cs, link, "Full", 2, [item(TAG)]) == "Accepted"
        assert list_version(cs, link) == 2
        assert send_list(cs, link, "Differential", 5, [item("CARD-LIST-2")]) == "Accepted"
        assert list_version(cs, link) == 5
        assert send_list(cs, link, "Differential", 4, [item("CARD-LIST-3")]) == \
            "VersionMismatch"
        assert list_version(cs, link) == 5


def test_TC_043_3_send_local_authorization_list_failed(starter=tc_station):
    """The state in which the station fails to set a list: one entry more than
    SendLocalListMaxLength."""
    with CentralThread() as cs, starter(cs):
        link = booted(cs)
        too_many = [item("CARD-%d" % i) for i in range(MAX_ITEMS + 1)]
        assert send_list(cs, link, "Full", 2, too_many) == "Failed"
        assert list_version(cs, link) == 0


def test_TC_008_regular_start_charging_session_id_in_local_list(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        configure(cs, link, "LocalPreAuthorize", "true")
        configure(cs, link, "AuthorizationCacheEnabled", "false")
        configure(cs, link, "LocalAuthListEnabled", "true")
        configure(cs, link, "AuthorizeRemoteTxRequests", "true")
        assert list_version(cs, link) == 0
        assert send_list(cs, link, "Full", 1, [item(TAG)]) == "Accepted"
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        assert cs.run(link.call(call.RemoteStartTransaction(id_tag=TAG, connector_id=1))) \
            .status == "Accepted"
        cs.wait_status(1, "Charging")
        start = cs.requests("StartTransaction")
        assert len(start) == 1 and start[0]["idTag"] == TAG
        assert cs.answers_to("StartTransaction")[0][2]["idTagInfo"]["status"] == "Accepted"
        assert cs.requests("Authorize") == []  # LocalPreAuthorize: the list answered


def test_bad_local_list_updates_change_nothing_and_charging_goes_on():
    with CentralThread() as cs, tc_station(cs) as station:
        link = booted(cs)
        charging(cs, station, tag="CARD-BAD1")
        full_size = [largest(i) for i in range(MAX_ITEMS)]
        assert 4500 < len(json.dumps(full_size, separators=(",", ":"))) < 5100  # as sent
        assert send_list(cs, link, "Full", 3, full_size) == "Accepted"
        cases = [
            # One entry too many (short ones: 33 of the largest would not fit the heap to be
            # decoded, which closes the connection, 1009, as docs/limits.md says).
            ({"listVersion": 4, "updateType": "Full",
              "localAuthorizationList": [item("C%d" % i) for i in range(MAX_ITEMS + 1)]},
             {"status": "Failed"}),
            ({"listVersion": 4, "updateType": "Differential",
              "localAuthorizationList": [item("A"), {"idTag": "a"}]}, {"status": "Failed"}),
            ({"listVersion": 4, "updateType": "Differential",
              "localAuthorizationList": [item("A", expiryDate="2026-02-30T25:00:00Z")]},
             "PropertyConstraintViolation"),
            ({"listVersion": "4", "updateType": "Full"}, "TypeConstraintViolation"),
            ({"listVersion": 4, "updateType": "Partial"}, "PropertyConstraintViolation"),
            ({"listVersion": 4, "updateType": "Full",
              "localAuthorizationList": [item("T" * 21)]}, "PropertyConstraintViolation"),
            ({"listVersion": 4, "updateType": "Full",
              "localAuthorizationList": [{"idTag": "A", "idTagInfo": {"status": "Maybe"}}]},
             "PropertyConstraintViolation"),
            ({"listVersion": 4, "updateType": "Full", "localAuthorizationList": {}},
             "TypeConstraintViolation"),
            ({"listVersion": 4.5, "updateType": "Full"}, "TypeConstraintViolation"),
        ]
        for number, (payload, expected) in enumerate(cases):
            frame = raw(cs, link, "bad%d" % number, "SendLocalList", payload)
            if isinstance(expected, str):
                assert frame[0] == 4 and frame[2] == expected, (payload, frame)
            else:
                assert frame == [3, "bad%d" % number, expected], (payload, frame)
        assert list_version(cs, link) == 3
        assert station.control("status")["connectors"][1]["status"] == "Charging"
        assert cs.requests("StopTransaction") == [] and station.alive


def test_a_central_system_contradicting_the_list_is_told_local_list_conflict():
    """Section 3.5.2: a StatusNotification of connector 0 with LocalListConflict; the list
    stays as it is (only SendLocalList changes it)."""
    with CentralThread(link_class=Answering) as cs, tc_station(cs) as station:
        cs.central.start_info = {TAG: {"status": "Blocked"}}
        link = booted(cs)
        configure(cs, link, "LocalPreAuthorize", "true")
        assert send_list(cs, link, "Full", 1, [item(TAG)]) == "Accepted"
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)  # started, then refused by StartTransaction.conf
        conflict = wait_until(lambda: [p for p in cs.requests("StatusNotification")
                                       if p["errorCode"] == "LocalListConflict"], 10,
                              "StatusNotification LocalListConflict")
        assert conflict[0]["connectorId"] == 0 and conflict[0]["status"] == "Available"
        assert len(conflict[0]["info"]) <= 50
        wait_until(lambda: cs.requests("StopTransaction"), 10, "the DeAuthorized stop")
        station.control("unplug 1")
        cs.wait_status(1, "Available")
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        station.control("tap " + TAG)  # the list, not the Central System's Blocked, decides
        wait_until(lambda: len(cs.requests("StartTransaction")) == 2, 10, "a second start")
        assert cs.requests("Authorize") == []
