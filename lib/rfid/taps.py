"""One tap per presentation of a card: a reader's driver tells, at each poll, which UIDs it
found in the field; a UID counts as a tap the first poll it is seen, and again only after it
was missing for `absent_polls` polls in a row (it left the field: a card at the edge of the
field that is missed once is not presented again).

At most `capacity` cards are followed at once: a further card is not reported until one of
them leaves (else it would tap at every poll).
"""


class Taps:
    def __init__(self, *, absent_polls=2, capacity=4):
        self._absent_polls = absent_polls
        self.capacity = capacity
        self._present = []  # [uid bytes, polls it was missed in a row]

    def present(self):
        """The UIDs taken to be in the field."""
        return [entry[0] for entry in self._present]

    def update(self, seen):
        """`seen`: the UIDs (bytes) found by this poll. Returns the new tap's UID, or None:
        one per poll, the others stay new for the next one."""
        for entry in self._present:
            entry[1] = 0 if entry[0] in seen else entry[1] + 1
        self._present = [entry for entry in self._present if entry[1] < self._absent_polls]
        for uid in seen:
            if self.knows(uid):
                continue
            if len(self._present) >= self.capacity:
                return None
            self._present.append([uid, 0])
            return uid
        return None

    def full(self):
        return len(self._present) >= self.capacity

    def knows(self, uid):
        for entry in self._present:
            if entry[0] == uid:
                return True
        return False
