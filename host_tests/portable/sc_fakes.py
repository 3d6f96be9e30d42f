# Stand-ins for the Smart Charging tests: csChargingProfiles objects as the OCTT cases write
# them; the station as firmware.smart_charging sees it (the board and its connectors, the
# configuration, the clock, the transactions) on a flash folder; and the station of a
# "case": a JSON-able description of the connectors, the profiles installed and the
# GetCompositeSchedule requests, so that CPython and both MicroPythons work out the same
# composite schedules (host_tests/test_composite_oracle.py, mp_scripts/composite_probe.py).
import binascii
import os

from firmware.clock import format_iso8601
from firmware.config import INTEGER, Configuration, Key
from firmware.smart_charging import SmartCharging
from firmware.smart_charging.records import TX_PROFILE, record
from firmware.smart_charging.requests import composite_schedule
from store.atomic import ensure_dir

# The bounds docs/smart_charging.md gives (the read-only keys).
MAX_STACK_LEVEL = 8
MAX_PERIODS = 24
MAX_PROFILES = 8
# Per run: another run of the suite may be using the build folder at the same time.
ROOT = "build/test_sc/" + binascii.hexlify(os.urandom(4)).decode()


def scale(unit, limit):
    """The OCTT cases' limits are amperes; in watts the tool multiplies them by 1000."""
    return limit * 1000 if unit == "W" else limit


def profile(profile_id, purpose, stack, periods, unit="A", duration=None, start_s=None,
            valid_s=None, kind="Absolute", transaction_id=None, recurrency=None):
    """A csChargingProfiles object: `periods` [(startPeriod, limit in A)], scaled to `unit`;
    `valid_s` (validFrom, validTo)."""
    schedule = {"chargingRateUnit": unit, "chargingSchedulePeriod": [
        {"startPeriod": start, "limit": scale(unit, limit)} for start, limit in periods]}
    if duration is not None:
        schedule["duration"] = duration
    if start_s is not None:
        schedule["startSchedule"] = format_iso8601(start_s)
    body = {"chargingProfileId": profile_id, "stackLevel": stack,
            "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
            "chargingSchedule": schedule}
    if valid_s is not None:
        body["validFrom"] = format_iso8601(valid_s[0])
        body["validTo"] = format_iso8601(valid_s[1])
    if transaction_id is not None:
        body["transactionId"] = transaction_id
    if recurrency is not None:
        body["recurrencyKind"] = recurrency
    return body


def spoil(body, value, *path):
    """`body` with the field at `path` (keys and list indices) set to `value`, or removed
    when `value` is None."""
    holder = body
    for key in path[:-1]:
        holder = holder[key]
    if value is None:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return body


def hourly_days(count, start_s):
    """[(connectorId, csChargingProfiles)] of `count` Daily TxDefaultProfiles of 24 hourly
    periods from `start_s`, on connectors 0, 1 and 2 in turn, their hours a minute apart:
    the most profiles and periods the station holds, a change every few minutes."""
    return [(i % 3, profile(i + 1, "TxDefaultProfile", i,
                            [(3600 * hour, 10 + hour + i) for hour in range(MAX_PERIODS)],
                            start_s=start_s + 60 * i, kind="Recurring", recurrency="Daily"))
            for i in range(count)]


def state_folder(name):
    """An empty flash folder for one test."""
    path = ROOT + "/" + name
    ensure_dir(path)
    for file_name in os.listdir(path):
        os.remove(path + "/" + file_name)
    return path


class Io:
    """A connector's I/O as the board contract has it; `max_power_w` and
    `nominal_voltage_v` exist only when given (the firmware falls back when they do not)."""

    def __init__(self, connector_id, current_a=0.0, voltage_v=0.0, max_power_w=None,
                 nominal_voltage_v=None):
        self.connector_id = connector_id
        self.current = current_a
        self.voltage = voltage_v
        self.limits_w = []  # what set_limit_w was told, in order
        if max_power_w is not None:
            self.max_power_w = max_power_w
        if nominal_voltage_v is not None:
            self.nominal_voltage_v = nominal_voltage_v

    def current_a(self):
        return self.current

    def voltage_v(self):
        return self.voltage

    def set_limit_w(self, watts):
        self.limits_w.append(watts)


