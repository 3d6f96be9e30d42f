"""The station controller's end of the link (docs/hwlink.md, "The controller's end"),
sans-I/O: bytes in with receive_data(), bytes out from data_to_send(), time passed in as
millisecond ticks. It opens a session (HELLO), polls the inputs and readings, keeps each
output at what the controller wants, takes the reader's cards, answers the I/O controller's
service commands, and says whether the link is up.

One request is outstanding at a time; a reply is matched by its sequence number, a late one
is dropped. A request unanswered after `response_timeout_ms` is a miss, and
`misses_for_down` misses in a row take the link down: counting misses, rather than time
since the last reply, keeps a controller whose event loop stalled (a TLS handshake) from
taking that stall for a dead link. While down, HELLO is tried again and again; the I/O
controller switches every output off at HELLO, and the outputs wanted are sent again after it.
"""
from hwlink import messages as m
from hwlink.framing import FrameDecoder, encode_frame

POLL_INTERVAL_MS = 250
RESPONSE_TIMEOUT_MS = 150
MISSES_FOR_DOWN = 3
CARDS_MAX = 4  # cards taken and not yet read; more wait on the I/O controller's side
COMMANDS_MAX = 2  # service commands waiting for the controller
MAX_BODY = 512  # the largest frame from the I/O controller: a STATUS of CONNECTORS_MAX
_SEQ_LAST = 255  # request numbers run 1..255; 0 is an EVENT's


