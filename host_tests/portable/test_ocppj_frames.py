"""ocppj.frames and ocppj.errors: OCPP-J 1.6 section 4 framing, every malformed case,
message id rules, CALLERROR codes (table 7, errata 5.1/5.2)."""
import json

from ocppj import errors, frames


def expect_error(cls, fn, *args):
    """Calls fn(*args) and returns the exception, which must be exactly `cls`."""
    try:
        fn(*args)
    except Exception as e:
        assert type(e) is cls, "expected %s, got %r" % (cls.__name__, e)
        return e
    raise AssertionError("expected %s, nothing raised" % cls.__name__)


def test_4_1_3_message_type_numbers():
    assert (frames.CALL, frames.CALLRESULT, frames.CALLERROR) == (2, 3, 4)


def test_4_2_1_encode_call_is_compact_json():
    text = frames.encode_call("19223201", "BootNotification", {"chargePointVendor": "VendorX"})
    assert text == '[2,"19223201","BootNotification",{"chargePointVendor":"VendorX"}]'


def test_4_2_2_encode_result():
    payload = {"status": "Accepted", "interval": 300}
    text = frames.encode_result("19223201", payload)
    assert " " not in text
    assert json.loads(text) == [3, "19223201", payload]


def test_4_2_3_encode_error_defaults_to_empty_description_and_object():
    assert frames.encode_error("1", "NotSupported") == '[4,"1","NotSupported","",{}]'
    text = frames.encode_error("1", "GenericError", "why", {"a": 1})
    assert text == '[4,"1","GenericError","why",{"a":1}]'


def test_decode_call():
    message = frames.decode('[2, "19223201", "BootNotification", {"chargePointVendor": "X"}]')
    assert type(message) is frames.Call
    assert message.message_type_id == frames.CALL
    assert (message.message_id, message.action) == ("19223201", "BootNotification")
    assert message.payload == {"chargePointVendor": "X"}


def test_decode_result():
    message = frames.decode('[3,"a",{"status":"Accepted"}]')
    assert type(message) is frames.CallResult
    assert (message.message_id, message.payload) == ("a", {"status": "Accepted"})


def test_decode_error():
    message = frames.decode('[4,"162376037","NotSupported","SendLocalList.req not implemented",{}]')
    assert type(message) is frames.CallError
    assert message.code == "NotSupported"
    assert message.description == "SendLocalList.req not implemented"
    assert message.details == {}


def test_4_2_1_null_payload_means_empty_object():
    assert frames.decode('[2,"1","Heartbeat",null]').payload == {}
    assert frames.decode('[3,"1",null]').payload == {}
    assert frames.decode('[4,"1","GenericError","",null]').details == {}


def test_roundtrip_of_non_ascii_text():
    text = frames.encode_call("1", "DataTransfer", {"vendorId": "V", "data": "K\u00f6ln \u20ac"})
    assert frames.decode(text).payload["data"] == "K\u00f6ln \u20ac"


def _json_reads_truncated_arrays():
    try:
        json.loads("[2,")
        return True
    except ValueError:
        return False


def test_not_json_is_formation_violation_without_id():
    for text in ("", "hello", '[2,"1","Heartbeat",{}] trailing'):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert e.message_id is None
    # "[2," is not JSON: CPython and MicroPython 1.29 reject it (FormationViolation), but
    # MicroPython 1.25's json (the 32-bit board interpreter) reads it as [2], a frame short
    # of its elements: ProtocolError there. Either way an error without a UniqueId.
    lenient = _json_reads_truncated_arrays()
    e = expect_error(errors.ProtocolError if lenient else errors.FormationViolation,
                     frames.decode, "[2,")
    assert e.message_id is None


def test_not_an_array_is_formation_violation():
    for text in ('{"a":1}', '"text"', "5", "null", "true"):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert e.message_id is None


def test_empty_array_is_protocol_error():
    expect_error(errors.ProtocolError, frames.decode, "[]")


def test_message_type_id_must_be_an_integer_but_id_is_recovered():
    for text in ('["2","abc","Heartbeat",{}]', '[true,"abc","Heartbeat",{}]',
                 '[2.0,"abc","Heartbeat",{}]', '[null,"abc"]'):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert e.message_id == "abc"
        assert e.message_type_id is None


def test_4_1_3_unknown_message_type_id_carries_the_type_for_ignoring():
    e = expect_error(errors.FormationViolation, frames.decode, '[5,"abc","Heartbeat",{}]')
    assert (e.message_type_id, e.message_id) == (5, "abc")


