# MinimumStatusDuration (OCPP 1.6 4.9, 9.1.20; PICS C-05): a status is reported only once it
# has been stable that long; 0 reports at once.
import asyncio

from firmware.clock import Clock
from firmware.config import Configuration
from firmware.connector import AVAILABLE, CHARGING, FINISHING, PREPARING
from firmware.outbound import Outbound
from firmware.status import StatusService
from store.atomic import ensure_dir


def real_ms():
    clock = __import__("time")
    return clock.ticks_ms() if hasattr(clock, "ticks_ms") else int(clock.time() * 1000)


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
    config = Configuration(path, lambda line: None)
    time = FakeTime()
    clock = Clock(lambda: time.ticks_ms(), lambda a, b: a - b)
    clock.set_iso8601("2026-11-25T10:00:00Z")
    status = StatusService(2, clock, lambda: time.ticks_ms(), lambda line: None, config,
                           lambda a, b: a - b)
    assert config.change("MinimumStatusDuration", str(minimum_s)) == "Accepted"
    return status, time, config


class Recorder:
    def __init__(self):
        self.sent = []

    async def call(self, action, payload):
        self.sent.append((payload["connectorId"], payload["status"]))
        return {}


async def run_for(status, recorder, steps=20):
    outbound = Outbound(lambda line: None, lambda: 0, lambda a, b: a - b)
    outbound.add(status)
    task = asyncio.create_task(outbound.send_forever(recorder.call))
    for _ in range(steps):
        await asyncio.sleep(0)
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
    time.ticks_ms = real_ms  # the sender waits in real time for the held status to be due
    recorder = Recorder()
    task = await run_for(status, recorder)
    status.update(1, PREPARING, "NoError")
    await asyncio.sleep(0.3)
    status.update(1, CHARGING, "NoError")  # Preparing lasted 0.3 s: never reported
    await asyncio.sleep(0.8)
    assert recorder.sent == [] and status.pending == 1
    await asyncio.sleep(0.4)
    task.cancel()
    assert recorder.sent == [(1, CHARGING)] and status.pending == 0


async def test_a_return_to_the_reported_status_sends_nothing():
    status, time, _ = service("flap", 1)
    recorder = Recorder()
    status.report_all()  # boot: the present statuses go at once
    task = await run_for(status, recorder)
    assert recorder.sent == [(0, AVAILABLE), (1, AVAILABLE), (2, AVAILABLE)]
    status.update(2, PREPARING, "NoError")
    time.now_ms = 300
    status.update(2, AVAILABLE, "NoError")
    time.now_ms = 5000
    await asyncio.sleep(0.05)
    status.update(2, PREPARING, "NoError")
    time.now_ms = 6000
    status.update(2, FINISHING, "NoError")
    time.now_ms = 7000
    await asyncio.sleep(0.05)
    task.cancel()
    assert recorder.sent[3:] == [(2, FINISHING)]
