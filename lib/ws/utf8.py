"""Strict UTF-8 validation, incremental across the fragments of a text message.

MicroPython's bytes.decode accepts surrogates (ED A0 80) and overlong forms (C0 80), which
RFC 6455 requires us to reject with close code 1007, so the check is done here.
"""

# For each lead byte range: how many continuation bytes follow and the allowed range of
# the first one (the narrowed ranges exclude overlongs, surrogates and > U+10FFFF).
_ANY = (0x80, 0xBF)


def _lead(byte):
    if 0xC2 <= byte <= 0xDF:
        return 1, _ANY
    if byte == 0xE0:
        return 2, (0xA0, 0xBF)
    if byte == 0xED:
        return 2, (0x80, 0x9F)
    if 0xE1 <= byte <= 0xEF:
        return 2, _ANY
    if byte == 0xF0:
        return 3, (0x90, 0xBF)
    if 0xF1 <= byte <= 0xF3:
        return 3, _ANY
    if byte == 0xF4:
        return 3, (0x80, 0x8F)
    return -1, None


class Utf8Validator:
    def __init__(self):
        self.reset()

    def reset(self):
        self._need = 0
        self._range = _ANY

    def feed(self, data):
        """False as soon as `data` cannot be part of valid UTF-8."""
        if self._need == 0 and (not data or max(data) < 0x80):
            return True
        need = self._need
        low, high = self._range
        for byte in data:
            if need:
                if byte < low or byte > high:
                    return False
                need -= 1
                low, high = _ANY
            elif byte >= 0x80:
                need, span = _lead(byte)
                if need < 0:
                    return False
                low, high = span
        self._need = need
        self._range = (low, high)
        return True

    def complete(self):
        """True when the bytes fed so far end on a character boundary."""
        return self._need == 0


def is_valid(data):
    validator = Utf8Validator()
    return validator.feed(data) and validator.complete()
