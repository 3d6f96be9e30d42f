# Issue 15: nothing the station sends holds an empty optional array or object. Every request
# the station answers, in the shapes that reach each kind of answer, and the messages their
# follow-ups send, are walked (payload_audit); the end-to-end harness walks every frame the
# station sends in the rest of the suite.
import asyncio

from payload_audit import empty_containers
from scratch import fresh_folder

HASH_DATA = {"hashAlgorithm": "SHA256", "issuerNameHash": "00", "issuerKeyHash": "00",
             "serialNumber": "1"}
BAD_PEM = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"
TRIGGERED = ("BootNotification", "DiagnosticsStatusNotification",
             "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StatusNotification")
# Every action the station answers (the test fails on one missing here), Reset last.
REQUESTS = (
    ("GetConfiguration", [{}, {"key": []}, {"key": ["NoSuchKey", "Other"]},
                          {"key": ["HeartbeatInterval"]}, {"key": ["AuthorizationKey"]}]),
    ("ChangeConfiguration", [{"key": "HeartbeatInterval", "value": "60"},
                             {"key": "NoSuchKey", "value": "1"}]),
    ("ClearCache", [{}]),
    ("DataTransfer", [{"vendorId": "NoSuchVendor", "messageId": "m", "data": ""}]),
    ("ChangeAvailability", [{"connectorId": 2, "type": "Inoperative"},
                            {"connectorId": 2, "type": "Operative"}]),
    ("RemoteStartTransaction", [{"idTag": "TAG1", "connectorId": 1}]),
    ("RemoteStopTransaction", [{"transactionId": 99}]),
    ("UnlockConnector", [{"connectorId": 1}]),
    ("TriggerMessage", [{"requestedMessage": m} for m in TRIGGERED] +
     [{"requestedMessage": "MeterValues", "connectorId": 1}]),
    ("ExtendedTriggerMessage", [{"requestedMessage": m} for m in TRIGGERED] +
     [{"requestedMessage": "LogStatusNotification"},
      {"requestedMessage": "SignChargePointCertificate"}]),
    ("GetInstalledCertificateIds", [{"certificateType": "CentralSystemRootCertificate"},
                                    {"certificateType": "ManufacturerRootCertificate"}]),
    ("InstallCertificate", [{"certificateType": "CentralSystemRootCertificate",
                             "certificate": BAD_PEM}]),
    ("DeleteCertificate", [{"certificateHashData": HASH_DATA}]),
    ("CertificateSigned", [{"certificateChain": BAD_PEM}]),
    ("SignedUpdateFirmware", [{"requestId": 1, "firmware": {
        "location": "http://127.0.0.1:9/fw.bin", "retrieveDateTime": "2026-01-01T00:00:00Z",
        "signingCertificate": BAD_PEM, "signature": "AA=="}}]),
    ("GetLog", [{"logType": "SecurityLog", "requestId": 2,
                 "log": {"remoteLocation": "ftp://127.0.0.1:9/logs"}}]),
    ("GetDiagnostics", [{"location": "ftp://127.0.0.1:9/diag", "retries": 0}]),
    ("SetChargingProfile", [{"connectorId": 0, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "ChargePointMaxProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {
            "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                 "limit": 50000}]}}},
        {"connectorId": 1, "csChargingProfiles": {
            "chargingProfileId": 2, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative", "chargingSchedule": {
                "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                     "limit": 10}]}}}]),
    ("GetCompositeSchedule", [{"connectorId": 0, "duration": 60},
                              {"connectorId": 1, "duration": 60, "chargingRateUnit": "A"},
                              {"connectorId": 9, "duration": 60}]),
    ("ClearChargingProfile", [{"id": 1}, {"id": 1}]),
    ("GetLocalListVersion", [{}]),
    ("SendLocalList", [{"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "TAG1", "idTagInfo": {"status": "Accepted", "expiryDate": "2030-01-01T00:00:00Z",
                                        "parentIdTag": "P"}}]},
        {"listVersion": 2, "updateType": "Differential"},
        {"listVersion": 2, "updateType": "Differential"}]),
    ("GetLocalListVersion", [{}]),
    ("ReserveNow", [{"connectorId": c, "expiryDate": "2099-01-01T00:00:00Z", "idTag": "TAG2",
                     "reservationId": 5, "parentIdTag": "P"} for c in (2, 0, 9)]),
    ("CancelReservation", [{"reservationId": 5}, {"reservationId": 5}]),
    ("UpdateFirmware", [{"location": "http://127.0.0.1:9/fw.bin", "retries": 0,
                         "retrieveDate": "2026-01-01T00:00:00Z"}]),
    ("Reset", [{"type": "Soft"}]),
)
# What the Central System answers the station's own requests.
ANSWERS = {"BootNotification": {"status": "Accepted", "interval": 300,
                                "currentTime": "2026-12-07T10:00:00Z"},
           "Heartbeat": {"currentTime": "2026-12-07T10:00:00Z"},
           "Authorize": {"idTagInfo": {"status": "Accepted"}},
           "StartTransaction": {"transactionId": 7, "idTagInfo": {"status": "Accepted"}},
           "StopTransaction": {}}


class RecordingSession:
    """The link's session: records the station's calls and answers them."""

    def __init__(self):
        self.sent = []

    async def call(self, action, payload):
        self.sent.append((action, payload))
        return ANSWERS.get(action, {"status": "Accepted"})


async def answered_and_sent():
    import firmware.station
    from boards.sim.board import SimBoard
    from firmware.link import ONLINE
    from ocppj.rpc import ANY_ACTION

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None,
                     fresh_folder("test_outgoing_payloads", "station"))
    board.accepts_unsigned_firmware = True  # UpdateFirmware answered, not NotSupported
    station = firmware.station.Station(board)
    session = RecordingSession()
    station.link._session, station.link.state = session, ONLINE
    await station.registration.register()
    answered = []
    tasks = [asyncio.create_task(station.outbound.send_forever(station.link.call))]
    station.status.report_all()
    for action, payloads in REQUESTS:
        handler = station.handlers.get(action) or station.handlers[ANY_ACTION](action)
        for payload in payloads:
            answer = handler(payload)
            follow_up = None
            if type(answer) is tuple:
                answer, follow_up = answer
            answered.append((action, answer))
            started = follow_up() if follow_up is not None else None
            if started is not None:  # as the session runs a follow-up
                tasks.append(asyncio.create_task(started))
            await asyncio.sleep(0.01)
    for _ in range(50):  # GetLog's upload fails and says so, ...
        await asyncio.sleep(0.01)
    for task in tasks:  # the senders, and the Reset's wait for a restart that is not coming
        task.cancel()
    return station, answered, session.sent


async def test_no_empty_optional_array_or_object_in_anything_sent():
    station, answered, sent = await answered_and_sent()
    from ocppj.rpc import ANY_ACTION

    listed = set(action for action, _ in REQUESTS)
    import firmware.station

    own = set(action for action in station.handlers if action != ANY_ACTION)
    own.update(firmware.station.ON_DEMAND)  # answered by code loaded for each request
    assert own - listed == set(), own - listed
    assert len(sent) > 10  # the triggered messages, GetLog's status, ...
    found = []
    for action, payload in answered + sent:
        found += [action + " " + path for path in empty_containers(payload)]
    assert found == [], found


def test_get_configuration_of_unknown_keys_only_names_them():
    # The answer that crashed Home Assistant's integration: `"configurationKey": []`.
    import firmware.station
    from boards.sim.board import SimBoard

    station = firmware.station.Station(SimBoard(
        "CP001", "ws://127.0.0.1:9/ocpp", None, None,
        fresh_folder("test_outgoing_payloads", "unknown_keys")))
    answer = station.handlers["GetConfiguration"]({"key": ["NoSuchKey"]})
    assert answer == {"unknownKey": ["NoSuchKey"]}


def test_the_audit_finds_empty_members_at_any_depth():
    assert empty_containers({}) == []
    assert empty_containers({"a": [], "b": {"c": {}}, "d": [{"e": []}, 1]}) == \
        ["$.a", "$.b.c", "$.d[0].e"] or sorted(empty_containers(
            {"a": [], "b": {"c": {}}, "d": [{"e": []}, 1]})) == ["$.a", "$.b.c", "$.d[0].e"]
