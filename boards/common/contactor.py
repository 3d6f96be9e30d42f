"""A DC output contactor driven by a pin, watched through its auxiliary (mirror) contact.

After each command the contact has `settle_ms` to follow (a DC contactor closes in tens of
milliseconds; the default leaves room for its coil and the debounce). Once settled, a feedback
that says closed while the drive is off is a welded contactor; open while the drive is on,
one that failed to close. Both are PowerSwitchFailure (firmware/hardware_faults.py) and stay
until the controller restarts: only a person can tell that the switch works again, and a
fault that cleared as soon as the firmware switched off would let it try again at once.
"""


class Contactor:
    def __init__(self, *, drive, feedback, ticks_ms, ticks_diff, settle_ms=300):
        """`drive`: machine.Pin made as an output (1: coil on); `feedback`: a DebouncedInput
        whose `active` means the main contacts are closed."""
        self._drive = drive
        self._feedback = feedback
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._settle_ms = settle_ms
        self.closed_commanded = False
        self._commanded_ms = ticks_ms()
        self.welded = False
        self.failed_to_close = False
        drive.value(0)

    def command(self, close):
        close = bool(close)
        if self.welded or self.failed_to_close:
            close = False  # a failed switch is never driven again
        self._drive.value(1 if close else 0)
        if close != self.closed_commanded:
            self.closed_commanded = close
            self._commanded_ms = self._ticks_ms()

    def check(self):
        """Compares the feedback with the command once settled; True when a fault was found
        now (it latches)."""
        if self._ticks_diff(self._ticks_ms(), self._commanded_ms) < self._settle_ms:
            return False
        closed = self._feedback.active
        if closed and not self.closed_commanded and not self.welded:
            self.welded = True
            return True
        if self.closed_commanded and not closed and not self.failed_to_close:
            self.failed_to_close = True
            self.command(False)
            return True
        return False
