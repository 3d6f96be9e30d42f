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
SERVICE = "firmware.local_auth_list.service"


# Two methods and two attributes: each function more is about 50 bytes of a 32-bit board's
# heap for good, so the path is made where it is used (service.path) and the code is
# called through on_demand directly.
class LocalAuthList:
    def __init__(self, *, station):
        self.station = station  # its board (log, state_dir) and configuration
        self.version = 0  # of the list installed; 0: none, or an empty one (section 5.10)
        made_again = self.keys
        for key in made_again():
            station.config.declare(key, made_again)
        try:
            open(station.board.state_dir + LIST_FILE).close()
        except OSError:  # none installed
            return
        on_demand.call(SERVICE, "load", self)

    def keys(self):
        """Makes its configuration keys (the configuration's maker of them: a resident one,
        as what the configuration keeps must not hold on to code loaded on demand)."""
        return on_demand.call("firmware.local_auth_list.keys", "keys")

    def lookup(self, id_tag, reported=None):
        """The idTagInfo the list holds for id_tag (its expiry as expiry_s, Unix seconds), or
        None: not in the list, no list, or LocalAuthListEnabled false. `reported`: the
        idTagInfo the Central System just sent for it, which the list's is checked against
        (service.py: LocalListConflict)."""
        if not self.version or not self.station.config.get("LocalAuthListEnabled"):
            return None
        return on_demand.call(SERVICE, "lookup", self, id_tag, reported)
