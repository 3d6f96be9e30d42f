"""Registration with the Central System: BootNotification as OCPP 1.6 section 4.2 says.

Sent once per boot (a reconnect without a restart does not repeat it). Until Accepted the
station sends no other request; after Pending or Rejected it waits `interval` seconds (its
own bounded choice when that is 0) before asking again, or less when TriggerMessage asks for
a BootNotification (ask_again).

Errata 3.35 lets a station reject TriggerMessage(BootNotification) only from an Accepted
BootNotification.conf "until the next reset/reboot/reconnect": on a new connection it is
accepted, and sent, until a BootNotification is accepted on that connection
(Home Assistant's OCPP integration asks so each time it restarts, to refresh the vendor,
model and firmware). Answered Pending or Rejected, the station is no longer registered:
section 4.2 again (no new transaction, nothing sent but BootNotification until accepted;
running transactions go on, their messages queued).
"""
import asyncio

from firmware import waits

NONE = "None"
PENDING = "Pending"
ACCEPTED = "Accepted"
REJECTED = "Rejected"

# Used when the Central System answers interval 0, or does not answer at all.
RETRY_WHEN_UNSPECIFIED_S = 30


class Registration:
    def __init__(self, *, call, clock, boot_payload, log, on_accepted, sleep=None):
        """`boot_payload()`: the BootNotification.req payload (the board's), made for each
        one sent rather than kept between them."""
        self._on_accepted = on_accepted
        self._asked = asyncio.Event()
        self._refused = asyncio.Event()
        self._call = call
        self._clock = clock
        self._boot_payload = boot_payload
        self._log = log
        self._sleep = sleep or self._until_asked
        self._wait_s = None  # before the next attempt; None: at once
        self.status = NONE
        self.accepted_on_connection = False

    @property
    def accepted(self):
        return self.status == ACCEPTED

    def connected(self):
        """A new connection: a triggered BootNotification is accepted again."""
        self.accepted_on_connection = False

    async def register(self):
        """Returns once the Central System has accepted this boot; retries as it asks."""
        while self.status != ACCEPTED:
            if self._wait_s is not None:
                await self._sleep(self._wait_s)
            self._wait_s = RETRY_WHEN_UNSPECIFIED_S
            await self._boot_notification()

    async def refused(self):
        """Returns when a triggered BootNotification was answered Pending or Rejected."""
        self._refused.clear()
        await self._refused.wait()

    def ask_again(self):
        """TriggerMessage(BootNotification), accepted: while not registered the next
        attempt goes now (or right after the answer to one on its way); once registered on
        an earlier connection, the follow-up that sends it now."""
        if self.status == ACCEPTED:
            return self._boot_notification()
        self._asked.set()
        return None

    async def _boot_notification(self):
        try:
            conf = await self._call("BootNotification", self._boot_payload())
        except Exception as error:  # CALLERROR, time-out, lost link: ask again later
            self._log("boot: no answer (%s: %s)" % (type(error).__name__, error))
            return
        was_accepted = self.accepted
        self.status = conf["status"]
        self._clock.set_iso8601(conf["currentTime"])
        if self.status == ACCEPTED:
            self.accepted_on_connection = True
            self._wait_s = None
            self._on_accepted(conf["interval"])
            self._log("boot: Accepted, heartbeat every %d s" % conf["interval"])
            return
        # A week or more is waited too (firmware.waits); 0 or less is not an interval.
        self._wait_s = conf["interval"] if conf["interval"] > 0 else RETRY_WHEN_UNSPECIFIED_S
        self._log("boot: %s, next attempt in %d s" % (self.status, self._wait_s))
        if was_accepted:
            self._refused.set()

    async def _until_asked(self, seconds):
        await waits.wait(self._asked, seconds)
        self._asked.clear()
