"""Checks OCPP 1.6 payloads against the generated schema tables (ocppj.schemas, whose
lines are read from schemas.dat on demand).

`check_request(action, payload)` and `check_response(action, payload)` return None for
a valid payload and raise the OcppError whose code the OCPP-J 1.6 table 7 gives:
  - a property the schema does not define: FormationViolation (the payload does not
    conform to the PDU structure; errata 3.2 says no extra fields are allowed);
  - a required field missing, or an empty array where one item is the minimum:
    OccurenceConstraintViolation;
  - a JSON type other than the schema's (an integer given as 1.0 or true, a string
    given as null): TypeConstraintViolation;
  - a value outside its enum, longer than maxLength, not a multiple of multipleOf,
    a non-finite number, or a malformed date-time: PropertyConstraintViolation;
  - an action that is not OCPP 1.6 at all: NotImplementedAction.
The error's details hold {"field": "path.to[0].field"}. A valid payload is checked
without allocating, but for a table of the item's fields for each array of four objects or
more (a dict of its names, garbage after the check). Once a fault is found, the payload is
walked again with unknown properties first and then fields in name order, so a payload with
several faults gets the same error on every interpreter.
"""
try:
    from micropython import const
except ImportError:  # CPython
    def const(value):
        return value

from ocppj import schemas
from ocppj.errors import (
    FormationViolation,
    NotImplementedAction,
    OccurenceConstraintViolation,
    OcppError,
    PropertyConstraintViolation,
    TypeConstraintViolation,
)


_DATA_PATH = schemas.__file__.replace("\\", "/").rpartition("/")[0] + "/schemas.dat"


def _table_in_flash():
    """The tables where they can be read in place: frozen into the firmware
    (tools/frozen_manifest.py), or schemas.dat on a ROMFS partition, which MicroPython maps
    as a memoryview of the flash. None when they are only in a file."""
    try:
        from ocppj.schemas_table import DATA
        return memoryview(DATA)  # a line sliced from it is a view, not a copy
    except ImportError:
        pass
    try:
        f = open(_DATA_PATH, "rb")
    except OSError:
        return None
    try:
        return memoryview(f)
    except TypeError:  # a file on a filesystem, or CPython's
        f.close()
        return None


# The lines a check reads are cached. In flash, for that check only: read from there again
# for the next one, they keep no heap (those of a charging session took 2.4 KB of a 32-bit
# board's). From a file, the lines in use stay.
_TABLE = _table_in_flash()
_CACHE_BOUND = 48  # lines: more than the actions of a charging session use
# An array of this many objects or more is checked against a table of the item's fields
# (_check_objects); a shorter one field by field in the spec, which allocates nothing.
_TABLE_FROM_ITEMS = 4
_lines = {}
_actions = {}  # action -> (request object, response object), for the actions seen


def check_request(action, payload):
    _check_action(action, 0, payload)


def check_response(action, payload):
    _check_action(action, 1, payload)


def is_action(action):
    return _action_objects(action) is not None


# The spec's letters, read as the byte values they are (the tables are ASCII).
_STAR = const(42)  # * an array
_PLUS = const(43)  # + a non-empty array
_SEMICOLON = const(59)
_EQUALS = const(61)
_UPPER_A = const(65)
_UPPER_Z = const(90)
_TO_LOWER = const(32)
_DIGIT_0 = const(48)
_DIGIT_9 = const(57)
_MINUS = const(45)
_DOT = const(46)
_COLON = const(58)
_T = const(116)  # t, either case once lowered
_Z = const(122)  # z, either case once lowered
_KIND_STRING = const(115)  # s
_KIND_ENUM = const(101)  # e
_KIND_DATETIME = const(100)  # d
_KIND_INTEGER = const(105)  # i
_KIND_NUMBER = const(110)  # n
_KIND_BOOLEAN = const(98)  # b
_KIND_OBJECT = const(111)  # o


