# The durable transaction message queue (firmware/core/tx_messages.py): chronological delivery,
# the assigned transactionId, TransactionMessageAttempts / RetryInterval, errata 3.18,
# the bound, the journal across reboots, torn writes at every byte, compaction.
import gc
import json
import os

from firmware.core.tx_messages import COMPACT_MIN_BYTES, MARKS_HELD, MAX_QUEUED
from tx_fakes import Central, Rig, deliver, folder


def session(rig, connector_id=1, samples=3, tag="TAG1"):
    """Start, `samples` periodic MeterValues 5 s apart, stop: all queued, nothing sent."""
    rig.config.change("MeterValueSampleInterval", "5")
    rig.transactions.start(connector_id, tag)
    rig.advance(samples * 5)
    rig.transactions.stop(connector_id, "Local", tag)


async def test_offline_session_is_delivered_in_order_with_the_assigned_id():
    rig = Rig(folder("order"))
    session(rig)
    assert [m.action for m in rig.messages] == ["StartTransaction"] + ["MeterValues"] * 3 + \
        ["StopTransaction"]
    central = Central()
    await deliver(rig, central)
    assert central.actions() == ["StartTransaction", "MeterValues", "MeterValues",
                                 "MeterValues", "StopTransaction"]
    assert "transactionId" not in central.sent[0][1]
    assert {p["transactionId"] for _, p in central.sent[1:]} == {101}
    stamps = [p["meterValue"][0]["timestamp"] for a, p in central.sent if a == "MeterValues"]
    assert stamps == sorted(stamps)


async def test_retry_after_callerror_waits_interval_times_attempt_then_delivers():
    rig = Rig(folder("retry"), settings={"TransactionMessageAttempts": "3",
                                         "TransactionMessageRetryInterval": "7"})
    rig.transactions.start(1, "TAG1")
    central = Central()
    central.refuse["StartTransaction"] = 2
    await deliver(rig, central)
    assert central.actions() == ["StartTransaction"] * 3
    assert rig.sleeps == [7, 14]  # OCPP 1.6 3.7.1: interval x preceding transmissions
    assert rig.transactions.on_connector(1).transaction_id == 101


async def test_start_refused_every_time_is_skipped_and_later_messages_use_minus_one():
    # Errata 3.18: no transactionId known -> transactionId = -1.
    rig = Rig(folder("skip"), settings={"TransactionMessageAttempts": "2"})
    session(rig, samples=1)
    central = Central()
    central.refuse["StartTransaction"] = 5
    await deliver(rig, central)
    assert central.actions() == ["StartTransaction", "StartTransaction", "MeterValues",
                                 "StopTransaction"]
    assert [p["transactionId"] for _, p in central.sent[2:]] == [-1, -1]


async def test_refused_meter_values_skipped_after_attempts_the_stop_still_goes():
    rig = Rig(folder("skip_mv"), settings={"TransactionMessageAttempts": "1"})
    session(rig, samples=1)
    central = Central()
    central.refuse["MeterValues"] = 1
    await deliver(rig, central)
    assert central.actions() == ["StartTransaction", "MeterValues", "StopTransaction"]
    assert len(rig.messages) == 0


async def test_time_outs_and_lost_links_are_retried_without_counting():
    rig = Rig(folder("offline"), settings={"TransactionMessageAttempts": "1"})
    rig.transactions.start(1, "TAG1")
    failures = [3]
    central = Central()

    async def flaky(action, payload):
        if failures[0]:
            failures[0] -= 1
            raise OSError(104, "link down")
        return await central.call(action, payload)

    import asyncio
    task = asyncio.create_task(rig.outbound.send_forever(flaky))
    for _ in range(50):
        await asyncio.sleep(0)
    task.cancel()
    assert central.actions() == ["StartTransaction"] and len(rig.messages) == 0


async def test_queue_survives_a_reboot_and_only_held_meter_values_are_sent_again():
    """A delivered StartTransaction is never sent again; a delivered MeterValues whose mark
    waited for the journal's next write is (at least once, MARKS_HELD at most)."""
    path = folder("reboot")
    rig = Rig(path)
    session(rig, samples=2)
    central = Central()
    # Deliver only StartTransaction and the first MeterValues, then the power goes.
    import asyncio
    sent = []

    async def two_then_hang(action, payload):
        if len(sent) == 2:
            await asyncio.sleep(3600)
        sent.append(action)
        return await central.call(action, payload)

    task = asyncio.create_task(rig.outbound.send_forever(two_then_hang))
    for _ in range(20):
        await asyncio.sleep(0)
    task.cancel()
    rebooted = Rig(path)
    assert [m.action for m in rebooted.messages] == ["MeterValues"] * 2 + ["StopTransaction"]
    assert rebooted.messages.running() == []
    await deliver(rebooted, central)
    assert central.actions() == ["StartTransaction"] + ["MeterValues"] * 3 + \
        ["StopTransaction"]
    assert central.sent[1] == central.sent[2]  # the held one, again
    assert {p["transactionId"] for _, p in central.sent[1:]} == {101}
    assert len(Rig(path).messages) == 0


