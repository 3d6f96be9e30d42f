"""The records of the transaction journal (firmware.core.tx_messages): written by its encode(),
read back at boot by decode() here, which takes nothing it has not checked; loaded with the
replay (firmware.core.tx_journal). A record that passes its CRC can still be wrong for this
station (written by another firmware version, for a board with more connectors, or damaged
before its CRC was computed); decode refuses it with the reason, and the replay logs it and
goes on without it, so a bad record never stops a boot.

A record is one JSON object; each key is one change (several may go in one record, written
with one append):
    v     the record format's version, VERSION (none in records written before it existed,
          which have the same format)
    tx    [ref, connectorId, idTag, meterStart Wh, start Unix s]: a transaction started
    q a p r   a queued message: its sequence number, action, payload, transaction's ref
    m     [ref, Wh, Unix s]: the transaction's last meter reading
    ms    [ref, serial]: the serial number of the meter that read it (a changed meter at
          boot is not trusted for the PowerLoss stop)
    mf    [ref, why]: the stop's reading is the last good one, the meter failed at the stop
          (for the log: replay needs nothing of it)
    x     [ref, MeterValue]: one more value for its StopTransaction's transactionData
    xs    [ref, [MeterValue, ...]]: all of them (a compacted journal)
    end   ref: the transaction stopped
    tid   [ref, transactionId]: the Central System's id for it
    d     sequence number: that message was delivered, or given up
"""
import json

from firmware.core.tx_messages import VERSION

ACTIONS = ("StartTransaction", "MeterValues", "StopTransaction")
ID_TAG_MAX = 20  # IdToken is CiString20


def _int(value, minimum=None):
    # bool is not int here: type() is, on MicroPython and CPython alike
    return type(value) is int and (minimum is None or value >= minimum)


def _pair(value, check):
    """[ref, x] with a valid ref and check(x)."""
    return type(value) is list and len(value) == 2 and _int(value[0], 1) and check(value[1])


def _meter_value(value):
    """A MeterValue as metering makes them: a timestamp and one sampledValue or more."""
    if type(value) is not dict or type(value.get("timestamp")) is not str:
        return False
    sampled = value.get("sampledValue")
    return type(sampled) is list and len(sampled) > 0 and all(
        type(s) is dict and type(s.get("value")) is str for s in sampled)


def _started(value, connector_count):
    return type(value) is list and len(value) == 5 and _int(value[0], 1) \
        and _int(value[1], 1) and value[1] <= connector_count \
        and type(value[2]) is str and 0 < len(value[2]) <= ID_TAG_MAX \
        and _int(value[3], 0) and _int(value[4])


def _metered(value):
    return type(value) is list and len(value) == 3 and _int(value[0], 1) \
        and _int(value[1], 0) and _int(value[2])


def _field_error(key, value, record, connector_count):
    """Why `key` (with `value`) is not valid in `record`, or None."""
    if key == "tx":
        ok = _started(value, connector_count)
    elif key == "q":
        ok = _int(value, 1) and record.get("a") in ACTIONS and type(record.get("p")) is dict
    elif key in ("a", "p"):
        ok = "q" in record
    elif key in ("r", "end", "d"):
        ok = _int(value, 1)
    elif key == "m":
        ok = _metered(value)
    elif key == "x":
        ok = _pair(value, _meter_value)
    elif key == "xs":
        ok = _pair(value, lambda values: type(values) is list and all(
            _meter_value(v) for v in values))
    elif key in ("ms", "mf"):
        ok = _pair(value, lambda text: type(text) is str)
    elif key == "tid":
        ok = _pair(value, _int)
    elif key == "v":
        ok = _int(value) and value == VERSION
    else:
        return "unknown field %s" % key
    return None if ok else "bad %s" % key


def decode(data, connector_count):
    """The record in `data` (bytes of one journal record), every field checked, for a
    station with `connector_count` connectors. Raises ValueError saying what is wrong."""
    record = json.loads(data)
    if type(record) is not dict:
        raise ValueError("not a record")
    for key in record:
        error = _field_error(key, record[key], record, connector_count)
        if error is not None:
            raise ValueError(error)
    return record


def unknown_ref(record, known):
    """A transaction `record` speaks of that neither `known` nor the record itself holds (a
    record of a transaction refused earlier), or None."""
    started = record["tx"][0] if "tx" in record else None
    for key in ("m", "ms", "mf", "x", "xs", "tid", "r", "end"):
        if key in record:
            ref = record[key] if key in ("r", "end") else record[key][0]
            if ref != started and ref not in known:
                return ref
    return None
