"""OCPP configuration keys: declared by the service that owns each one, validated, answered
through GetConfiguration / ChangeConfiguration, and persisted across reboots.

The values live in one JSON file in the board's flash, rewritten (atomically) only when a
value actually changes.
"""
from ocppj.errors import OccurenceConstraintViolation
from store.atomic import read_json_or_none, write_json_atomic

INTEGER = "integer"
BOOLEAN = "boolean"
CSL = "csl"
STRING = "string"

ACCEPTED = "Accepted"
REJECTED = "Rejected"
REBOOT_REQUIRED = "RebootRequired"
NOT_SUPPORTED = "NotSupported"

# ChangeConfiguration.req value and KeyValue.value are CiString500 in the schema.
MAX_VALUE_LENGTH = 500
# The most keys one GetConfiguration.req may name (the reference station's limit).
GET_CONFIGURATION_MAX_KEYS = 21


class Key:
    """One configuration key. `check(value)` may refuse a parsed value by returning False;
    `on_change(value)` runs after a change is stored."""

    # The usual options are class attributes; an instance stores only the ones it changes,
    # so each of the station's keys takes about a third less heap on MicroPython.
    writable = True
    minimum = None
    maximum = None
    reboot = False
    check = None
    on_change = None
    readable = True

    def __init__(self, name, kind, default, writable=True, minimum=None, maximum=None,
                 reboot=False, check=None, on_change=None, readable=True):
        self.name = name
        self.kind = kind
        self.default = default
        if not writable:
            self.writable = False
        if minimum is not None:
            self.minimum = minimum
        if maximum is not None:
            self.maximum = maximum
        if reboot:
            self.reboot = True
        if check is not None:
            self.check = check
        if on_change is not None:
            self.on_change = on_change
        if not readable:
            self.readable = False

    def parse(self, text):
        """The typed value of `text`, or None when it is not a valid value of this key."""
        if type(text) is not str or len(text) > MAX_VALUE_LENGTH:
            return None
        if self.kind == INTEGER:
            digits = text[1:] if text[:1] == "-" else text
            if not digits or not digits.isdigit():
                return None
            value = int(text)
            if (self.minimum is not None and value < self.minimum) or \
                    (self.maximum is not None and value > self.maximum):
                return None
        elif self.kind == BOOLEAN:
            lowered = text.lower()
            if lowered not in ("true", "false"):
                return None
            value = lowered == "true"
        elif self.kind == CSL:
            value = [item.strip() for item in text.split(",")] if text.strip() else []
            if self.maximum is not None and len(value) > self.maximum:
                return None
        else:
            value = text
        if self.check is not None and not self.check(value):
            return None
        return value



