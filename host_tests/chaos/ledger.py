"""The checks on what the Central System received, after each round, from its record alone
(every frame with its time), the disruptions the campaign caused and the registers it
read at each power cut.

A *message* is what the station made once (a StartTransaction, a MeterValues, a
StopTransaction); a *copy* is one CALL of it on the wire. A copy may be followed by another
only when the station could not have taken the first as delivered (OCPP 1.6 3.7.1 and
section 4.10, errata 3.18 for what a skipped StartTransaction leaves):
- it was answered with a CALLERROR, and fewer than TransactionMessageAttempts of them came
  since the station last booted (the count lives in its RAM); at that many it is skipped
  and never sent again;
- it got no answer, or one later than LATE_S (the station's response timeout is 30 s);
- a disruption overlapped it: the power cut, the link lost, the Central System restarted
  (an answer may then have been sent and never arrived, or arrived and not been recorded):
  for a StartTransaction or StopTransaction answered, within RECORD_S of its answer; a
  MeterValues answered may come again after any disruption before its next copy (its
  delivery mark waits for the journal's next write).
Its last copy must have been answered, or be the skip. Sessions are the StartTransactions;
each has exactly one StopTransaction (one skipped counts), the MeterValues and the stop
after its start and in order, and carry the transactionId its start was answered with (-1
when skipped). On each connector each meterStart equals the meterStop before it; a
PowerLoss stop carries the register the meter held at the cut, and a session running at a
cut ends with one.
"""
import calendar
import json
import time

CALL, CALLRESULT, CALLERROR = 2, 3, 4
# Answers later than this after the request are late (the station's timeout is 30 s; the
# campaign's slow answers come before 20 s or after 36 s).
LATE_S = 25
# A gap between periodic samples of a running session larger than this many intervals is a
# sample lost (a stalled host may make the station catch up once: 2 intervals).
SAMPLE_GAP_INTERVALS = 3
ANSWERED, LATE, ERROR, NONE = "answered", "late", "error", "none"
TRANSACTION_ACTIONS = ("StartTransaction", "StopTransaction", "MeterValues")
ENERGY = "Energy.Active.Import.Register"
# A StartTransaction or StopTransaction answered is recorded by the station at once (its
# delivery mark in flash): a disruption more than this after its answer left the Central
# System (the answer in flight, the write) is no reason to send it again. A MeterValues's
# mark waits for the journal's next write (firmware/core/tx_messages.py, MARKS_HELD), so a
# power cut any time before that may make the station send it again.
RECORD_S = 2
CLOCK_SLACK_S = 2


class Copy:
    def __init__(self, unique_id, payload, t):
        self.id = unique_id
        self.payload = payload
        self.t = t
        self.answers = []  # (message type, time, payload or error code)

    def outcome(self):
        if not self.answers:
            return NONE
        kind, t, _ = self.answers[0]
        if t - self.t > LATE_S:  # the station gave up waiting: dropped, or taken if it stalled
            return LATE if kind == CALLRESULT else NONE
        return ERROR if kind == CALLERROR else ANSWERED

    def transaction_id(self):
        """The transactionId of its first CALLRESULT, or None."""
        for kind, _, payload in self.answers:
            if kind == CALLRESULT:
                return payload.get("transactionId")
        return None


class Message:
    def __init__(self, action, payload):
        self.action = action
        self.payload = payload
        self.copies = []
        self.skipped = False  # given up after TransactionMessageAttempts CALLERRORs

    @property
    def first_t(self):
        return self.copies[0].t

    @property
    def last(self):
        return self.copies[-1]


class Cut:
    """A power cut: when (monotonic and wall clock) and the registers its meters kept."""

    def __init__(self, t, wall, registers):
        self.t = t
        self.wall = wall
        self.registers = registers


class Session:
    def __init__(self, start):
        self.start = start
        payload = start.payload
        self.connector_id = payload["connectorId"]
        self.id_tag = payload["idTag"]
        self.meter_start = payload["meterStart"]
        self.started_s = epoch_s(payload["timestamp"])
        self.transaction_ids = set()
        for copy in start.copies:
            if copy.transaction_id() is not None:
                self.transaction_ids.add(copy.transaction_id())
        # What the station goes on with: the last copy's answer, -1 when skipped.
        self.transaction_id = -1 if start.skipped else start.last.transaction_id()
        self.stops = []
        self.meter_values = []

    def name(self):
        return "session %s on connector %d started %s (transactionId %s)" % (
            self.id_tag, self.connector_id, self.start.payload["timestamp"], self.transaction_id)


class Report:
    def __init__(self):
        self.violations = []
        self.figures = {"sessions": 0, "messages": 0, "copies": 0, "skipped": 0,
                        "power_loss_stops": 0, "unattributed": 0}
        self.sessions = []

    def fail(self, text):
        self.violations.append(text)


def epoch_s(text):
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


