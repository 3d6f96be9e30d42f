# Code a charging station seldom runs is loaded for its use and unloaded after it
# (firmware.on_demand): a booted station keeps none of it, and its uses -- the requests whose
# handlers keep no state, a listing of the configuration -- leave the modules as they were.
import sys

from test_security_on_demand import booted_station, request

ON_DEMAND_CODE = ("firmware.core.tx_journal", "firmware.core.tx_codec",
                  "firmware.remote_trigger.trigger",
                  "firmware.core.remote", "firmware.core.unlock", "firmware.core.phase_rotation")


async def test_a_booted_station_keeps_none_of_the_code_it_loads_on_demand():
    before = set(sys.modules)
    station = await booted_station()
    idle = set(sys.modules)
    assert [name for name in idle - before if name in ON_DEMAND_CODE] == []
    answers = [request(station, action, payload) for action, payload in (
        ("TriggerMessage", {"requestedMessage": "BootNotification"}),
        ("ExtendedTriggerMessage", {"requestedMessage": "Heartbeat", "connectorId": 3}),
        ("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 3}),
        ("RemoteStopTransaction", {"transactionId": 7}),
        ("UnlockConnector", {"connectorId": 1}))]
    assert [answer[0] if type(answer) is tuple else answer for answer in answers] == [
        {"status": "Accepted"}, {"status": "Rejected"}, {"status": "Rejected"},
        {"status": "Rejected"}, {"status": "NotSupported"}]
    entries, _ = station.config.listing(["ConnectorPhaseRotation"])
    assert entries[0]["value"] == "0.NotApplicable,1.NotApplicable,2.NotApplicable"
    station.sender.cancel()
    assert set(sys.modules) == idle
