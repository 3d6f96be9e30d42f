# The station clock: ISO 8601 in and out, independent of the board's epoch.
from firmware.clock import Clock, days_from_civil, civil_from_days, format_iso8601, parse_iso8601


def test_calendar_round_trip_over_centuries():
    for days in range(-800000, 800000, 997):
        y, m, d = civil_from_days(days)
        assert days_from_civil(y, m, d) == days


def test_known_instants():
    assert parse_iso8601("1970-01-01T00:00:00Z") == 0
    assert parse_iso8601("2000-01-01T00:00:00Z") == 946684800
    assert parse_iso8601("2026-11-25T10:20:30.123Z") == 1795602030
    assert parse_iso8601("2026-11-25T11:20:30+01:00") == 1795602030
    assert parse_iso8601("2024-02-29T00:00:00") == 1709164800
    assert format_iso8601(1795602030) == "2026-11-25T10:20:30Z"
    assert format_iso8601(951782400) == "2000-02-29T00:00:00Z"


def test_bad_timestamps_rejected():
    for text in ("", "2026-11-25", "2026-13-01T00:00:00Z", "2026-11-25T10:20:30.Z",
                 "2026-11-25T10:20:30+0100", "abcd-ef-ghT00:00:00Z", 1795602030, None):
        try:
            parse_iso8601(text)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (text,))


def test_clock_follows_ticks_after_set():
    now = [5000]
    clock = Clock(ticks_ms=lambda: now[0], ticks_diff=lambda a, b: a - b)
    assert not clock.synchronised
    assert clock.set_iso8601("2026-11-25T10:20:30Z")
    now[0] += 61500
    assert clock.now_iso8601() == "2026-11-25T10:21:31Z"
    assert not clock.set_iso8601("yesterday")
    assert clock.now_iso8601() == "2026-11-25T10:21:31Z"


def test_a_jump_once_synchronised_is_told_drift_is_not():
    jumps = []
    clock = Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
    clock.on_jump = jumps.append
    clock.set_iso8601("2026-11-25T10:00:00Z")  # the first setting: no jump, a start
    clock.set_iso8601("2026-11-25T10:00:45Z")  # 45 s: a heartbeat's correction
    clock.set_iso8601("2026-11-25T09:00:45Z")
    clock.set_iso8601("2026-11-25T09:02:46Z")
    assert jumps == [-3600, 121]


def test_within_a_validity_once_set_and_always_before():
    clock = Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
    assert clock.within("2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z")  # not set yet
    clock.set_iso8601("2026-11-25T10:00:00Z")
    assert clock.within("2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z")
    assert not clock.within("2026-11-25T10:00:01Z", "2027-01-01T00:00:00Z")
    assert not clock.within("2020-01-01T00:00:00Z", "2026-11-25T09:59:59Z")


def test_days_without_the_central_systems_time_do_not_wrap_a_32_bit_tick_counter():
    # A 32-bit board's ticks_ms wraps at 2**30 ms and ticks_diff is right only within half of
    # that (6.2 days): HeartbeatInterval may be days, and the clock must go on all the same.
    period = 1 << 30
    ticks = [period - 5000]  # near the wrap, as a board may well be

    def ticks_diff(a, b):
        return ((a - b + period // 2) & (period - 1)) - period // 2

    clock = Clock(ticks_ms=lambda: ticks[0], ticks_diff=ticks_diff)
    assert clock.set_iso8601("2026-12-01T00:00:00Z")
    start = clock.now_s()
    for hour in range(1, 30 * 24 + 1):  # a month, the station reading its clock hourly
        ticks[0] = (ticks[0] + 3600 * 1000) & (period - 1)
        assert clock.now_s() - start == hour * 3600, hour
    assert clock.now_iso8601() == "2026-12-31T00:00:00Z"
