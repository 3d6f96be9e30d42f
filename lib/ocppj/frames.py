"""OCPP-J 1.6 message frames (OCPP-J section 4): encode and decode CALL, CALLRESULT
and CALLERROR.

`decode(text)` returns a `Call`, `CallResult` or `CallError`, or raises an
`OcppError` subclass. The error carries `message_id` and `message_type_id` whenever
they can be recovered, so the receiver can still answer a malformed CALL with a
CALLERROR. Which code a structural fault gets:
  - too few elements: ProtocolError ("Payload for Action is incomplete");
  - anything else that does not fit the frame structure (not JSON, not an array, too
    many elements, a wrongly typed element, message id longer than 36 characters):
    FormationViolation ("not conform the PDU structure").
A Message Type Number outside 2..4 also raises, with `message_type_id` set, so the
receiver can ignore it as section 4.1.3 requires.
"""
import binascii
import json
import os

from ocppj.errors import FormationViolation, ProtocolError

CALL = 2
CALLRESULT = 3
CALLERROR = 4
MAX_MESSAGE_ID_LEN = 36  # OCPP-J 4.1.4, table 3

_SEPARATORS = (",", ":")
_FRAME_LEN = {CALL: 4, CALLRESULT: 3, CALLERROR: 5}


class Call:
    message_type_id = CALL

    def __init__(self, message_id, action, payload):
        self.message_id = message_id
        self.action = action
        self.payload = payload


class CallResult:
    message_type_id = CALLRESULT

    def __init__(self, message_id, payload):
        self.message_id = message_id
        self.payload = payload


class CallError:
    message_type_id = CALLERROR

    def __init__(self, message_id, code, description, details):
        self.message_id = message_id
        self.code = code
        self.description = description
        self.details = details


def encode_call(message_id, action, payload):
    return json.dumps([CALL, message_id, action, payload], separators=_SEPARATORS)


def encode_result(message_id, payload):
    return json.dumps([CALLRESULT, message_id, payload], separators=_SEPARATORS)


def encode_error(message_id, code, description="", details=None):
    # Section 4.2.3: an empty string, not null, when there is no description, and an
    # empty object when there are no details.
    if details is None:
        details = {}
    return json.dumps([CALLERROR, message_id, code, description, details],
                      separators=_SEPARATORS)


def _object_or_empty(value):
    # Sections 4.2.1/4.2.2 allow null for an empty payload; we treat it as {}.
    if value is None:
        return {}
    if type(value) is dict:
        return value
    return None


def head(text):
    """(MessageTypeId, UniqueId) read from the start of a frame that cannot be decoded whole
    (the heap has no room to parse it now), or None when its start does not show them."""
    start = text[:MAX_MESSAGE_ID_LEN + 16]
    first = start.find('"')
    last = start.find('"', first + 1)
    if first < 0 or last < 0:
        return None
    try:
        opening = json.loads(start[:last + 1] + "]")
    except ValueError:  # an escaped quote, or not a frame at all
        return None
    if len(opening) != 2 or type(opening[0]) is not int or type(opening[1]) is not str \
            or len(opening[1]) > MAX_MESSAGE_ID_LEN:
        return None
    return opening[0], opening[1]


def decode(text):
    try:
        frame = json.loads(text)
    except ValueError:
        raise FormationViolation("message is not valid JSON")
    if type(frame) is not list:
        raise FormationViolation("message is not a JSON array")
    if not frame:
        raise ProtocolError("message has no MessageTypeId")
    type_id = frame[0]
    message_id = None
    if len(frame) > 1 and type(frame[1]) is str:
        message_id = frame[1]
    if type(type_id) is not int:
        raise FormationViolation("MessageTypeId is not an integer", None, message_id)
    expected_len = _FRAME_LEN.get(type_id)
    if expected_len is None:
        raise FormationViolation("unknown MessageTypeId %d" % type_id, None, message_id, type_id)
    if len(frame) < expected_len:
        raise ProtocolError("message has %d of %d elements" % (len(frame), expected_len),
                            None, message_id, type_id)
    if len(frame) > expected_len:
        raise FormationViolation("message has %d elements, expected %d"
                                 % (len(frame), expected_len), None, message_id, type_id)
    if message_id is None:
        raise FormationViolation("UniqueId is not a string", None, None, type_id)
    if len(message_id) > MAX_MESSAGE_ID_LEN:
        raise FormationViolation("UniqueId is longer than 36 characters", None, message_id, type_id)

    if type_id == CALL:
        action = frame[2]
        if type(action) is not str:
            raise FormationViolation("Action is not a string", None, message_id, type_id)
        payload = _object_or_empty(frame[3])
        if payload is None:
            raise FormationViolation("Payload is not a JSON object", None, message_id, type_id)
        return Call(message_id, action, payload)

    if type_id == CALLRESULT:
        payload = _object_or_empty(frame[2])
        if payload is None:
            raise FormationViolation("Payload is not a JSON object", None, message_id, type_id)
        return CallResult(message_id, payload)

    code, description = frame[2], frame[3]
    if type(code) is not str:
        raise FormationViolation("ErrorCode is not a string", None, message_id, type_id)
    if type(description) is not str:
        raise FormationViolation("ErrorDescription is not a string", None, message_id, type_id)
    details = _object_or_empty(frame[4])
    if details is None:
        raise FormationViolation("ErrorDetails is not a JSON object", None, message_id, type_id)
    return CallError(message_id, code, description, details)


_id_prefix = None
_id_counter = 0


def new_message_id():
    """A fresh CALL message id: 16 random hex digits, a dash and a counter.

    The random prefix is drawn once per boot, so ids stay unique across reconnects
    and reboots (errata 3.1/3.7) with overwhelming probability; the id stays below 36
    characters for any counter value a station can reach.
    """
    global _id_prefix, _id_counter
    if _id_prefix is None:
        _id_prefix = binascii.hexlify(os.urandom(8)).decode()
    _id_counter += 1
    return "%s-%d" % (_id_prefix, _id_counter)
