"""Heartbeat: tells the Central System the station is alive and keeps the clock in step."""
import asyncio


async def heartbeat_forever(call, clock, interval_s, log, sleep=asyncio.sleep):
    """Sends Heartbeat every interval_s() seconds (re-read each time: it can be changed)."""
    while True:
        await sleep(interval_s())
        await beat(call, clock, log)


async def beat(call, clock, log):
    """One Heartbeat; a missed one is logged (the next one tries again)."""
    try:
        conf = await call("Heartbeat", {})
    except Exception as error:
        log("heartbeat: %s: %s" % (type(error).__name__, error))
        return
    clock.set_iso8601(conf["currentTime"])
