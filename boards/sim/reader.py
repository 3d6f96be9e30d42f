"""The station's single RFID reader: cards presented and not yet read by the firmware."""
QUEUE_BOUND = 4
TAG_MAX_CHARS = 20  # an OCPP 1.6 IdToken is CiString20


class TagReader:
    def __init__(self, bound=QUEUE_BOUND):
        self._bound = bound
        self._tags = []

    def present(self, tag):
        """A card is held to the reader; False when the reader is still busy with `bound`
        unread cards (the card is not read)."""
        if len(self._tags) >= self._bound:
            return False
        self._tags.append(tag)
        return True

    def read(self):
        """The oldest unread card, or None."""
        return self._tags.pop(0) if self._tags else None
