"""The campaign: one station (the 32-bit board interpreter at 128 KB running the ROMFS build,
as host_tests/tc.py's tc_station, or CPython) against the campaign's Central System, round
after round. A round plays its events (schedule.py) at their instants, watching the
station's transactions on its control port; then everything is healed (the Central System
up and answering normally, the link up, faults cleared, both EVs unplugged) and the round
ends when the station has delivered everything, answers a GetConfiguration and its control
port; the Central System's record is then checked (ledger.py) from the first round on.

A failure raises CampaignFailure naming the seed and the round to replay, and leaves the
record (traffic, the station's console, the events played, its state folder) in the
campaign's folder.
"""
import json
import os
import shutil
import time
from collections import deque

from chaos import ledger
from chaos.central import NORMAL, ChaosCentral
from chaos.schedule import CARDS, kind_of, round_events
from harness import ROOT, StationProcess, control, wait_until
from tc import board_station, booted, call, tc_station

# The Core board's interpreter (the 32-bit unix port, 128 KB), CPython, and the emulated
# Cortex-M3 board (its frozen firmware at 128 KB, host_tests/board/).
RUNTIMES = ("micropython32", "cpython", "mps2_an385")
IDENTITY = "CP001"
# A healed station has this long to deliver what it holds: a silent Central System may have
# left a request waiting out the 30 s response timeout, then 5 s before it is sent again;
# a restarted one, the reconnect backoff (up to 16 s after the longest outage).
SETTLE_S = 120
POLL_S = 1.0
# Lines of the station's console that mean it failed, whatever the Central System saw.
FATAL_LINES = ("Traceback", "FATAL", "MemoryError")
CONSOLE_KEPT = 20000


class CampaignFailure(AssertionError):
    pass


