# MinimumStatusDuration (OCPP 1.6 4.9, 9.1.20; PICS C-05): a status is reported only once it
# has been stable that long; 0 reports at once.
import asyncio

from firmware import waits
from firmware.clock import Clock
from firmware.config import Configuration
from firmware.connector import AVAILABLE, CHARGING, FINISHING, PREPARING
from firmware.core.status import StatusService
from firmware.outbound import Outbound
from store.atomic import ensure_dir


class FakeTime:
    def __init__(self):
        self.now_ms = 0

    def ticks_ms(self):
        return self.now_ms


def service(name, minimum_s):
    ensure_dir("build/test_status_msd")
    path = "build/test_status_msd/%s.json" % name
    try:
        import os
        os.remove(path)
    except OSError:
        pass
    config = Configuration(path=path, log=lambda line: None)
    time = FakeTime()
    clock = Clock(ticks_ms=lambda: time.ticks_ms(), ticks_diff=lambda a, b: a - b)
    clock.set_iso8601("2026-11-25T10:00:00Z")
    status = StatusService(connector_count=2, clock=clock, ticks_ms=lambda: time.ticks_ms(),
                           log=lambda line: None, config=config, ticks_diff=lambda a, b: a - b)
    assert config.change("MinimumStatusDuration", str(minimum_s)) == "Accepted"
    return status, time, config


class Recorder:
    def __init__(self):
        self.sent = []

    async def call(self, action, payload):
        self.sent.append((payload["connectorId"], payload["status"]))
        return {}


async def turns(count=20):
    for _ in range(count):
        await asyncio.sleep(0)


def polled(asked=None):
    """The sender's wait on fake time: it records how long the sender asked to wait and
    returns at the next turn, so the sender looks again at whatever time the test set."""
    async def wait(event, seconds):
        if asked is not None:
            asked.append(seconds)
        await asyncio.sleep(0)
    return wait


async def run_for(status, recorder, wait=waits.wait):
    outbound = Outbound(log=lambda line: None, ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b,
                        wait=wait)
    outbound.add(status)
    task = asyncio.create_task(outbound.send_forever(recorder.call))
    await turns()
    return task


def test_key_is_optional_rw_integer_and_bounded():
    status, _, config = service("key", 0)
    entries, _ = config.listing(["MinimumStatusDuration"])
    assert entries == [{"key": "MinimumStatusDuration", "readonly": False, "value": "0"}]
    assert config.change("MinimumStatusDuration", "-1") == "Rejected"
    assert config.change("MinimumStatusDuration", "3601") == "Rejected"


async def test_zero_reports_every_status_at_once():
    status, time, _ = service("zero", 0)
    recorder = Recorder()
    status.update(1, PREPARING, "NoError")
    status.update(1, CHARGING, "NoError")
    task = await run_for(status, recorder)
    task.cancel()
    assert recorder.sent == [(1, PREPARING), (1, CHARGING)]


async def test_a_status_is_sent_only_after_it_was_stable_long_enough():
    status, time, _ = service("stable", 1)
    recorder = Recorder()
    asked = []  # the sender's waits, in seconds
    task = await run_for(status, recorder, wait=polled(asked))
    status.update(1, PREPARING, "NoError")
    time.now_ms = 300
    status.update(1, CHARGING, "NoError")  # Preparing lasted 0.3 s: never reported
    await turns()
    assert asked[-1] == 1.0  # the sender sleeps until Charging is due, 1 s after it began
    time.now_ms = 1299
    await turns()
    assert recorder.sent == [] and status.pending == 1
    time.now_ms = 1300
    await turns()
    task.cancel()
    assert recorder.sent == [(1, CHARGING)] and status.pending == 0


async def test_a_return_to_the_reported_status_sends_nothing():
    status, time, _ = service("flap", 1)
    recorder = Recorder()
    status.report_all()  # boot: the present statuses go at once
    task = await run_for(status, recorder, wait=polled())
    assert recorder.sent == [(0, AVAILABLE), (1, AVAILABLE), (2, AVAILABLE)]
    status.update(2, PREPARING, "NoError")
    time.now_ms = 300
    status.update(2, AVAILABLE, "NoError")  # back to what was reported, within 1 s
    time.now_ms = 5000
    await turns()
    assert recorder.sent[3:] == []
    status.update(2, PREPARING, "NoError")
    time.now_ms = 5999
    status.update(2, FINISHING, "NoError")  # Preparing lasted 0.999 s: never reported
    time.now_ms = 6998
    await turns()
    assert recorder.sent[3:] == []
    time.now_ms = 6999  # Finishing has lasted 1 s
    await turns()
    task.cancel()
    assert recorder.sent[3:] == [(2, FINISHING)]
