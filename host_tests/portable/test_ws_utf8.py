"""ws.utf8: strict UTF-8 as RFC 6455 8.1 requires, including what MicroPython's decode
lets through (surrogates, overlong forms)."""
from ws.utf8 import Utf8Validator, is_valid


def test_valid_sequences():
    for text in ("", "ascii", "\u00e9", "\u20ac", "\U0001f600", "\ud7ff\ue000\U0010ffff"):
        assert is_valid(text.encode()), text


def test_invalid_sequences():
    for data in (b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xed\xa0\x80",
                 b"\xed\xbf\xbf", b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
                 b"\xff", b"\xc3", b"\xe2\x82", b"\xc3\x41"):
        assert not is_valid(data), data


def test_incremental_split_points():
    data = "a\u00e9\u20ac\U0001f600z".encode()
    for cut in range(len(data) + 1):
        validator = Utf8Validator()
        assert validator.feed(data[:cut]) and validator.feed(data[cut:])
        assert validator.complete()
    validator = Utf8Validator()
    assert validator.feed(b"\xf0\x9f") and not validator.complete()
