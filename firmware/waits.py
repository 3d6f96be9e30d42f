"""Waits as long as the Central System asks for (a heartbeat or boot interval, a retry
interval, a date a month ahead), which a board's tick counter cannot time in one go.

MicroPython's asyncio times every sleep and wait_for with `ticks_add`, and on a 32-bit
board (ticks wrap at 2**30 ms) that refuses a span of 2**29 ms or more -- 6.2 days -- with
OverflowError("ticks interval overflow"); a span past 2**31 ms (24.8 days) fails earlier,
converting the milliseconds to a machine word. Measured on the 32-bit unix port 1.25: 600000
s raises the first, 2592000 s (30 days) the second; 2**29 - 1 ms is accepted. The waits here
go in steps of STEP_S, far inside that, and a wait for a date reads the UTC clock again at
each step, so a clock set meanwhile moves the end with it.
"""
import asyncio

STEP_S = 24 * 3600


async def sleep(seconds):
    """asyncio.sleep(seconds), for any number of seconds."""
    while seconds > STEP_S:
        await asyncio.sleep(STEP_S)
        seconds -= STEP_S
    if seconds > 0:
        await asyncio.sleep(seconds)


async def wait(event, seconds):
    """Returns once `event` is set or `seconds` have passed (None: no limit)."""
    if seconds is None:
        await event.wait()
        return
    while seconds > 0:
        step = min(seconds, STEP_S)
        try:
            await asyncio.wait_for(event.wait(), step)
            return
        except asyncio.TimeoutError:
            seconds -= step


async def until(clock, unix_s):
    """Returns once the UTC clock (firmware.clock.Clock) reads `unix_s` or later."""
    while True:
        left_s = unix_s - clock.now_s()
        if left_s <= 0:
            return
        await asyncio.sleep(min(left_s, STEP_S))
