"""Keeps the station's background tasks running, and feeds the board's watchdog only while
the event loop runs and the station watches its hardware.

A kept task that ends -- it raised, or returned although it runs for ever -- is logged,
counted and started again: after RESTART_DELAY_S, twice as long after each end that came
within STABLE_S of its start, up to RESTART_DELAY_MAX_S, so a task that fails at once every
time neither floods the log nor takes the loop.

The watchdog (the board's optional `feed_watchdog()`) is fed every FEED_INTERVAL_S by a task
of its own, and only while the hardware watcher reported a pass (`progress()`) within
PROGRESS_MAX_S: a blocked or starved event loop runs neither, and a watcher that fails on
every pass (inputs no longer read, outputs no longer switched off on a fault) stops the
feeding too -- the board's watchdog then restarts the controller, which leaves the power
off. A task that fails elsewhere (sampling, a sender) is only restarted: a restart of the
board would stop every running transaction for it.
"""
import asyncio

FEED_INTERVAL_S = 1
PROGRESS_MAX_S = 5
RESTART_DELAY_S = 1
RESTART_DELAY_MAX_S = 64
STABLE_S = 60


class Supervisor:
    def __init__(self, log, ticks_ms, ticks_diff, feed=None, sleep=asyncio.sleep):
        """`feed`: the board's feed_watchdog, or None when it has none."""
        self._log = log
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._feed = feed
        self._sleep = sleep
        self._progress_ms = ticks_ms()
        self._feed_failing = False
        self.restarts = 0  # kept tasks started again, since the start
        self.feeds = 0

    def keep(self, name, make):
        """Runs make()'s coroutine as a task and again each time it ends; returns the task,
        which is cancelled to stop it for good."""
        return asyncio.create_task(self._keep(name, make))

    async def _keep(self, name, make):
        delay_s = RESTART_DELAY_S
        while True:
            started_ms = self._ticks_ms()
            try:
                await make()
                reason = "returned"
            except Exception as error:  # CancelledError is not one: cancelling ends it
                reason = "%s: %s" % (type(error).__name__, error)
            self.restarts += 1
            if self._ticks_diff(self._ticks_ms(), started_ms) >= STABLE_S * 1000:
                delay_s = RESTART_DELAY_S
            self._log("supervisor: %s ended (%s); restarted in %d s" % (name, reason, delay_s))
            await self._sleep(delay_s)
            delay_s = min(2 * delay_s, RESTART_DELAY_MAX_S)

    def progress(self):
        """The hardware watcher completed a pass."""
        self._progress_ms = self._ticks_ms()

    def healthy(self):
        return self._ticks_diff(self._ticks_ms(), self._progress_ms) <= PROGRESS_MAX_S * 1000

    async def feed_forever(self):
        while True:
            if self._feed is not None and self.healthy():
                self._feed_once()
            await self._sleep(FEED_INTERVAL_S)

    def _feed_once(self):
        try:
            self._feed()
        except Exception as error:  # the board's: logged once, tried again next time
            if not self._feed_failing:
                self._log("board: feed_watchdog() raised %s: %s" % (type(error).__name__,
                                                                    error))
            self._feed_failing = True
            return
        self._feed_failing = False
        self.feeds += 1