def _line(number):
    """(text, raw): the line as a str, to find names and values in, and as bytes, to read
    its letters and digits as ints. Indexing a str makes a one-character str each time,
    which MicroPython looks up among its interned names: a check read that way ran about
    1.4 times the instructions."""
    line = _lines.get(number)
    if line is None:
        line = _read_line(number)
    return line


def _read_line(number):
    offsets = schemas.OFFSETS
    at = offsets[2 * number] | offsets[2 * number + 1] << 8
    end = offsets[2 * number + 2] | offsets[2 * number + 3] << 8
    if _TABLE is not None:
        raw = _TABLE[at:end - 1]
    else:
        with open(_DATA_PATH, "rb") as f:
            f.seek(at)
            raw = f.read(end - at - 1)
    line = (str(raw, "utf-8"), raw)
    if len(_lines) >= _CACHE_BOUND:
        _lines.clear()
    _lines[number] = line
    return line


def _action_objects(action):
    if type(action) is not str:
        return None
    objects = _actions.get(action)
    return _find_action(action) if objects is None else objects


def _find_action(action):
    objects = None
    if action and " " not in action and "," not in action:
        index = _line(schemas.ACTIONS_LINE)[0]
        at = index.find("," + action + " ")
        if at >= 0:
            numbers = index[at + len(action) + 2:index.find(",", at + 1)].split(" ")
            objects = (int(numbers[0]), int(numbers[1]))
            _actions[action] = objects  # at most every action of OCPP 1.6
        _lines.pop(schemas.ACTIONS_LINE, None)  # the long index line: read again when needed
    return objects


def _check_action(action, which, payload):
    objects = _action_objects(action)
    if objects is None:
        raise NotImplementedAction("unknown action %s" % action)
    if type(payload) is not dict:
        raise TypeConstraintViolation("payload is not an object")
    try:
        _check_object(_line(schemas.OBJECTS_AT + objects[which]), payload)
    except OcppError as e:
        e.description = "%s: %s" % (e.details.get("field", ""), e.description)
        raise
    finally:
        if _TABLE is not None:  # read in place: the lines are kept for this check only
            _lines.clear()


def _locate(error, segment):
    # The path is built while the error unwinds, so a valid payload costs no strings.
    inner = error.details.get("field")
    if inner is None:
        error.details["field"] = segment
    elif inner[:1] == "[":
        error.details["field"] = segment + inner
    else:
        error.details["field"] = segment + "." + inner


# The functions a valid payload runs, once per field, keep their frames within the 11
# slots (locals and stack, 44 bytes on a 32-bit board) that MicroPython keeps on the C
# stack: a larger frame is allocated from the heap at every call, and on a fragmented
# board heap that search took most of a full GetConfiguration's instructions. A try block
# takes three slots, a for loop over a dict four. The name-order pass, run only for a
# payload already found wrong, is written for clarity instead.

def _value_start(line, key):
    """Index just past `key=` in the spec, or -1 when the spec has no such field."""
    if not key or "=" in key:
        return -1
    text = line[0]
    at = text.find(key)
    while at >= 0:
        end = at + len(key)
        if (at == 0 or line[1][at - 1] == _SEMICOLON) and end < len(text) \
                and line[1][end] == _EQUALS:
            return end + 1
        at = text.find(key, at + 1)
    return -1


def _check_object(line, payload):
    try:
        _check_present_fields(line, payload)
    except OcppError:
        _check_in_name_order(line, payload)
        raise


def _check_present_fields(line, payload):
    # The common, valid case: walk the payload's own keys, which allocates nothing.
    # Dict order differs between interpreters, so a fault found here is reported by
    # the name-order pass instead.
    required = 0
    for key in payload:
        required += _check_present_field(line, key, payload[key])
    if required != _required_fields(line):
        raise OccurenceConstraintViolation("required field missing")


def _check_present_field(line, key, value):
    """1 for a valid required field, 0 for a valid optional one."""
    at = _value_start(line, key) if type(key) is str else -1
    if at < 0:
        raise FormationViolation("property not allowed")
    _check_field(line, at, value)
    return 1 if _is_required(line[1], at) else 0


