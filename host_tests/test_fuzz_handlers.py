"""Every Central System -> Charge Point action fuzzed against a running station (issue 22,
"Fuzzing every handler"): requests drawn from the official OCPP 1.6 schemas
(host_tests/schema_fuzz.py: valid ones with boundary values, invalid ones with wrong types,
missing and extra fields, huge strings and arrays, deep nesting) sent as CALLs to the station
on the Core board (32-bit MicroPython, ROMFS, 128 KB heap: tc_station) and on CPython.

Checked after every request: the answer is the CALLERROR OCPP-J 1.6 section 4.2.3 (table 7,
errata 3.2) gives a fault jsonschema finds in it, or a CALLRESULT its response schema takes;
the station is alive on the same connection, never restarted. After every batch (one per
group of profiles): with the station's state put back (below), the heap within 2 KB of its
level after the warm-up, read through the control port after a collection, and a normal
charging session (plug, card, StartTransaction, MeterValues, card, StopTransaction) works.

What a batch changes is put back after it, rather than kept out of the requests: availability
(ChangeAvailability Operative), charging profiles (ClearChargingProfile), reservations
accepted (CancelReservation), the local list (an empty Full SendLocalList), authorizations
held by a remote start (ConnectionTimeOut 1 s until the connectors are Available again), a
running upload (a GetDiagnostics and a GetLog that fail at once cancel it) and every
configuration key changed. Only what cannot be undone on the same connection is kept out
(schema_fuzz.bounded_overrides): a valid Reset (the station restarts), a valid
ChangeConfiguration of SecurityProfile or AuthorizationKey (it reconnects) or of CpoName (a
key pair is generated), and transfers to anywhere but closed loopback ports.

Replayable: FUZZ_SEED (default 22) seeds the batches (batch i uses FUZZ_SEED + i); the
examples per batch are FUZZ_EXAMPLES (default DEFAULT_EXAMPLES); docs/testing.md.
"""
import asyncio
import itertools
import json
import os

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

import schema_fuzz
from harness import StationProcess
from tc import SIM_RESTART_LINE, CentralThread, booted, security_station, tc_station, \
    wait_until
from tools.csms import CS_TO_CP_ACTIONS, StationLink

SEED = int(os.environ.get("FUZZ_SEED", "22"))
DEFAULT_EXAMPLES = 60
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
ANSWER_TIMEOUT_S = 15
HEAP_SLACK_BYTES = 2048
# CPython's own caches (types' method caches, interned names, json's and re's) keep what a
# batch's new inputs made them hold, tens of KB, whatever the station does: there the check
# is of the station's objects kept in bulk.
CPYTHON_HEAP_SLACK_BYTES = 64 * 1024
SESSION_TAG = "FUZZ-SESSION"

# One batch per group of feature profiles; every CS -> CP action is in one.
BATCHES = (
    ("Core", ("ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer",
              "GetConfiguration", "RemoteStartTransaction", "RemoteStopTransaction", "Reset",
              "UnlockConnector")),
    ("FirmwareManagement LocalAuthListManagement Reservation",
     ("GetDiagnostics", "UpdateFirmware", "GetLocalListVersion", "SendLocalList",
      "CancelReservation", "ReserveNow")),
    ("SmartCharging RemoteTrigger", ("ClearChargingProfile", "GetCompositeSchedule",
                                     "SetChargingProfile", "TriggerMessage")),
    ("Security", ("CertificateSigned", "DeleteCertificate", "ExtendedTriggerMessage",
                  "GetInstalledCertificateIds", "GetLog", "InstallCertificate",
                  "SignedUpdateFirmware")),
)
assert sorted(a for _, actions in BATCHES for a in actions) == sorted(CS_TO_CP_ACTIONS)


def allowed_errors(action, payload):
    """The CALLERRORs a schema-valid request may get, each for a reason the firmware states."""
    if action == "UpdateFirmware":
        return {"NotSupported"}  # the sim board takes signed firmware only
    if action == "GetLocalListVersion":
        return {"NotSupported"}  # while LocalAuthListEnabled is false
    if action == "GetConfiguration" and type(payload) is dict and \
            type(payload.get("key")) is list and len(payload["key"]) > 21:
        return {"OccurenceConstraintViolation"}  # GetConfigurationMaxKeys
    if action == "SetChargingProfile":
        return {"PropertyConstraintViolation"}  # a connector the station does not have
    return set()