def test_queue_is_bounded_and_start_stop_are_never_dropped():
    rig = Rig(folder("bound"), settings={"MeterValueSampleInterval": "5"})
    rig.transactions.start(1, "TAG1")
    rig.advance((MAX_QUEUED + 20) * 5)
    rig.transactions.stop(1, "Local", "TAG1")
    actions = [m.action for m in rig.messages]
    assert len(actions) <= MAX_QUEUED + 1
    assert actions[0] == "StartTransaction" and actions[-1] == "StopTransaction"
    stamps = [m.payload["meterValue"][0]["timestamp"] for m in rig.messages
              if m.action == "MeterValues"]
    assert stamps == sorted(stamps)
    path, queued = rig.path, len(actions)
    del rig, actions, stamps  # a reboot: nothing of the station before it is left in the heap
    gc.collect()
    assert len(Rig(path).messages) == queued


def test_a_cut_at_every_byte_of_the_journal_recovers_the_last_complete_state():
    path = folder("cut")
    rig = Rig(path, settings={"MeterValueSampleInterval": "5"})
    messages = rig.messages

    def deliver_first():
        message = messages._queue.pop(0)
        messages._done(message, 500 + message.seq if message.action == "StartTransaction"
                       else None)

    # One journal write per step at most (the samples of the two transactions are 2.5 s
    # apart), so every cut falls between two known states.
    steps = [lambda: rig.transactions.start(1, "A"), lambda: rig.advance(2.5),
             lambda: rig.transactions.start(2, "B"), lambda: rig.advance(2.5), deliver_first,
             lambda: rig.advance(2.5), deliver_first, lambda: rig.transactions.stop(1, "Local", "A"),
             deliver_first, deliver_first]
    # After each step: (journal size, queued seqs, refs running); ref n is on connector n.
    # Queued in flash: a delivered MeterValues whose mark waits for the next write too.
    seen = [(0, [], [])]
    for step in steps:
        step()
        held = list(messages._marks)
        seen.append((messages._journal.size, sorted(held + [m.seq for m in messages._queue]),
                     [t.ref for t in messages.running()]))
    with open(path + "/tx.journal", "rb") as f:
        data = f.read()
    assert len(data) == seen[-1][0]
    cut_path = folder("cut_at")
    for cut in range(len(data) + 1):
        with open(cut_path + "/tx.journal", "wb") as f:
            f.write(data[:cut])
        _, queued, running = [s for s in seen if s[0] <= cut][-1]
        recovered = Rig(cut_path).messages
        # What was queued, then a StopTransaction PowerLoss for each transaction running.
        assert [m.seq for m in recovered._queue][:len(queued)] == queued, cut
        tail = [m for m in recovered][len(queued):]
        assert [m.payload["reason"] for m in tail] == ["PowerLoss"] * len(running), cut
        assert sorted(t.connector_id for t in recovered.transactions.values()
                      if t.ended and t.ref in running) == sorted(running), cut
        if cut >= seen[5][0]:  # the answer to the first StartTransaction is kept
            assert recovered.transactions[1].transaction_id == 501, cut


async def test_compaction_keeps_the_journal_bounded_and_the_state_intact():
    path = folder("compact")
    rig = Rig(path, settings={"MeterValueSampleInterval": "5"})
    central = Central(keep=False)
    rig.transactions.start(1, "TAG1")
    for _ in range(300):
        rig.advance(5)
        await deliver(rig, central)
    journal = rig.messages._journal
    assert journal.size <= 2 * COMPACT_MIN_BYTES
    assert os.stat(path + "/tx.journal")[6] == journal.size
    transaction = rig.transactions.on_connector(1)
    rebooted = Rig(path)
    assert rebooted.transactions.interrupted == [1]
    stop = [m.payload for m in rebooted.messages][-1]
    assert stop["reason"] == "PowerLoss" and stop["meterStop"] == transaction.last_wh
    assert stop["transactionData"][:-1] == transaction.stop_data


async def test_no_heap_for_the_journal_record_keeps_the_messages_queued_in_ram():
    rig = Rig(folder("no_heap"))

    def heap_exhausted(data, before=()):  # MicroPython's MemoryError on a full heap
        raise MemoryError("memory allocation failed, allocating 867 bytes")

    rig.messages._journal.append = heap_exhausted
    session(rig, samples=2)
    assert [m.action for m in rig.messages] == ["StartTransaction"] + ["MeterValues"] * 2 + \
        ["StopTransaction"]
    assert rig.messages.write_errors == 4  # one record a message
    central = Central()
    await deliver(rig, central)
    assert central.actions() == ["StartTransaction", "MeterValues", "MeterValues",
                                 "StopTransaction"]


async def test_meter_values_marks_ride_with_the_next_write_and_at_most_marks_held_wait():
    """Each append costs the flash a block erase: a MeterValues delivered is marked with the
    journal's next write, and MARKS_HELD marks at most wait for one."""
    rig = Rig(folder("marks"), settings={"MeterValueSampleInterval": "5"})
    central = Central(keep=False)
    rig.transactions.start(1, "TAG1")
    await deliver(rig, central)
    journal = rig.messages._journal
    for _ in range(4):  # online: the sample's record is the one write
        rig.advance(5)
        writes = journal.writes
        await deliver(rig, central)
        assert journal.writes == writes and len(rig.messages._marks) == 1
    backlog = 3 * MARKS_HELD + 2  # offline, then delivered back to back
    for _ in range(backlog):
        rig.advance(5)
    writes = journal.writes
    await deliver(rig, central)
    assert journal.writes - writes == backlog // MARKS_HELD
    assert len(rig.messages._marks) == backlog % MARKS_HELD
    rig.transactions.stop(1, "Local", "TAG1")
    await deliver(rig, central)
    assert rig.messages._marks == []
    assert len(Rig(rig.path).messages) == 0  # every mark is in flash
