"""Heap of an idle connected station, run under MicroPython by tools/bench.py.

    micropython tools/bench_idle.py URL
Boots the real firmware on the sim board against URL, waits for BootNotification Accepted
and a few heartbeats, collects garbage and prints `IDLE-HEAP <in use> <free>`.
"""
import asyncio
import gc
import sys

from boards.sim.board import SimBoard
from firmware.station import Station


class QuietBoard(SimBoard):
    def log(self, line):
        pass


async def accepted(station):
    while not station.registration.accepted:
        await asyncio.sleep(0.05)


async def probe(url, settle_s):
    station = Station(QuietBoard("BENCH", url))
    runner = asyncio.create_task(station.run())
    # Out of heap, a task dies and the station never gets accepted: give up then.
    await asyncio.wait_for(accepted(station), 10)
    await asyncio.sleep(settle_s)
    if runner.done():
        sys.exit(1)
    gc.collect()
    print("IDLE-HEAP", gc.mem_alloc(), gc.mem_free())
    runner.cancel()


asyncio.run(probe(sys.argv[1], 2.5))