def test_too_few_elements_is_protocol_error_with_id():
    cases = (('[2,"abc","Heartbeat"]', 2), ('[3,"abc"]', 3), ('[4,"abc","GenericError",""]', 4),
             ("[2]", 2))
    for text, type_id in cases:
        e = expect_error(errors.ProtocolError, frames.decode, text)
        assert e.message_type_id == type_id
        assert e.message_id == ("abc" if type_id != 2 or len(text) > 3 else None)


def test_too_many_elements_is_formation_violation_with_id():
    for text in ('[2,"abc","Heartbeat",{},{}]', '[3,"abc",{},1]', '[4,"abc","GenericError","",{},1]'):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert e.message_id == "abc"


def test_4_1_4_message_id_must_be_a_string():
    for text in ('[2,123,"Heartbeat",{}]', '[2,null,"Heartbeat",{}]', '[3,["a"],{}]'):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert e.message_id is None


def test_4_1_4_message_id_at_most_36_characters():
    ok = "x" * 36
    assert frames.decode('[2,"%s","Heartbeat",{}]' % ok).message_id == ok
    too_long = "x" * 37
    e = expect_error(errors.FormationViolation, frames.decode, '[2,"%s","Heartbeat",{}]' % too_long)
    # Recovered so the CALLERROR can echo it (4.2.3 names "unique identifier too long").
    assert (e.message_id, e.message_type_id) == (too_long, frames.CALL)


def test_action_must_be_a_string():
    e = expect_error(errors.FormationViolation, frames.decode, '[2,"abc",7,{}]')
    assert e.message_id == "abc"


def test_payload_must_be_an_object():
    for text in ('[2,"abc","Heartbeat",[]]', '[2,"abc","Heartbeat","x"]', '[2,"abc","Heartbeat",1]',
                 '[3,"abc",[]]', '[3,"abc",false]'):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert e.message_id == "abc"


def test_call_error_fields_are_typed():
    for text in ('[4,"abc",1,"",{}]', '[4,"abc","GenericError",null,{}]',
                 '[4,"abc","GenericError","",[]]'):
        e = expect_error(errors.FormationViolation, frames.decode, text)
        assert (e.message_id, e.message_type_id) == ("abc", frames.CALLERROR)


def test_new_message_ids_are_unique_strings_of_at_most_36_chars():
    seen = set()
    for _ in range(500):
        message_id = frames.new_message_id()
        assert type(message_id) is str
        assert 0 < len(message_id) <= frames.MAX_MESSAGE_ID_LEN
        seen.add(message_id)
    assert len(seen) == 500


def test_table_7_error_codes_on_their_classes():
    expected = {
        errors.NotImplementedAction: "NotImplemented",
        errors.NotSupported: "NotSupported",
        errors.InternalError: "InternalError",
        errors.ProtocolError: "ProtocolError",
        errors.SecurityError: "SecurityError",
        errors.FormationViolation: "FormationViolation",
        errors.PropertyConstraintViolation: "PropertyConstraintViolation",
        errors.OccurenceConstraintViolation: "OccurenceConstraintViolation",
        errors.TypeConstraintViolation: "TypeConstraintViolation",
        errors.GenericError: "GenericError",
    }
    for cls, code in expected.items():
        assert cls.code == code
        assert cls("why").code == code
        assert isinstance(cls(), errors.OcppError)
        assert code in errors.STANDARD_CODES
    assert len(errors.STANDARD_CODES) == 10


def test_errata_5_1_and_5_2_keep_the_1_6_spellings():
    assert errors.OccurenceConstraintViolation.code == "OccurenceConstraintViolation"
    assert errors.FormationViolation.code == "FormationViolation"
    assert "OccurrenceConstraintViolation" not in errors.STANDARD_CODES
    assert "FormatViolation" not in errors.STANDARD_CODES


def test_error_keeps_description_and_details():
    e = errors.PropertyConstraintViolation("too long", {"field": "idTag"})
    assert (e.description, e.details, str(e)) == ("too long", {"field": "idTag"}, "too long")
    assert errors.GenericError().details == {}


def test_call_error_received_keeps_nonstandard_code_as_received():
    for code in ("OccurrenceConstraintViolation", "FormatViolation", "SomethingElse"):
        e = errors.CallErrorReceived(code, "d", {"x": 1}, "id1")
        assert (e.code, e.description, e.details, e.message_id) == (code, "d", {"x": 1}, "id1")
        assert isinstance(e, errors.OcppError)