def formatted(value):
    """A key's value as GetConfiguration gives it. The value's type says its kind (BOOLEAN
    values are bools, CSL values lists), so a listing needs no Key."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is list:
        return ",".join(value)
    return str(value)


class Configuration:
    def __init__(self, *, path, log):
        self._path = path
        self._log = log
        # The Keys declared as they are, by name; the others by their makers, in a list: a
        # table of every name beside the values' took 376 bytes of a 32-bit board's heap.
        self._keys = {}
        self._makers = []
        self._values = {}
        # What a listing needs besides the values, so that it makes no Key: the names of the
        # read-only keys and of the write-only ones (AuthorizationKey).
        self._read_only = []
        self._write_only = []
        self._stored = {}
        self.flash_writes = 0
        try:
            stored = read_json_or_none(path)
        except ValueError:
            log("config: %s unreadable, defaults used" % path)
            stored = None
        if type(stored) is dict:
            self._stored = stored
        elif stored is not None:
            log("config: %s is not an object, defaults used" % path)

    def declare(self, key, on_demand=None):
        """Adds a key; a value stored by an earlier boot wins over the default if still valid.
        With `on_demand()`, which makes its owner's Keys again, only the value stays: the Key
        and the code of its checks are made when needed (a service loaded on demand), once
        for all of them in a listing or a save."""
        if on_demand is None:
            self._keys[key.name] = key
        elif on_demand not in self._makers:
            self._makers.append(on_demand)
        if not key.writable and key.name not in self._read_only:
            self._read_only.append(key.name)
        if not key.readable and key.name not in self._write_only:
            self._write_only.append(key.name)
        value = key.default
        text = self._stored.get(key.name)
        if text is not None:
            parsed = key.parse(text)
            if parsed is not None:
                value = parsed
            else:
                self._log("config: stored %s invalid, default used" % key.name)
        self._values[key.name] = value
        return value

    def get(self, name):
        return self._values[name]

    def names(self):
        return sorted(self._values)

    def _key(self, name, made=None):
        """The Key of `name` (None if unknown); `made` keeps the keys made on demand for
        the rest of one operation, by maker."""
        key = self._keys.get(name)
        if key is not None or name not in self._values:
            return key
        made = {} if made is None else made
        for maker in self._makers:
            if maker not in made:
                made[maker] = {each.name: each for each in maker()}
            key = made[maker].get(name)
            if key is not None:
                return key
        return None

    def set(self, name, value, made=None):
        """Sets a key from inside the station (e.g. HeartbeatInterval from BootNotification);
        `made`: as for _key."""
        if self._values[name] == value:
            return
        self._values[name] = value
        made = {} if made is None else made
        self._save(made)
        key = self._key(name, made)
        if key.on_change is not None:
            key.on_change(value)

    def change(self, name, text, made=None):
        """ChangeConfiguration: the status to answer; the value is unchanged unless Accepted
        or RebootRequired. `made`: as for _key."""
        made = {} if made is None else made
        key = self._key(name, made)
        if key is None:
            return NOT_SUPPORTED
        if not key.writable:
            return REJECTED
        value = key.parse(text)
        if value is None:
            return REJECTED
        self.set(name, value, made)
        return REBOOT_REQUIRED if key.reboot else ACCEPTED

    def listing(self, names=None):
        """(configurationKey entries, unknownKey names) for GetConfiguration."""
        entries = []
        unknown = []
        for name in (self.names() if names is None else names):
            if name not in self._values or name in self._write_only:
                if names is not None:
                    unknown.append(name)
                continue
            entries.append({"key": name, "readonly": name in self._read_only,
                            "value": formatted(self._values[name])})
        return entries, unknown

    def _save(self, made):
        """`made`: the keys made on demand for this change (Configuration._key)."""
        stored = {}
        for name in self._values:
            key = self._key(name, made)
            if self._values[name] != key.default:
                stored[name] = formatted(self._values[name])
        if stored != self._stored:
            write_json_atomic(self._path, stored)
            self.flash_writes += 1
            self._stored = stored

    # ---- OCPP handlers ----------------------------------------------------------------

    def get_configuration(self, payload):
        names = payload.get("key")
        if names and len(names) > GET_CONFIGURATION_MAX_KEYS:
            # OCPP 1.6 5.8: the Charge Point MAY limit the keys per request; more than it
            # declares violates that bound, which is an occurrence constraint of the payload.
            raise OccurenceConstraintViolation("at most %d keys per GetConfiguration.req"
                                               % GET_CONFIGURATION_MAX_KEYS)
        entries, unknown = self.listing(names or None)  # an empty list asks for every key
        # Both lists are optional: an empty one is left out, as a widely deployed Central
        # System (Home Assistant's OCPP integration up to 0.5.x) fails on `[]`.
        answer = {}
        if entries:
            answer["configurationKey"] = entries
        if unknown:
            answer["unknownKey"] = unknown
        return answer

    def change_configuration(self, payload):
        name = payload["key"]
        made = {}
        status = self.change(name, payload["value"], made)
        key = self._key(name, made)
        # A write-only key's value (AuthorizationKey) never goes to the log (A01.FR.12).
        shown = payload["value"] if key is None or key.readable else "(hidden)"
        self._log("config: %s=%s %s" % (name, shown, status))
        return {"status": status}

    def register(self, handlers):
        self.declare(Key("GetConfigurationMaxKeys", INTEGER, GET_CONFIGURATION_MAX_KEYS,
                         writable=False))
        handlers["GetConfiguration"] = self.get_configuration
        handlers["ChangeConfiguration"] = self.change_configuration
