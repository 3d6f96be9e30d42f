"""Heap of an idle connected station, run under MicroPython by tools/bench.py.

    micropython tools/bench_idle.py URL HW_HOST:PORT [ROMFS_IMAGE]
Boots the real firmware on the sim board against URL, its hardware (boards/sim/hardware.py)
served by tools/bench.py at HW_HOST:PORT, waits for BootNotification Accepted
and a few heartbeats, collects garbage and prints `IDLE-HEAP <in use> <free>`. With a ROMFS
image the code runs from it in place, as from a board's ROM partition; the image itself is
read into the heap here (a board keeps it in flash), so its size is not counted.
"""
import asyncio
import gc
import sys

image_bytes = 0
if len(sys.argv) > 3:
    import vfs

    with open(sys.argv[3], "rb") as f:
        image = f.read()
    image_bytes = len(image)
    vfs.mount(vfs.VfsRom(image), "/rom")
    sys.path.insert(0, "/rom")

from boards.sim.board import SimBoard  # noqa: E402 (after the ROMFS is mounted)
from firmware.station import Station  # noqa: E402


class QuietBoard(SimBoard):
    def log(self, line):
        pass


async def accepted(station):
    while not station.registration.accepted:
        await asyncio.sleep(0.05)


async def probe(url, hardware, settle_s):
    board = QuietBoard("BENCH", url, state_root="build/bench_state")
    host, _, port = hardware.rpartition(":")
    link = asyncio.create_task(board.run_link(await board.attach(host, int(port))))
    station = Station(board)
    board.station = station
    runner = asyncio.create_task(station.run())
    # Out of heap, a task dies and the station never gets accepted: give up then.
    await asyncio.wait_for(accepted(station), 10)
    await asyncio.sleep(settle_s)
    if runner.done():
        sys.exit(1)
    gc.collect()
    print("IDLE-HEAP", gc.mem_alloc() - image_bytes, gc.mem_free())
    runner.cancel()
    link.cancel()


asyncio.run(probe(sys.argv[1], sys.argv[2], 2.5))