class ControllerEnd:
    def __init__(self, connector_count, ticks_diff, poll_interval_ms=POLL_INTERVAL_MS,
                 response_timeout_ms=RESPONSE_TIMEOUT_MS, misses_for_down=MISSES_FOR_DOWN):
        self._count = connector_count
        self._ticks_diff = ticks_diff
        self._poll_interval_ms = poll_interval_ms
        self._response_timeout_ms = response_timeout_ms
        self._misses_for_down = misses_for_down
        self._decoder = FrameDecoder(MAX_BODY)
        self._out = bytearray()
        self.up = False  # in session, its first STATUS in, the I/O controller answering
        self.changed = False  # an input, a card or `up` changed: for the caller to clear
        self.status = None  # the last Status received (inputs and readings), None before any
        self.serials = [None] * connector_count  # the meters', from HELLO
        # Per connector: [on, limit W] wanted, and as the I/O controller holds it (None:
        # not known, so sent again).
        self._wanted = [[False, None] for _ in range(connector_count)]
        self._held = [None] * connector_count
        self._session = False  # HELLO answered
        self._seq = 0
        self._request = None  # [seq, kind] outstanding
        self._sent_ms = 0
        self._polled_ms = None
        self._poll_now = True
        # After an ERROR: nothing sent for a poll interval from then (ticks wrap: no sums).
        self._quiet_from_ms = None
        self._misses = 0
        # The number of the last card taken, and the I/O controller's boot it is of: kept
        # across sessions, so a card whose acknowledgement a link loss cut off is not taken
        # twice; from 0 when the I/O controller restarted (its numbers start again).
        self._card_taken = 0
        self._boot_id = None
        self.cards = []  # id tags taken, oldest first, for the controller to read
        self.commands = []  # [seq, text] service commands, for the controller to carry out
        self.why_down = "no session yet"
        # Counters, for the console and the tests.
        self.timeouts = 0
        self.errors = 0  # ERROR replies and payloads that did not decode
        self.stale = 0  # replies to a request given up on, or to none
        self.round_trip_ms = None  # of the last request answered

    # ---- what the controller does ----------------------------------------------------------

    def set_output(self, connector_id, on=None, limit_w=False):
        """Wants the output on or off (`on`) and/or its limit (`limit_w`, None for none)."""
        wanted = self._wanted[connector_id - 1]
        if on is not None:
            wanted[0] = bool(on)
        if limit_w is not False:
            wanted[1] = limit_w

    def confirmed(self, connector_id):
        """The output is as wanted, as the I/O controller last said."""
        return self._held[connector_id - 1] == self._wanted[connector_id - 1]

    def reply_command(self, seq, text):
        self._send(m.COMMAND_REPLY, seq, m.encode_text(text))

    def counters(self):
        decoder = self._decoder
        return {"frames": decoder.frames, "corrupt": decoder.corrupt,
                "oversized": decoder.oversized, "timeouts": self.timeouts,
                "errors": self.errors, "stale": self.stale,
                "roundTripMs": self.round_trip_ms}

    # ---- I/O ---------------------------------------------------------------------------

    def receive_data(self, data, now_ms):
        for kind, seq, payload in self._decoder.receive_data(data):
            try:
                self._on_frame(kind, seq, payload, now_ms)
            except ValueError:  # a payload that is not what its kind says
                self.errors += 1
                if kind == m.COMMAND:
                    self._send(m.ERROR, seq, bytes((m.ERROR_BAD_PAYLOAD,)))

    def awaits_reply(self):
        """A request is out and its reply has not come whole: bytes that arrive meanwhile
        give the driver nothing to do (a UART hands them over a few at a time)."""
        return self._request is not None and not self.commands and not self._out

    def data_to_send(self):
        out = self._out
        self._out = bytearray()
        return out

    def poll(self, now_ms):
        """Times out the outstanding request, and sends the next one that is due."""
        if self._request is not None:
            if self._ticks_diff(now_ms, self._sent_ms) < self._response_timeout_ms:
                return
            self._request = None
            self._poll_now = True  # asked again at once: a lost frame costs no interval
            self.timeouts += 1
            self._misses += 1
            if self._misses >= self._misses_for_down:
                self._misses = 0
                self._down("no answer to %d requests" % self._misses_for_down)
        if self._quiet_from_ms is not None:
            if self._ticks_diff(now_ms, self._quiet_from_ms) < self._poll_interval_ms:
                return
            self._quiet_from_ms = None
        if not self._session:
            self._request_now(m.HELLO, m.encode_hello(), now_ms)
            return
        for i in range(self._count):
            wanted = self._wanted[i]
            if self._held[i] != wanted:
                self._request_now(m.OUTPUT, m.encode_output(i + 1, wanted[0], wanted[1]),
                                  now_ms)
                return
        if self._poll_now or self._polled_ms is None or \
                self._ticks_diff(now_ms, self._polled_ms) >= self._poll_interval_ms:
            self._poll_now = False
            self._polled_ms = now_ms
            self._request_now(m.POLL, m.encode_poll(self._card_taken), now_ms)

    def wait_ms(self, now_ms):
        """How long poll() has nothing to do, at most: the caller may sleep that long unless
        bytes arrive or an output is wanted otherwise."""
        if self._request is not None:
            return max(0, self._response_timeout_ms - self._ticks_diff(now_ms, self._sent_ms))
        if self._quiet_from_ms is not None:
            return max(0, self._poll_interval_ms - self._ticks_diff(now_ms, self._quiet_from_ms))
        if not self._session or self._poll_now or self._polled_ms is None:
            return 0
        for i in range(self._count):
            if self._held[i] != self._wanted[i]:
                return 0
        return max(0, self._poll_interval_ms - self._ticks_diff(now_ms, self._polled_ms))

    # ---- frames ------------------------------------------------------------------------

    def _on_frame(self, kind, seq, payload, now_ms):
        if kind == m.EVENT:
            if self._session:
                self._take_status(m.decode_status(payload))
            return
        if kind == m.COMMAND:
            if len(self.commands) >= COMMANDS_MAX:
                self._send(m.ERROR, seq, bytes((m.ERROR_BUSY,)))
            else:
                self.commands.append([seq, m.decode_text(payload)])
            return
        if not kind & m.REPLY:  # a request the controller does not serve
            self._send(m.ERROR, seq, bytes((m.ERROR_UNKNOWN_KIND,)))
            return
        request = self._request
        if request is None or seq != request[0]:
            self.stale += 1
            return
        self._request = None
        self._misses = 0
        self.round_trip_ms = self._ticks_diff(now_ms, self._sent_ms)
        if kind == m.ERROR:
            self._refused(m.decode_error(payload), now_ms)
        elif kind != request[1] | m.REPLY:
            self.errors += 1
        elif kind == m.HELLO_REPLY:
            self._hello(payload, now_ms)
        elif kind == m.STATUS:
            self._take_status(m.decode_status(payload))
        elif kind == m.OUTPUT_REPLY:
            connector_id, on, limit_w = m.decode_output(payload)
            if 1 <= connector_id <= self._count:
                self._held[connector_id - 1] = [on, limit_w]

    def _hello(self, payload, now_ms):
        version, boot_id, serials = m.decode_hello_reply(payload)
        if version != m.VERSION or len(serials) != self._count:
            self.errors += 1
            self.why_down = "the I/O controller speaks version %d with %d connectors" % (
                version, len(serials))
            self._quiet_from_ms = now_ms
            return
        self.serials = serials
        self._session = True
        self._held = [[False, None] for _ in range(self._count)]  # HELLO switched them off
        if boot_id != self._boot_id:
            self._boot_id = boot_id
            self._card_taken = 0
        self._poll_now = True  # up once the first STATUS of the session is in

    def _refused(self, code, now_ms):
        self.errors += 1
        if code == m.ERROR_HELLO_FIRST:
            # The I/O controller lost the session (it restarted, or heard nothing for too
            # long) and switched every output off: the controller must hear of that.
            self._down("the I/O controller ended the session")
            return
        # Anything else would be refused again at once: wait a poll interval first.
        self._quiet_from_ms = now_ms

    def _take_status(self, status):
        if len(status.connectors) != self._count:
            raise ValueError("connector count")
        old = self.status
        self.status = status
        if not self.up:
            self.up = True
            self.changed = True
        if old is None or old.emergency_stop != status.emergency_stop:
            self.changed = True
        else:
            for before, now in zip(old.connectors, status.connectors):
                if before.plugged != now.plugged or before.fault != now.fault or \
                        before.ev_demand != now.ev_demand:
                    self.changed = True
        for i, connector in enumerate(status.connectors):
            self._held[i] = [connector.output_on, connector.limit_w]
        if status.card_no and status.card_no != self._card_taken \
                and len(self.cards) < CARDS_MAX:
            self.cards.append(status.tag)
            self._card_taken = status.card_no
            self._poll_now = True  # acknowledges it, and brings the next
            self.changed = True

    # ---- sending -----------------------------------------------------------------------

    def _request_now(self, kind, payload, now_ms):
        self._seq = self._seq % _SEQ_LAST + 1
        self._request = [self._seq, kind]
        self._sent_ms = now_ms
        self._send(kind, self._seq, payload)

    def _send(self, kind, seq, payload):
        self._out += encode_frame(kind, seq, payload)

    def _down(self, why):
        self._session = False
        self._held = [None] * self._count
        self.why_down = why
        if self.up:
            self.up = False
            self.changed = True
