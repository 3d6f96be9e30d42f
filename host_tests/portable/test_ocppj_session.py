"""ocppj.session under asyncio with a fake send_text: one outstanding CALL (OCPP-J
4.1.1), timeout, CALLERROR, connection loss, replies and follow-ups."""
import asyncio
import json

from ocppj import errors
from ocppj.session import Session

NOW = "2024-05-01T12:00:00Z"


class Wire:
    """Records what the session sends; `sent` holds parsed frames."""

    def __init__(self, fail=False):
        self.sent = []
        self.fail = fail

    async def send_text(self, text):
        if self.fail:
            raise OSError(104)
        self.sent.append(json.loads(text))


def make_session(handlers=None, timeout_s=5):
    wire = Wire()
    lines = []
    session = Session(wire.send_text, handlers or {}, response_timeout_s=timeout_s, log=lines.append)
    return session, wire, lines


async def wait_until(condition):
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def test_call_returns_the_result_payload():
    session, wire, _ = make_session()
    task = asyncio.create_task(session.call("Heartbeat", {}))
    await wait_until(lambda: wire.sent)
    assert wire.sent[0][0] == 2 and wire.sent[0][2:] == ["Heartbeat", {}]
    await session.on_text(json.dumps([3, wire.sent[0][1], {"currentTime": NOW}]))
    assert await task == {"currentTime": NOW}


async def test_4_1_1_second_caller_waits_for_the_first_answer():
    session, wire, _ = make_session()
    first = asyncio.create_task(session.call("Heartbeat", {}))
    second = asyncio.create_task(session.call("StatusNotification",
                                              {"connectorId": 0, "errorCode": "NoError", "status": "Available"}))
    await wait_until(lambda: wire.sent)
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(wire.sent) == 1
    await session.on_text(json.dumps([3, wire.sent[0][1], {"currentTime": NOW}]))
    await wait_until(lambda: len(wire.sent) == 2)
    assert wire.sent[1][2] == "StatusNotification"
    await session.on_text(json.dumps([3, wire.sent[1][1], {}]))
    assert await first == {"currentTime": NOW}
    assert await second == {}


async def test_timeout_raises_and_frees_the_next_call():
    session, wire, lines = make_session(timeout_s=0.05)
    try:
        await session.call("Heartbeat", {})
        raise AssertionError("no timeout")
    except errors.ResponseTimeout as e:
        assert e.action == "Heartbeat" and e.message_id == wire.sent[0][1]
    # The late answer is dropped and counted; the next call goes out.
    await session.on_text(json.dumps([3, wire.sent[0][1], {"currentTime": NOW}]))
    assert session.rpc.unmatched == 1
    task = asyncio.create_task(session.call("Heartbeat", {}))
    await wait_until(lambda: len(wire.sent) == 2)
    await session.on_text(json.dumps([3, wire.sent[1][1], {"currentTime": NOW}]))
    assert await task == {"currentTime": NOW}


async def test_call_error_received_is_raised_with_nonstandard_code():
    session, wire, _ = make_session()
    task = asyncio.create_task(session.call("Heartbeat", {}))
    await wait_until(lambda: wire.sent)
    await session.on_text(json.dumps([4, wire.sent[0][1], "OccurrenceConstraintViolation", "d", {}]))
    try:
        await task
        raise AssertionError("no error")
    except errors.CallErrorReceived as e:
        assert (e.code, e.description) == ("OccurrenceConstraintViolation", "d")


async def test_connection_lost_fails_the_outstanding_call_promptly():
    session, wire, _ = make_session(timeout_s=30)
    task = asyncio.create_task(session.call("Heartbeat", {}))
    await wait_until(lambda: wire.sent)
    session.connection_lost()
    try:
        await asyncio.wait_for(task, 1)
        raise AssertionError("no error")
    except errors.ConnectionLost:
        pass
    assert session.rpc.pending_id is None


async def test_send_failure_raises_and_frees_the_next_call():
    wire = Wire(fail=True)
    session = Session(wire.send_text, {}, log=lambda line: None)
    try:
        await session.call("Heartbeat", {})
        raise AssertionError("no error")
    except OSError:
        pass
    assert session.rpc.pending_id is None


async def test_invalid_request_is_not_sent():
    session, wire, _ = make_session()
    try:
        await session.call("Authorize", {"idTag": "T" * 21})
        raise AssertionError("no error")
    except errors.PropertyConstraintViolation:
        pass
    assert wire.sent == []


async def test_incoming_call_is_answered_through_send_text():
    session, wire, _ = make_session({"Reset": lambda payload: {"status": "Accepted"}})
    await session.on_text('[2,"cs1","Reset",{"type":"Hard"}]')
    await session.on_text('[2,"cs2","GetLocalListVersion",{}]')
    await session.on_text("garbage")
    assert wire.sent == [[3, "cs1", {"status": "Accepted"}], [4, "cs2", "NotSupported", wire.sent[1][3], {}]]
    assert session.rpc.malformed == 1


async def test_sync_follow_up_runs_after_the_reply_was_sent():
    session, wire, _ = make_session()
    seen = []

    def trigger(payload):
        return {"status": "Accepted"}, lambda: seen.append(len(wire.sent))
    session.rpc.handlers["TriggerMessage"] = trigger
    await session.on_text('[2,"cs1","TriggerMessage",{"requestedMessage":"Heartbeat"}]')
    assert seen == [1]


async def test_async_follow_up_may_call_without_blocking_the_reader():
    # TriggerMessage: the CALLRESULT goes out first, then the triggered CALL.
    session, wire, _ = make_session()
    results = []

    async def send_heartbeat():
        results.append(await session.call("Heartbeat", {}))

    def trigger(payload):
        return {"status": "Accepted"}, send_heartbeat
    session.rpc.handlers["TriggerMessage"] = trigger
    await session.on_text('[2,"cs1","TriggerMessage",{"requestedMessage":"Heartbeat"}]')
    await wait_until(lambda: len(wire.sent) == 2)
    assert wire.sent[0] == [3, "cs1", {"status": "Accepted"}]
    assert wire.sent[1][2] == "Heartbeat"
    await session.on_text(json.dumps([3, wire.sent[1][1], {"currentTime": NOW}]))
    await wait_until(lambda: results)
    assert results == [{"currentTime": NOW}]


async def test_failing_follow_ups_are_logged_and_counted():
    session, _, lines = make_session()

    def broken():
        raise ValueError("sync")

    async def broken_async():
        raise ValueError("async")
    session.rpc.handlers["ClearCache"] = lambda payload: ({"status": "Accepted"}, broken)
    session.rpc.handlers["Reset"] = lambda payload: ({"status": "Accepted"}, broken_async)
    await session.on_text('[2,"cs1","ClearCache",{}]')
    await session.on_text('[2,"cs2","Reset",{"type":"Soft"}]')
    await wait_until(lambda: session.follow_up_errors == 2)
    assert len(lines) == 2