class Board:
    def __init__(self, connectors, state_dir, max_power_w=None, nominal_voltage_v=None):
        self.connectors = connectors
        self.state_dir = state_dir
        self.lines = []
        if max_power_w is not None:
            self.max_power_w = max_power_w
        if nominal_voltage_v is not None:
            self.nominal_voltage_v = nominal_voltage_v

    def log(self, line):
        self.lines.append(line)


class Clock:
    """Stands still at `now` (Unix s); the board's times need no correction."""

    def __init__(self, now):
        self.now = now

    def now_s(self):
        return self.now

    def corrected_s(self, unix_s):
        return unix_s


class Transaction:
    def __init__(self, transaction_id, started_s, id_tag="TAG", stopping=None):
        self.transaction_id = transaction_id
        self.started_s = started_s
        self.id_tag = id_tag
        self.stopping = stopping  # None while it runs


class Transactions:
    def __init__(self):
        self.running = {}  # connector id -> Transaction

    def on_connector(self, connector_id):
        return self.running.get(connector_id)


class Station:
    """What firmware.smart_charging uses of the station; `refreshes` counts refresh()."""

    def __init__(self, board, now):
        self.board = board
        self.config = Configuration(path=board.state_dir + "/config.json",
                                    log=board.log)
        # A core key the profile reads, declared by firmware.core.identification.
        self.config.declare(Key("ConnectionTimeOut", INTEGER, 60, minimum=1, maximum=3600))
        self.clock = Clock(now)
        self.transactions = Transactions()
        self.refreshes = 0

    def refresh(self):
        self.refreshes += 1


def station_of(case, state_dir):
    """The Station of a case (see composites), its transactions running."""
    ios = []
    for connector_id, c in enumerate(case["connectors"], 1):
        ios.append(Io(connector_id, c["current_a"], c["voltage_v"], c.get("max_power_w"),
                      c.get("nominal_voltage_v")))
    board = case["board"]
    station = Station(Board(ios, state_dir, board.get("max_power_w"),
                            board.get("nominal_voltage_v")), case["now"])
    for connector_id, c in enumerate(case["connectors"], 1):
        if c.get("tx_start") is not None:
            station.transactions.running[connector_id] = Transaction(c["tx_id"], c["tx_start"])
    return station


def records_of(case):
    """The records of the case's profiles, as SetChargingProfile would have installed them
    when each arrived."""
    records = []
    for entry in case["profiles"]:
        profile = entry["csChargingProfiles"]
        connector_id = entry["connectorId"]
        transaction_id = None
        if profile["chargingProfilePurpose"] == TX_PROFILE:
            transaction_id = case["connectors"][connector_id - 1]["tx_id"]
        records.append(record(profile, connector_id, entry["arrived"], MAX_STACK_LEVEL,
                              MAX_PERIODS, transaction_id))
    return records


def composites(case, state_dir="build/sc_fakes/no_flash"):
    """The GetCompositeSchedule.conf payload of each of the case's requests, as the firmware
    answers it. A case: {"now": Unix s, "board": {"max_power_w", "nominal_voltage_v"} (each
    optional), "connectors": [{"current_a", "voltage_v", "max_power_w"?, "nominal_voltage_v"?,
    "tx_start" (None: no transaction), "tx_id"}], "profiles": [{"connectorId", "arrived"
    (Unix s), "csChargingProfiles"}], "requests": [GetCompositeSchedule.req payloads]}.
    `state_dir`: a folder without charging_profiles.json (nothing is written there)."""
    smart = SmartCharging(station=station_of(case, state_dir))
    smart.profiles = records_of(case)
    return [composite_schedule(smart, request) for request in case["requests"]]
