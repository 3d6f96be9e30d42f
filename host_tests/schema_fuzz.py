"""Hypothesis strategies for the Central System's requests to a charge point, derived from the
official OCPP 1.6 JSON schemas (ocpp/v16/schemas of the PyPI `ocpp` package, the security
extension's included), and the oracle that says which answers to them are right. Host only.

`requests(actions, bounds)` draws a `Request`: an action, the CALL's JSON text and what the
answer must be. The payloads are
- valid: drawn from the schema, with boundary values (strings of 0 and maxLength characters,
  integers at the 30/31/32/53/63/64-bit edges and far beyond, numbers on the 0.1 grid of a
  multipleOf, every enum member, date-times from 1970 to 9999 with and without fractions and
  offsets, PEM armour around random bytes where a certificate goes);
- invalid: a valid one with one to three faults at any depth -- a required field left out, a
  value of another JSON type, a property the schema does not have, a string over maxLength, a
  value outside the enum, a malformed or impossible date-time, a number off the multipleOf grid
  or not finite (1e999), a huge array, a value nested hundreds of levels deep -- or a payload
  that is not an object; and actions no Charge Point answers (NotSupported) or that OCPP 1.6
  does not have (NotImplemented).
Every frame stays within FRAME_BYTES_MAX: what a station must always answer on the open
connection (larger ones are host_tests/test_large_frames.py's).

The oracle (`Request.judge(answer)`) is jsonschema's (draft 4), not the station's own check:
the faults it finds, each mapped to its OCPP-J 1.6 CALLERROR code (section 4.2.3, table 7;
errata 3.2: a property the schema does not have is a FormationViolation), and the field the
station names must be one where jsonschema found a fault of that code. Where the station is
documented to be lenient (lib/ocppj/check.py: a date-time without its zone is read as UTC, a
day 1..31 in any month), both the CALLERROR and an answer are right.
"""
import base64
import json
import math
import os
import re
import sys
from decimal import Context, Decimal

import jsonschema
from hypothesis import reject, strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_schemas  # noqa: E402

# The oracle decodes frames nested up to 1500 levels deep, beyond CPython's default limit.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))

# What a Core board must answer on the open connection. docs/limits.md says 5 KB while both
# connectors charge, measured on a fresh station; once every profile has been used, frames of
# 3.2 to 3.8 KB were refused with 1009 here (no piece of heap for them: docs/limits.md).
FRAME_BYTES_MAX = 2048
# What a large or deeply nested frame may be answered with, whatever it holds: the heap had no
# room to decode it now (lib/ocppj/rpc.py, docs/limits.md "Large messages"). Decoded, each level
# of nesting is a list or dict of its own: 900 levels took more than a 128 KB board had free.
NO_ROOM = ("InternalError", "the message is too large for the heap now")
LARGE_FRAME_BYTES = 1536
DEEP_LEVELS = 300

FORMATION = "FormationViolation"
OCCURENCE = "OccurenceConstraintViolation"
PROPERTY = "PropertyConstraintViolation"
TYPE = "TypeConstraintViolation"
NOT_IMPLEMENTED = "NotImplemented"
NOT_SUPPORTED = "NotSupported"

# jsonschema's keyword of a fault -> the CALLERROR code OCPP-J 1.6 table 7 gives it.
CODE_OF_KEYWORD = {"type": TYPE, "required": OCCURENCE, "minItems": OCCURENCE,
                   "additionalProperties": FORMATION, "maxLength": PROPERTY, "enum": PROPERTY,
                   "format": PROPERTY, "multipleOf": PROPERTY, "finite": PROPERTY}

# Actions a Charge Point receives no CALL of (it sends them): known to OCPP 1.6, NotSupported.
CP_TO_CS_ACTIONS = ("Authorize", "BootNotification", "DiagnosticsStatusNotification",
                    "FirmwareStatusNotification", "Heartbeat", "LogStatusNotification",
                    "MeterValues", "SecurityEventNotification", "SignCertificate",
                    "SignedFirmwareStatusNotification", "StartTransaction",
                    "StatusNotification", "StopTransaction")