class FuzzLink(StationLink):
    """The Central System's link, which also sends raw CALL text and takes its answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting = {}  # message id -> future of the answer frame

    async def route_message(self, raw_msg):
        try:
            frame = json.loads(raw_msg)
        except ValueError:
            frame = None
        if type(frame) is list and len(frame) > 1 and frame[0] in (3, 4) and \
                type(frame[1]) is str and frame[1] in self.waiting:
            self.central.record(self.id, "<-", raw_msg)
            future = self.waiting.pop(frame[1])
            if not future.done():
                future.set_result(frame)
            return
        await super().route_message(raw_msg)

    async def ask(self, message_id, text, timeout_s=ANSWER_TIMEOUT_S):
        """Sends `text`, a CALL with `message_id`; returns the answer frame, or None."""
        future = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = future
        self.central.record(self.id, "->", text)
        try:
            await self._connection.send(text)
            return await asyncio.wait_for(future, timeout_s)
        except Exception:  # no answer in time, or the connection is gone
            return None
        finally:
            self.waiting.pop(message_id, None)


class Campaign:
    """One station under fuzz: sends requests, judges answers, puts the state back."""

    def __init__(self, cs, station, actions):
        self.actions = actions  # those the campaign sends
        self.cs = cs
        self.station = station
        self.link = booted(cs)
        self.ids = itertools.count(1)
        self.reservations = set()  # reservationIds of ReserveNow requests answered Accepted
        self.remote_starts = 0
        self.answered = {}  # (kind, code or "result") -> count, for the report
        self.baseline = None

    # ---- requests ---------------------------------------------------------------------

    def call(self, action, payload):
        """A well-formed CALL; returns the answer frame."""
        message_id = "fx%06d" % next(self.ids)
        text = json.dumps([2, message_id, action, payload])
        answer = self.cs.run(self.link.ask(message_id, text), ANSWER_TIMEOUT_S + 5)
        assert answer is not None, self.lost("no answer to %s" % text)
        return answer

    def send(self, request):
        message_id = "fz%06d" % next(self.ids)
        text = request.text(message_id)
        answer = self.cs.run(self.link.ask(message_id, text), ANSWER_TIMEOUT_S + 5)
        assert answer is not None, self.lost("no answer to %s" % text[:2000])
        why = request.judge(answer, message_id, allowed_errors(request.action,
                                                               request.decoded()))
        assert why is None, "%s\nrequest: %s" % (why, text[:2000])
        outcome = answer[2] if answer[0] == 4 else "result"
        self.answered[(request.kind, outcome)] = self.answered.get((request.kind, outcome),
                                                                    0) + 1
        if answer[0] == 3 and answer[2].get("status") in ("Accepted", "AcceptedCanceled"):
            if request.action == "ReserveNow":
                self.reservations.add(request.decoded()["reservationId"])
            elif request.action == "RemoteStartTransaction":
                self.remote_starts += 1
        assert self.connected(), self.lost("the link went down after %s" % text[:2000])

    def connected(self):
        return self.link._connection.close_code is None and \
            self.cs.central.links.get("CP001") is self.link and self.station.alive

    def lost(self, what):
        return "%s\nstation output:\n%s" % (what, "\n".join(self.station.lines[-40:]))

    def batch(self, actions, seed_value, examples):
        overrides = schema_fuzz.bounded_overrides(
            [k for k in self.baseline if k not in schema_fuzz.UNBOUNDED_KEYS])

        @settings(max_examples=examples, database=None, deadline=None,
                  phases=(Phase.explicit, Phase.generate),
                  suppress_health_check=list(HealthCheck))
        @seed(seed_value)
        @given(schema_fuzz.requests(actions, overrides))
        def fuzz(request):
            self.send(request)

        fuzz()

    # ---- state ------------------------------------------------------------------------

    def configuration(self):
        answer = self.call("GetConfiguration", {})
        assert answer[0] == 3, answer
        return {entry["key"]: entry.get("value") for entry in answer[2]["configurationKey"]
                if not entry["readonly"]}

    def change(self, key, value):
        answer = self.call("ChangeConfiguration", {"key": key, "value": value})
        assert answer[:3] == [3, answer[1], {"status": "Accepted"}], (key, value, answer)

    def restore(self):
        """Puts back what the requests of a batch may have changed (the module's docstring)."""
        # A running upload is cancelled by the next request of its kind, and these fail at once;
        # their ends are awaited, as a full GetConfiguration beside an upload may find no room
        # on the 128 KB board (docs/limits.md).
        self.ended("DiagnosticsStatusNotification", "UploadFailed", "GetDiagnostics",
                   {"location": "nowhere", "retries": 0})
        if "GetLog" in self.actions:
            self.ended("LogStatusNotification", "BadMessage", "GetLog",
                       {"log": {"remoteLocation": "nowhere"}, "retries": 0,
                        "logType": "DiagnosticsLog", "requestId": 1})
        for name, value in self.configuration().items():
            if self.baseline[name] != value:
                self.change(name, self.baseline[name])
        for connector_id in (0, 1, 2):
            assert self.call("ChangeAvailability", {"connectorId": connector_id,
                                                    "type": "Operative"})[0] == 3
        assert self.call("ClearChargingProfile", {})[0] == 3
        for reservation_id in sorted(self.reservations):
            assert self.call("CancelReservation", {"reservationId": reservation_id})[0] == 3
        self.reservations.clear()
        assert self.call("SendLocalList", {"listVersion": 1, "updateType": "Full"})[2] == \
            {"status": "Accepted"}
        assert self.call("ClearCache", {})[0] == 3
        if self.remote_starts:  # authorizations held for a plug: let them expire
            self.change("ConnectionTimeOut", "1")
            wait_until(lambda: [c["status"] for c in self.station.control("status")
                                ["connectors"]] == ["Available"] * 3, 10,
                       "the held authorizations to expire")
            self.change("ConnectionTimeOut", self.baseline["ConnectionTimeOut"])
            self.remote_starts = 0

    def ended(self, notification, status, action, payload):
        """Sends `action`, which starts an upload that fails at once, and waits for its end."""
        told = len(self.cs.requests(notification))
        assert self.call(action, payload)[0] == 3
        wait_until(lambda: [p for p in self.cs.requests(notification)[told:]
                            if p["status"] == status], 10, "%s %s" % (notification, status))

    def heap_in_use(self):
        heap = self.station.control("heap")  # collected first
        assert heap["ok"], heap
        return heap["allocBytes"]

    def session(self):
        """Plug, card, Charging, MeterValues of the transaction, card, StopTransaction."""
        cs, station = self.cs, self.station
        stops = len(cs.requests("StopTransaction"))
        station.control("plug 1")
        cs.wait_status(1, "Preparing")
        station.control("tap " + SESSION_TAG)
        cs.wait_status(1, "Charging")
        transaction_id = wait_until(
            lambda: station.control("status")["connectors"][1]["transactionId"], 10,
            "the transaction id")
        wait_until(lambda: [p for p in cs.requests("MeterValues")
                            if p.get("transactionId") == transaction_id], 10,
                   "MeterValues of transaction %s" % transaction_id)
        station.control("tap " + SESSION_TAG)
        stop = wait_until(lambda: cs.requests("StopTransaction")[stops:], 10,
                          "StopTransaction")[0]
        assert stop["transactionId"] == transaction_id, stop
        station.control("unplug 1")
        cs.wait_status(1, "Available")


def cpython_station(cs):
    # tracemalloc gives the control port's `heap` its figure on CPython (boards/sim/board.py).
    return StationProcess(cs.url(), "cpython", control=True, env={"PYTHONTRACEMALLOC": "1"})


# The Core board (128 KB) takes the six feature profiles; the security extension's requests go
# to the board its compliance cases run on (192 KB, tc.py): once they have run, the 128 KB
# board no longer has a piece of heap for a full GetConfiguration answer (docs/limits.md).
RUNS = [pytest.param(tc_station, BATCHES[:3], id="micropython32-romfs-128k"),
        pytest.param(security_station, BATCHES[3:], id="micropython32-romfs-192k-security"),
        pytest.param(cpython_station, BATCHES, id="cpython")]


@pytest.mark.parametrize("starter, batches", RUNS)
def test_every_handler_answers_fuzzed_requests_rightly_and_the_station_goes_on(starter,
                                                                               batches):
    with CentralThread(heartbeat_interval_s=60, link_class=FuzzLink) as cs, \
            starter(cs) as station:
        campaign = Campaign(cs, station, [a for _, actions in batches for a in actions])
        campaign.change("MeterValueSampleInterval", "5")  # the session's MeterValues soon
        campaign.baseline = campaign.configuration()
        # Warm-up: every action a few times, then the state put back and a session, as after
        # each batch, so that what a first use leaves for good (interned names, the tables of
        # sys.modules) is in the idle level.
        for index, (_, actions) in enumerate(batches):
            campaign.batch(actions, SEED + 1000 + index, len(actions) * 2)
        campaign.restore()
        campaign.session()
        idle = campaign.heap_in_use()
        slack = CPYTHON_HEAP_SLACK_BYTES if starter is cpython_station else HEAP_SLACK_BYTES
        for index, (profiles, actions) in enumerate(batches):
            campaign.batch(actions, SEED + index, EXAMPLES)
            campaign.restore()
            wait_until(lambda: campaign.heap_in_use() - idle <= slack, 10,
                       "the heap within %d bytes of %d after the %s batch (%d now)"
                       % (slack, idle, profiles, campaign.heap_in_use()))
            campaign.session()
            assert campaign.connected()
        assert len(cs.requests("BootNotification")) == 1
        assert SIM_RESTART_LINE not in station.lines
        print("answers (kind, outcome): %s" % sorted(campaign.answered.items()))
