"""Milliseconds from a monotonic clock, on MicroPython and CPython alike.

MicroPython's ticks_ms wraps around, so the differences are summed into a counter that
does not; CPython has time.monotonic.
"""
import time

if hasattr(time, "ticks_ms"):
    _last = time.ticks_ms()
    _total = 0

    def now_ms():
        global _last, _total
        ticks = time.ticks_ms()
        _total += time.ticks_diff(ticks, _last)
        _last = ticks
        return _total

else:

    def now_ms():
        return int(time.monotonic() * 1000)
