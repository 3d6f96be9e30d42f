# ChangeAvailability (OCPP 1.6 5.2, 4.9): Accepted / Scheduled / Rejected, connector 0 is the
# whole station, Unavailable persists across reboots; the statuses it leads to.
from firmware.core.availability import Availability
from firmware.connector import (AVAILABLE, CHARGING, PREPARING, TRANSITIONS, UNAVAILABLE,
                                ConnectorStatus, Inputs, derive_status)
from scratch import fresh_path

def fresh(name):
    return fresh_path("test_availability", name)


class World:
    def __init__(self, path, running=()):
        self.running = set(running)
        self.changes = 0
        self.availability = Availability(path=path, connector_count=2,
                                         in_transaction=lambda c: c in self.running,
                                         on_change=self.changed, log=lambda line: None)
        self.handlers = {}
        self.availability.register(self.handlers)

    def changed(self):
        self.changes += 1

    def ask(self, connector_id, kind):
        return self.handlers["ChangeAvailability"]({"connectorId": connector_id,
                                                    "type": kind})["status"]


def test_connector_inoperative_then_operative_accepted():
    world = World(fresh("one"))
    assert world.ask(2, "Inoperative") == "Accepted"
    assert [world.availability.operative(i) for i in (0, 1, 2)] == [True, True, False]
    assert world.ask(2, "Inoperative") == "Accepted"  # already so: Accepted, no change
    assert world.changes == 1 and world.availability.flash_writes == 1
    assert world.ask(2, "Operative") == "Accepted"
    assert world.availability.operative(2) and world.changes == 2


def test_connector_zero_is_the_whole_station():
    world = World(fresh("zero"))
    assert world.ask(0, "Inoperative") == "Accepted"
    assert [world.availability.operative(i) for i in (0, 1, 2)] == [False, False, False]
    assert world.ask(0, "Operative") == "Accepted"
    assert [world.availability.operative(i) for i in (0, 1, 2)] == [True, True, True]


def test_unknown_connector_rejected_and_nothing_changes():
    world = World(fresh("unknown"))
    assert world.ask(3, "Inoperative") == "Rejected"
    assert world.ask(-1, "Inoperative") == "Rejected"
    assert world.changes == 0 and world.availability.flash_writes == 0


def test_inoperative_during_a_transaction_is_scheduled():
    world = World(fresh("scheduled"), running=[1])
    assert world.ask(1, "Inoperative") == "Scheduled"
    assert world.ask(0, "Inoperative") == "Scheduled"  # connector 1 runs a transaction
    assert world.ask(1, "Operative") == "Accepted"      # the schedule is withdrawn
    world.running.clear()
    assert world.ask(2, "Operative") == "Accepted"


def test_unavailable_persists_across_a_reboot():
    path = fresh("persist")
    World(path).ask(1, "Inoperative")
    again = World(path)
    assert [again.availability.operative(i) for i in (0, 1, 2)] == [True, False, True]
    again.ask(0, "Inoperative")
    again.ask(0, "Operative")
    assert [World(path).availability.operative(i) for i in (0, 1, 2)] == [True, True, True]


def test_unreadable_file_leaves_every_connector_operative():
    path = fresh("corrupt")
    with open(path, "w") as f:
        f.write("{nope")
    assert World(path).availability.operative(1)
    with open(path, "w") as f:
        f.write('{"inoperative": [7, "1", 2]}')
    world = World(path)
    assert [world.availability.operative(i) for i in (0, 1, 2)] == [True, True, False]


def test_scheduled_unavailable_takes_effect_when_the_transaction_ends():
    inputs = Inputs()
    inputs.plugged = inputs.in_transaction = inputs.ev_demand = True
    inputs.operative = False
    assert derive_status(inputs) == CHARGING  # C8: the transaction goes on first
    inputs.in_transaction = False
    assert derive_status(inputs) == UNAVAILABLE
    assert UNAVAILABLE in TRANSITIONS[CHARGING]


def test_preparing_goes_unavailable_through_available():
    # 4.9 has no Preparing -> Unavailable: the incipient session ends (B1, Available), then
    # the connector is set Unavailable (A8).
    assert UNAVAILABLE not in TRANSITIONS[PREPARING]
    connector = ConnectorStatus(1, 0, PREPARING)
    assert connector.move(UNAVAILABLE, "NoError", 10) == [AVAILABLE, UNAVAILABLE]
    # Set Operative again with the EV still plugged: Preparing (H2).
    assert connector.move(PREPARING, "NoError", 20) == [PREPARING]
