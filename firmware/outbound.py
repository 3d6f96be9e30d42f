"""The outbound queue: the station's own messages that wait for delivery -- transaction
messages, status notifications, security events -- go out through one sender, under one
retry policy chosen by the type of each message (docs/outbound.md).

Each kind keeps its messages where it must (the transaction journal in flash, the status
outbox in RAM, the security log) as a *lane*: an object with `head()` (the next message,
or None), `request(message)` ((action, payload) to send, or None when it cannot be made:
given up), `settle(message, answer)` (delivered with the answer, or given up with None)
and `wake`, the Event it sets when it has something new; the status lane also tells
`due_ms`, the ms until a held status is due. The sender takes the lanes' heads in turn,
one message each, so no lane waits behind another's retries, and each keeps its order.

The retry policy (allowed_failures; docs/outbound.md has the table and its sources): a
transaction message keeps OCPP 1.6 3.7.1's rule -- every CALLERROR counts, it is tried again
after TransactionMessageRetryInterval times the failures so far and skipped after
TransactionMessageAttempts of them; a lost link or a time-out does not count. A
notification refused for what it is (NotImplemented, NotSupported, a malformed payload) is
given up at once; one the Central System may yet process (GenericError, InternalError, no
answer in time, ...) gets the same bounded retries as a transaction message.
"""
import asyncio

from firmware import waits
from firmware.config import INTEGER, Key
from ocppj.errors import CallErrorReceived, OcppError, ResponseTimeout

# Not the message's fault (the link did not carry it): again after this long, not counted.
RETRY_S = 5
MAX_ATTEMPTS_LIMIT = 10
# The defaults of TransactionMessageAttempts and TransactionMessageRetryInterval.
ATTEMPTS = 3
RETRY_INTERVAL_S = 10
TRANSACTION_ACTIONS = ("StartTransaction", "StopTransaction", "MeterValues")
# The OCPP-J 1.6 error codes (table 7) that describe the message itself, so the same
# message gets the same answer; with the errata's and OCPP 2.0.1's spellings of them.
INCURABLE = ("NotImplemented", "NotSupported", "ProtocolError", "FormationViolation",
             "FormatViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
             "OccurrenceConstraintViolation", "TypeConstraintViolation",
             "MessageTypeNotSupported")


def allowed_failures(action, error, attempts):
    """How many failures like `error` (what the call raised) `action` may have before it is
    given up; None: this one does not count. `attempts`: TransactionMessageAttempts."""
    transaction = action in TRANSACTION_ACTIONS
    if not isinstance(error, OcppError):  # no link; no answer in time
        return attempts if type(error) is ResponseTimeout and not transaction else None
    if transaction:  # OCPP 1.6 3.7.1: skipped only when refused "repeatedly"
        return attempts
    if type(error) is CallErrorReceived:
        return 1 if error.code in INCURABLE else attempts
    # Refused by our own check before it was sent (an answer that fails its check carries
    # the id of the CALL it answers): sent again, it would be refused again.
    return 1 if error.message_id is None else attempts


def keys():
    """The retry keys, the configuration's maker of them: made at boot to declare them and
    again when the configuration needs them, so that in between only their values take heap."""
    return (Key("TransactionMessageAttempts", INTEGER, ATTEMPTS, minimum=1,
                maximum=MAX_ATTEMPTS_LIMIT),
            Key("TransactionMessageRetryInterval", INTEGER, RETRY_INTERVAL_S, minimum=1,
                maximum=3600))


def _sending(call, lane, message):
    """(action, the coroutine of its call) for the lane's request of `message`, None for none.
    Made here, not in Outbound._deliver: the payload is then held by the call alone, which
    lets it go once its frame is made, not by the coroutine that awaits the answer (a lane
    makes it again to send it again)."""
    request = lane.request(message)
    if request is None:
        return None
    return request[0], call(request[0], request[1])


class _Entry:
    """A lane, its head as last seen, and that head's failures and wait to be tried again."""

    def __init__(self, lane):
        self.lane = lane
        self.message = None
        self.attempts = 0
        self.since_ms = 0
        self.due_ms = 0  # after since_ms
        self.sending = False  # its head is on its way: no other sender takes it


