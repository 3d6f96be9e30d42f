"""ocppj.rpc, the sans-I/O core: one outstanding CALL (OCPP-J 4.1.1), replies matched by
id (4.1.4), timeouts as data, CALLERROR answers (4.2.3, table 7), handler failures and
follow-ups."""
import json

from ocppj import errors
from ocppj.rpc import ANY_ACTION, Completed, Reply, Rpc
from test_ocppj_frames import expect_error

NOW = "2024-05-01T12:00:00Z"
BOOT = {"chargePointVendor": "VendorX", "chargePointModel": "Model"}
BOOT_CONF = {"status": "Accepted", "currentTime": NOW, "interval": 300}


def counting_ids():
    state = [0]

    def new_id():
        state[0] += 1
        return "id%d" % state[0]
    return new_id


def make_rpc(handlers=None, **options):
    lines = []
    rpc = Rpc(handlers or {}, log=lines.append, new_id=counting_ids(), **options)
    return rpc, lines


def result_text(message_id, payload):
    return json.dumps([3, message_id, payload])


def reply_of(event):
    assert type(event) is Reply, event
    return json.loads(event.text)


def test_call_builds_a_call_frame():
    rpc, _ = make_rpc()
    text = rpc.call("BootNotification", BOOT)
    assert json.loads(text) == [2, "id1", "BootNotification", BOOT]
    assert (rpc.pending_id, rpc.pending_action) == ("id1", "BootNotification")


def test_4_1_1_only_one_outstanding_call():
    rpc, _ = make_rpc()
    rpc.call("BootNotification", BOOT)
    expect_error(errors.CallPending, rpc.call, "Heartbeat", {})
    done = rpc.receive(result_text("id1", BOOT_CONF))
    assert type(done) is Completed
    assert (done.action, done.message_id, done.payload, done.error) == (
        "BootNotification", "id1", BOOT_CONF, None)
    assert rpc.pending_id is None
    assert json.loads(rpc.call("Heartbeat", {}))[1] == "id2"


def test_request_payload_is_checked_before_sending():
    rpc, _ = make_rpc()
    expect_error(errors.OccurenceConstraintViolation, rpc.call, "BootNotification", {"chargePointVendor": "V"})
    expect_error(errors.NotImplementedAction, rpc.call, "Hello", {})
    assert rpc.pending_id is None
    rpc, _ = make_rpc(check_outgoing=False)
    rpc.call("BootNotification", {"chargePointVendor": "V"})


def test_4_1_4_response_with_unknown_id_is_logged_dropped_and_counted():
    rpc, lines = make_rpc()
    assert rpc.receive(result_text("nobody", {})) is None
    rpc.call("Heartbeat", {})
    assert rpc.receive(result_text("other", {"currentTime": NOW})) is None
    assert rpc.receive('[4,"other","GenericError","",{}]') is None
    assert rpc.unmatched == 3
    assert len(lines) == 3
    assert rpc.pending_id == "id1"
    assert rpc.receive(result_text("id1", {"currentTime": NOW})).payload == {"currentTime": NOW}


def test_call_error_is_surfaced_with_code_description_and_details():
    rpc, _ = make_rpc()
    rpc.call("Heartbeat", {})
    done = rpc.receive('[4,"id1","SecurityError","not accepted yet",{"why":"boot"}]')
    assert type(done.error) is errors.CallErrorReceived
    assert (done.error.code, done.error.description, done.error.details) == (
        "SecurityError", "not accepted yet", {"why": "boot"})
    assert done.error.message_id == "id1"


def test_errata_5_1_5_2_nonstandard_call_error_codes_are_kept_as_received():
    rpc, _ = make_rpc()
    for code in ("OccurrenceConstraintViolation", "FormatViolation", "RpcFrameworkError"):
        rpc.call("Heartbeat", {})
        done = rpc.receive(json.dumps([4, rpc.pending_id, code, "", {}]))
        assert done.error.code == code


def test_timeout_is_data():
    rpc, lines = make_rpc(response_timeout_ms=1000)
    assert rpc.remaining_ms(0) is None
    rpc.call("Heartbeat", {}, now_ms=5000)
    assert rpc.remaining_ms(5400) == 600
    assert rpc.poll(5999) is None
    done = rpc.poll(6000)
    assert type(done.error) is errors.ResponseTimeout
    assert (done.error.action, done.error.message_id) == ("Heartbeat", "id1")
    assert rpc.pending_id is None and rpc.remaining_ms(7000) is None
    assert len(lines) == 1
    # The late answer is a reply with an unknown id now.
    assert rpc.receive(result_text("id1", {"currentTime": NOW})) is None
    assert rpc.unmatched == 1


