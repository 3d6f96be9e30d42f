"""Keeps the station's background tasks running, and feeds the board's watchdog only while
the event loop runs and the station watches its hardware.

One task of its own does both, every CHECK_S: a kept task that has ended -- it raised
(the exception goes to the log through the event loop's exception handler, set here), or
returned although it runs for ever -- is counted, logged and started again after
RESTART_DELAY_S, twice as long after each end that came within STABLE_S of its start, up to
RESTART_DELAY_MAX_S, so a task that fails at once every time neither floods the log nor
takes the loop. A list entry per task, no coroutine of its own: the heap is the board's
scarcest resource.

The watchdog (the board's optional `feed_watchdog()`) is fed only while the hardware watcher
reported a pass (`progress()`) within PROGRESS_MAX_S: a blocked or starved event loop feeds
nothing, and a watcher that fails on every pass (inputs no longer read, outputs no longer
switched off on a fault) stops the feeding too -- the board's watchdog then restarts the
controller, which leaves the power off. A task that fails elsewhere (sampling, a sender)
is only restarted: a restart of the board would stop every running transaction for it.
"""
import asyncio

CHECK_S = 1
PROGRESS_MAX_S = 5
RESTART_DELAY_S = 1
RESTART_DELAY_MAX_S = 64
STABLE_S = 60
_NAME, _MAKE, _TASK, _DELAY_S, _SINCE_MS = 0, 1, 2, 3, 4


class Supervisor:
    def __init__(self, *, log, ticks_ms, ticks_diff, feed=None, sleep=asyncio.sleep):
        """`feed`: the board's feed_watchdog, or None when it has none."""
        self._log = log
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._feed = feed
        self._sleep = sleep
        self._kept = []  # [name, make, task (None: waiting to start again), delay, since]
        self._progress_ms = ticks_ms()
        self._feed_failing = False
        self.restarts = 0  # kept tasks started again, since the start
        self.feeds = 0

    def keep(self, name, make):
        """Runs make()'s coroutine as a task, and again each time it ends, until drop()."""
        entry = [name, make, asyncio.create_task(make()), RESTART_DELAY_S, self._ticks_ms()]
        self._kept.append(entry)
        return entry

    def drop(self, entry):
        if entry[_TASK] is not None:
            entry[_TASK].cancel()
        self._kept.remove(entry)

    def progress(self):
        """The hardware watcher completed a pass."""
        self._progress_ms = self._ticks_ms()

    def healthy(self):
        return self._ticks_diff(self._ticks_ms(), self._progress_ms) <= PROGRESS_MAX_S * 1000

    async def run(self):
        asyncio.get_event_loop().set_exception_handler(self._task_failed)
        while True:
            self.check()
            if self._feed is not None and self.healthy():
                self._feed_once()
            await self._sleep(CHECK_S)

    def check(self):
        """Starts again what ended, once its delay is over."""
        now_ms = self._ticks_ms()
        for entry in self._kept:
            task = entry[_TASK]
            if task is None:
                if self._ticks_diff(now_ms, entry[_SINCE_MS]) >= entry[_DELAY_S] * 1000:
                    entry[_DELAY_S] = min(2 * entry[_DELAY_S], RESTART_DELAY_MAX_S)
                    entry[_TASK] = asyncio.create_task(entry[_MAKE]())
                    entry[_SINCE_MS] = now_ms
            elif task.done():
                self.restarts += 1
                if self._ticks_diff(now_ms, entry[_SINCE_MS]) >= STABLE_S * 1000:
                    entry[_DELAY_S] = RESTART_DELAY_S
                self._log("supervisor: %s ended; restarted in %d s" % (entry[_NAME],
                                                                      entry[_DELAY_S]))
                entry[_TASK] = None
                entry[_SINCE_MS] = now_ms

    def _task_failed(self, loop, context):
        error = context.get("exception")
        self._log("supervisor: a task raised %s: %s" % (type(error).__name__, error))

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
