"""Reset (OCPP 1.6 section 5.14 and errata 3.36): answer Accepted, stop every transaction
with reason SoftReset / HardReset, let the StopTransaction and status messages go out for a
bounded time, then have the board restart (soft: the application, hard: all the hardware).

The board's reset does not return when it works. If it does, it is tried again after
RETRY_S, ResetRetries more times, then given up: the station goes on running and
charging may start again.
"""
import asyncio

from firmware.config import INTEGER, Key

HARD = "Hard"
# How long the queued messages may take to go out before the restart. A hard reset is a
# last resort (errata 3.36: queued information may get lost), so it waits less.
DRAIN_S = {"Soft": 20, HARD: 5}
DRAIN_POLL_S = 0.1
RETRY_S = 5
MAX_RESET_RETRIES = 10


class ResetService:
    def __init__(self, *, config, board_reset, transactions, drained, log, sleep=asyncio.sleep,
                 on_accepted=None):
        """`board_reset(hard)`: the board's restart; `drained()`: nothing is left to send;
        `on_accepted(kind)`: told of each reset accepted ("Hard" or "Soft")."""
        config.declare(Key("ResetRetries", INTEGER, 3, minimum=0, maximum=MAX_RESET_RETRIES))
        self._config = config
        self._board_reset = board_reset
        self._transactions = transactions
        self._drained = drained
        self._log = log
        self._sleep = sleep
        self._on_accepted = on_accepted
        self.pending = None  # "Hard" or "Soft" from the accepted Reset.req until the restart

    def reset(self, payload):
        """The Reset.req handler: the answer goes out before anything is stopped."""
        if self.pending is not None:  # already on its way down
            return {"status": "Accepted"}
        self.pending = payload["type"]
        self._log("reset: %s reset accepted" % self.pending)
        if self._on_accepted is not None:
            self._on_accepted(self.pending)
        return {"status": "Accepted"}, self._restart

    async def _restart(self):
        kind = self.pending
        reason = "HardReset" if kind == HARD else "SoftReset"
        for connector_id in list(self._transactions.active):
            self._transactions.stop(connector_id, reason)
        waited_s = 0
        while not self._drained() and waited_s < DRAIN_S[kind]:
            await self._sleep(DRAIN_POLL_S)
            waited_s += DRAIN_POLL_S
        attempts = 1 + self._config.get("ResetRetries")
        for attempt in range(1, attempts + 1):
            self._log("reset: %s reset, attempt %d of %d" % (kind, attempt, attempts))
            self._board_reset(kind == HARD)
            await self._sleep(RETRY_S)
        self._log("reset: the board did not restart; %s reset given up" % kind)
        self.pending = None

    def register(self, handlers):
        handlers["Reset"] = self.reset