def test_timeout_with_a_wrapping_clock():
    period = 1 << 10

    def ticks_diff(a, b):
        return ((a - b + period // 2) % period) - period // 2
    rpc, _ = make_rpc(response_timeout_ms=100, ticks_diff=ticks_diff)
    rpc.call("Heartbeat", {}, now_ms=period - 50)
    assert rpc.poll(20) is None
    assert type(rpc.poll(50).error) is errors.ResponseTimeout


def test_without_now_ms_the_adapter_times_the_call():
    rpc, _ = make_rpc()
    rpc.call("Heartbeat", {})
    assert rpc.poll(10 ** 9) is None
    done = rpc.abandon(errors.ConnectionLost())
    assert type(done.error) is errors.ConnectionLost
    assert rpc.abandon(errors.ConnectionLost()) is None


def test_result_payload_is_checked():
    rpc, _ = make_rpc()
    rpc.call("BootNotification", BOOT)
    done = rpc.receive(result_text("id1", {"status": "Accepted", "currentTime": NOW, "interval": 1.5}))
    assert type(done.error) is errors.TypeConstraintViolation
    assert rpc.pending_id is None
    rpc, _ = make_rpc(check_results=False)
    rpc.call("BootNotification", BOOT)
    assert rpc.receive(result_text("id1", {"interval": 1.5})).payload == {"interval": 1.5}


def test_malformed_answer_to_our_call_ends_it_at_once():
    rpc, _ = make_rpc()
    rpc.call("Heartbeat", {})
    done = rpc.receive('[3,"id1",[]]')
    assert type(done.error) is errors.FormationViolation
    assert rpc.malformed == 1 and rpc.pending_id is None


def test_incoming_call_is_answered_by_its_handler():
    seen = []

    def reset(payload):
        seen.append(payload)
        return {"status": "Accepted"}
    rpc, _ = make_rpc({"Reset": reset})
    event = rpc.receive('[2,"cs1","Reset",{"type":"Soft"}]')
    assert reply_of(event) == [3, "cs1", {"status": "Accepted"}]
    assert event.follow_up is None
    assert seen == [{"type": "Soft"}]


def test_incoming_call_does_not_disturb_our_outstanding_call():
    rpc, _ = make_rpc({"Reset": lambda payload: {"status": "Accepted"}})
    rpc.call("Heartbeat", {})
    assert reply_of(rpc.receive('[2,"cs1","Reset",{"type":"Soft"}]'))[0] == 3
    assert rpc.pending_id == "id1"


def test_table_7_unknown_action_is_not_implemented():
    rpc, _ = make_rpc({"Reset": lambda payload: {"status": "Accepted"}})
    message = reply_of(rpc.receive('[2,"cs1","FlyToTheMoon",{}]'))
    assert message[:3] == [4, "cs1", "NotImplemented"]
    assert rpc.call_errors_sent == 1


def test_table_7_known_action_without_handler_is_not_supported():
    rpc, _ = make_rpc({"Reset": lambda payload: {"status": "Accepted"}})
    assert reply_of(rpc.receive('[2,"cs1","SendLocalList",{"bogus":1}]'))[:3] == [4, "cs1", "NotSupported"]
    assert reply_of(rpc.receive('[2,"cs2","BootNotification",{}]'))[:3] == [4, "cs2", "NotSupported"]


def test_an_action_the_table_does_not_list_is_asked_of_its_any_action_entry():
    asked = []

    def find(action):  # a service loaded on demand: only Reset here
        asked.append(action)
        return (lambda payload: {"status": "Rejected"}) if action == "Reset" else None
    rpc, _ = make_rpc({"ClearCache": lambda payload: {"status": "Accepted"}, ANY_ACTION: find})
    assert reply_of(rpc.receive('[2,"a","Reset",{"type":"Soft"}]')) == [3, "a", {"status": "Rejected"}]
    assert reply_of(rpc.receive('[2,"b","SendLocalList",{}]'))[:3] == [4, "b", "NotSupported"]
    assert reply_of(rpc.receive('[2,"c","ClearCache",{}]')) == [3, "c", {"status": "Accepted"}]
    assert reply_of(rpc.receive('[2,"d","Nonsense",{}]'))[:3] == [4, "d", "NotImplemented"]
    assert asked == ["Reset", "SendLocalList"]


def test_messages_that_are_not_valid_ocpp_and_handlers_out_of_heap_are_told():
    told = []

    def greedy(payload):
        raise MemoryError()
    rpc, _ = make_rpc({"Reset": greedy, "ClearCache": lambda payload: {"status": "Accepted"}})
    rpc.on_problem = lambda kind, text: told.append((kind, text))
    rpc.receive('[2,')
    rpc.receive('[2,"a","Teleport",{}]')
    rpc.receive('[2,"b","Reset",{"type":"Bogus"}]')
    rpc.receive('[2,"c","ClearCache",{}]')  # valid: nothing told
    assert reply_of(rpc.receive('[2,"d","Reset",{"type":"Soft"}]'))[:3] == [4, "d", "InternalError"]
    rpc.call("Heartbeat", {})
    rpc.receive(result_text("id1", {"currentTime": "yesterday"}))
    assert [kind for kind, _ in told] == ["InvalidMessages"] * 3 + ["MemoryExhaustion",
                                                                    "InvalidMessages"]
    assert told[1][1] == "unknown action Teleport" and told[2][1].startswith("Reset: ")
    assert told[3][1] == "answering Reset" and told[4][1].startswith("Heartbeat result: ")


def test_invalid_request_payload_gets_its_code_and_the_handler_is_not_called():
    calls = []

    def reset(payload):
        calls.append(payload)
        return {"status": "Accepted"}
    rpc, _ = make_rpc({"Reset": reset})
    cases = (('{}', "OccurenceConstraintViolation"), ('{"type":"Medium"}', "PropertyConstraintViolation"),
             ('{"type":1}', "TypeConstraintViolation"), ('{"type":"Hard","now":true}', "FormationViolation"))
    for payload, code in cases:
        message = reply_of(rpc.receive('[2,"cs1","Reset",%s]' % payload))
        assert message[:3] == [4, "cs1", code], message
        assert message[4]["field"] in ("type", "now")
    assert calls == []


def test_handler_exception_is_internal_error_and_station_keeps_running():
    def broken(payload):
        raise ValueError("bug")
    rpc, lines = make_rpc({"Reset": broken, "ClearCache": lambda payload: {"status": "Accepted"}})
    message = reply_of(rpc.receive('[2,"cs1","Reset",{"type":"Hard"}]'))
    assert message[:3] == [4, "cs1", "InternalError"]
    assert rpc.handler_errors == 1
    assert any("bug" in line for line in lines)
    assert reply_of(rpc.receive('[2,"cs2","ClearCache",{}]')) == [3, "cs2", {"status": "Accepted"}]


def test_handler_may_answer_a_specific_call_error():
    def refuse(payload):
        raise errors.SecurityError("not now", {"reason": "pending"})
    rpc, _ = make_rpc({"Reset": refuse})
    message = reply_of(rpc.receive('[2,"cs1","Reset",{"type":"Hard"}]'))
    assert message == [4, "cs1", "SecurityError", "not now", {"reason": "pending"}]
    assert rpc.handler_errors == 0


def test_call_error_received_leaking_from_a_handler_is_internal_error():
    def leaky(payload):
        raise errors.CallErrorReceived("FormatViolation", "from elsewhere")
    rpc, _ = make_rpc({"Reset": leaky})
    assert reply_of(rpc.receive('[2,"cs1","Reset",{"type":"Hard"}]'))[2] == "InternalError"


def test_bad_response_from_our_own_handler_is_internal_error_and_logged():
    rpc, lines = make_rpc({
        "Reset": lambda payload: {"status": "Maybe"},
        "ClearCache": lambda payload: None,
        "UnlockConnector": lambda payload: ({"status": "Unlocked", "extra": 1}, None),
    })
    for action, payload in (("Reset", '{"type":"Hard"}'), ("ClearCache", "{}"),
                            ("UnlockConnector", '{"connectorId":1}')):
        message = reply_of(rpc.receive('[2,"cs1","%s",%s]' % (action, payload)))
        assert message[:3] == [4, "cs1", "InternalError"], message
    assert rpc.handler_errors == 3
    assert len(lines) == 3


def test_follow_up_is_returned_with_the_reply():
    def later():
        pass

    def trigger(payload):
        return {"status": "Accepted"}, later
    rpc, _ = make_rpc({"TriggerMessage": trigger})
    event = rpc.receive('[2,"cs1","TriggerMessage",{"requestedMessage":"Heartbeat"}]')
    assert reply_of(event) == [3, "cs1", {"status": "Accepted"}]
    assert event.follow_up is later


def test_malformed_frames_are_logged_and_counted():
    rpc, lines = make_rpc()
    for text in ("not json", "{}", "[]", "[2,5,\"Heartbeat\",{}]", '[3,"x",[]]', '[9,"x"]'):
        assert rpc.receive(text) is None, text
    assert rpc.malformed == 6
    assert len(lines) == 6
    assert rpc.call_errors_sent == 0


def test_malformed_call_with_recoverable_id_gets_a_call_error():
    rpc, _ = make_rpc()
    assert reply_of(rpc.receive('[2,"cs1","Heartbeat"]'))[:3] == [4, "cs1", "ProtocolError"]
    assert reply_of(rpc.receive('[2,"cs2","Heartbeat",[]]'))[:3] == [4, "cs2", "FormationViolation"]
    assert reply_of(rpc.receive('[2,"cs3",5,{}]'))[:3] == [4, "cs3", "FormationViolation"]
    long_id = "L" * 37
    assert reply_of(rpc.receive('[2,"%s","Heartbeat",{}]' % long_id))[:3] == [4, long_id, "FormationViolation"]
    assert rpc.malformed == 4 and rpc.call_errors_sent == 4


def test_4_1_3_unknown_message_type_is_ignored():
    rpc, _ = make_rpc()
    rpc.call("Heartbeat", {})
    assert rpc.receive('[5,"id1","Heartbeat",{}]') is None
    assert rpc.malformed == 1 and rpc.pending_id == "id1"


def test_reply_too_large_for_the_heap_is_answered_with_internal_error():
    # OCPP-J 4.2.3: the Central System gets an answer rather than a time-out.
    from ocppj import frames as codec

    def encode_result(message_id, payload):
        raise MemoryError("allocating 2312 bytes")

    rpc = Rpc({"GetConfiguration": lambda payload: {"configurationKey": []}})
    original = codec.encode_result
    codec.encode_result = encode_result
    try:
        reply = rpc.receive('[2,"big-1","GetConfiguration",{}]')
    finally:
        codec.encode_result = original
    frame = json.loads(reply.text)
    assert frame[:3] == [4, "big-1", "InternalError"]
    assert rpc.handler_errors == 1


def test_a_frame_nested_too_deep_to_decode_still_gets_its_answer():
    # Issue 22's fuzzing: on CPython a CALL nested 1,500 levels deep (3 KB) raised
    # RecursionError out of json and the link dropped the connection; on MicroPython the same
    # frame runs out of heap and is answered InternalError. Now both answer it.
    from ocppj import frames as codec

    def decode(text):
        raise RuntimeError("maximum recursion depth exceeded while decoding a JSON array")

    rpc, _ = make_rpc({"DataTransfer": lambda payload: {"status": "Accepted"}})
    original = codec.decode
    codec.decode = decode
    try:
        call = rpc.receive('[2,"deep-1","DataTransfer",{"vendorId":"x","data":[[[[1]]]]}]')
    finally:
        codec.decode = original
    assert reply_of(call)[:3] == [4, "deep-1", "InternalError"]


def test_a_frame_too_large_to_decode_still_gets_its_answer():
    # Issue 16: a frame the WebSocket received whole but json has no room to parse (it takes
    # about twice the text's size beside it) is not left unanswered.
    from ocppj import frames as codec

    def decode(text):
        raise MemoryError("allocating 8192 bytes")

    told = []
    rpc, lines = make_rpc({"DataTransfer": lambda payload: {"status": "Accepted"}})
    rpc.on_problem = lambda kind, text: told.append(kind)
    rpc.call("Heartbeat", {})
    original = codec.decode
    codec.decode = decode
    try:
        call = rpc.receive('[2, "big-2","DataTransfer",{"vendorId":"x","data":"AAAA"}]')
        answer = rpc.receive('[3,"id1",{"currentTime":"%s"}]' % NOW)
        unreadable = rpc.receive('{"not": "a frame"}')
        escaped = rpc.receive('[2,"a\\"b","DataTransfer",{}]')
    finally:
        codec.decode = original
    assert reply_of(call)[:3] == [4, "big-2", "InternalError"]
    assert type(answer) is Completed and answer.message_id == "id1"
    assert answer.error.code == "InternalError" and rpc.pending_id is None
    assert unreadable is None and escaped is None
    assert told == ["MemoryExhaustion"] * 4 and len(lines) == 4


def test_the_head_of_a_frame_names_its_type_and_id():
    from ocppj.frames import head

    assert head('[2,"abc","DataTransfer",{"data":"' + "A" * 9000 + '"}]') == (2, "abc")
    assert head(' [ 3 , "x-1" , {}]') == (3, "x-1")
    assert head('[2,"' + "i" * 40 + '","Reset",{}]') is None  # longer than any UniqueId
    assert head("[2, 17, ") is None and head("") is None
