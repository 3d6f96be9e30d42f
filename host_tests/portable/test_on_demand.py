# Code a charging station seldom runs is loaded for its use and unloaded after it
# (firmware.on_demand): a booted station keeps none of it, and its uses -- the requests whose
# handlers keep no state, a listing of the configuration, a connection attempt -- leave the
# modules as they were but for asyncio's own.
import sys

from test_security_on_demand import booted_station, request

ON_DEMAND_CODE = ("firmware.tx_journal", "firmware.tx_codec", "firmware.trigger",
                  "firmware.remote", "firmware.unlock", "firmware.phase_rotation", "ws.client",
                  "ws.handshake", "ws.url")


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
    await station.link._run_one_connection()  # nothing listens at the board's URL
    assert station.link.last_error is not None
    station.sender.cancel()
    # asyncio's parts stay: imported on first use (open_connection, wait_for), asyncio keeps
    # what it took from them.
    new = [name for name in set(sys.modules) - idle if not name.startswith("asyncio")]
    assert new == [] and idle <= set(sys.modules), new
