"""The Local Auth List Management profile (OCPP 1.6 sections 3.5.2, 3.5.3, 5.10, 5.15;
docs/local_list.md) as an idle station holds it: the version of the list installed, and
nothing of its code or of the list itself, which stays in flash (store.py) however long it
is. A lookup loads the code that reads it (service.py) and unloads it after
(firmware.on_demand), as does each SendLocalList or GetLocalListVersion (requests.py).
Without a list, nothing of it is loaded after boot: on a board that runs it from ROMFS the
names of code once loaded stay in the heap (MicroPython never frees an interned name).

The station hands `lookup` to the Authorization service (firmware.core.authorization), which
asks it before the Authorization Cache.
"""
from firmware import on_demand

LIST_FILE = "/local_list.dat"  # in the board's state_dir


class LocalAuthList:
    def __init__(self, *, station):
        self.station = station  # its board (log, state_dir) and configuration
        self.path = station.board.state_dir + LIST_FILE
        self.version = 0  # of the list installed; 0: none, or an empty one (section 5.10)
        made_again = self.keys
        for key in made_again():
            station.config.declare(key, made_again)
        try:
            open(self.path).close()
        except OSError:  # none installed
            return
        self.call("load")

    def keys(self):
        """Makes its configuration keys (the configuration's maker of them: a resident one,
        as what the configuration keeps must not hold on to code loaded on demand)."""
        return on_demand.call("firmware.local_auth_list.keys", "keys")

    def call(self, name, *args):
        """firmware.local_auth_list.service.<name>(self, *args), the module loaded for it."""
        return on_demand.call("firmware.local_auth_list.service", name, self, *args)

    def lookup(self, id_tag):
        """The idTagInfo the list holds for id_tag (its expiry as expiry_s, Unix seconds), or
        None: not in the list, no list, or LocalAuthListEnabled false."""
        if not self.version or not self.station.config.get("LocalAuthListEnabled"):
            return None
        return self.call("lookup", id_tag)
