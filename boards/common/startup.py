"""What a board package's main.py runs: the provisioning file read, the board built and its
hardware attached, the station and the field console started beside it, until the board
resets. Without a provisioning file, or with a bad one, it says why and leaves the REPL to
whoever provisions the board; after a raw-REPL soft reset (mpremote without `resume`) it
runs the REPL without the station once (console.py), so `mpremote cp` and `romfs deploy`
work on a board whose station was running.

    board_main(board_module)           a board package's main.py: its board.py's
                                       build(provisioning) and WATCHDOG_MS
    main(read_provisioning, start)     the same for any board (boards/mps2_an385/main.py)
"""
import asyncio
import os

from boards.common.console import REPL_ONCE_PATH, FieldConsole
from boards.common.provisioning import PROVISION_PATH


async def run_station(board, console=True):
    """Attaches the board's hardware, builds the station on it and runs both (and the field
    console) until the board resets."""
    from firmware.station import Station

    await board.attach()
    station = Station(board)
    board.station = station
    board.keep_tasks(station.supervisor)
    # Referenced for as long as the station runs; neither ends while the board is up.
    tasks = [asyncio.create_task(station.run())]
    if console:
        board.console = FieldConsole({"station": station, "board": board},
                                     "field console of station %s: help() lists the helpers"
                                     % board.identity_name)
        tasks.append(asyncio.create_task(board.console.run()))
    await tasks[0]


async def repl_without_station(watchdog_ms):
    """The raw REPL mpremote expects after its soft reset, the station stopped; Ctrl-B
    leaves it for MicroPython's own REPL. A watchdog the station started cannot be
    stopped: fed here, and not at MicroPython's own REPL, which it resets after its
    timeout into the station again."""
    import machine

    wdt = machine.WDT(timeout=watchdog_ms) if watchdog_ms else None
    running = asyncio.create_task(FieldConsole({}, station=False).run())
    while not running.done():
        if wdt is not None:
            wdt.feed()
        await asyncio.sleep(1)


def repl_once(root=""):
    """True (once) when the last soft reset asked for the REPL without the station."""
    try:
        os.remove(root + REPL_ONCE_PATH)
        return True
    except OSError:  # no such file: the station starts
        return False


def main(read_provisioning, start):
    """`read_provisioning()`: the board's Provisioning (OSError, ValueError when it cannot);
    `start(provisioning)`: the coroutine that runs the station."""
    if repl_once():
        try:  # the station started the watchdog as its provisioning said
            watchdog_ms = read_provisioning().watchdog_ms
        except (OSError, ValueError):
            watchdog_ms = 0
        asyncio.run(repl_without_station(watchdog_ms))
        return
    try:
        provisioning = read_provisioning()
    except (OSError, ValueError) as e:
        print("station: not provisioned (%s %s): write it, then reset the board"
              % (PROVISION_PATH, e))
        return
    asyncio.run(start(provisioning))


def board_main(board_module):
    from boards.common.provisioning import Provisioning

    main(lambda: Provisioning(PROVISION_PATH, board_module.WATCHDOG_MS),
         lambda provisioning: run_station(board_module.build(provisioning)))
