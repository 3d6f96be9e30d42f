"""Reset (OCPP 1.6 section 5.14 and errata 3.36): answer Accepted, stop every transaction
with reason SoftReset / HardReset, let the StopTransaction and status messages go out for a
bounded time, then have the board restart (soft: the application, hard: all the hardware).

The board's reset does not return when it works. If it does, it is tried again after
RETRY_S, ResetRetries more times, then given up: the station goes on running and
charging may start again. That way down is loaded for it (firmware.core.restart).
"""
import asyncio

from firmware import on_demand
from firmware.config import INTEGER, Key

MAX_RESET_RETRIES = 10
RESTART = "firmware.core.restart"


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
        # The way down's coroutine holds its code: unloaded, the module stays until it ends.
        return {"status": "Accepted"}, lambda: on_demand.call(RESTART, "restart", self)

    def register(self, handlers):
        handlers["Reset"] = self.reset