def messages_of(traffic):
    """The transaction messages the station sent, in order of their first copy."""
    copies = {}
    messages = {}
    ordered = []
    for _, direction, text, t in traffic:
        frame = json.loads(text)
        if direction == "<-" and frame[0] == CALL and frame[2] in TRANSACTION_ACTIONS:
            key = (frame[2], json.dumps(frame[3], sort_keys=True))
            message = messages.get(key)
            if message is None:
                message = messages[key] = Message(frame[2], frame[3])
                ordered.append(message)
            copy = Copy(frame[1], frame[3], t)
            message.copies.append(copy)
            copies[frame[1]] = copy
        elif direction == "->" and frame[0] in (CALLRESULT, CALLERROR) and frame[1] in copies:
            copies[frame[1]].answers.append((frame[0], t, frame[2]))
    return ordered


def check(traffic, *, disruptions, cuts, attempts, sample_interval_s, observed=(), now=None):
    """The Report of the rules above over `traffic` (CentralSystem.traffic): `disruptions`
    (begin, end) monotonic times, power cuts included; `cuts` Cut's; `observed` (connector,
    idTag, wall time) of transactions the station showed on its control port; `now` the
    monotonic time of the check (the station settled: nothing left to send)."""
    report = Report()
    messages = messages_of(traffic)
    now = time.monotonic() if now is None else now
    for message in messages:
        _check_copies(report, message, disruptions, cuts, attempts, now)
    report.figures["messages"] = len(messages)
    report.figures["copies"] = sum(len(m.copies) for m in messages)
    sessions = [Session(m) for m in messages if m.action == "StartTransaction"]
    report.sessions = sessions
    report.figures["sessions"] = len(sessions)
    _attribute(report, messages, sessions)
    for session in sessions:
        _check_session(report, session, cuts, sample_interval_s)
    for connector_id in sorted({s.connector_id for s in sessions}):
        _check_connector(report, [s for s in sessions if s.connector_id == connector_id])
    for connector_id, id_tag, wall in observed:
        if not any(s.connector_id == connector_id and s.id_tag == id_tag and
                   s.started_s <= wall + 1 for s in sessions):
            report.fail("a transaction of %s on connector %d seen at the station (%s) never "
                        "reached the Central System" % (id_tag, connector_id,
                                                        time.strftime("%H:%M:%S",
                                                                      time.gmtime(wall))))
    return report


def _disrupted(disruptions, begin, end):
    return any(b <= end and e >= begin for b, e in disruptions)


def _check_copies(report, message, disruptions, cuts, attempts, now):
    """The retry rules over the copies of one message (see the module's text)."""
    name = "%s %s" % (message.action, json.dumps(message.payload, sort_keys=True)[:200])
    errors = {}  # boot -> (CALLERRORs that surely reached the station, that may have)
    copies = message.copies
    for i, copy in enumerate(copies):
        following_t = copies[i + 1].t if i + 1 < len(copies) else now
        outcome = copy.outcome()
        if outcome == ANSWERED and message.action != "MeterValues":
            following_t = min(following_t, copy.answers[0][1] + RECORD_S)
        disrupted = _disrupted(disruptions, copy.t, following_t)
        boot = sum(1 for cut in cuts if cut.t < copy.t)
        surely, maybe = errors.get(boot, (0, 0))
        if outcome == ERROR:
            maybe += 1
            surely += 0 if disrupted else 1
            errors[boot] = (surely, maybe)
        last = i + 1 == len(copies)
        if not last:
            if outcome == ANSWERED and not disrupted:
                report.fail("%s sent again (%d copies) though answered in time, undisturbed"
                            % (name, len(copies)))
                return
            if surely >= attempts:
                report.fail("%s sent again after %d CALLERRORs (TransactionMessageAttempts %d)"
                            % (name, surely, attempts))
                return
            continue
        if outcome in (ANSWERED, LATE):
            return
        if outcome == ERROR and surely <= attempts <= maybe:
            message.skipped = True
            report.figures["skipped"] += 1
            return
        if outcome == ERROR:
            report.fail("%s given up after %d CALLERROR(s) since the boot "
                        "(TransactionMessageAttempts %d)" % (name, maybe, attempts))
        else:
            report.fail("%s lost: its last copy got %s and it was not sent again" % (
                name, "no answer in time" if outcome in (NONE, LATE) else outcome))


def _attribute(report, messages, sessions):
    """Each MeterValues and StopTransaction to its session, by transactionId (-1: the
    session of a skipped start, on that connector for MeterValues, when only one fits)."""
    owners = {}
    for session in sessions:
        for transaction_id in session.transaction_ids:
            owners[transaction_id] = session
    for message in messages:
        if message.action == "StartTransaction":
            continue
        transaction_id = message.payload.get("transactionId")
        if message.action == "MeterValues" and transaction_id is None:
            continue  # not a transaction's
        if transaction_id == -1:
            fits = [s for s in sessions if s.start.skipped and s.start.first_t < message.first_t
                    and not s.stops and _may_be_of(message, s)]
            if len(fits) != 1:
                report.figures["unattributed"] += 1
                if not fits:
                    report.fail("%s with transactionId -1 and no skipped start before it"
                                % message.action)
                continue
            session = fits[0]
        else:
            session = owners.get(transaction_id)
            if session is None:
                report.fail("%s for transactionId %s, which no StartTransaction was "
                            "answered with" % (message.action, transaction_id))
                continue
        if transaction_id != session.transaction_id:
            report.fail("%s of %s carries transactionId %s" % (message.action,
                                                               session.name(), transaction_id))
        if message.action == "StopTransaction":
            session.stops.append(message)
        else:
            session.meter_values.append(message)


