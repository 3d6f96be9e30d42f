"""What every reader's `poll()` does around the chip's own work: a card found counts as a tap
once per presentation (taps.py), and a chip that fails `fail_after` polls in a row is
`failed` -- the board reports ReaderFailure -- until a poll works again; one glitch on the
bus does not fault the station. A driver subclasses Reader and gives `_cards()`, the UIDs
in the field now (raising ReaderError or OSError when the chip does not answer as it
should), and `_lost()`, called after such a failure (set the chip up again next time).
"""
from rfid.iso14443a import uid_hex
from rfid.taps import Taps


class ReaderError(Exception):
    """The chip does not answer as it should: a failed reader, not a card's error."""


class Reader:
    def __init__(self, *, absent_polls, capacity, fail_after):
        self.taps = Taps(absent_polls=absent_polls, capacity=capacity)
        self._fail_after = fail_after
        self.failed = False
        self.error = None  # why the last poll failed, for the log; None after a good one
        self.failed_polls = 0  # in a row

    def poll(self):
        """The idTag of a card presented since the last poll, or None. Never raises for the
        chip or a card."""
        try:
            tap = self.taps.update(self._cards())
        except (ReaderError, OSError) as error:  # OSError: the bus (no I2C acknowledge)
            self._lost()
            self.failed_polls += 1
            self.error = "%s: %s" % (type(error).__name__, error)
            if self.failed_polls >= self._fail_after:
                self.failed = True
            return None
        self.failed_polls = 0
        self.failed = False
        self.error = None
        return None if tap is None else uid_hex(tap)
