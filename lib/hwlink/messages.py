"""The messages of the controller <-> I/O controller link and their payloads (docs/hwlink.md,
"Messages"). Integers are little-endian; text is printable ASCII after a length byte.

Decoding raises ValueError on a payload that does not hold what its kind says (the ends
count it and go on); bytes after the last field are ignored, so a later revision of the
protocol may append fields.
"""
import struct

VERSION = 1

# Requests from the controller; the I/O controller answers each with kind | REPLY.
HELLO = 0x01  # a new session: the I/O controller switches every output off
POLL = 0x02  # the inputs and readings now (STATUS); acknowledges a card
OUTPUT = 0x03  # switch one connector's output, set its power limit
# Request from the I/O controller: a service command the controller carries out.
COMMAND = 0x11
# Unsolicited, from the I/O controller at once when an input changes (seq 0, no answer).
EVENT = 0x20
REPLY = 0x80
HELLO_REPLY = HELLO | REPLY
STATUS = POLL | REPLY
OUTPUT_REPLY = OUTPUT | REPLY
COMMAND_REPLY = COMMAND | REPLY
ERROR = 0xFF  # the answer to a request that cannot be carried out, with one of:
ERROR_UNKNOWN_KIND = 1
ERROR_BAD_PAYLOAD = 2
ERROR_HELLO_FIRST = 3  # no session: the I/O controller restarted, or timed the session out
ERROR_NO_CONNECTOR = 4
ERROR_BUSY = 5

TEXT_MAX = 32  # a fault or a meter's serial number
TAG_MAX = 20  # an id tag, as the reader gives it (an OCPP IdToken holds 20)
NO_LIMIT = 0xFFFFFFFF
SOC_UNKNOWN = 0xFF
CONNECTORS_MAX = 8

# Bits of a connector's flags byte and of the station's.
PLUGGED = 0x01
EV_DEMAND = 0x02
OUTPUT_ON = 0x04
EMERGENCY_STOP = 0x01

_U32_MAX = 0xFFFFFFFF
_I32_MAX = 0x7FFFFFFF


class ConnectorStatus:
    """One connector as the I/O controller sees it: inputs, meter readings (integers: Wh,
    W, mV, mA), and the output and limit it holds."""

    def __init__(self, plugged=False, ev_demand=False, fault="", energy_wh=0, power_w=0,
                 voltage_mv=0, current_ma=0, soc=None, output_on=False, limit_w=None):
        self.plugged = plugged
        self.ev_demand = ev_demand
        self.fault = fault  # "" for none
        self.energy_wh = energy_wh
        self.power_w = power_w
        self.voltage_mv = voltage_mv
        self.current_ma = current_ma
        self.soc = soc  # percent, None when unknown
        self.output_on = output_on
        self.limit_w = limit_w  # None for no limit


class Status:
    """The I/O controller's whole state: the oldest card not yet acknowledged (card_no 0
    and tag None when there is none), the emergency stop, and each connector."""

    def __init__(self, connectors, emergency_stop=False, card_no=0, tag=None):
        self.connectors = connectors
        self.emergency_stop = emergency_stop
        self.card_no = card_no
        self.tag = tag


# ---- encoding ------------------------------------------------------------------------------

def encode_hello(version=VERSION):
    return bytes((version,))


def encode_hello_reply(serials, boot_id, version=VERSION):
    """`serials`: each connector's meter serial number, None when unknown; `boot_id`: 16
    bits drawn at the I/O controller's start, so the controller knows when it restarted."""
    out = bytearray(struct.pack("<BH", version, boot_id))
    out.append(len(serials))
    for serial in serials:
        _put_text(out, serial or "", TEXT_MAX)
    return bytes(out)


def encode_poll(card_ack):
    return bytes((card_ack,))


