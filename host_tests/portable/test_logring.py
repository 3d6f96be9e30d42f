"""logring.LogRing: the last lines in fixed slots, each cut at LOG_LINE_MAX bytes of UTF-8,
never inside a character."""
from logring import LOG_LINE_MAX, LogRing


def test_the_last_lines_oldest_first():
    ring = LogRing(slots=3)
    for n in range(5):
        ring.append("line %d" % n)
    assert ring.lines() == ["line 2", "line 3", "line 4"] and ring.count == 5


def test_a_long_line_is_cut_between_characters():
    ring = LogRing(slots=2)
    ring.append("x" * (LOG_LINE_MAX + 40))
    ring.append("\u00e9" * LOG_LINE_MAX)  # two bytes each: the cut falls inside one
    plain, accented = ring.lines()
    assert plain == "x" * (LOG_LINE_MAX - 3) + "..."
    assert len(accented.encode()) <= LOG_LINE_MAX and accented.endswith("\u00e9...")
    assert accented[:-3] == "\u00e9" * len(accented[:-3])


def test_a_line_of_exactly_the_slot_is_whole():
    ring = LogRing(slots=1)
    ring.append("y" * LOG_LINE_MAX)
    assert ring.lines() == ["y" * LOG_LINE_MAX]
