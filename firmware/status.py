"""StatusNotification: reports each connector's status to the Central System.

After BootNotification is accepted, connector 0 and every connector are reported once; then
every change is reported in order. While the link is down only the newest status of each
connector is kept, so the outbox stays bounded and the Central System learns the present,
not a replay.
"""
import asyncio

from firmware.connector import ConnectorStatus

# Bounds the outbox while online too: a connector flapping faster than the link drains.
MAX_PENDING = 16
RETRY_S = 5


class StatusService:
    def __init__(self, connector_count, clock, ticks_ms, log):
        self._clock = clock
        self._ticks_ms = ticks_ms
        self._log = log
        self.connectors = [ConnectorStatus(i, ticks_ms()) for i in range(connector_count + 1)]
        self._outbox = []
        self._wake = asyncio.Event()

    def status(self, connector_id):
        return self.connectors[connector_id].status

    def update(self, connector_id, status, error_code, info=None, coalesce=False):
        """Move a connector to `status`; queue a notification for each status entered."""
        connector = self.connectors[connector_id]
        for step in connector.move(status, error_code, self._ticks_ms(), info):
            self._queue(connector_id, step, connector.error_code, info, coalesce)

    def report_all(self):
        """After an accepted boot: the present status of connector 0 and every connector."""
        self._outbox = []
        for connector in self.connectors:
            self._queue(connector.connector_id, connector.status, connector.error_code,
                        connector.info, False)

    def _queue(self, connector_id, status, error_code, info, coalesce):
        if coalesce or len(self._outbox) >= MAX_PENDING:
            self._outbox = [n for n in self._outbox if n["connectorId"] != connector_id]
        notification = {"connectorId": connector_id, "errorCode": error_code, "status": status,
                        "timestamp": self._clock.now_iso8601()}
        if info:
            notification["info"] = info
        self._outbox.append(notification)
        self._wake.set()

    async def send_forever(self, call):
        """Delivers the outbox in order through `call`; started once the boot is accepted."""
        while True:
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            notification = self._outbox[0]
            try:
                await call("StatusNotification", notification)
            except Exception as error:  # offline or refused: keep it, try again later
                self._log("status: %s: %s" % (type(error).__name__, error))
                await asyncio.sleep(RETRY_S)
                continue
            if self._outbox and self._outbox[0] is notification:
                self._outbox.pop(0)

    @property
    def pending(self):
        return len(self._outbox)


