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


def test_nested_loads_unload_both_and_no_copy_keeps_them():
    # A load reuses the copy of sys.modules the last one made while it still holds; a copy
    # made inside another load must not keep that load's module once it is unloaded.
    from firmware import on_demand

    outer, inner = "firmware.core.remote", "firmware.core.unlock"
    for name in (outer, inner):
        sys.modules.pop(name, None)
    before = set(sys.modules)
    with on_demand.loaded(outer):
        with on_demand.loaded(inner):
            assert inner in sys.modules
        assert inner not in sys.modules and outer in sys.modules
    assert [name for name in set(sys.modules) - before if not name.startswith("asyncio")] == []
    assert outer not in on_demand._modules_before and inner not in on_demand._modules_before


def test_a_module_loaded_for_good_since_the_last_copy_stays_loaded():
    # The copy is taken again when sys.modules grew. Taking a module out by hand (as this
    # test does, and no firmware code) and importing another leaves it the same size:
    # forget_copy() says so.
    from firmware import on_demand
    import ws.url

    first, second = "firmware.core.phase_rotation", "firmware.core.restart"
    for name in (first, second):
        sys.modules.pop(name, None)
    with on_demand.loaded("firmware.core.unlock"):
        pass
    __import__(first)  # sys.modules grew: the next load copies it again
    with on_demand.loaded("firmware.core.unlock"):
        pass
    assert first in sys.modules
    taken_out = sys.modules.pop("ws.url")
    try:
        __import__(second)  # one out, one in: the size of the last copy
        on_demand.forget_copy()
        with on_demand.loaded("firmware.core.unlock"):
            pass
        assert second in sys.modules
    finally:
        sys.modules["ws.url"] = taken_out
        for name in (first, second):
            sys.modules.pop(name, None)
    assert ws.url is taken_out
