"""Heartbeat: tells the Central System the station is alive and keeps the clock in step."""
from firmware import waits


async def heartbeat_forever(call, clock, interval_s, log):
    """Sends Heartbeat every interval_s() seconds (re-read each time: it can be changed;
    the BootNotification's may be longer than the board's ticks time in one go)."""
    while True:
        await waits.sleep(interval_s())
        await beat(call, clock, log)


async def beat(call, clock, log):
    """One Heartbeat; a missed one is logged (the next one tries again)."""
    try:
        conf = await call("Heartbeat", {})
    except Exception as error:
        log("heartbeat: %s: %s" % (type(error).__name__, error))
        return
    clock.set_iso8601(conf["currentTime"])
