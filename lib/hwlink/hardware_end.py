"""The I/O controller's end of the link (docs/hwlink.md, "The I/O controller's end"),
sans-I/O like the controller's (hwlink/controller_end.py). It answers the controller's
requests from a model of the hardware, tells it at once when an input changes (EVENT),
keeps the reader's cards until the controller acknowledges them, and carries the service
commands of whoever drives the hardware (a test, a control port) to the controller.

It is the fail-safe side: every output goes off at HELLO (a controller that starts again
drives nothing it did not ask for since), when the controller's end is lost, and when the
controller has said nothing valid for `silence_ms`.

The model has: serials() (each connector's meter serial number or None), status() (a
messages.Status without the card fields), set_output(connector_id, on, limit_w) returning
(on, limit_w) as applied, and all_off().
"""
import os

from hwlink import messages as m
from hwlink.framing import FrameDecoder, encode_frame

# Longer than a controller's event loop may stall for (a TLS handshake on a microcontroller
# takes seconds) and no longer than the firmware's own bound on a stalled hardware watcher
# (firmware/supervisor.py: 5 s); the controller finds a dead link much sooner.
SILENCE_MS = 5000
CARDS_MAX = 4  # unread cards the reader holds
ASKS_MAX = 4  # service commands outstanding
MAX_BODY = 1100  # the largest frame from the controller: a COMMAND_REPLY
REPLY_TEXT_MAX = 1024
_SEQ_LAST = 255


class HardwareEnd:
    def __init__(self, model, ticks_diff, silence_ms=SILENCE_MS, boot_id=None):
        self._model = model
        # Cards are numbered from 1 at every start: the controller tells a restart by this.
        self.boot_id = int.from_bytes(os.urandom(2), "big") if boot_id is None else boot_id
        self._ticks_diff = ticks_diff
        self._silence_ms = silence_ms
        self._decoder = FrameDecoder(MAX_BODY)
        self._out = bytearray()
        self.session = False  # a controller said HELLO and has not gone silent since
        self._heard_ms = None
        self._cards = []  # [card number, id tag], oldest first, not yet acknowledged
        self._card_no = 0
        self._seq = 0
        self.answers = {}  # seq -> the reply text of a service command, None until it comes
        self.fail_safes = 0  # sessions ended by silence or loss, outputs switched off
        self.errors = 0  # requests refused and payloads that did not decode

    # ---- what the hardware does --------------------------------------------------------

    def tap(self, tag):
        """A card at the reader; False when it holds CARDS_MAX unread already."""
        if len(self._cards) >= CARDS_MAX:
            return False
        self._card_no = self._card_no % _SEQ_LAST + 1
        self._cards.append([self._card_no, tag])
        self.inputs_changed()
        return True

    def inputs_changed(self):
        """An input changed (cable, fault, EV demand, emergency stop): tells the controller."""
        if self.session:
            self._send(m.EVENT, 0, self._status())

    def send_command(self, text):
        """Sends a service command; returns its seq (its reply appears in `answers`), or
        None when ASKS_MAX are outstanding or no controller is in session."""
        if len(self.answers) >= ASKS_MAX or not self.session:
            return None
        self._seq = self._seq % _SEQ_LAST + 1
        self.answers[self._seq] = None
        self._send(m.COMMAND, self._seq, m.encode_text(text))
        return self._seq

    def lost(self):
        """The controller's end went away (its connection closed)."""
        self._end_session()

    def counters(self):
        decoder = self._decoder
        return {"frames": decoder.frames, "corrupt": decoder.corrupt,
                "oversized": decoder.oversized, "failSafes": self.fail_safes,
                "errors": self.errors}

    # ---- I/O ---------------------------------------------------------------------------

    def receive_data(self, data, now_ms):
        for kind, seq, payload in self._decoder.receive_data(data):
            self._heard_ms = now_ms
            try:
                self._on_frame(kind, seq, payload)
            except ValueError:
                if kind & m.REPLY:  # a reply is never answered
                    self.errors += 1
                else:
                    self._refuse(seq, m.ERROR_BAD_PAYLOAD)

    def data_to_send(self):
        out = self._out
        self._out = bytearray()
        return out

    def poll(self, now_ms):
        """Ends a session the controller has been silent in for silence_ms."""
        if self.session and self._ticks_diff(now_ms, self._heard_ms) >= self._silence_ms:
            self._end_session()

    # ---- frames ------------------------------------------------------------------------

    def _on_frame(self, kind, seq, payload):
        if kind == m.HELLO:
            version = m.decode_hello(payload)
            self._model.all_off()
            self.session = version == m.VERSION
            self._send(m.HELLO_REPLY, seq, m.encode_hello_reply(self._model.serials(),
                                                                 self.boot_id))
        elif kind == m.COMMAND_REPLY or kind == m.ERROR:
            if seq in self.answers and self.answers[seq] is None:
                self.answers[seq] = m.decode_text(payload) if kind == m.COMMAND_REPLY else \
                    '{"ok": false, "error": "the controller refused the command"}'
        elif kind & m.REPLY:
            pass  # a reply to nothing asked: dropped
        elif kind not in (m.POLL, m.OUTPUT):
            self._refuse(seq, m.ERROR_UNKNOWN_KIND)
        elif not self.session:
            self._refuse(seq, m.ERROR_HELLO_FIRST)
        elif kind == m.POLL:
            card_ack = m.decode_poll(payload)
            if self._cards and self._cards[0][0] == card_ack:
                self._cards.pop(0)
            self._send(m.STATUS, seq, self._status())
        else:
            connector_id, on, limit_w = m.decode_output(payload)
            if not 1 <= connector_id <= len(self._model.serials()):
                self._refuse(seq, m.ERROR_NO_CONNECTOR)
                return
            on, limit_w = self._model.set_output(connector_id, on, limit_w)
            self._send(m.OUTPUT_REPLY, seq, m.encode_output(connector_id, on, limit_w))

    def _status(self):
        status = self._model.status()
        if self._cards:
            status.card_no, status.tag = self._cards[0]
        return m.encode_status(status)

    def _refuse(self, seq, code):
        self.errors += 1
        self._send(m.ERROR, seq, bytes((code,)))

    def _end_session(self):
        if self.session:
            self.fail_safes += 1
        self.session = False
        self._model.all_off()
        for seq in self.answers:
            if self.answers[seq] is None:
                self.answers[seq] = '{"ok": false, "error": "the controller is gone"}'

    def _send(self, kind, seq, payload):
        self._out += encode_frame(kind, seq, payload)
