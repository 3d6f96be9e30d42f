# StatusNotification outbox and the transaction message queue, driven by asyncio with a
# recording stand-in for the link's call().
import asyncio

from firmware.clock import Clock
from firmware.connector import AVAILABLE, CHARGING, FAULTED, PREPARING
from firmware.outbound import Outbound
from firmware.core.status import MAX_PENDING, StatusService
from firmware.core.transactions import Transaction
from firmware.core.tx_messages import TransactionMessages


class Recorder:
    def __init__(self, answers=None):
        self.sent = []
        self.answers = answers or {}

    async def call(self, action, payload):
        self.sent.append((action, payload))
        return self.answers.get(action, {})


def service(count=2):
    clock = Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
    clock.set_iso8601("2026-11-25T10:00:00Z")
    return StatusService(connector_count=count, clock=clock, ticks_ms=lambda: 0,
                         log=lambda line: None)


def sending(lane, call):
    """The outbound queue's sender with `lane` its only one."""
    outbound = Outbound(log=lambda line: None, ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
    outbound.add(lane)
    return outbound.send_forever(call)


async def drain(task_coroutine, recorder, until):
    task = asyncio.create_task(task_coroutine)
    for _ in range(100):
        await asyncio.sleep(0)
        if until():
            break
    task.cancel()


async def test_after_boot_every_connector_then_changes_in_order():
    status = service()
    status.report_all()
    status.update(1, PREPARING, "NoError")
    status.update(1, CHARGING, "NoError")
    recorder = Recorder()
    await drain(sending(status, recorder.call), recorder, lambda: status.pending == 0)
    sent = [(p["connectorId"], p["status"]) for _, p in recorder.sent]
    assert sent == [(0, AVAILABLE), (1, AVAILABLE), (2, AVAILABLE), (1, PREPARING),
                    (1, CHARGING)]
    assert all(p["timestamp"] == "2026-11-25T10:00:00Z" and p["errorCode"] == "NoError"
               for _, p in recorder.sent)


def test_offline_changes_coalesce_to_the_newest_per_connector():
    status = service()
    status.update(1, PREPARING, "NoError", coalesce=True)
    status.update(1, FAULTED, "GroundFailure", coalesce=True)
    status.update(2, PREPARING, "NoError", coalesce=True)
    assert status.pending == 2


def test_outbox_is_bounded():
    status = service()
    for _ in range(MAX_PENDING * 3):
        status.update(1, PREPARING, "NoError")
        status.update(1, AVAILABLE, "NoError")
    assert status.pending <= MAX_PENDING


async def test_stop_queued_before_start_answer_gets_the_assigned_transaction_id():
    messages = TransactionMessages(log=lambda line: None)
    transaction = Transaction(1, "TAG", 100, "2026-11-25T10:00:00Z")

    def started(conf):
        transaction.transaction_id = conf["transactionId"]

    messages.push("StartTransaction", {"connectorId": 1, "idTag": "TAG", "meterStart": 100,
                                       "timestamp": "2026-11-25T10:00:00Z"}, transaction, started)
    messages.push("StopTransaction", {"meterStop": 150, "timestamp": "2026-11-25T10:05:00Z",
                                      "reason": "Local"}, transaction)
    assert len(messages) == 2
    recorder = Recorder({"StartTransaction": {"transactionId": 77,
                                              "idTagInfo": {"status": "Accepted"}}})
    await drain(sending(messages, recorder.call), recorder, lambda: len(messages) == 0)
    assert [a for a, _ in recorder.sent] == ["StartTransaction", "StopTransaction"]
    assert recorder.sent[1][1]["transactionId"] == 77
    assert "transactionId" not in recorder.sent[0][1]
