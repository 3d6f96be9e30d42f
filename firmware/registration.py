"""Registration with the Central System: BootNotification as OCPP 1.6 section 4.2 says.

Sent once per boot (a reconnect without a restart does not repeat it). Until Accepted the
station sends no other request; after Pending or Rejected it waits `interval` seconds (its
own bounded choice when that is 0) before asking again, or less when TriggerMessage asks for
a BootNotification (ask_again).
"""
import asyncio

NONE = "None"
PENDING = "Pending"
ACCEPTED = "Accepted"
REJECTED = "Rejected"

# Used when the Central System answers interval 0, or does not answer at all.
RETRY_WHEN_UNSPECIFIED_S = 30


class Registration:
    def __init__(self, call, clock, boot_payload, log, on_accepted, sleep=None):
        self._on_accepted = on_accepted
        self._asked = asyncio.Event()
        self._call = call
        self._clock = clock
        self._boot_payload = boot_payload
        self._log = log
        self._sleep = sleep or self._until_asked
        self.status = NONE

    @property
    def accepted(self):
        return self.status == ACCEPTED

    async def register(self):
        """Returns once the Central System has accepted this boot; retries as it asks."""
        while self.status != ACCEPTED:
            retry_s = RETRY_WHEN_UNSPECIFIED_S
            try:
                conf = await self._call("BootNotification", self._boot_payload)
            except Exception as error:  # CALLERROR, time-out, lost link: ask again later
                self._log("boot: no answer (%s: %s)" % (type(error).__name__, error))
            else:
                self.status = conf["status"]
                self._clock.set_iso8601(conf["currentTime"])
                if conf["interval"] > 0:
                    retry_s = conf["interval"]
                if self.status == ACCEPTED:
                    self._on_accepted(conf["interval"])
                    self._log("boot: Accepted, heartbeat every %d s" % conf["interval"])
                    return
                self._log("boot: %s, next attempt in %d s" % (self.status, retry_s))
            await self._sleep(retry_s)

    def ask_again(self):
        """TriggerMessage(BootNotification) while not accepted: the next attempt goes now,
        or right after the answer to one on its way."""
        self._asked.set()

    async def _until_asked(self, seconds):
        try:
            await asyncio.wait_for(self._asked.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        self._asked.clear()
