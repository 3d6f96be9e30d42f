"""StatusNotification: reports each connector's status to the Central System.

After BootNotification is accepted, connector 0 and every connector are reported once; then
every change is reported in order. While the link is down only the newest status of each
connector is kept, so the outbox stays bounded and the Central System learns the present,
not a replay.

MinimumStatusDuration (OCPP 1.6 4.9, 9.1.20): a status is reported only once it has been
stable that many seconds; one that does not last is never sent, and neither is a return to
the status last reported. 0 reports every status entered at once.

An error code the board reports outside ChargePointErrorCode goes as OtherError with the
board's code as vendorErrorCode: as it is, the schema would refuse the notification.

The outbox is a lane of the outbound queue (firmware.outbound), which delivers it.
"""
import asyncio

from firmware.config import INTEGER, Key
from firmware.connector import ERROR_CODES, ConnectorStatus

# Bounds the outbox while online too: a connector flapping faster than the link drains.
MAX_PENDING = 16
# The longest MinimumStatusDuration accepted: beyond it the Central System learns too late.
MAX_MINIMUM_STATUS_DURATION_S = 3600


class StatusService:
    def __init__(self, *, connector_count, clock, ticks_ms, log, config=None, ticks_diff=None):
        self._clock = clock
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff or (lambda end, start: end - start)
        self._log = log
        self._config = config
        if config is not None:
            config.declare(Key("MinimumStatusDuration", INTEGER, 0, minimum=0,
                               maximum=MAX_MINIMUM_STATUS_DURATION_S))
        self.connectors = [ConnectorStatus(i, ticks_ms()) for i in range(connector_count + 1)]
        self._outbox = []
        # Per connector: the notification waiting to be stable long enough, and the one
        # last handed to the outbox (what the Central System knows or is about to).
        self._held = [None] * (connector_count + 1)
        self._reported = [None] * (connector_count + 1)
        self.wake = asyncio.Event()  # the outbound queue's, once it takes this lane
        self.due_ms = None  # until a held status is due; None: none is held

    def status(self, connector_id):
        return self.connectors[connector_id].status

    def minimum_duration_ms(self):
        if self._config is None:
            return 0
        return self._config.get("MinimumStatusDuration") * 1000

    def update(self, connector_id, status, error_code, info=None, coalesce=False):
        """Move a connector to `status`; queue a notification for each status entered (only
        the last one when MinimumStatusDuration holds them: the others did not last)."""
        connector = self.connectors[connector_id]
        steps = connector.move(status, error_code, self._ticks_ms(), info)
        if not steps:
            return
        if self.minimum_duration_ms() > 0:
            self._held[connector_id] = (self._notification(connector_id, steps[-1],
                                                           connector.error_code, info),
                                        self._ticks_ms())
            self.wake.set()
            return
        for step in steps:
            self._queue(self._notification(connector_id, step, connector.error_code, info),
                        coalesce)

    def notify(self, connector_id, error_code, info):
        """Queues a notification of an error the status itself does not carry: its present
        status with `error_code` (LocalListConflict, on connector 0: section 3.5.2)."""
        self._queue(self._notification(connector_id, self.connectors[connector_id].status,
                                       error_code, info), False)

    def report_all(self):
        """After an accepted boot: the present status of connector 0 and every connector."""
        self._outbox = []
        for connector_id in range(len(self.connectors)):
            self.report(connector_id)

    def report(self, connector_id):
        """Queues the present status of one connector (TriggerMessage), behind the ones not
        yet delivered; a status still held for MinimumStatusDuration is the present one."""
        connector = self.connectors[connector_id]
        self._held[connector_id] = None
        self._queue(self._notification(connector_id, connector.status, connector.error_code,
                                       connector.info), False)

    def _notification(self, connector_id, status, error_code, info):
        notification = {"connectorId": connector_id, "errorCode": error_code, "status": status,
                        "timestamp": self._clock.now_iso8601()}
        if error_code not in ERROR_CODES:
            notification["errorCode"] = "OtherError"
            notification["vendorErrorCode"] = str(error_code)[:50]  # a CiString50
        if info:
            notification["info"] = info
        return notification

    def _queue(self, notification, coalesce):
        connector_id = notification["connectorId"]
        if coalesce or len(self._outbox) >= MAX_PENDING:
            self._outbox = [n for n in self._outbox if n["connectorId"] != connector_id]
        self._reported[connector_id] = notification
        self._outbox.append(notification)
        self.wake.set()

    def _release_stable(self):
        """Queues the held statuses that lasted; returns ms until the next one is due, or
        None when nothing is held."""
        minimum_ms = self.minimum_duration_ms()
        now_ms = self._ticks_ms()
        next_due_ms = None
        for connector_id in range(len(self._held)):
            held = self._held[connector_id]
            if held is None:
                continue
            notification, since_ms = held
            left_ms = minimum_ms - self._ticks_diff(now_ms, since_ms)
            if left_ms > 0:
                next_due_ms = left_ms if next_due_ms is None else min(next_due_ms, left_ms)
                continue
            self._held[connector_id] = None
            if not _same_state(notification, self._reported[connector_id]):
                self._queue(notification, False)
        return next_due_ms

    # ---- the outbound queue's lane ---------------------------------------------------

    def head(self):
        self.due_ms = self._release_stable()
        return self._outbox[0] if self._outbox else None

    def request(self, notification):
        return "StatusNotification", notification

    def settle(self, notification, answer):
        if self._outbox and self._outbox[0] is notification:  # not replaced meanwhile
            self._outbox.pop(0)

    @property
    def pending(self):
        """Notifications not yet delivered, those still waiting to be stable included."""
        return len(self._outbox) + len([h for h in self._held if h is not None])


def _same_state(a, b):
    return b is not None and a["status"] == b["status"] and \
        a["errorCode"] == b["errorCode"] and a.get("info") == b.get("info") and \
        a.get("vendorErrorCode") == b.get("vendorErrorCode")