def _required_fields(line):
    count = 0
    at = line[0].find("=")
    while at >= 0:
        if _is_required(line[1], at + 1):
            count += 1
        at = line[0].find("=", at + 1)
    return count


def _check_in_name_order(line, payload):
    text, raw = line
    for key in payload:
        if type(key) is not str or _value_start(line, key) < 0:
            error = FormationViolation("property not allowed")
            _locate(error, str(key))
            raise error
    at = 0
    while at < len(text):
        equals = text.find("=", at)
        end = text.find(";", equals)
        name = text[at:equals]
        if name in payload:
            try:
                _check_field_located(line, equals + 1, payload[name])
            except OcppError as e:
                _locate(e, name)
                raise
        elif _is_required(raw, equals + 1):
            error = OccurenceConstraintViolation("required field missing")
            _locate(error, name)
            raise error
        at = end + 1


def _is_required(raw, at):
    kind = raw[at]
    if kind == _STAR or kind == _PLUS:
        kind = raw[at + 1]
    return _UPPER_A <= kind <= _UPPER_Z


def _check_field(line, at, value):
    """`at`: where the field's spec starts, after its `=`."""
    repeat = line[1][at]
    if repeat != _STAR and repeat != _PLUS:
        _check_value(line, at, value)
        return
    if type(value) is not list:
        raise TypeConstraintViolation("not an array")
    if repeat == _PLUS and not value:
        raise OccurenceConstraintViolation("array needs at least one item")
    if len(value) >= _TABLE_FROM_ITEMS and line[1][at + 1] | _TO_LOWER == _KIND_OBJECT:
        _check_objects(line, at + 1, value)
        return
    i = 0
    while i < len(value):  # a for loop over the list would take four more slots
        _check_value(line, at + 1, value[i])
        i += 1


def _check_objects(line, at, items):
    """Objects of an array (at: their kind letter), against one table of the item's fields
    made for the array, not found again in the spec for each: every key of a full
    GetConfiguration took twice the instructions. A fault found here is reported by the
    name-order pass, as any other (_check_object)."""
    line = _line(schemas.OBJECTS_AT + _number(line, at + 1))
    fields = _field_table(line)
    required = 0
    for code in fields.values():
        required += code & 1
    for item in items:
        if type(item) is not dict:
            raise TypeConstraintViolation("not an object")
        present = 0
        for key in item:
            code = fields.get(key, 0) if type(key) is str else 0
            if not code:
                raise FormationViolation("property not allowed")
            _check_field(line, code >> 1, item[key])
            present += code & 1
        if present != required:
            raise OccurenceConstraintViolation("required field missing")


def _field_table(line):
    """{name: where its spec starts << 1 | 1 when it is required} of an object's spec."""
    text = line[0]
    fields = {}
    at = 0
    while at < len(text):
        equals = text.find("=", at)
        fields[text[at:equals]] = (equals + 1) << 1 | (1 if _is_required(line[1], equals + 1)
                                                          else 0)
        at = text.find(";", equals) + 1
    return fields


def _check_field_located(line, at, value):
    """_check_field, the failing item's index added to the error's field."""
    repeat = line[1][at]
    if (repeat != _STAR and repeat != _PLUS) or type(value) is not list or not value:
        _check_field(line, at, value)
        return
    for i in range(len(value)):
        try:
            _check_value(line, at + 1, value[i])
        except OcppError as e:
            _locate(e, "[%d]" % i)
            raise


def _number(line, at):
    """The decimal argument from `at` to the field's `;`, or -1 when there is none."""
    end = line[0].find(";", at)
    if at >= end:
        return -1
    raw = line[1]
    result = 0
    while at < end:
        result = result * 10 + raw[at] - _DIGIT_0
        at += 1
    return result


