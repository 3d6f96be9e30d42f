"""Wall-clock time for OCPP: set from the Central System, kept with the board's tick counter.

Timestamps are whole Unix seconds computed with our own calendar arithmetic, so the result
does not depend on the board's epoch (1970 on unix and rp2, 2000 on esp32) or on a
datetime module (MicroPython has none).

Before the first connection the time comes from the board's battery-backed RTC when it has
one (its optional `utc_now()`). Without one the clock counts the seconds since the boot: a
timestamp taken then lies before UNSET_BEFORE_S (the year 2000, which no uptime reaches),
and once the Central System's time is known it is corrected to the time it stands for
(`corrected_s`, `corrected_iso8601`): the transaction journal rewrites what it keeps at
that moment (firmware.core.tx_messages) and messages are corrected when sent, so none carries
a 1970 date.
"""

_SECONDS_PER_DAY = 86400


def days_from_civil(year, month, day):
    # Howard Hinnant's days-from-civil algorithm: exact for the proleptic Gregorian calendar.
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def civil_from_days(days):
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524
                   - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + (3 if month_index < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


def _digits(text, start, count):
    part = text[start:start + count]
    if len(part) != count or not part.isdigit():
        raise ValueError("bad date-time: %r" % text)
    return int(part)


def parse_iso8601(text):
    """Unix seconds of an RFC 3339 date-time ('2026-11-25T10:00:00.123Z', '...+01:00').

    Fractions of a second are dropped; a missing offset is read as UTC. Raises ValueError.
    """
    if type(text) is not str or len(text) < 19 or text[4] != "-" or text[7] != "-" \
            or text[10] not in "Tt " or text[13] != ":" or text[16] != ":":
        raise ValueError("bad date-time: %r" % (text,))
    year, month, day = _digits(text, 0, 4), _digits(text, 5, 2), _digits(text, 8, 2)
    hour, minute, second = _digits(text, 11, 2), _digits(text, 14, 2), _digits(text, 17, 2)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        raise ValueError("bad date-time: %r" % text)
    rest = text[19:]
    if rest.startswith("."):
        end = 1
        while end < len(rest) and rest[end].isdigit():
            end += 1
        if end == 1:
            raise ValueError("bad date-time: %r" % text)
        rest = rest[end:]
    offset_s = 0
    if rest in ("", "Z", "z"):
        pass
    elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
        offset_s = (_digits(rest, 1, 2) * 60 + _digits(rest, 4, 2)) * 60
        if rest[0] == "-":
            offset_s = -offset_s
    else:
        raise ValueError("bad date-time: %r" % text)
    days = days_from_civil(year, month, day)
    return days * _SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset_s


def format_iso8601(unix_s):
    """'YYYY-MM-DDTHH:MM:SSZ' for whole Unix seconds: the form OCPP 1.6 timestamps take."""
    unix_s = int(unix_s)
    days = unix_s // _SECONDS_PER_DAY
    second_of_day = unix_s - days * _SECONDS_PER_DAY
    year, month, day = civil_from_days(days)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
        year, month, day, second_of_day // 3600, second_of_day // 60 % 60, second_of_day % 60)


# A correction larger than this, once the clock was set, is a change of the system time
# (the security event SettingSystemTime); smaller ones are the drift a heartbeat corrects.
JUMP_S = 60
# A timestamp before this (2000-01-01) was taken before the clock was set: seconds since boot.
UNSET_BEFORE_S = 946684800
# A board's RTC that reads earlier than this (2025-01-01) was never set or lost its battery.
RTC_VALID_FROM_S = 1735689600


def board_time_s(board, log):
    """The time from the board's RTC (its optional utc_now()), or None when it has none, or
    it is not set, or it fails."""
    utc_now = getattr(board, "utc_now", None)
    if utc_now is None:
        return None
    try:
        unix_s = utc_now()
    except Exception as error:  # the board's: the clock then waits for the Central System
        log("clock: utc_now() raised %s: %s" % (type(error).__name__, error))
        return None
    if type(unix_s) is not int or unix_s < RTC_VALID_FROM_S:
        log("clock: the board's RTC is not set (%r)" % (unix_s,))
        return None
    return unix_s

# The reference point of the clock moves forward once it is this old (see Clock.now_s).
REBASE_MS = 24 * 3600 * 1000


class Clock:
    """UTC wall clock: a reference point set from the network, advanced by board ticks.
    `on_jump(seconds)` is told of each correction beyond JUMP_S once it was synchronised;
    `on_known()` once the time of what was stamped before it was known can be corrected."""

    def __init__(self, *, ticks_ms, ticks_diff, initial_unix_s=None):
        """`initial_unix_s`: the time now from the board's RTC (board_time_s), or None."""
        self.on_jump = None
        self.on_known = None
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._base_unix_ms = (initial_unix_s or 0) * 1000
        self._base_ticks = ticks_ms()
        self.synchronised = initial_unix_s is not None
        # The Unix time of the clock's 0 when it started unset: added to correct the
        # timestamps taken before it was set. None until then.
        self.boot_offset_s = initial_unix_s
        # The clock's reading of its own start, moved with each setting: now_s() minus it is
        # the uptime, whatever the Central System set the clock to meanwhile.
        self.started_s = initial_unix_s or 0

    def set_iso8601(self, text):
        """Set the clock from a Central System timestamp; False (clock unchanged) if invalid."""
        try:
            unix_s = parse_iso8601(text)
        except ValueError:
            return False
        jump_s = unix_s - self.now_s()
        if self.synchronised and abs(jump_s) > JUMP_S and self.on_jump is not None:
            self.on_jump(jump_s)
        self._base_unix_ms = unix_s * 1000
        self._base_ticks = self._ticks_ms()
        self.synchronised = True
        self.started_s += jump_s
        if self.boot_offset_s is None:
            self.boot_offset_s = jump_s
            if self.on_known is not None:
                self.on_known()
        return True

    def corrected_s(self, unix_s):
        """The time a timestamp taken before the clock was set stands for, once known; any
        other timestamp as it is."""
        if unix_s < UNSET_BEFORE_S and self.boot_offset_s is not None:
            return unix_s + self.boot_offset_s
        return unix_s

    def corrected_iso8601(self, text):
        """corrected_s of an OCPP timestamp text (only one of the 1900s is looked at)."""
        if self.boot_offset_s is None or text[:2] != "19":
            return text
        try:
            return format_iso8601(self.corrected_s(parse_iso8601(text)))
        except ValueError:
            return text

    def now_s(self):
        return self.now_ms() // 1000

    def now_ms(self):
        """The time now in Unix milliseconds."""
        ticks = self._ticks_ms()
        elapsed_ms = self._ticks_diff(ticks, self._base_ticks)
        if elapsed_ms > REBASE_MS:
            # ticks_diff is right only within half the tick period (6.2 days on a 32-bit
            # board): the reference point moves forward long before that, so a station that
            # hears no time from the Central System for days does not jump back 12 days.
            self._base_unix_ms += elapsed_ms
            self._base_ticks = ticks
            elapsed_ms = 0
        return self._base_unix_ms + elapsed_ms

    def now_iso8601(self):
        return format_iso8601(self.now_s())

    def within(self, start, end):
        """False when the clock is set and now is outside [start, end] (ISO 8601 texts, e.g.
        a certificate's validity); True otherwise. Raises ValueError for a bad text."""
        if not self.synchronised:
            return True  # nothing to compare with yet
        return parse_iso8601(start) <= self.now_s() <= parse_iso8601(end)
