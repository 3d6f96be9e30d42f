# Runs a board package (boards/w5500_evb_pico, boards/esp32_eth) on the stand-ins with the
# plant of rig.py, its provisioning file in ROOT, and a control port on 127.0.0.1:PORT
# that a test drives it through: one command a line, one JSON answer a line.
#
#     micropython run_board.py BOARD ROOT PORT [ROMFS_IMAGE]
#
# With ROMFS_IMAGE the device code runs from it, mounted at /rom, as on a board with a ROM
# partition (boards/sim/romfs_boot.py). Test code: never deployed.
import sys

if len(sys.argv) > 4:
    import vfs

    with open(sys.argv[4], "rb") as f:
        _image = f.read()
    vfs.mount(vfs.VfsRom(_image), "/rom")
    sys.path.insert(0, "/rom")

import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402

if hasattr(gc, "threshold"):
    gc.threshold(16384)  # as the board's main.py

import machine  # noqa: E402
import network  # noqa: E402
from rig import Plant  # noqa: E402

BOARD, ROOT, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])


def status(board, plant):
    wdt = machine.watchdogs[0] if machine.watchdogs else None
    station = board.station
    answer = {"energy_wh": plant.energy_wh, "power_w": plant.power_w,
              "contactor": plant.contactor_closed(),
              "setpoint_w": plant.setpoint_w(board.max_power_w),
              "meter_requests": len(plant.meter.requests),
              "rtc": list(machine.RTC().datetime()), "rtc_sets": len(machine.RTC.sets),
              "link_polls": network.nics[0].polls, "unhealthy": board.unhealthy()}
    if wdt is not None:
        answer["watchdog"] = {"timeout": wdt.timeout, "feeds": wdt.feeds,
                              "starved_ms": wdt.starved_ms()}
    if station is not None:
        answer.update(station.snapshot())
    if hasattr(gc, "mem_free"):
        gc.collect()
        answer["heap_free"] = gc.mem_free()
    return answer


async def stuck():
    await asyncio.Event().wait()


def command(line, board, plant):
    words = line.split()
    verb, arg = words[0], words[1] if len(words) > 1 else None
    if verb == "plug":
        plant.plug(True)
    elif verb == "unplug":
        plant.plug(False)
    elif verb == "tap":
        plant.tap(arg)
    elif verb == "remove":
        plant.remove()
    elif verb == "meter":
        plant.meter.silent = arg == "silent"
    elif verb == "weld":
        plant.welded = True
        plant._drive(machine.levels.get(plant.spec["contactor"], 0))
    elif verb == "stuck_open":
        plant.stuck_open = True
    elif verb in ("estop", "door", "insulation"):
        plant.contact(verb, arg in ("on", "open"))
    elif verb == "temp":
        plant.temperature(int(arg))
    elif verb == "link":
        plant.link(arg == "up")
    elif verb == "stick":  # the board's link watch stops passing: its task never returns
        board.ethernet.watch = stuck
        for entry in board.station.supervisor._kept:
            if entry[0] == "board link" and entry[2] is not None:
                entry[2].cancel()
    elif verb == "reader_dead":
        plant.chip.dead = True
    elif verb != "status":
        return {"error": "unknown command " + verb}
    return status(board, plant)


async def serve(board, plant):
    async def client(reader, writer):
        while True:
            line = await reader.readline()
            if not line:
                break
            try:
                answer = command(line.decode().strip(), board, plant)
            except Exception as error:  # the test reads why
                answer = {"error": "%s: %s" % (type(error).__name__, error)}
            writer.write((json.dumps(answer) + "\n").encode())
            await writer.drain()
        writer.close()

    return await asyncio.start_server(client, "127.0.0.1", PORT)


async def main():
    from boards.common.provisioning import PROVISION_PATH, Provisioning
    from boards.common.startup import run_station

    module = __import__("boards." + BOARD + ".board", None, None, ["build"])
    pins = __import__("boards." + BOARD + ".pins", None, None, ["CONNECTORS"])
    plant = Plant(pins)
    board = module.build(Provisioning(ROOT + PROVISION_PATH, module.WATCHDOG_MS),
                         machine=machine, network=network, root=ROOT)
    plant_task = asyncio.create_task(plant.run(board.max_power_w))
    server = await serve(board, plant)
    print("rig: control on %d" % PORT)
    try:
        await run_station(board, console=False)
    finally:
        plant_task.cancel()
        server.close()


asyncio.run(main())
