# firmware/security/log: every event in the log; critical ones delivered for sure, in order,
# across reboots; the others from RAM only; a rolling, bounded log.
import asyncio

from firmware.security import log as security_log
from firmware.clock import Clock
from firmware.outbound import Outbound
from firmware.security.log import SecurityLog
from scratch import fresh_path

NOW = "2026-12-02T12:00:00Z"


def fresh(name):
    return fresh_path("test_security_log", name)


CLOCK = Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
CLOCK.set_iso8601(NOW)


def make(path, lines=None):
    return SecurityLog(path=path, clock=CLOCK, log=(lines if lines is not None else []).append)


class Central:
    """Confirms `limit` notifications, then never answers again (the power goes)."""

    def __init__(self, fail=0):
        self.received = []
        self.fail = fail
        self.limit = None

    async def call(self, action, payload):
        assert action == "SecurityEventNotification"
        if self.fail:
            self.fail -= 1
            raise OSError(113)
        if len(self.received) >= self.limit:
            await asyncio.Event().wait()
        self.received.append(payload)
        return {}


class Lane:
    """The log's pending events as the station's outbound queue takes them (the lane of
    firmware.security, whose code loads the log for each event)."""

    def __init__(self, log, clock):
        self.log = log
        self.clock = clock

    def head(self):
        return self.log.pending[0] if self.log.pending else None

    def request(self, event):
        return "SecurityEventNotification", security_log.notification(event, self.clock)

    def settle(self, event, answer):
        self.log.settle(event)


async def deliver(log, central, count):
    """Runs the outbound queue until `count` events are confirmed, then stops it; its
    waits to retry pass at once, on fake time."""
    central.limit = count
    now_ms = [0]

    async def wait(event, seconds):
        now_ms[0] += int(seconds * 1000) if seconds is not None else 0
        await asyncio.sleep(0)

    outbound = Outbound(log=lambda line: None, ticks_ms=lambda: now_ms[0],
                        ticks_diff=lambda a, b: a - b, wait=wait)
    outbound.add(Lane(log, CLOCK))
    sender = asyncio.create_task(outbound.send_forever(central.call))
    for _ in range(1000):
        await asyncio.sleep(0)
        if len(central.received) >= count:
            break
    await asyncio.sleep(0)
    sender.cancel()
    await asyncio.sleep(0)


async def test_events_are_logged_and_sent_in_order_with_time_and_info():
    log = make(fresh("order"))
    log.record("StartupOfTheDevice")
    log.record("InvalidCentralSystemCertificate", "x" * 400)
    central = Central()
    await deliver(log, central, 2)
    assert [p["type"] for p in central.received] == ["StartupOfTheDevice",
                                                     "InvalidCentralSystemCertificate"]
    assert central.received[0] == {"type": "StartupOfTheDevice", "timestamp": NOW}
    assert central.received[1]["techInfo"] == "x" * 255
    assert [e[2] for e in log.events()] == ["StartupOfTheDevice",
                                            "InvalidCentralSystemCertificate"]


async def test_only_unconfirmed_critical_events_come_back_after_a_reboot():
    path = fresh("reboot")
    log = make(path)
    log.record("StartupOfTheDevice")
    log.record("ResetOrReboot", "Hard")
    log.record("FailedToAuthenticateAtCentralSystem")  # not critical: RAM only
    central = Central()
    await deliver(log, central, 1)  # the first is confirmed, then the power goes
    again = make(path)
    assert [e[2] for e in again.pending] == ["ResetOrReboot"]
    central = Central()
    await deliver(again, central, 1)
    assert [p["type"] for p in central.received] == ["ResetOrReboot"]
    assert make(path).pending == []
    again.record("SettingSystemTime")
    assert make(path).pending[0][0] == 4  # numbering goes on after the reboot


async def test_a_failed_send_is_retried_and_nothing_is_lost():
    log = make(fresh("retry"))
    log.record("ResetOrReboot")
    central = Central(fail=2)
    await deliver(log, central, 1)
    assert [p["type"] for p in central.received] == ["ResetOrReboot"]


def test_the_log_rolls_and_keeps_what_is_still_pending():
    path = fresh("rolling")
    log = make(path)
    log.record("StartupOfTheDevice")  # critical, never confirmed
    for i in range(security_log.RECORDS_MAX + 20):
        log.record("InvalidMessages", str(i))
    kept = list(log.events())
    assert len(kept) <= security_log.RECORDS_KEPT + 21
    assert kept[0][2] == "StartupOfTheDevice" and kept[-1][3] == str(security_log.RECORDS_MAX + 19)
    assert [e[2] for e in make(path).pending] == ["StartupOfTheDevice"]
    assert len(log.pending) == security_log.PENDING_MAX  # the RAM queue is bounded
    assert log.pending[0][2] == "StartupOfTheDevice"  # the non-critical ones went first


def test_a_damaged_log_is_read_up_to_the_damage_and_a_missing_one_is_empty():
    path = fresh("damaged")
    log = make(path)
    log.record("StartupOfTheDevice")
    with open(path, "ab") as f:
        f.write(b"\x05\x00\x00\x00garbage")
    assert [e[2] for e in make(path).pending] == ["StartupOfTheDevice"]
    assert list(make(fresh("none")).events()) == []
