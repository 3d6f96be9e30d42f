# Intervals from the Central System longer than a 32-bit board's tick counter can time in one
# go (issue 16; firmware/waits.py: past 2**29 ms, 6.2 days, MicroPython's asyncio raises
# OverflowError): the task that waits them keeps waiting and answering, it does not die.
# The failure shows on a 32-bit MicroPython only; host_tests/test_long_waits_board.py runs
# this module there.
import asyncio

from firmware.clock import Clock
from firmware.security.get_log import LogUpload
from firmware.core.heartbeat import heartbeat_forever
from firmware.core.registration import Registration

LONG_S = 600000  # BootNotification.conf interval in the issue: 6.9 days
NOTHING_LISTENS = "http://127.0.0.1:9/logs"  # loopback, refused at once


def clock():
    made = Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
    made.set_iso8601("2026-11-25T10:00:00Z")
    return made


async def turns(count=20):
    for _ in range(count):
        await asyncio.sleep(0.005)


async def stop(task):
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def test_boot_pending_with_a_week_long_interval_still_answers_a_trigger():
    boots = []

    async def call(action, payload):
        boots.append(action)
        status = "Pending" if len(boots) == 1 else "Accepted"
        return {"status": status, "interval": LONG_S, "currentTime": "2026-11-25T10:00:00Z"}

    registration = Registration(call=call, clock=clock(),
                                boot_payload=lambda: {"chargePointVendor": "V"},
                                log=lambda line: None, on_accepted=lambda interval_s: None)
    task = asyncio.create_task(registration.register())
    await turns()
    assert not task.done() and boots == ["BootNotification"]  # waiting its 600000 s
    registration.ask_again()  # TriggerMessage(BootNotification)
    await asyncio.wait_for(task, 1)
    assert boots == ["BootNotification"] * 2 and registration.accepted


async def test_a_week_long_heartbeat_interval_keeps_the_heartbeat_waiting():
    beats = []

    async def call(action, payload):
        beats.append(action)
        return {"currentTime": "2026-11-25T10:00:00Z"}

    task = asyncio.create_task(heartbeat_forever(call, clock(), lambda: LONG_S,
                                                 lambda line: None))
    await turns()
    try:
        assert not task.done() and beats == []
    finally:
        await stop(task)


class LogBoard:
    identity_name = "CP001"


class NoEvents:
    def events(self):
        return iter(())


async def test_a_week_long_get_log_retry_interval_keeps_the_upload_waiting():
    notified = []

    async def call(action, payload):
        notified.append(payload["status"])
        return {}

    lines = []
    uploads = []
    service = LogUpload(uploads=uploads, call=call, security_log=NoEvents(), board=LogBoard(),
                        log=lines.append, tls_context=None)
    request = {"logType": "SecurityLog", "requestId": 1, "retries": 1,
               "retryInterval": LONG_S, "log": {"remoteLocation": NOTHING_LISTENS}}
    answer, start = service.get_log(request)
    assert answer["status"] == "Accepted"
    start()
    for _ in range(200):  # the first attempt fails at once; then the wait
        await asyncio.sleep(0.005)
        if any("attempt 1 failed" in line for line in lines):
            break
    await turns()
    assert uploads, "the upload task ended"
    running = uploads[0]
    assert not running.done() and notified == ["Uploading"]
    answer, start = service.get_log(dict(request, requestId=2))
    assert answer["status"] == "AcceptedCanceled"  # N01.FR.11: the first one was waiting
    await turns()
    assert running.done()
