"""The Smart Charging profile (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.16; docs/smart_charging.md)
as an idle station holds it: this object's state -- the charging profiles installed, as
compact records (records.py), and the limit each output was told -- and nothing of its code.
Every call goes to firmware.smart_charging.service, loaded for it and unloaded after
(firmware.on_demand), as do the requests' handlers (requests.py). Without profiles nothing of
it is loaded: on a board that runs it from ROMFS the names of code once loaded stay in the
heap (MicroPython never frees an interned name).

The limits are worked out again at every change (a profile, a transaction starting or
ending, a connector's voltage under an amperes profile) and at the next instant a schedule
changes; the station's refresh, at least once a second, hands them to the outputs.
"""
from firmware import on_demand

SERVICE = "firmware.smart_charging.service"
DAY_S = 86400  # how long limits that no profile sets stay as they are
PROFILES_FILE = "/charging_profiles.json"  # in the board's state_dir


class SmartCharging:
    def __init__(self, *, station):
        self.station = station  # its board, configuration, clock, transactions and refresh
        self.profiles = []  # records; TxProfiles only while their transaction runs
        # (idTag, connectorId or None, record, until Unix s) of a RemoteStartTransaction's
        # TxProfile, until the transaction it asked for starts, which is no later than until.
        self.remote_profile = None
        count = len(station.board.connectors)
        self.limits_w = [None] * count  # what each output is to be told: W, None: no limit
        self.told_w = [None] * count
        self.seen = [None] * count  # the transaction on each connector at the last update
        self.volts = [0] * count  # each connector's voltage the limits were worked out at
        self.amperes = False  # a profile in amperes is installed: the limits follow the volts
        self.next_s = None  # when the limits change next; None: work them out now
        made_again = self.keys
        for key in made_again():
            station.config.declare(key, made_again)
        try:
            open(station.board.state_dir + PROFILES_FILE).close()
        except OSError:  # none kept
            return
        self.call("load")

    def keys(self):
        """Makes its configuration keys (the configuration's maker of them: a resident one, as
        what the configuration keeps must not hold on to code loaded on demand)."""
        return on_demand.call("firmware.smart_charging.keys", "keys")

    def call(self, name, *args):
        """firmware.smart_charging.service.<name>(self, *args), the module loaded for it."""
        return on_demand.call(SERVICE, name, self, *args)

    def due_in_s(self):
        """Seconds until the limits change next: the station works them out again then,
        rather than at its next once-a-second read of the inputs, up to a second late."""
        if self.next_s is None:
            return 0
        return max(self.next_s * 1000 - self.station.clock.now_ms(), 0) / 1000

    def update(self):
        """Works out the limits when something they depend on changed or a schedule moves on,
        and tells each output its limit when it differs from what it was told."""
        now_s = self.station.clock.now_s()
        on_connector = self.station.transactions.on_connector
        moved = self.next_s is None or now_s >= self.next_s or self.amperes
        for i in range(len(self.seen)):
            moved = moved or on_connector(i + 1) is not self.seen[i]
        if moved:
            if self.profiles or self.remote_profile is not None:
                self.call("work_out", now_s)
            else:  # nothing limits the outputs, as the service's work_out would find
                for i in range(len(self.seen)):
                    self.seen[i] = on_connector(i + 1)
                self.next_s = now_s + DAY_S
        for i, limit_w in enumerate(self.limits_w):
            if limit_w != self.told_w[i]:
                self.told_w[i] = limit_w
                self.station.board.connectors[i].set_limit_w(limit_w)
