"""The last log lines in a fixed number of slots, for a console to show what just happened."""
# A log line longer than this is cut: the ring's memory is bounded by slots x this.
LOG_LINE_MAX = 240
LOG_SLOTS_DEFAULT = 32


class LogRing:
    """The last `slots` log lines, oldest overwritten first; each line cut at LOG_LINE_MAX."""

    def __init__(self, slots=LOG_SLOTS_DEFAULT):
        self._slots = [None] * slots
        self._next = 0
        self.count = 0  # lines appended since start, including those overwritten

    def append(self, line):
        if len(line) > LOG_LINE_MAX:
            line = line[:LOG_LINE_MAX - 3] + "..."
        self._slots[self._next] = line
        self._next = (self._next + 1) % len(self._slots)
        self.count += 1

    def lines(self, n=20):
        """The last n lines (at most the number of slots), oldest first."""
        size = len(self._slots)
        n = min(n, size, self.count)
        start = self._next - n
        return [self._slots[(start + i) % size] for i in range(n)]