def _may_be_of(message, session):
    """Whether a message with transactionId -1 may be the session's: MeterValues name their
    connector; a StopTransaction's Transaction.Begin value is its start's register and time."""
    if message.action == "MeterValues":
        return message.payload["connectorId"] == session.connector_id
    for meter_value in message.payload.get("transactionData") or ():
        for sampled in meter_value["sampledValue"]:
            if sampled.get("context") == "Transaction.Begin" and \
                    sampled.get("measurand", ENERGY) == ENERGY:
                return int(float(sampled["value"])) == session.meter_start and \
                    meter_value["timestamp"] == session.start.payload["timestamp"]
    return True


def _energy(meter_value_payload):
    values = []
    for meter_value in meter_value_payload["meterValue"]:
        for sampled in meter_value["sampledValue"]:
            if sampled.get("measurand", ENERGY) == ENERGY:
                values.append(int(float(sampled["value"])))
    return values


def _check_session(report, session, cuts, sample_interval_s):
    name = session.name()
    if len(session.stops) != 1:
        report.fail("%s has %d StopTransaction(s)" % (name, len(session.stops)))
        return
    stop = session.stops[0]
    payload = stop.payload
    meter_stop = payload["meterStop"]
    stopped_s = epoch_s(payload["timestamp"])
    if stop.first_t < session.start.first_t:
        report.fail("%s: its StopTransaction came before its start" % name)
    readings = [session.meter_start]
    stamps = []
    for message in session.meter_values:
        if not session.start.first_t < message.first_t < stop.first_t:
            report.fail("%s: MeterValues %s outside its start and stop" % (
                name, message.payload["meterValue"][0]["timestamp"]))
        readings += _energy(message.payload)
        stamps += [epoch_s(v["timestamp"]) for v in message.payload["meterValue"]]
    readings.append(meter_stop)
    if readings != sorted(readings):
        report.fail("%s: registers out of order: %s" % (name, readings))
    if stamps != sorted(set(stamps)):
        report.fail("%s: MeterValues not in order: %s" % (name, stamps))
    edges = [session.started_s] + stamps
    for before, after in zip(edges, edges[1:]):
        if after - before > SAMPLE_GAP_INTERVALS * sample_interval_s:
            report.fail("%s: no meter sample for %d s (interval %d s)" % (
                name, after - before, sample_interval_s))
    if payload["reason"] != "PowerLoss" and \
            stopped_s - edges[-1] > SAMPLE_GAP_INTERVALS * sample_interval_s:
        report.fail("%s: no meter sample for the last %d s before its stop" % (
            name, stopped_s - edges[-1]))
    # The station's times are whole seconds, and its clock, set from the Central System's
    # whole seconds, may be up to a second behind the cuts' (CLOCK_SLACK_S covers both).
    connector_id = session.connector_id
    if payload["reason"] == "PowerLoss":
        report.figures["power_loss_stops"] += 1
        # The cut that stopped it came after its last reading saved (the stop's time) and
        # before the stop arrived: the first such, or the next when the stop's time came
        # within the slack after an earlier one.
        cuts = [c for c in cuts if c.wall >= stopped_s - CLOCK_SLACK_S and c.t < stop.first_t]
        if not cuts:
            report.fail("%s stopped PowerLoss with no power cut before" % name)
        elif meter_stop not in [c.registers[connector_id] for c in cuts[:2]]:
            report.fail("%s: PowerLoss meterStop %d, the meter held %d at the cut" % (
                name, meter_stop, cuts[0].registers[connector_id]))
        return
    for cut in cuts:
        if session.started_s < cut.wall - CLOCK_SLACK_S and \
                stopped_s > cut.wall + CLOCK_SLACK_S:
            report.fail("%s ran through a power cut and stopped %s at %s" % (
                name, payload["reason"], payload["timestamp"]))


def _check_connector(report, sessions):
    sessions = sorted(sessions, key=lambda s: s.start.first_t)
    for before, after in zip(sessions, sessions[1:]):
        if len(before.stops) != 1:
            continue
        stop = before.stops[0]
        if stop.first_t > after.start.first_t:
            report.fail("%s started before the StopTransaction of %s" % (after.name(),
                                                                          before.name()))
        if stop.payload["meterStop"] != after.meter_start:
            report.fail("connector %d: meterStart %d of %s is not the meterStop %d before it"
                        % (after.connector_id, after.meter_start, after.name(),
                           stop.payload["meterStop"]))