class Campaign:
    def __init__(self, seed, rounds, *, runtime="micropython32", round_s=20, sample_s=5,
                 attempts=3, speed=10, folder, say=None, deadline=None, keep=False):
        """`folder`: where the station's state and, on failure, the record are kept;
        `say(text)`: progress lines (None: quiet); `deadline`: the monotonic time after which
        no round starts; `keep`: the record is kept when it passes too."""
        if runtime not in RUNTIMES:
            raise ValueError("runtime is one of %s" % (RUNTIMES,))
        self.seed = seed
        self.rounds = rounds
        self.runtime = runtime
        self.round_s = round_s
        self.sample_s = sample_s
        self.attempts = attempts
        self.speed = speed
        self.deadline = deadline
        self.keep = keep
        self.folder = folder
        self.state = os.path.join(folder, "state")
        self._say = say or (lambda text: None)
        self.cs = None
        self.station = None
        self._port = None
        self.console = deque((), CONSOLE_KEPT)
        self.played = []  # (monotonic time, round, event) of every event played
        self.seen = deque((), CONSOLE_KEPT)  # the station's status as the rounds saw it
        self.disruptions = []  # (begin, end) monotonic
        self.cuts = []
        self.observed = []  # (connector, idTag, wall time) of transactions seen at the station
        self._seen = {1: None, 2: None}
        self._net_down_at = None
        self._cs_down_at = None
        self._fresh_tags = 0
        self._round = 0
        # What was played, by kind ("slow late": past the response timeout), and how many
        # requests the Central System's modes touched.
        self.figures = {"rounds": 0, "played": {}, "touched": {}, "settle_s_max": 0}
        self.report = None

    # ---- the run ------------------------------------------------------------------------

    def run(self):
        shutil.rmtree(self.folder, ignore_errors=True)
        os.makedirs(self.state)
        with ChaosCentral(heartbeat_interval_s=60) as cs:
            self.cs = cs
            try:
                self._start_station()
                booted(cs, timeout_s=60)
                self._configure()
                for number in range(1, self.rounds + 1):
                    if self.deadline is not None and time.monotonic() > self.deadline:
                        break
                    self._round = number
                    self._play(number)
                    self._settle_and_check(number)
                    self.figures["rounds"] = number
            except CampaignFailure:
                self._keep_record()
                raise
            except Exception as error:  # a harness error is a failure of the round too
                self._keep_record()
                raise self._failure(["%s: %s" % (type(error).__name__, error)]) from error
            finally:
                self._stop_station(check=False)
                self.figures["touched"] = cs.touched
            if self.keep:
                self._keep_record()
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)
        return self.summary()

    def summary(self):
        figures = dict(self.figures)
        if self.report is not None:
            figures.update(self.report.figures)
        return figures

    def _failure(self, violations):
        return CampaignFailure(
            "chaos failed: seed %s, round %d, %s:\n  %s\nreplay: make chaos SEED=%s ROUNDS=%d "
            "RUNTIME=%s (record in %s)" % (self.seed, self._round, self.runtime,
                                           "\n  ".join(violations[:20]), self.seed,
                                           self._round, self.runtime, self.folder))

    def _keep_record(self):
        with open(os.path.join(self.folder, "traffic.jsonl"), "w") as f:
            for identity, direction, text, t in list(self.cs.central.traffic):
                f.write(json.dumps([round(t, 3), direction, json.loads(text)]) + "\n")
        with open(os.path.join(self.folder, "console.txt"), "w") as f:
            f.write("\n".join(self.console) + "\n")
        with open(os.path.join(self.folder, "events.txt"), "w") as f:
            lines = ["%.3f round %d %s" % (t, number, event) for t, number, event in self.played]
            lines += ["%.3f   status %s" % (entry[0], entry[1:]) for entry in self.seen]
            f.write("\n".join(sorted(lines)) + "\n")

    # ---- the station ----------------------------------------------------------------------

    def _start_station(self):
        extra = ["--speed", str(self.speed)]
        if self.runtime == "cpython":
            self.station = StationProcess(self.cs.url(), "cpython", identity=IDENTITY,
                                          control=True, state=self.state, extra=extra)
        elif self.runtime == "mps2_an385":
            self.station = board_station(self.cs, extra=extra, state=self.state)
        else:
            self.station = tc_station(self.cs, extra=extra, state=self.state)
        # Once the station is attached to its hardware; read once, its console is taken away.
        self._port = self.station.control_port

    def _stop_station(self, check=True):
        station, self.station = self.station, None
        if station is not None:
            station.stop()
            self._take_console(station, check)

    def _take_console(self, station, check=True):
        lines = station.lines[:]
        del station.lines[:len(lines)]
        self.console.extend(lines)
        fatal = [line for line in lines if any(word in line for word in FATAL_LINES)]
        if fatal and check:
            raise self._failure(["the station's console: " + line for line in fatal[:5]])

    def _control(self, line):
        """The reply to a control command, None when the station cannot take it now."""
        try:
            return control(self._port, line, timeout_s=5)
        except (OSError, ValueError):
            if not self.station.alive:
                raise self._failure(["the station's process ended (status %s): %s" % (
                    self.station.process.returncode, self.station.lines[-5:])])
            return None

    def _configure(self):
        link = self.cs.link(IDENTITY)
        for key, value in (("MeterValueSampleInterval", self.sample_s),
                           ("TransactionMessageAttempts", self.attempts),
                           ("TransactionMessageRetryInterval", 1),
                           ("ConnectionTimeOut", 20),
                           # A card never seen starts a session offline too.
                           ("AllowOfflineTxForUnknownId", "true")):
            answer = self.cs.run(link.call(call.ChangeConfiguration(key=key, value=str(value))))
            if answer.status != "Accepted":
                raise self._failure(["ChangeConfiguration %s: %s" % (key, answer.status)])
        # The cards of the campaign, known offline too.
        answer = self.cs.run(link.call(call.SendLocalList(
            list_version=1, update_type="Full",
            local_authorization_list=[{"idTag": card, "idTagInfo": {"status": "Accepted"}}
                                      for card in CARDS])))
        if answer.status != "Accepted":
            raise self._failure(["SendLocalList: %s" % answer.status])

    # ---- a round ----------------------------------------------------------------------

    def _play(self, number):
        events = round_events(self.seed, number, self.round_s)
        begin = time.monotonic()
        for at_s, event in events:
            while time.monotonic() < begin + at_s:
                self._observe()
                time.sleep(max(0, min(POLL_S, begin + at_s - time.monotonic())))
            self.played.append((time.monotonic(), number, event))
            kind = kind_of(event)
            if kind is not None:
                played = self.figures["played"]
                played[kind] = played.get(kind, 0) + 1
            self._do(event)
            self._observe()
        self._say("round %d: %d events played" % (number, len(events)))

    def _do(self, event):
        kind = event[0]
        if kind == "plug":
            self._control("ev %d soc %d" % (event[1], event[2]))
            self._control("plug %d" % event[1])
        elif kind == "unplug":
            self._control("unplug %d" % event[1])
        elif kind == "tap":
            self._control("tap " + self._tag(event[1]))
        elif kind == "power_cut":
            self._power_cut(event[1])
        elif kind == "net_down":
            if self._net_down_at is None and self._control("net down") is not None:
                self._net_down_at = time.monotonic()
        elif kind == "net_up":
            self._net_up()
        elif kind == "cs_down":
            if self._cs_down_at is None:
                self._cs_down_at = time.monotonic()
                self.cs.go_down()
        elif kind == "cs_up":
            self._cs_up()
        elif kind == "mode":
            self.cs.set_mode(event[1], event[2])
        elif kind == "fault":
            self._control("fault %d %s" % (event[1], event[2]))
        elif kind == "clear":
            self._control("clear %d" % event[1])

    def _tag(self, target):
        """The card a tap presents: a new one, or the one of the transaction on a connector."""
        if type(target) is str:
            return target
        status = self._control("status")
        if status is not None and status.get("ok"):
            tag = status["connectors"][target]["idTag"]
            if tag is not None:
                return tag
        self._fresh_tags += 1
        return "R%dC%d" % (self._round, self._fresh_tags)

    def _net_up(self):
        if self._net_down_at is not None:
            self._control("net up")
            self.disruptions.append((self._net_down_at, time.monotonic()))
            self._net_down_at = None

    def _cs_up(self):
        if self._cs_down_at is not None:
            self.cs.come_up()
            self.disruptions.append((self._cs_down_at, time.monotonic()))
            self._cs_down_at = None

    def _power_cut(self, off_s):
        station = self.station
        cut_at = time.monotonic()
        wall = time.time()
        try:
            control(self._port, "power off", timeout_s=2)
        except (OSError, ValueError):  # the process died before it could answer
            pass
        try:
            station.process.wait(10)
        except Exception:
            raise self._failure(["the station did not power off"])
        if station.process.returncode != -9:
            raise self._failure(["the station's process ended with %s, not the power cut"
                                 % station.process.returncode])
        registers = {connector_id: self._register(connector_id) for connector_id in (1, 2)}
        self.cuts.append(ledger.Cut(cut_at, wall, registers))
        self._stop_station()
        time.sleep(off_s)
        self._start_station()
        now = time.monotonic()
        self.disruptions.append((cut_at, now))
        if self._net_down_at is not None:  # the link comes up with the board
            self.disruptions.append((self._net_down_at, now))
            self._net_down_at = None
        self._seen = {1: None, 2: None}

    def _register(self, connector_id):
        """What connector_id's meter keeps (boards/sim/meter.py): 0 until it first counts."""
        try:
            with open(os.path.join(self.state, "hw", "meter%d" % connector_id)) as f:
                return int(f.read().strip() or 0)
        except FileNotFoundError:
            return 0

    def _observe(self):
        status = self._control("status")
        if status is None or not status.get("ok"):
            return
        self.seen.append((time.monotonic(), status["connection"], status["queued"],
                          [(c["status"], c["idTag"], c["energyWh"], c["powerW"])
                           for c in status["connectors"][1:]]))
        for connector in status["connectors"][1:]:
            tag = connector["idTag"]
            if tag is not None and tag != self._seen[connector["id"]]:
                self.observed.append((connector["id"], tag, time.time()))
            self._seen[connector["id"]] = tag

    # ---- the end of a round -----------------------------------------------------------

    def _settle_and_check(self, number):
        began = time.monotonic()
        self.cs.set_mode(NORMAL)
        self._cs_up()
        self._net_up()
        for connector_id in (1, 2):
            self._control("clear %d" % connector_id)
            self._control("unplug %d" % connector_id)
        try:
            wait_until(self._settled, SETTLE_S, "the station to deliver what it holds")
        except AssertionError as error:
            raise self._failure([str(error), "last status: %s" % self._control("status")])
        settle_s = time.monotonic() - began
        self.figures["settle_s_max"] = max(self.figures["settle_s_max"], round(settle_s, 1))
        self._probe()
        self._take_console(self.station)
        self.report = ledger.check(list(self.cs.central.traffic), disruptions=self.disruptions,
                                   cuts=self.cuts, attempts=self.attempts,
                                   sample_interval_s=self.sample_s, observed=self.observed)
        if self.report.violations:
            raise self._failure(self.report.violations)
        self._say("round %d: settled in %.1f s; %s" % (number, settle_s, self.report.figures))

    def _settled(self):
        status = self._control("status")
        return status is not None and status.get("ok") and status["connection"] == "online" \
            and status["registration"] == "Accepted" and status["queued"] == 0 \
            and all(c["idTag"] is None for c in status["connectors"][1:])

    def _probe(self):
        """The station answers the Central System and its control port."""
        link = self.cs.link(IDENTITY)
        try:
            answer = self.cs.run(link.call(call.GetConfiguration(key=["HeartbeatInterval"])),
                                 timeout_s=20)
        except Exception as error:
            raise self._failure(["GetConfiguration unanswered: %r" % error])
        keys = [k["key"] for k in answer.configuration_key or ()]
        if keys != ["HeartbeatInterval"]:
            raise self._failure(["GetConfiguration answered %r" % answer])
        heap = self._control("heap")  # the heap left idle, after a collection
        if heap is None:
            raise self._failure(["the control port unanswered"])
        if self.runtime == "micropython32":
            # As host_tests/test_heap_budget.py reads it: the unix port holds the ROMFS
            # image in its heap, a board keeps it in flash.
            board_heap = heap["allocBytes"] + heap["freeBytes"] - os.path.getsize(
                os.path.join(ROOT, "build", "station.romfs"))
            share = round(heap["freeBytes"] / board_heap, 3)
        elif self.runtime == "mps2_an385":  # the board's own heap: the code is in its flash
            board_heap = heap["allocBytes"] + heap["freeBytes"]
            share = round(heap["freeBytes"] / board_heap, 3)
        if self.runtime != "cpython":
            self._say("heap: %d bytes in use, %.3f of the board's free" % (
                board_heap - heap["freeBytes"], share))
            self.figures["heap_free_min_share"] = min(
                self.figures.get("heap_free_min_share", share), share)
