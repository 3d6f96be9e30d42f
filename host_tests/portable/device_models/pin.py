# machine.Pin's value(), remembering its level and how often it was set.


class Pin:
    def __init__(self, level=None):
        self.level = level
        self.changes = 0

    def value(self, level=None):
        if level is None:
            return self.level
        self.level = level
        self.changes += 1