def _check_value(line, at, value):
    kind = line[1][at] | _TO_LOWER  # upper case marks a required field
    arg = _number(line, at + 1)
    if kind == _KIND_STRING:
        if type(value) is not str:
            raise TypeConstraintViolation("not a string")
        if arg >= 0 and len(value) > arg:
            raise PropertyConstraintViolation("longer than %d characters" % arg)
    elif kind == _KIND_ENUM:
        if type(value) is not str:
            raise TypeConstraintViolation("not a string")
        if not _in_enum(_line(arg)[0], value):
            raise PropertyConstraintViolation("value not allowed")
    elif kind == _KIND_DATETIME:
        if type(value) is not str:
            raise TypeConstraintViolation("not a string")
        if not is_datetime(value):
            raise PropertyConstraintViolation("not a date-time")
    elif kind == _KIND_INTEGER:
        if type(value) is not int:
            raise TypeConstraintViolation("not an integer")
    elif kind == _KIND_NUMBER:
        _check_number(value, arg)
    elif kind == _KIND_BOOLEAN:
        if type(value) is not bool:
            raise TypeConstraintViolation("not a boolean")
    elif kind == _KIND_OBJECT:
        if type(value) is not dict:
            raise TypeConstraintViolation("not an object")
        _check_object(_line(schemas.OBJECTS_AT + arg), value)


def _check_number(value, steps):
    """`steps`: 1/multipleOf, or -1 when any number goes."""
    # type() rather than isinstance(): True is an int on CPython, not on MicroPython.
    if type(value) is not int and type(value) is not float:
        raise TypeConstraintViolation("not a number")
    if value != value or value - value != 0:
        raise PropertyConstraintViolation("not a finite number")
    if steps > 0 and not _is_multiple(value * steps):
        raise PropertyConstraintViolation("not a multiple of 1/%d" % steps)


def _is_multiple(scaled):
    # Tolerant because a board's single-precision floats rarely hit 0.1 steps exactly.
    return abs(scaled - round(scaled)) <= 1e-6 * max(1.0, abs(scaled))


def _in_enum(values, value):
    if not value or "," in value:
        return False
    start = 0
    size = len(value)
    while True:
        at = values.find(value, start)
        if at < 0:
            return False
        end = at + size
        if (at == 0 or values[at - 1] == ",") and (end == len(values) or values[end] == ","):
            return True
        start = at + 1


def _digits(raw, at, count, low, high):
    """The `count` digits at raw[at:] read as a number within [low, high]."""
    result = 0
    while count > 0:
        digit = raw[at] - _DIGIT_0
        if digit < 0 or digit > 9:
            return False
        result = result * 10 + digit
        at += 1
        count -= 1
    return low <= result <= high


def is_datetime(text):
    """RFC 3339 date-time: YYYY-MM-DDThh:mm:ss[.fraction][Z|+hh:mm|-hh:mm].

    The zone may be left out: such times are read as UTC, because rejecting a
    BootNotification.conf over a missing "Z" would keep the station from booting.
    """
    # Read as bytes, whose items are ints: a str's are one-character strs, each looked up
    # among the interned names on MicroPython (whose encode() shares the str's bytes). A
    # character outside ASCII is bytes of 0x80 and more, which no test below accepts.
    raw = text.encode()
    size = len(raw)
    if size < 19:
        return False
    if not (_digits(raw, 0, 4, 0, 9999) and raw[4] == _MINUS and _digits(raw, 5, 2, 1, 12)
            and raw[7] == _MINUS and _digits(raw, 8, 2, 1, 31) and raw[10] | _TO_LOWER == _T
            and _digits(raw, 11, 2, 0, 23) and raw[13] == _COLON and _digits(raw, 14, 2, 0, 59)
            and raw[16] == _COLON and _digits(raw, 17, 2, 0, 60)):
        return False
    at = 19
    if at < size and raw[at] == _DOT:
        at += 1
        first = at
        while at < size and _DIGIT_0 <= raw[at] <= _DIGIT_9:
            at += 1
        if at == first:
            return False
    if at == size:
        return True
    if raw[at] | _TO_LOWER == _Z:
        return at + 1 == size
    return ((raw[at] == _PLUS or raw[at] == _MINUS) and size == at + 6
            and _digits(raw, at + 1, 2, 0, 23) and raw[at + 3] == _COLON
            and _digits(raw, at + 4, 2, 0, 59))
