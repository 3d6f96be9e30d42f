"""Security events (security whitepaper A04, N01.FR.05, section 8): each one goes to the
security log in flash and to the Central System as SecurityEventNotification.

Critical events are delivered for sure (A04.FR.02): they stay pending in flash until the
Central System has confirmed them, across link losses and reboots, in order (one whose
confirmation was lost with the link is sent again: at least once) -- unless the Central
System refuses them for good (firmware.outbound: NotImplemented, say, or GenericError
TransactionMessageAttempts times); given up, an event stays in the log. The others are
sent too (TC_078 expects InvalidCentralSystemCertificate) but only from RAM: while the link
is down at most PENDING_MAX wait, the oldest of them given up first. The station's outbound
queue sends them (firmware.security's lane).

Loaded when an event is recorded or delivered (firmware.security): the station keeps only
the list of pending events between those loads, so an idle station holds no code of it; its
numbering and counts are read back from flash each time.

The log is a journal (store.journal) of events [seq, unix_s, type, techInfo] and of
confirmations {"ack": seq} (the last critical event confirmed or given up). Past
RECORDS_MAX records it is rewritten with the newest RECORDS_KEPT events, the pending ones
and the last ack: a rolling log, as A04.FR.04 recommends.
"""
import json

from firmware.clock import format_iso8601
from store.journal import Journal

CRITICAL = ("FirmwareUpdated", "SettingSystemTime", "StartupOfTheDevice", "ResetOrReboot",
            "SecurityLogWasCleared", "MemoryExhaustion", "TamperDetectionActivated")
PENDING_MAX = 32
RECORDS_MAX = 200
RECORDS_KEPT = 100
TECH_INFO_MAX = 255  # SecurityEventNotification.req techInfo is CiString255
EVENT_TYPE_MAX = 50  # and its type CiString50


def notification(event, clock):
    """The SecurityEventNotification.req payload of an event, its time corrected once the
    Central System's is known (firmware.clock)."""
    payload = {"type": event[2], "timestamp": format_iso8601(clock.corrected_s(event[1]))}
    if event[3]:
        payload["techInfo"] = event[3]
    return payload


class SecurityLog:
    def __init__(self, *, path, clock, log, pending=None):
        """`pending`: the events to send, oldest first, as an earlier load left them; None
        after a boot, when they are the critical ones in flash not yet confirmed."""
        self._journal = Journal(path)
        self._clock = clock
        self._log = log
        self._next_seq = 1
        self._acked = 0
        self._records = 0
        self.rejected = 0  # records in flash that are not this log's, at the last reading
        self.pending = pending
        self._load()

    def record(self, kind, info=None):
        """Logs a security event now and queues its notification."""
        if info:
            info = str(info)[:TECH_INFO_MAX]
        event = [self._next_seq, self._clock.now_s(), kind, info or None]
        self._next_seq += 1
        self._log("security event: %s%s" % (kind, " (%s)" % info if info else ""))
        self._write(event)
        if len(self.pending) >= PENDING_MAX:
            self._give_up_one()
        self.pending.append(event)

    def settle(self, event):
        """The first pending event was delivered, or given up: no longer pending, and a
        critical one is marked so in flash, not to be sent again after a reboot."""
        if self.pending and self.pending[0] is event:
            self.pending.pop(0)
        if event[2] in CRITICAL:
            self._acked = event[0]
            self._write({"ack": event[0]})

    def events(self):
        """Yields every event in the log, oldest first, as [seq, unix_s, type, techInfo]
        (read from flash record by record)."""
        for record in self._records_in_flash():
            if type(record) is list:
                yield record

    # ---- flash -------------------------------------------------------------------------

    def _write(self, record):
        try:
            self._journal.append(json.dumps(record).encode())
            self._records += 1
            if self._records > RECORDS_MAX:
                self._compact()
        except (OSError, ValueError, MemoryError) as error:  # the RAM queue still holds it
            self._log("security: log not written (%s: %s)" % (type(error).__name__, error))

    def _records_in_flash(self):
        self.rejected = 0
        for _, data in self._journal.scan():
            try:
                record = json.loads(data)
            except ValueError:
                record = None
            if type(record) is dict and type(record.get("ack")) is int:
                yield record
            elif type(record) is list and len(record) == 4 and type(record[0]) is int \
                    and type(record[1]) is int and type(record[2]) is str \
                    and len(record[2]) <= EVENT_TYPE_MAX \
                    and (record[3] is None or type(record[3]) is str):
                yield record
            else:  # not a record this log wrote: sending it would fail
                self.rejected += 1

    def _load(self):
        after_boot = self.pending is None  # only then are the pending ones read from flash
        critical = []
        for record in self._records_in_flash():
            self._records += 1
            if type(record) is dict:
                self._acked = max(self._acked, record["ack"])
                continue
            self._next_seq = max(self._next_seq, record[0] + 1)
            if after_boot and record[2] in CRITICAL:
                critical.append(record)
                if len(critical) > PENDING_MAX:
                    critical.pop(0)
        if after_boot:
            self.pending = [event for event in critical if event[0] > self._acked]
            if self.rejected:
                self._log("security: %d malformed records in the log ignored" % self.rejected)

    def _compact(self):
        total = 0
        for _ in self.events():
            total += 1
        pending = [event[0] for event in self.pending]

        def kept():  # read from the old journal while the new one is written
            index = 0
            for event in self.events():
                if index >= total - RECORDS_KEPT or event[0] in pending:
                    yield json.dumps(event).encode()
                index += 1
            yield json.dumps({"ack": self._acked}).encode()

        self._records = len(self._journal.rewrite(kept()))

    def _give_up_one(self):
        for i in range(len(self.pending)):
            if self.pending[i][2] not in CRITICAL:
                self.pending.pop(i)
                return
        self.pending.pop(0)