def encode_status(status):
    out = bytearray((EMERGENCY_STOP if status.emergency_stop else 0, status.card_no))
    _put_text(out, status.tag or "", TAG_MAX)
    out.append(len(status.connectors))
    for c in status.connectors:
        out.append((PLUGGED if c.plugged else 0) | (EV_DEMAND if c.ev_demand else 0) |
                   (OUTPUT_ON if c.output_on else 0))
        _put_text(out, c.fault, TEXT_MAX)
        out += struct.pack("<IiIiBI", _clamp(c.energy_wh, 0, _U32_MAX),
                           _clamp(c.power_w, -_I32_MAX, _I32_MAX),
                           _clamp(c.voltage_mv, 0, _U32_MAX),
                           _clamp(c.current_ma, -_I32_MAX, _I32_MAX),
                           SOC_UNKNOWN if c.soc is None else _clamp(c.soc, 0, 100),
                           _limit(c.limit_w))
    return bytes(out)


def encode_output(connector_id, on, limit_w):
    return struct.pack("<BBI", connector_id, 1 if on else 0, _limit(limit_w))


def encode_text(text):
    return text.encode()


# ---- decoding ------------------------------------------------------------------------------

def decode_hello(payload):
    return _Cursor(payload).u8()


def decode_hello_reply(payload):
    """(version, boot id, [meter serial or None per connector])."""
    cursor = _Cursor(payload)
    version, boot_id = cursor.unpack("<BH", 3)
    count = cursor.u8()
    if count > CONNECTORS_MAX:
        raise ValueError("connectors")
    return version, boot_id, [cursor.text(TEXT_MAX) or None for _ in range(count)]


def decode_poll(payload):
    return _Cursor(payload).u8()


def decode_status(payload):
    cursor = _Cursor(payload)
    emergency_stop = bool(cursor.u8() & EMERGENCY_STOP)
    card_no = cursor.u8()
    tag = cursor.text(TAG_MAX, first=0x21)  # no space in an id tag
    if (card_no == 0) != (tag == ""):
        raise ValueError("card")
    count = cursor.u8()
    if count > CONNECTORS_MAX:
        raise ValueError("connectors")
    connectors = []
    for _ in range(count):
        flags = cursor.u8()
        fault = cursor.text(TEXT_MAX)
        energy_wh, power_w, voltage_mv, current_ma, soc, limit_w = cursor.unpack("<IiIiBI", 21)
        if soc != SOC_UNKNOWN and soc > 100:
            raise ValueError("soc")
        connectors.append(ConnectorStatus(
            bool(flags & PLUGGED), bool(flags & EV_DEMAND), fault, energy_wh, power_w,
            voltage_mv, current_ma, None if soc == SOC_UNKNOWN else soc,
            bool(flags & OUTPUT_ON), None if limit_w == NO_LIMIT else limit_w))
    return Status(connectors, emergency_stop, card_no, tag or None)


def decode_output(payload):
    """(connector id, on, limit W or None)."""
    connector_id, on, limit_w = _Cursor(payload).unpack("<BBI", 6)
    if on > 1:
        raise ValueError("on")
    return connector_id, on == 1, None if limit_w == NO_LIMIT else limit_w


def decode_text(payload):
    try:
        return bytes(payload).decode()
    except UnicodeError:  # MicroPython's, and CPython's UnicodeDecodeError derives from it
        raise ValueError("not UTF-8")


def decode_error(payload):
    return _Cursor(payload).u8()


# ---- helpers -------------------------------------------------------------------------------

def _clamp(value, low, high):
    return low if value < low else high if value > high else int(value)


def _limit(limit_w):
    return NO_LIMIT if limit_w is None else _clamp(limit_w, 0, NO_LIMIT - 1)


def _put_text(out, text, limit):
    data = text.encode()[:limit]
    out.append(len(data))
    out += data


class _Cursor:
    def __init__(self, data):
        self._data = data
        self._at = 0

    def _take(self, count):
        at = self._at
        if at + count > len(self._data):
            raise ValueError("short payload")
        self._at = at + count
        return at

    def u8(self):
        return self._data[self._take(1)]

    def unpack(self, layout, size):
        return struct.unpack_from(layout, self._data, self._take(size))

    def text(self, limit, first=0x20):
        """Printable ASCII from `first` to "~", after its length byte."""
        length = self.u8()
        if length > limit:
            raise ValueError("text too long")
        at = self._take(length)
        for i in range(at, at + length):
            if not first <= self._data[i] <= 0x7E:
                raise ValueError("not printable")
        return bytes(self._data[at:at + length]).decode()
