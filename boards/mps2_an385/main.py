"""The station on the emulated MPS2-AN385 board: what /main.py on the board's flash runs
(`import boards.mps2_an385.main`, written by the launcher or `make deploy`), after _boot.py
mounted the flash.

Reads the provisioning file, builds the board (its I/O controller on UART1), starts the
station and the field console on the console UART, and runs until the board resets. Without
a provisioning file, or with a bad one, it says why and leaves the REPL to whoever
provisions the board.
"""
import gc

# Before anything else is imported: collect every GC_THRESHOLD_BYTES allocated, not only
# when the heap is full, so what survives is not scattered over the whole 128 KB heap
# (boards/sim/main.py measured it on the unix port: without it no free piece over 4 KB).
GC_THRESHOLD_BYTES = 16384
gc.threshold(GC_THRESHOLD_BYTES)

import asyncio  # noqa: E402 (after the threshold, as every import below)

from boards.common.console import FieldConsole  # noqa: E402
from boards.common.startup import main  # noqa: E402


async def run_station(provisioning):
    from boards.mps2_an385.board import Mps2Board
    from firmware.station import Station

    board = Mps2Board(provisioning)
    await board.attach_hardware()
    station = Station(board)
    board.station = station
    console = FieldConsole({"station": station, "board": board},
                           "field console of station %s: help() lists the helpers"
                           % board.identity_name)
    board.console = console
    # Referenced for as long as the station runs; neither ends while the board is up.
    tasks = [asyncio.create_task(station.run()), asyncio.create_task(console.run()),
             asyncio.create_task(board.watch_link())]
    await tasks[0]


def read_provisioning():
    from boards.mps2_an385.board import Provisioning

    return Provisioning()


main(read_provisioning, run_station)
