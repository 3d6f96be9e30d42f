"""Reconnect delays: exponential growth up to a cap, with random jitter so that many
stations do not reconnect in step after a central system outage, and never zero so a
failing connect can never become a tight loop.
"""
import os

_MIN_DELAY_MS = 100


class Backoff:
    """next_delay_ms() is drawn from [base * (1 - jitter), base], where base starts at
    initial_ms, is multiplied by `factor` after each call and is capped at max_ms;
    reset() after a successful connection starts again from initial_ms."""

    def __init__(self, initial_ms=1000, max_ms=300000, factor=2, jitter=0.5,
                 random_bytes=os.urandom):
        if initial_ms <= 0 or max_ms < initial_ms or factor < 1 or not 0 <= jitter <= 1:
            raise ValueError("bad backoff parameters")
        self.initial_ms = initial_ms
        self.max_ms = max_ms
        self.factor = factor
        self.jitter = jitter
        self._random_bytes = random_bytes
        self._base_ms = initial_ms

    def reset(self):
        self._base_ms = self.initial_ms

    def next_delay_ms(self):
        base = self._base_ms
        self._base_ms = min(self.max_ms, int(base * self.factor))
        raw = self._random_bytes(2)
        fraction = ((raw[0] << 8) | raw[1]) / 65536
        delay = int(base - base * self.jitter * fraction)
        return delay if delay > _MIN_DELAY_MS else _MIN_DELAY_MS
