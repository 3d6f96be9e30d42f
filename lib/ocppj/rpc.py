"""Sans-I/O OCPP-J 1.6 RPC core: call correlation and dispatch of incoming CALLs.

No I/O, no clock, no asyncio: text goes in with `receive(text)`, which returns what
the adapter must do next:
  - None: nothing (the frame was dropped; it is logged and counted);
  - a `Reply`: send `reply.text`, then run `reply.follow_up` if it is not None;
  - a `Completed`: our outstanding CALL ended with `payload` or with `error`.
Outgoing CALLs are built with `call(action, payload, now_ms)`; only one may be
outstanding (OCPP-J 4.1.1). The response timeout is data: `remaining_ms(now_ms)` and
`poll(now_ms)`; an adapter that times the wait itself calls `abandon(error)` instead.

Handlers live in a plain dict, action -> handler(payload). A handler returns the
response payload dict, or a 2-tuple (payload, follow_up) where follow_up is a
callable taking no arguments, to be run after the reply has gone out (TriggerMessage
answers before the triggered message is sent). It may raise an OcppError to answer
with that CALLERROR code; any other exception, or a response that fails the schema
check, is answered with InternalError and logged, and the station keeps running.
"""
from ocppj import frames
from ocppj.check import check_request, check_response, is_action
from ocppj.errors import (
    STANDARD_CODES,
    CallErrorReceived,
    CallPending,
    InternalError,
    NotImplementedAction,
    NotSupported,
    OcppError,
    ResponseTimeout,
)


class Reply:
    """Send `text`, then call `follow_up()` when it is not None."""

    def __init__(self, text, follow_up=None):
        self.text = text
        self.follow_up = follow_up


class Completed:
    """Our outstanding CALL ended: with `payload`, or with `error` when it is not None."""

    def __init__(self, action, message_id, payload=None, error=None):
        self.action = action
        self.message_id = message_id
        self.payload = payload
        self.error = error


# handlers[ANY_ACTION](action), when present, gives the handler of an action the table does
# not list, or None: a service loaded on demand then costs the table nothing.
ANY_ACTION = "*"
# The kinds of Rpc.on_problem: the security events of the whitepaper's list for them.
INVALID_MESSAGES = "InvalidMessages"
MEMORY_EXHAUSTION = "MemoryExhaustion"


def _subtract(a, b):
    return a - b


def _quiet(*told):  # a log line, a problem: nobody listens
    pass


