"""A digital input read through a debounce: its state changes only after `samples` reads in a
row agree, so a contact's bounce or a spike on a long wire is not a fault nor a plug.

`pin` is a machine.Pin made as an input (with its pull); `active_level` the level that means
"active" (a normally-closed E-stop contact to ground with a pull-up reads 1 when pressed or
when its wire is cut: active 1, fail-safe).
"""


class DebouncedInput:
    def __init__(self, *, pin, active_level=1, samples=3):
        self._pin = pin
        self._active_level = active_level
        self._samples = samples
        self._agreeing = 0
        self.active = pin.value() == active_level

    def sample(self):
        """Reads the pin once; True when the debounced state changed."""
        now = self._pin.value() == self._active_level
        if now == self.active:
            self._agreeing = 0
            return False
        self._agreeing += 1
        if self._agreeing < self._samples:
            return False
        self._agreeing = 0
        self.active = now
        return True
