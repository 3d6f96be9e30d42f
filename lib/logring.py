"""The last log lines in a fixed number of slots, for a console to show what just happened.

The slots are one buffer allocated at the start: logging a line copies it in and keeps no
object of its own. A ring of separate strings would leave a long-lived object wherever
each line happened to land, and on a small heap those scattered lines are what keeps a
1 KB piece from being free (seen at --heap 256k).
"""
# A log line longer than this (in UTF-8 bytes) is cut: the ring holds slots x this. 160
# holds every line but the OCPP frames whole (a StatusNotification's is about 150), and
# 2.5 KB for 16 lines is what a 128 KB board can spare (the heap budget test: a quarter
# free while both connectors charge). At most 255: each line's length is kept in a byte.
LOG_LINE_MAX = 160
LOG_SLOTS_DEFAULT = 16
_CUT = b"..."


class LogRing:
    """The last `slots` log lines, oldest overwritten first; each line cut at LOG_LINE_MAX."""

    def __init__(self, slots=LOG_SLOTS_DEFAULT, ticks_ms=None):
        """`ticks_ms()`, when given, stamps each line: stamped() tells when it was logged."""
        self._buffer = bytearray(slots * LOG_LINE_MAX)
        self._lengths = bytearray(slots)  # a byte each: 16 bytes, not a list of 16 ints
        self._ticks_ms = ticks_ms
        # A board's ticks are small ints (30 bits on MicroPython): no object of their own.
        self._stamps = [0] * slots if ticks_ms is not None else None
        self._next = 0
        self.count = 0  # lines appended since start, including those overwritten

    def append(self, line):
        data = line.encode()
        if len(data) > LOG_LINE_MAX:
            end = LOG_LINE_MAX - len(_CUT)
            while data[end] & 0xC0 == 0x80:  # never cut inside a UTF-8 character
                end -= 1
            data = data[:end] + _CUT
        start = self._next * LOG_LINE_MAX
        self._buffer[start:start + len(data)] = data
        self._lengths[self._next] = len(data)
        if self._stamps is not None:
            self._stamps[self._next] = self._ticks_ms()
        self._next = (self._next + 1) % len(self._lengths)
        self.count += 1

    def lines(self, n=LOG_SLOTS_DEFAULT):
        """The last n lines (at most the number of slots), oldest first."""
        return [line for _, line in self.stamped(n)]

    def stamped(self, n=LOG_SLOTS_DEFAULT):
        """(ticks_ms when logged, or None without a ticks_ms, line) of the last n lines,
        oldest first."""
        size = len(self._lengths)
        n = min(n, size, self.count)
        lines = []
        for i in range(n):
            slot = (self._next - n + i) % size
            start = slot * LOG_LINE_MAX
            lines.append((self._stamps[slot] if self._stamps is not None else None,
                          bytes(self._buffer[start:start + self._lengths[slot]]).decode()))
        return lines