class Rpc:
    """One OCPP-J connection's RPC state.

    Counters: `malformed` (frames that did not decode), `unmatched` (responses with no
    outstanding CALL of that id), `call_errors_sent` (incoming CALLs answered with a
    CALLERROR) and `handler_errors` (handlers that raised or answered a bad payload).
    `on_problem(kind, text)` is told of each message that is not valid OCPP (a frame that
    does not decode, an unknown action, a payload its schema refuses; kind INVALID_MESSAGES)
    and of each handler that ran out of heap (MEMORY_EXHAUSTION): the kinds are the security
    events the whitepaper names for them, so a station can pass them on as they are.
    `log` takes one line of text (print fits). `ticks_diff` defaults to subtraction; pass time.ticks_diff on MicroPython so a
    wrapping ticks_ms clock works.
    """

    def __init__(self, handlers, log=None, response_timeout_ms=30000, check_outgoing=True,
                 check_results=True, new_id=None, ticks_diff=None):
        self.handlers = handlers
        self.response_timeout_ms = response_timeout_ms
        self.check_outgoing = check_outgoing
        self.check_results = check_results
        self._log = log or _quiet
        self._new_id = new_id or frames.new_message_id
        self._ticks_diff = ticks_diff or _subtract
        self.pending_id = None
        self.pending_action = None
        self._sent_ms = None
        self.malformed = 0
        self.unmatched = 0
        self.call_errors_sent = 0
        self.handler_errors = 0
        self.on_problem = _quiet

    def call(self, action, payload, now_ms=None):
        """Returns the CALL text to send. Raises CallPending while a CALL is
        outstanding, and the check's OcppError for a bad request payload. Without
        now_ms there is no deadline: the adapter times the wait itself."""
        if self.pending_id is not None:
            raise CallPending("%s %s is outstanding" % (self.pending_action, self.pending_id))
        if self.check_outgoing:
            check_request(action, payload)
        message_id = self._new_id()
        text = frames.encode_call(message_id, action, payload)
        self.pending_id = message_id
        self.pending_action = action
        self._sent_ms = now_ms
        return text

    def remaining_ms(self, now_ms):
        """Milliseconds left for the outstanding CALL (<= 0: timed out), None if none."""
        if self.pending_id is None or self._sent_ms is None:
            return None
        return self.response_timeout_ms - self._ticks_diff(now_ms, self._sent_ms)

    def poll(self, now_ms):
        """A Completed with ResponseTimeout once the outstanding CALL has timed out."""
        remaining = self.remaining_ms(now_ms)
        if remaining is None or remaining > 0:
            return None
        return self.abandon(ResponseTimeout(self.pending_action, self.pending_id))

    def abandon(self, error):
        """Ends the outstanding CALL with `error`; a late response will be dropped."""
        if self.pending_id is None:
            return None
        self._log("ocppj: %s %s failed: %r" % (self.pending_action, self.pending_id, error))
        return self._complete(None, error)

    def _complete(self, payload, error):
        done = Completed(self.pending_action, self.pending_id, payload, error)
        self.pending_id = None
        self.pending_action = None
        self._sent_ms = None
        return done

    def receive(self, text):
        try:
            message = frames.decode(text)
        except OcppError as e:
            return self._malformed(e)
        except (MemoryError, RuntimeError):
            # RuntimeError: CPython's RecursionError, a frame nested deeper than its json goes
            # (some 1,000 levels; on a board the same frame runs out of heap). Answered alike.
            return self._too_large(text)
        if message.message_type_id == frames.CALL:
            return self._dispatch(message)
        if self.pending_id is None or message.message_id != self.pending_id:
            self.unmatched += 1
            self._log("ocppj: dropped response to unknown id %s" % message.message_id)
            return None
        if message.message_type_id == frames.CALLERROR:
            return self._complete(None, CallErrorReceived(
                message.code, message.description, message.details, message.message_id))
        if self.check_results:
            try:
                check_response(self.pending_action, message.payload)
            except OcppError as e:
                self._log("ocppj: %s result rejected: %s %s"
                          % (self.pending_action, e.code, e.description))
                self.on_problem(INVALID_MESSAGES, "%s result: %s %s"
                                % (self.pending_action, e.code, e.description))
                e.message_id = message.message_id
                return self._complete(None, e)
        return self._complete(message.payload, None)

    def _malformed(self, error):
        self.malformed += 1
        self._log("ocppj: malformed frame: %s %s" % (error.code, error.description))
        self.on_problem(INVALID_MESSAGES, "frame: %s %s" % (error.code, error.description))
        if error.message_id is None:
            return None
        if error.message_type_id == frames.CALL:
            return self._call_error(error.message_id, error)
        # A broken answer to our CALL ends it now rather than at the timeout.
        answer = error.message_type_id == frames.CALLRESULT or error.message_type_id == frames.CALLERROR
        if answer and error.message_id == self.pending_id:
            return self._complete(None, error)
        return None

    def _too_large(self, text):
        """A frame the heap cannot decode now (json needs about twice its size beside it):
        a CALL still gets an answer, InternalError, its id read from the frame's start; an
        answer to our CALL ends that call now rather than at its timeout."""
        self.on_problem(MEMORY_EXHAUSTION, "a %d-character message" % len(text))
        self._log("ocppj: no room to decode a %d-character message" % len(text))
        opening = frames.head(text)
        if opening is None:
            return None
        type_id, message_id = opening
        error = InternalError("the message is too large for the heap now", None, message_id,
                              type_id)
        if type_id == frames.CALL:
            self.handler_errors += 1
            return self._call_error(message_id, error)
        if message_id == self.pending_id and type_id in (frames.CALLRESULT, frames.CALLERROR):
            return self._complete(None, error)
        return None

    def _call_error(self, message_id, error):
        self.call_errors_sent += 1
        return Reply(frames.encode_error(message_id, error.code, error.description, error.details))

    def _dispatch(self, message):
        action = message.action
        if not is_action(action):
            self.on_problem(INVALID_MESSAGES, "unknown action %s" % action)
            return self._call_error(message.message_id,
                                    NotImplementedAction("%s is not an OCPP 1.6 action" % action))
        handler = self.handlers.get(action)
        if handler is None and ANY_ACTION in self.handlers:
            handler = self.handlers[ANY_ACTION](action)
        if handler is None:
            return self._call_error(message.message_id, NotSupported("%s not supported" % action))
        try:
            check_request(action, message.payload)
        except OcppError as e:
            self.on_problem(INVALID_MESSAGES, "%s: %s %s" % (action, e.code, e.description))
            return self._call_error(message.message_id, e)
        try:
            result = handler(message.payload)
        except OcppError as e:
            if e.code in STANDARD_CODES and type(e) is not CallErrorReceived:
                return self._call_error(message.message_id, e)
            return self._handler_failed(message, e)
        except Exception as e:
            return self._handler_failed(message, e)
        follow_up = None
        if type(result) is tuple and len(result) == 2:
            result, follow_up = result
        try:
            check_response(action, result)
        except OcppError as e:
            return self._handler_failed(message, e)
        try:
            text = frames.encode_result(message.message_id, result)
        except MemoryError as e:  # too large for the heap as it is now: answer all the same
            return self._handler_failed(message, e)
        return Reply(text, follow_up)

    def _handler_failed(self, message, error):
        self.handler_errors += 1
        if type(error) is MemoryError:
            self.on_problem(MEMORY_EXHAUSTION, "answering %s" % message.action)
        self._log("ocppj: %s handler failed: %r" % (message.action, error))
        return self._call_error(message.message_id,
                                InternalError("%s could not be processed" % message.action))
