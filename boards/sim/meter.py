"""The DC energy meter of one connector: an integer Wh register kept in its own memory.

The register that the firmware reads is always the one already saved, so a power cut can
never take a reading back: energy is integrated in W*ms, and while current flows at most
about once a second (SAVE_INTERVAL_MS) the whole Wh gathered are saved (write a temporary
file, rename it over the old one) and only then shown. When the current stops the register
is saved at once (`flow_stopped`), so a reading taken once the current reads zero holds
every Wh delivered (boards/README.md). Less than a second of energy may be lost at a power
cut, as a meter that updates its register once a second would.
"""
from boards.sim.ev import WMS_PER_WH
from store.atomic import read_or_none, write_atomic

SAVE_INTERVAL_MS = 1000


class Meter:
    def __init__(self, path, ticks_diff, serial=None):
        """`path`: the file the register is kept in, None to keep nothing."""
        self.serial = serial
        self._path = path
        self._ticks_diff = ticks_diff
        self.register_wh = _load(path)
        self._pending_wh = 0
        self._remainder_wms = 0
        self._saved_at_ms = None
        self.saves = 0

    def integrate(self, power_w, dt_ms, now_ms):
        """Energy delivered at `power_w` for `dt_ms`; the register shows it once saved."""
        total = self._remainder_wms + power_w * dt_ms
        self._pending_wh += total // WMS_PER_WH
        self._remainder_wms = total % WMS_PER_WH
        if self._pending_wh and (self._saved_at_ms is None or
                                 self._ticks_diff(now_ms, self._saved_at_ms) >= SAVE_INTERVAL_MS):
            self._save(now_ms)

    def flow_stopped(self, now_ms):
        """The current has stopped: the register shows what is gathered at once."""
        if self._pending_wh:
            self._save(now_ms)

    def _save(self, now_ms):
        value = self.register_wh + self._pending_wh
        if self._path is not None:
            write_atomic(self._path, b"%d\n" % value)
        self.register_wh = value
        self._pending_wh = 0
        self._saved_at_ms = now_ms
        self.saves += 1


def _load(path):
    if path is None:  # a meter without memory (a board without a state directory)
        return 0
    text = read_or_none(path)
    text = text.strip() if text else b""  # None: a new meter
    return int(text) if text.isdigit() else 0
