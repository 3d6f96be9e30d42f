# The device side of the UART link (boards/uart_link/hardware.py) on its own, for
# host_tests/test_hwlink_device.py: connects to the bridge at 127.0.0.1:PORT, prints a JSON
# line whenever `changed` fires ({"changed": view}) and answers one command per stdin line
# ({"reply": ...}):
#   view | tag | heap | energize N 0|1 | limit N W|none | toggles N | quit
# `energize` and `limit` answer once the I/O controller confirmed (confirmedMs);
# `toggles N` switches connector 2 on and off N times and answers the confirmation times.
# The service commands it carries out: "probe" -> {"ok": true}, "big" -> a too long reply.
# `heap` tells what the link costs a station, which has asyncio and json loaded already:
# `code`, the bytes its modules take when loaded from source (nothing when frozen or run
# from ROMFS), and `objects`, what its objects (the stream's included) hold after a few
# polls and a collection.
import asyncio
import gc
import json
import sys
import time


def allocated():
    gc.collect()
    return gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0


BEFORE_IMPORT = allocated()
from boards.uart_link.hardware import LinkedHardware  # noqa: E402
AFTER_IMPORT = allocated()

if hasattr(time, "ticks_ms"):
    ticks_ms, ticks_diff = time.ticks_ms, time.ticks_diff
else:
    def ticks_ms():
        return time.monotonic_ns() // 1000000

    def ticks_diff(a, b):
        return a - b


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    if hasattr(sys.stdout, "flush"):
        sys.stdout.flush()


def execute(command):
    if command == "probe":
        return {"ok": True, "probe": 1}
    if command == "big":
        return {"ok": True, "text": "x" * 2000}
    return {"ok": False, "error": "unknown"}


def _read(read):
    try:
        return read()
    except OSError:
        return "OSError"


def view(hw):
    connectors = []
    for c in hw.connectors:
        connectors.append({
            "plugged": c.plugged(), "error": c.error_code(), "demand": c.ev_demand(),
            "energyWh": _read(c.energy_wh), "powerW": _read(c.power_w),
            "voltageV": _read(c.voltage_v), "currentA": _read(c.current_a), "soc": c.soc(),
            "serial": c.meter_serial(), "confirmed": hw.core.confirmed(c.connector_id)})
    return {"up": hw.core.up, "estop": hw.emergency_stop(), "connectors": connectors,
            "counters": hw.core.counters(), "ms": ticks_ms()}


async def confirmed(hw, connector_id, started):
    while not hw.core.confirmed(connector_id):
        await asyncio.sleep(0.001)
    return ticks_diff(ticks_ms(), started)


async def watch_closed(hw):
    await hw.closed.wait()
    emit({"log": "stream closed"})


async def watch(hw):
    while True:
        await hw.changed.wait()
        hw.changed.clear()
        emit({"changed": view(hw)})


async def serve(hw):
    if sys.implementation.name == "micropython":
        reader = asyncio.StreamReader(sys.stdin)

        async def readline():
            return (await reader.readline()).decode()
    else:
        loop = asyncio.get_running_loop()

        async def readline():
            return await loop.run_in_executor(None, sys.stdin.readline)
    while True:
        words = (await readline()).split()
        if not words or words[0] == "quit":
            return
        word = words[0]
        if word == "view":
            reply = view(hw)
        elif word == "tag":
            reply = hw.read_tag()
        elif word == "heap":
            reply = {"code": AFTER_IMPORT - BEFORE_IMPORT, "objects": OBJECTS[0],
                     "free": gc.mem_free() if hasattr(gc, "mem_free") else 0}
        elif word in ("energize", "limit"):
            connector = hw.connectors[int(words[1]) - 1]
            started = ticks_ms()
            if word == "energize":
                connector.set_energize(words[2] == "1")
            else:
                connector.set_limit_w(None if words[2] == "none" else int(words[2]))
            reply = {"confirmedMs": await confirmed(hw, connector.connector_id, started)}
        elif word == "toggles":
            times = []
            for i in range(int(words[1])):
                started = ticks_ms()
                hw.connectors[1].set_energize(i % 2 == 0)
                times.append(await confirmed(hw, 2, started))
            reply = {"confirmedMs": times}
        else:
            reply = "unknown probe command"
        emit({"reply": reply})


OBJECTS = []  # what the link holds after a few polls, before the probe adds its own


async def main(port):
    before = allocated()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    hw = LinkedHardware(2, ticks_ms, ticks_diff, lambda line: emit({"log": line}), execute)
    up = await hw.start(reader, writer)
    await asyncio.sleep(0.6)  # a few polls
    OBJECTS.append(allocated() - before)
    emit({"started": up, "view": view(hw)})
    watchers = [asyncio.create_task(watch(hw)), asyncio.create_task(watch_closed(hw))]
    await serve(hw)
    for watcher in watchers:
        watcher.cancel()


asyncio.run(main(int(sys.argv[1])))