class Outbound:
    def __init__(self, *, log, ticks_ms, ticks_diff, config=None, wait=waits.wait):
        """`config` declares the retry keys; `wait(event, seconds)`: waits.wait (tests pass
        one on fake time)."""
        self._log = log
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._wait = wait
        self.wake = asyncio.Event()
        self._entries = []  # in turn: the one served last goes to the end
        self._sender = 0  # the number of the latest send_forever: the only one that goes on
        self._config = config
        if config is not None:
            for key in keys():
                config.declare(key, keys)

    def _policy(self):
        """(TransactionMessageAttempts, TransactionMessageRetryInterval): the keys' values,
        or their defaults without a configuration."""
        config = self._config
        if config is None:
            return ATTEMPTS, RETRY_INTERVAL_S
        return config.get("TransactionMessageAttempts"), \
            config.get("TransactionMessageRetryInterval")

    def add(self, lane):
        lane.wake = self.wake
        self._entries.append(_Entry(lane))

    def attempts(self, lane):
        """How often the head of `lane` has failed so far."""
        for entry in self._entries:
            if entry.lane is lane and entry.message is lane.head():
                return entry.attempts
        return 0

    async def send_forever(self, call):
        """Delivers every lane's messages through `call` until cancelled, or until a newer
        one starts. A cancellation can be lost (CPython 3.11's wait_for drops one that comes
        as the wait it times ends, e.g. as a lost link fails the call): the sender that
        missed it ends at its next turn, and meanwhile takes no head the other sends."""
        self._sender += 1
        me = self._sender
        while me == self._sender:
            entry, wait_ms = self._next()
            if entry is None:
                self.wake.clear()
                await self._wait(self.wake, None if wait_ms is None else wait_ms / 1000)
                continue
            self._entries.remove(entry)
            self._entries.append(entry)
            await self._deliver(call, entry)

    def _next(self):
        """The entry whose head may go now; else (None, ms until one may, or None)."""
        now_ms = self._ticks_ms()
        soonest_ms = None
        for entry in self._entries:
            if entry.sending:
                continue
            message = entry.lane.head()
            if message is None:
                left_ms = getattr(entry.lane, "due_ms", None)
            else:
                if message is not entry.message:  # a new head: no failures yet
                    entry.message, entry.attempts, entry.due_ms = message, 0, 0
                left_ms = entry.due_ms - self._ticks_diff(now_ms, entry.since_ms)
                if left_ms <= 0:
                    return entry, None
            if left_ms is not None and (soonest_ms is None or left_ms < soonest_ms):
                soonest_ms = left_ms
        return None, soonest_ms

    async def _deliver(self, call, entry):
        entry.sending = True
        try:
            await self._deliver_head(call, entry)
        finally:
            entry.sending = False
            self.wake.set()  # another sender may be waiting for this lane

    async def _deliver_head(self, call, entry):
        message = entry.message
        try:
            sending = _sending(call, entry.lane, message)
        except Exception as error:  # no heap, a flash read failed: one lane must not stop all
            self._log("outbound: a message not made (%s: %s)" % (type(error).__name__, error))
            self._again(entry, RETRY_S)
            return
        answer = None
        if sending is not None:
            action, waiting = sending
            try:
                answer = await waiting
            except Exception as error:  # asyncio's CancelledError is not one: it ends here
                attempts, retry_interval_s = self._policy()
                allowed = allowed_failures(action, error, attempts)
                reason = "%s: %s" % (type(error).__name__, error)
                if allowed is None:
                    self._log("outbound: %s not delivered, tried again (%s)" % (action, reason))
                    self._again(entry, RETRY_S)
                    return
                entry.attempts += 1
                if entry.attempts < allowed:
                    self._log("outbound: %s failure %d of %d, tried again (%s)"
                              % (action, entry.attempts, allowed, reason))
                    self._again(entry, retry_interval_s * entry.attempts)
                    return
                self._log("outbound: %s given up after %d failure(s) (%s)"
                          % (action, entry.attempts, reason))
        entry.message = None
        try:
            entry.lane.settle(message, answer)
        except Exception as error:  # its head stays: sent again, at least once
            self._log("outbound: a message not settled (%s: %s)" % (type(error).__name__,
                                                                     error))

    def _again(self, entry, seconds):
        entry.since_ms = self._ticks_ms()
        entry.due_ms = seconds * 1000
