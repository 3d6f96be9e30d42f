"""The millisecond clock and sleep a board package uses, the same on MicroPython (its own
time.ticks_ms, asyncio.sleep_ms) and CPython (the test stand-ins' runs)."""
import asyncio
import time

if hasattr(time, "ticks_ms"):
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
    sleep_ms = asyncio.sleep_ms
    block_ms = time.sleep_ms  # a blocking sleep, for a driver's few milliseconds
else:  # CPython: a monotonic millisecond counter with the same interface
    def ticks_ms():
        return time.monotonic_ns() // 1000000

    def ticks_diff(end, start):
        return end - start

    def sleep_ms(ms):
        return asyncio.sleep(ms / 1000)

    def block_ms(ms):
        time.sleep(ms / 1000)
