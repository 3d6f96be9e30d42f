# Reset (OCPP 1.6 5.14, errata 3.36): Accepted first, transactions stopped with SoftReset /
# HardReset, queued messages given a bounded time, the board reset, ResetRetries.
import asyncio

from firmware.config import Configuration
from firmware.core.reset import ResetService
from firmware.core.restart import DRAIN_S
from store.atomic import ensure_dir


class FakeTransactions:
    def __init__(self, running):
        self.active = dict((c, "tx%d" % c) for c in running)
        self.stopped = []

    def stop(self, connector_id, reason):
        self.active.pop(connector_id)
        self.stopped.append((connector_id, reason))


class World:
    def __init__(self, name, running=(), drained_after=0):
        ensure_dir("build/test_reset")
        path = "build/test_reset/%s.json" % name
        try:
            __import__("os").remove(path)
        except OSError:
            pass
        self.config = Configuration(path=path, log=lambda line: None)
        self.transactions = FakeTransactions(running)
        self.resets = []
        self.slept_s = 0
        self.polls = 0
        self.drained_after = drained_after
        self.service = ResetService(config=self.config, board_reset=self.resets.append,
                                    transactions=self.transactions, drained=self.drained,
                                    log=lambda line: None, sleep=self.sleep)
        self.handlers = {}
        self.service.register(self.handlers)

    def drained(self):
        self.polls += 1
        return self.polls > self.drained_after

    async def sleep(self, seconds):
        self.slept_s += seconds

    def ask(self, kind):
        return self.handlers["Reset"]({"type": kind})


def test_reset_retries_is_a_required_rw_integer():
    world = World("key")
    entries, _ = world.config.listing(["ResetRetries"])
    assert entries == [{"key": "ResetRetries", "readonly": False, "value": "3"}]
    assert world.config.change("ResetRetries", "-1") == "Rejected"
    assert world.config.change("ResetRetries", "0") == "Accepted"


async def test_soft_reset_answers_first_then_stops_transactions_then_resets():
    world = World("soft", running=[1, 2], drained_after=3)
    answer, follow_up = world.ask("Soft")
    assert answer == {"status": "Accepted"}
    assert world.transactions.stopped == [] and world.resets == []  # nothing before the answer
    world.config.change("ResetRetries", "0")
    await follow_up()
    assert sorted(world.transactions.stopped) == [(1, "SoftReset"), (2, "SoftReset")]
    assert world.polls == 4  # waited for the StopTransactions to go out
    assert world.resets == [False]


async def test_hard_reset_stops_with_hard_reset_and_waits_less():
    world = World("hard", running=[2], drained_after=10 ** 6)
    _, follow_up = world.ask("Hard")
    world.config.change("ResetRetries", "0")
    await follow_up()
    assert world.transactions.stopped == [(2, "HardReset")]
    assert world.resets == [True]
    assert DRAIN_S["Hard"] <= world.slept_s < DRAIN_S["Soft"]


async def test_a_board_that_does_not_restart_is_tried_reset_retries_more_times():
    world = World("retries")
    world.config.change("ResetRetries", "2")
    _, follow_up = world.ask("Soft")
    assert world.service.pending == "Soft"
    assert world.ask("Hard") == {"status": "Accepted"}  # already going down: no second run
    await follow_up()
    assert world.resets == [False, False, False]
    assert world.service.pending is None  # given up: the station goes on
