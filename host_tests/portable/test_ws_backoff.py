"""ws.backoff: reconnect delays grow exponentially to a cap, carry jitter, reset after a
successful connection and are never zero."""
from ws.backoff import Backoff


def _fixed(value):
    return lambda n: bytes([value >> 8, value & 0xFF])


def test_growth_and_cap_without_jitter_draw():
    backoff = Backoff(initial_ms=1000, max_ms=10000, factor=2, random_bytes=_fixed(0))
    assert [backoff.next_delay_ms() for _ in range(6)] == [1000, 2000, 4000, 8000, 10000, 10000]


def test_jitter_range():
    backoff = Backoff(initial_ms=1000, max_ms=1000, jitter=0.5, random_bytes=_fixed(0xFFFF))
    delay = backoff.next_delay_ms()
    assert 500 <= delay < 502
    delays = set(Backoff(initial_ms=1000, max_ms=1000).next_delay_ms() for _ in range(50))
    assert len(delays) > 10 and min(delays) >= 500 and max(delays) <= 1000


def test_reset_after_success():
    backoff = Backoff(initial_ms=1000, max_ms=60000, random_bytes=_fixed(0))
    for _ in range(5):
        backoff.next_delay_ms()
    backoff.reset()
    assert backoff.next_delay_ms() == 1000


def test_never_zero():
    backoff = Backoff(initial_ms=1, max_ms=1, jitter=1, random_bytes=_fixed(0xFFFF))
    assert backoff.next_delay_ms() >= 100


def test_bad_parameters_refused():
    for kwargs in ({"initial_ms": 0}, {"max_ms": 10, "initial_ms": 20}, {"jitter": 2},
                   {"factor": 0.5}):
        try:
            Backoff(**kwargs)
        except ValueError:
            continue
        raise AssertionError(kwargs)
