"""ChangeAvailability (OCPP 1.6 section 5.2): which connectors may charge, kept across reboots.

Connector 0 is the Charge Point itself: a change to it applies to the station and to every
connector. A connector with a running transaction keeps it: Inoperative is answered
Scheduled and takes effect when the transaction ends (transitions C8, D8, E8 of 4.9). The
status follows from `operative()` (firmware/connector.py derive_status). What the Central
System set is written to flash at once, so a connector set Unavailable stays Unavailable
across reboots and power cuts (section 4.9, "persistent states").
"""
from store.atomic import read_json_or_none, write_json_atomic

OPERATIVE = "Operative"
ACCEPTED = "Accepted"
REJECTED = "Rejected"
SCHEDULED = "Scheduled"


class Availability:
    def __init__(self, *, path, connector_count, in_transaction, on_change, log):
        """`in_transaction(connector_id)`: a transaction runs there; `on_change()`: the
        statuses are to be recomputed."""
        self._path = path
        self._in_transaction = in_transaction
        self._on_change = on_change
        self._log = log
        self._operative = [True] * (connector_count + 1)
        self._held = False  # a firmware installation is due: not kept, it ends in a restart
        self.flash_writes = 0
        self._load()

    def operative(self, connector_id):
        """The Central System's choice for this connector (0: the Charge Point), unless a
        firmware installation holds every connector."""
        return self._operative[connector_id] and not (self._held and connector_id > 0)

    def hold_for_installation(self, held=True):
        """Security whitepaper L01.FR.07: until the installation restarts the station, a
        connector not in use is Unavailable, and so is one whose transaction ends; released
        (held False) when a new update cancels the one that waited."""
        self._held = held
        self._on_change()

    def change_availability(self, payload):
        connector_id = payload["connectorId"]
        operative = payload["type"] == OPERATIVE
        if type(connector_id) is not int or not 0 <= connector_id < len(self._operative):
            return {"status": REJECTED}
        ids = range(len(self._operative)) if connector_id == 0 else (connector_id,)
        status = ACCEPTED
        changed = False
        for i in ids:
            if i > 0 and not operative and self._in_transaction(i):
                status = SCHEDULED
            if self._operative[i] != operative:
                self._operative[i] = operative
                changed = True
        self._log("availability: connector %d %s: %s" % (connector_id, payload["type"], status))
        if changed:
            self._save()
            self._on_change()
        return {"status": status}

    def register(self, handlers):
        handlers["ChangeAvailability"] = self.change_availability

    def _load(self):
        try:
            stored = read_json_or_none(self._path)
        except ValueError:
            self._log("availability: %s unreadable, every connector operative" % self._path)
            return
        if stored is None:
            return
        listed = stored.get("inoperative") if type(stored) is dict else None
        if type(listed) is not list:
            listed = [listed]
        for i in listed:
            if type(i) is int and 0 <= i < len(self._operative):
                self._operative[i] = False
            else:
                self._log("availability: %s malformed: %r ignored" % (self._path, i))

    def _save(self):
        inoperative = [i for i in range(len(self._operative)) if not self._operative[i]]
        write_json_atomic(self._path, {"inoperative": inoperative})
        self.flash_writes += 1