# json.dumps writes a non-finite float as Infinity, which is no JSON; this stand-in is replaced
# by 1e999 in the text, which is JSON and decodes to inf on both interpreters.
_INFINITY_STAND_IN = 1.2345678901234567e+300
_INFINITY_TEXT = json.dumps(_INFINITY_STAND_IN)


def _load(name):
    with open(os.path.join(gen_schemas.schema_dir(), name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def _resolve(node, root):
    ref = node.get("$ref")
    return root["definitions"][ref.split("/")[-1]] if ref else node


# ---- date-times --------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?")


def _days_in_month(year, month):
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def strict_date_time(text):
    """RFC 3339 section 5.6: a zone, and a day the month has."""
    match = _DATE_TIME.fullmatch(text)
    return bool(match and match.group(7)) and \
        int(match.group(3)) <= _days_in_month(int(match.group(1)), int(match.group(2)))


def lenient_date_time(text):
    """What the station documents it takes (lib/ocppj/check.py is_datetime): the zone may be
    left out, any day 1..31."""
    return _DATE_TIME.fullmatch(text) is not None


_FORMATS = jsonschema.FormatChecker(())
_FORMATS.checks("date-time")(lambda value: type(value) is not str or strict_date_time(value))


_EXACT = Context(prec=1000)  # digits enough for any double's quotient by 0.1


def _decimal_multiple_of(validator, step, instance, schema):
    # jsonschema's own test divides floats, which finds 0.3 no multiple of 0.1.
    if type(instance) in (int, float) and math.isfinite(instance) and \
            _EXACT.remainder(Decimal(repr(instance)), Decimal(repr(step))) != 0:
        yield jsonschema.ValidationError("%r is not a multiple of %r" % (instance, step))


_Validator = jsonschema.validators.extend(jsonschema.Draft4Validator,
                                          {"multipleOf": _decimal_multiple_of})


def _field(path):
    """A jsonschema path as the station names a field: a.b[0].c."""
    text = ""
    for part in path:
        if type(part) is int:
            text += "[%d]" % part
        else:
            # The station's notation joins a name that starts with "[" without a dot, as an
            # index: a property named "[0]" reads as one.
            text += ("." if text and str(part)[:1] != "[" else "") + str(part)
    return text


def _non_finite(payload):
    """Paths of the non-finite numbers in a decoded payload (JSON has none; 1e999 makes one).
    A loop, not recursion: payloads are nested up to 1500 levels."""
    found = []
    stack = [((), payload)]
    while stack:
        path, value = stack.pop()
        if type(value) is float and not math.isfinite(value):
            found.append(path)
        elif type(value) is dict:
            stack += [(path + (key,), item) for key, item in value.items()]
        elif type(value) is list:
            stack += [(path + (i,), item) for i, item in enumerate(value)]
    return found


def faults(schema, payload):
    """(code, field, lenient) of each fault jsonschema finds in `payload`; lenient: the
    station is documented to take it all the same."""
    found = []
    for error in _Validator(schema, format_checker=_FORMATS).iter_errors(payload):
        code = CODE_OF_KEYWORD[error.validator]
        path = list(error.absolute_path)
        if error.validator == "required":
            names = [n for n in error.validator_value if n not in error.instance]
        elif error.validator == "additionalProperties":
            names = [n for n in error.instance if n not in error.schema.get("properties", {})]
        else:
            names = [None]
        lenient = error.validator == "format" and lenient_date_time(error.instance)
        for name in names:
            found.append((code, _field(path + ([name] if name is not None else [])), lenient))
    for path in _non_finite(payload):
        # jsonschema takes inf for a number; a string field holding it is a type fault.
        if not any(_field(path) == field for _, field, _ in found):
            found.append((PROPERTY, _field(path), False))
    return found


# ---- values ------------------------------------------------------------------------------

BOUNDARY_INTEGERS = (0, 1, -1, 2 ** 30 - 1, 2 ** 30, -2 ** 30, -2 ** 30 - 1, 2 ** 31 - 1,
                     2 ** 31, -2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63,
                     -2 ** 63, 2 ** 64, 10 ** 30, -10 ** 30)
integers = st.one_of(st.integers(-3, 10), st.sampled_from(BOUNDARY_INTEGERS), st.integers())

BOUNDARY_NUMBERS = (0.0, -0.0, 0.1, -0.1, 1e15, 1e300, -1e300, 5e-324, 1e-7, 2.0 ** 31,
                    3.4028235e38)
# On the 0.1 grid of a multipleOf: k/10 prints with one decimal, an exact multiple in decimal.
grid_numbers = st.one_of(st.integers(-1000, 100000), st.sampled_from((0, 10 ** 7, -10 ** 7)),
                         st.integers(-10 ** 15, 10 ** 15)).map(lambda k: k / 10)
numbers = st.one_of(grid_numbers, st.sampled_from(BOUNDARY_NUMBERS), integers,
                    st.floats(allow_nan=False, allow_infinity=False))

# Any text JSON can carry: control characters, quotes, backslashes, other scripts, astral
# planes (surrogate pairs in JSON), but not lone surrogates, which no UTF-8 text holds.
characters = st.one_of(st.characters(codec="utf-8"),
                       st.sampled_from('\x00\n"\\\u00e9\u0660\u2028\ufeff\U0001f600,;= '))
ascii_text = st.characters(min_codepoint=32, max_codepoint=126)
# A certificate's 5500 characters would not fit a frame of FRAME_BYTES_MAX.
LONG_TEXT_MAX = 1500


def text(max_size):
    """Strings up to max_size characters, the empty one and the longest ones often."""
    longest = min(max_size, LONG_TEXT_MAX)
    sizes = [st.text(characters, max_size=min(max_size, 40)),
             st.text(ascii_text, min_size=longest, max_size=longest)]
    if longest > 0:
        sizes.append(st.text(characters, min_size=longest - 1, max_size=longest))
    return st.one_of(sizes)


VALID_DATE_TIMES = ("1970-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2038-01-19T03:14:08Z",
                    "2106-02-07T06:28:16Z", "9999-12-31T23:59:59Z", "2024-02-29T12:00:00Z",
                    "2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00+14:00",
                    "2024-05-01T12:00:00-12:30", "2024-05-01t12:00:00z",
                    "2016-12-31T23:59:60Z")
# Taken by the station, not by RFC 3339 (lenient_date_time).
LENIENT_DATE_TIMES = ("2024-05-01T12:00:00", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z")
BAD_DATE_TIMES = ("", "2024-05-01", "2024-05-01 12:00:00Z", "2024-13-01T00:00:00Z",
                  "2024-05-01T24:00:00Z", "2024-05-01T12:00:00+25:00", "2024-05-01T12:00:00.Z",
                  "now", "1714564800", "2024-5-1T1:2:3Z", "2024-05-01T12:00:00ZZ",
                  "\u0662\u0660\u0662\u0664-05-01T12:00:00Z", "2024-05-01T12:00:00Z\n",
                  "-001-05-01T12:00:00Z", "2024-05-01T12:00:00+0100", "2024-00-10T00:00:00Z")


@st.composite
def _generated_date_times(draw):
    year = draw(st.integers(1970, 2200))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, _days_in_month(year, month)))
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (year, month, day, draw(st.integers(0, 23)),
                                             draw(st.integers(0, 59)), draw(st.integers(0, 59)))
    if draw(st.booleans()):
        text += "." + draw(st.text("0123456789", min_size=1, max_size=9))
    zone = draw(st.sampled_from(("Z", "+00:00", "+05:30", "-08:00")))
    return text + zone


date_times = st.one_of(_generated_date_times(), st.sampled_from(VALID_DATE_TIMES),
                       st.sampled_from(LENIENT_DATE_TIMES))


@st.composite
def pem(draw, max_size):
    """Armour around random base64 (or nothing): the certificate parsers get past the PEM."""
    body = draw(st.binary(max_size=min(max_size // 2, 1200)))
    lines = base64.b64encode(body).decode()
    lines = "\n".join(lines[i:i + 64] for i in range(0, len(lines), 64))
    text = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % lines
    if draw(st.booleans()):
        text = text * draw(st.integers(1, 3))
    return text[:max_size]


# ---- what a valid request may carry without side effects the campaign cannot undo -------

def closed_loopback_urls():
    """Transfer locations that fail at once, on loopback (port 1: nothing listens there)."""
    return ("ftp://127.0.0.1:1/up", "http://127.0.0.1:1/up", "https://127.0.0.1:1/",
            "ftps://user:pw@127.0.0.1:1/dir/", "http://127.0.0.1:1", "gopher://127.0.0.1/x",
            "ftp://[::1]:1/", "http://127.0.0.1:99999/", "http://:1/")


# Text with no ':' or '/': no host to look up, so no DNS query leaves the machine.
_no_host_text = st.text(st.characters(exclude_characters=":/", codec="utf-8"), max_size=30)
locations = st.one_of(st.sampled_from(closed_loopback_urls()), _no_host_text)


def bounded_overrides(config_keys):
    """Per action, strategies that replace a valid payload's field: transfers only to closed
    loopback ports; configuration changes to any key but those that reconnect the station
    (SecurityProfile, AuthorizationKey) or let it generate a key pair (CpoName)."""
    key_names = st.one_of(st.sampled_from(sorted(config_keys)), text(50))
    values = st.one_of(text(500), st.sampled_from(("true", "false", "TRUE", "0", "1", "-1", "5",
                                                    "3600", "3601", "99999999999999999999",
                                                    "", " ", "Energy.Active.Import.Register",
                                                    "Current.Import,Voltage", "NotAMeasurand",
                                                    "1.5", "0x10", "+5", "\u0665")))
    return {
        "ChangeConfiguration": {"key": key_names, "value": values},
        "GetDiagnostics": {"location": locations},
        "UpdateFirmware": {"location": locations},
        "GetLog": {"log.remoteLocation": locations},
        "SignedUpdateFirmware": {"firmware.location": locations},
    }


# Keys a valid ChangeConfiguration leaves alone (bounded_overrides).
UNBOUNDED_KEYS = ("SecurityProfile", "AuthorizationKey", "CpoName")
# Actions whose valid requests are not sent: an accepted Reset restarts the station (the
# campaign sends only invalid ones).
NO_VALID_REQUESTS = ("Reset",)


# ---- payloads from a schema ------------------------------------------------------------------

def valid(node, root, path="", overrides=None):
    """A strategy for valid values of a schema node; `overrides` maps field paths
    ("log.remoteLocation") to the strategy that draws them instead."""
    overrides = overrides or {}
    if path in overrides:
        return overrides[path]
    node = _resolve(node, root)
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        required = node.get("required", [])
        inner = {name: valid(properties[name], root, (path + "." if path else "") + name,
                             overrides) for name in properties}
        return st.fixed_dictionaries({n: inner[n] for n in required},
                                     optional={n: inner[n] for n in properties
                                               if n not in required})
    if kind == "array":
        item = valid(node["items"], root, path, overrides)
        return st.one_of(st.lists(item, min_size=node.get("minItems", 0), max_size=3),
                         st.lists(item, min_size=20, max_size=60))
    if kind == "string":
        if "enum" in node:
            return st.sampled_from(node["enum"])
        if node.get("format") == "date-time":
            return date_times
        size = node.get("maxLength", 300)
        if "ertificate" in path.rpartition(".")[2]:
            return st.one_of(pem(size), text(size))
        return text(size)
    if kind == "integer":
        return integers
    if kind == "number":
        return grid_numbers if "multipleOf" in node else numbers
    if kind == "boolean":
        return st.booleans()
    raise ValueError("unexpected schema node %r" % node)


def _nested(depth, leaf):
    """JSON text `depth` levels deep: arrays, an object every 50 levels."""
    text = leaf
    for level in range(depth):
        text = ('{"n":%s}' if level % 50 == 0 else "[%s]") % text
    return text


# A stand-in string in the payload, replaced by raw JSON text in the frame.
_RAW = "\u0001raw:%d\u0001"

any_json = st.recursive(
    st.one_of(st.none(), st.booleans(), integers, numbers, text(30)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(text(10), inner, max_size=4)),
    max_leaves=8)


def _other_type(value):
    """A JSON value of another type than `value`'s."""
    kinds = {bool: st.booleans(), int: integers, float: st.floats(allow_nan=False,
                                                                  allow_infinity=False),
             str: text(20), list: st.lists(st.integers(0, 9), max_size=3),
             dict: st.just({}), type(None): st.none()}
    # Integral floats (1.0) are no integer to draft 4 and to the station.
    others = [strategy for kind, strategy in kinds.items()
              if kind is not type(value) and not (kind is float and type(value) is int)]
    if type(value) is int:
        others.append(st.integers(-5, 5).map(float))
    return st.one_of(others)


_PYTHON_TYPES = {"object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
                 "number": (int, float), "boolean": (bool,)}


def _fields(node, root, value, path=()):
    """(path, schema node) of every field present in a valid `value` of `node`, depth first."""
    node = _resolve(node, root)
    if type(value) not in _PYTHON_TYPES[node.get("type")]:
        return []  # a fault made it another type already
    found = [(path, node)]
    if node.get("type") == "object" and type(value) is dict:
        for name, item in value.items():
            if name in node.get("properties", {}):  # not one a fault added
                found += _fields(node["properties"][name], root, item, path + (name,))
    elif node.get("type") == "array" and type(value) is list:
        for i, item in enumerate(value):
            found += _fields(node["items"], root, item, path + (i,))
    return found


def _get(value, path):
    for part in path:
        value = value[part]
    return value


def _put(value, path, new):
    if not path:
        return new
    copy = dict(value) if type(value) is dict else list(value)
    copy[path[0]] = _put(value[path[0]], path[1:], new)
    return copy


def _drop(value, path):
    parent = _get(value, path[:-1])
    copy = {k: v for k, v in parent.items() if k != path[-1]}
    return _put(value, path[:-1], copy)


@st.composite
def _mutated(draw, node, root, value, raws):
    """`value` with one fault at a field drawn from those present."""
    fields = _fields(node, root, value)
    if not fields:
        return value
    path, field = draw(st.sampled_from(fields))
    kind = field.get("type")
    choices = ["type", "deep"]
    if kind == "object":
        choices += ["extra", "huge"]
        if [n for n in field.get("required", []) if n in _get(value, path)]:
            choices += ["drop", "drop"]
    if kind == "array":
        choices += ["huge"]
    if kind == "string":
        choices += ["long"] if field.get("maxLength", LONG_TEXT_MAX) < LONG_TEXT_MAX else []
        choices += ["enum"] if "enum" in field else []
        choices += ["date"] if field.get("format") == "date-time" else []
    if kind == "number":
        choices += ["grid"] if "multipleOf" in field else []
        choices += ["infinite"]
    fault = draw(st.sampled_from(choices))
    current = _get(value, path)
    if fault == "type":
        if not path:  # the payload itself: not an object, a frame fault
            return value
        return _put(value, path, draw(_other_type(current)))
    if fault == "deep":
        raws.append(_nested(draw(st.sampled_from((3, 40, 300, 900, 1100, 1500))), "1"))
        if kind == "object" or not path:
            return _put(value, path, dict(current, **{draw(text(12)): _RAW % (len(raws) - 1)}))
        return _put(value, path, _RAW % (len(raws) - 1))
    if fault == "extra":
        name = draw(st.one_of(text(40), st.sampled_from(("", "__proto__", "constructor",
                                                         "idTag", "a.b", "[0]", "x" * 900))))
        if name in current:
            return value
        return _put(value, path, dict(current, **{name: draw(any_json)}))
    if fault == "huge":
        if kind == "array":
            item = current[0] if current else 1
            return _put(value, path, [item] * draw(st.integers(61, 400)))
        return _put(value, path, dict(current, **{"huge": [draw(integers)] * 300}))
    if fault == "drop":
        names = [n for n in field["required"] if n in current]
        return _drop(value, path + (draw(st.sampled_from(names)),))
    if fault == "long":
        size = field["maxLength"]
        return _put(value, path, draw(st.text(ascii_text, min_size=size + 1,
                                              max_size=max(size + 1, min(size * 4, 3000)))))
    if fault == "enum":
        member = draw(st.sampled_from(field["enum"]))
        return _put(value, path, draw(st.sampled_from((member.lower(), member.upper(),
                                                       member + " ", " " + member, "",
                                                       member + ",x", "Z" + member))))
    if fault == "date":
        return _put(value, path, draw(st.sampled_from(BAD_DATE_TIMES)))
    if fault == "grid":
        return _put(value, path, draw(st.integers(-1000, 1000)) / 10 + 0.05)
    return _put(value, path, _INFINITY_STAND_IN)  # infinite


# ---- requests ---------------------------------------------------------------------------

REQUEST_SCHEMAS = {}
RESPONSE_SCHEMAS = {}


def schemas():
    if not REQUEST_SCHEMAS:
        for name in sorted(os.listdir(gen_schemas.schema_dir())):
            if name.endswith("Response.json"):
                RESPONSE_SCHEMAS[name[:-len("Response.json")]] = _load(name[:-5])
            elif name.endswith(".json"):
                REQUEST_SCHEMAS[name[:-5]] = _load(name[:-5])
    return REQUEST_SCHEMAS


class Request:
    """One CALL to send and the oracle for its answer."""

    def __init__(self, action, payload, raws=(), kind="valid", not_object=None):
        self.action = action
        self.payload = payload
        self.kind = kind
        self._raws = list(raws)
        # The frame's payload text when it is not an object; null stands for {} (OCPP-J 4.2.1).
        self._not_object = not_object

    def text(self, message_id):
        if self._not_object is not None:
            return '[2,%s,%s,%s]' % (json.dumps(message_id), json.dumps(self.action),
                                     self._not_object)
        text = json.dumps([2, message_id, self.action, self.payload], ensure_ascii=False,
                          separators=(",", ":"))
        text = text.replace(_INFINITY_TEXT, "1e999")
        for i, raw in enumerate(self._raws):
            text = text.replace(json.dumps(_RAW % i), raw)
        return text

    def large(self, message_id):
        """A frame a board's heap may have no room to decode (NO_ROOM)."""
        return len(self.text(message_id).encode()) > LARGE_FRAME_BYTES or \
            any(raw.count("[") >= DEEP_LEVELS for raw in self._raws)

    def decoded(self):
        """The payload as the station decodes it."""
        payload = json.loads(self.text("x"))[3]
        return {} if payload is None else payload

    def __repr__(self):
        return "<%s %s %s>" % (self.kind, self.action, self.text("id")[:600])

    def judge(self, answer, message_id, allowed_errors=()):
        """None when `answer` (the parsed CALLRESULT or CALLERROR frame) is right, else why
        not. `allowed_errors`: codes a valid request of this action may get (the board has
        no such feature)."""
        if answer[0] == 4 and tuple(answer[2:4]) == NO_ROOM and self.large(message_id):
            return None
        if answer[1] != message_id:
            return "answer to another id: %r" % (answer,)
        if self.kind == "unknown":
            return _expect_error(answer, {NOT_IMPLEMENTED})
        if self.kind == "not ours":
            return _expect_error(answer, {NOT_SUPPORTED})
        if type(self.decoded()) is not dict:
            return _expect_error(answer, {FORMATION})
        found = faults(schemas()[self.action], self.decoded())
        strict = [f for f in found if not f[2]]
        if answer[0] == 3:
            if strict:
                return "answered %r to a request with faults %r" % (answer[2], found)
            problems = faults(RESPONSE_SCHEMAS[self.action], answer[2])
            return "the answer breaks its schema: %r" % problems if problems else None
        if len(answer) != 5 or type(answer[4]) is not dict or type(answer[3]) is not str:
            return "malformed CALLERROR %r" % (answer,)
        if not strict and answer[2] in allowed_errors:
            return None  # taken as valid, it is refused as valid ones are
        if not found:
            return _expect_error(answer, set(allowed_errors))
        codes = {code for code, _, _ in found}
        if answer[2] not in codes:
            return "CALLERROR %s, expected one of %s for %r" % (answer[2], sorted(codes), found)
        field = answer[4].get("field")
        if field is not None and (answer[2], field) not in {(c, f) for c, f, _ in found}:
            return "CALLERROR %s names field %r, faults are %r" % (answer[2], field, found)
        return None


def _expect_error(answer, codes):
    if answer[0] != 4 or answer[2] not in codes:
        return "expected CALLERROR %s, got %r" % (sorted(codes), answer)
    return None


@st.composite
def _request(draw, actions, overrides):
    schemas()
    action = draw(st.sampled_from(actions))
    root = REQUEST_SCHEMAS[action]
    payload = draw(valid(root, root, "", overrides.get(action, {})))
    kind = draw(st.sampled_from(("valid", "invalid", "invalid", "invalid")))
    if action in NO_VALID_REQUESTS:
        kind = "invalid"
    raws = []
    if kind == "invalid":
        for _ in range(draw(st.sampled_from((1, 1, 1, 2, 3)))):
            payload = draw(_mutated(root, root, payload, raws))
        if draw(st.integers(0, 15)) == 0:
            not_object = draw(st.sampled_from(("[]", '"x"', "1", "true", "[{}]", "0.5")))
            return Request(action, payload, raws, kind, not_object)
        if payload == {} and draw(st.booleans()):
            return Request(action, payload, raws, kind, "null")  # OCPP-J 4.2.1: {}
    request = Request(action, payload, raws, kind)
    if kind == "invalid" and not faults(root, request.decoded()):
        if action in NO_VALID_REQUESTS:
            reject()
        request.kind = "valid"  # the mutations changed nothing (an extra field already there)
    return request


@st.composite
def _any_request(draw, actions, overrides):
    case = draw(st.integers(0, 19))
    if case == 0:
        action = draw(st.one_of(st.sampled_from(("Teleport", "reset", "RESET", "", "Reset ",
                                                 "GetConfiguration,", "Get Configuration")),
                                text(30).filter(lambda a: a not in schemas())))
        return Request(action, {}, kind="unknown")
    if case == 1:
        return Request(draw(st.sampled_from(CP_TO_CS_ACTIONS)), {}, kind="not ours")
    return draw(_request(actions, overrides))


def requests(actions, overrides=None):
    """Requests of `actions` (valid and invalid), with now and then one for an action a Charge
    Point does not answer or that OCPP 1.6 does not have. Reset is sent invalid only."""
    return _any_request(list(actions), overrides or {}).filter(
        lambda r: len(r.text("fz000000").encode()) <= FRAME_BYTES_MAX)
