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
import os  # noqa: E402

from boards.mps2_an385.console import REPL_ONCE_PATH, FieldConsole  # noqa: E402


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


async def repl_without_station():
    """The raw REPL mpremote expects after its soft reset, the station stopped; Ctrl-B
    leaves it for MicroPython's own REPL. A watchdog the station started cannot be
    stopped: fed here, and not at MicroPython's own REPL, which it resets after its
    timeout into the station again."""
    import machine

    from boards.mps2_an385.board import Provisioning

    try:  # the station started the watchdog as its provisioning said
        watchdog_ms = Provisioning().watchdog_ms
    except (OSError, ValueError):
        watchdog_ms = 0
    wdt = machine.WDT(timeout=watchdog_ms) if watchdog_ms else None
    console = FieldConsole({}, station=False)
    running = asyncio.create_task(console.run())
    while not running.done():
        if wdt is not None:
            wdt.feed()
        await asyncio.sleep_ms(1000)


def main():
    try:
        os.remove(REPL_ONCE_PATH)
        asyncio.run(repl_without_station())
        return
    except OSError:  # no such file: the station starts
        pass
    from boards.mps2_an385.board import PROVISION_PATH, Provisioning

    try:
        provisioning = Provisioning()
    except (OSError, ValueError) as e:
        print("station: not provisioned (%s %s): write it, then reset the board"
              % (PROVISION_PATH, e))
        return
    asyncio.run(run_station(provisioning))


main()
