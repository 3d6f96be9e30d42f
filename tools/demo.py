"""`make run`: the simulated station against a Central System, a short charging session, then
the station's field console.

Starts the bundled Central System on loopback (or uses `--csms URL`), launches the simulated
station under MicroPython with its control port and console, and drives the simulated
hardware through the control port: plug connector 1, tap a card, charge for a while with
the SoC rising, tap again to stop, unplug. The station prints every OCPP frame it sends (->)
and receives (<-); the demo prints a one-line status per connector every few seconds. Then
the console stays open (stdin is the station's) until Ctrl-C.
"""
import argparse
import asyncio
import json
import os
import shutil
import socket
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from firmware.console import connector_line  # noqa: E402
from tools.csms import CentralSystem  # noqa: E402

STATION = os.path.join(ROOT, "boards", "sim", "station")
DEMO_TAG = "DEMO1234"
STATUS_EVERY_S = 2
STEP_TIMEOUT_S = 10
REGISTRATION_TIMEOUT_S = 20
# A small battery: the SoC visibly climbs within half a minute without reaching full.
EV_SETUP = ("ev 1 capacity 3", "ev 1 soc 40")
METER_INTERVAL_S = 5


def say(text):
    print("demo: " + text, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_line(status):
    return " | ".join(connector_line(c) for c in status.get("connectors", ()) if c.get("id"))


class ControlPort:
    """The simulated hardware's control port: one command line out, one JSON line back."""

    def __init__(self, port):
        self.port = port
        self._reader = self._writer = None
        self._lock = asyncio.Lock()

    async def connect(self, station, timeout_s):
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1",
                                                                           self.port)
                return True
            except OSError:
                if station.returncode is not None or \
                        asyncio.get_running_loop().time() > deadline:
                    return False
                await asyncio.sleep(0.1)

    async def send(self, command):
        async with self._lock:
            self._writer.write(command.encode() + b"\n")
            await self._writer.drain()
            line = await asyncio.wait_for(self._reader.readline(), STEP_TIMEOUT_S)
        if not line:
            raise OSError("control port closed")
        return json.loads(line)

    def close(self):
        if self._writer is not None:
            self._writer.close()


async def wait_for(control, predicate, timeout_s):
    """Polls `status` until predicate(status) holds; returns the last status either way."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        status = await control.send("status")
        if predicate(status) or asyncio.get_running_loop().time() > deadline:
            return status
        await asyncio.sleep(0.2)


def connector(status, connector_id):
    for c in status.get("connectors", ()):
        if c.get("id") == connector_id:
            return c
    return {}


async def step(control, command, expected_status, what, pause_s):
    """One demo action, then waits for connector 1 to reach the status it should lead to."""
    reply = await control.send(command)
    if not reply.get("ok"):
        say("%s: the simulator refused %r: %s" % (what, command, reply.get("error", reply)))
        return False
    status = await wait_for(control, lambda s: connector(s, 1).get("status") == expected_status,
                            STEP_TIMEOUT_S)
    reached = connector(status, 1).get("status")
    if reached != expected_status:
        say("%s had no visible effect: connector 1 is %s, expected %s"
            % (what, reached, expected_status))
        return False
    say("%s -> connector 1 %s" % (what, reached))
    await asyncio.sleep(pause_s)  # so a watcher can follow the traffic the action caused
    return True


async def print_status_forever(control):
    while True:
        try:
            say(status_line(await control.send("status")))
        except (OSError, ValueError, asyncio.TimeoutError) as error:
            say("status unavailable (%s)" % error)
        await asyncio.sleep(STATUS_EVERY_S)


async def play(control, charge_s, pause_s, central, identity):
    status = await wait_for(control, lambda s: s.get("registration") == "Accepted",
                            REGISTRATION_TIMEOUT_S)
    if status.get("registration") != "Accepted":
        say("the Central System has not accepted the station (registration %s, link %s);"
            " playing the session anyway" % (status.get("registration"), status.get("connection")))
    elif central is not None:
        # The bundled Central System asks for MeterValues more often than the default, so
        # a short session shows several.
        say("Central System: " + await central.execute(
            '%s ChangeConfiguration {"key": "MeterValueSampleInterval", "value": "%d"}'
            % (identity, METER_INTERVAL_S)))
    for command in EV_SETUP:
        reply = await control.send(command)
        if not reply.get("ok"):
            say("%r refused: %s" % (command, reply.get("error", reply)))
    printer = asyncio.create_task(print_status_forever(control))
    try:
        await step(control, "plug 1", "Preparing", "plug the EV into connector 1", pause_s)
        if await step(control, "tap " + DEMO_TAG, "Charging", "tap card " + DEMO_TAG, 0):
            say("charging for %g s" % charge_s)
            await asyncio.sleep(charge_s)
        await step(control, "tap " + DEMO_TAG, "Finishing",
                   "tap card %s again to stop" % DEMO_TAG, pause_s)
        await step(control, "unplug 1", "Available", "unplug the EV", 0)
    finally:
        printer.cancel()
    say("last status: " + status_line(await control.send("status")))


async def run_station(args, url, central=None):
    control = ControlPort(free_port())
    say("station %s on %s, Central System %s" % (
        args.id, args.runtime if args.board == "sim" else args.board, url))
    # A new board each time: the demo starts from unplugged connectors and empty meters.
    state = tempfile.mkdtemp(prefix="demo-station-")
    station = await asyncio.create_subprocess_exec(
        sys.executable, STATION, "--csms", url, "--id", args.id, "--runtime", args.runtime,
        "--control", "127.0.0.1:%d" % control.port, "--console", "--state", state,
        "--board", args.board)
    try:
        if not await control.connect(station, 15):
            say("no control port on 127.0.0.1:%d; the station runs without the demo session"
                % control.port)
        else:
            session = asyncio.create_task(play(control, args.demo_seconds, args.pause, central, args.id))
            ended = asyncio.create_task(station.wait())
            await asyncio.wait([session, ended], return_when=asyncio.FIRST_COMPLETED)
            if session.done():
                if session.exception() is not None:
                    say("demo session stopped: %s: %s" % (type(session.exception()).__name__,
                                                          session.exception()))
                say('the station\'s console is open: try status(), hw("plug 2"), log(), '
                    'config(), help(); Ctrl-C quits')
            else:
                session.cancel()
        if args.linger is None:
            return await station.wait()
        try:
            return await asyncio.wait_for(station.wait(), args.linger)
        except asyncio.TimeoutError:
            return 0
    finally:
        control.close()
        if station.returncode is None:
            station.terminate()
            await station.wait()
        shutil.rmtree(state, ignore_errors=True)


async def demo(args):
    if args.csms:
        return await run_station(args, args.csms)
    central = CentralSystem(heartbeat_interval_s=args.heartbeat)
    async with central.serve("127.0.0.1", args.port) as server:
        port = server.sockets[0].getsockname()[1]
        url = "ws://127.0.0.1:%d/ocpp" % port
        say("bundled Central System listening on %s/<identity> (heartbeat %d s)"
            % (url, args.heartbeat))
        return await run_station(args, url, central)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csms", help="use this Central System (ws:// or wss:// URL) instead "
                        "of starting the bundled one")
    parser.add_argument("--id", default="CP001", help="charge point identity")
    parser.add_argument("--port", type=int, default=0,
                        help="bundled Central System port (0: any free)")
    parser.add_argument("--heartbeat", type=int, default=60, help="HeartbeatInterval in s")
    parser.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    parser.add_argument("--board", choices=("sim", "mps2_an385"), default="sim",
                        help="the unix port, or the emulated Cortex-M3 board (make board)")
    parser.add_argument("--demo-seconds", type=float, default=25,
                        help="how long the demo session charges")
    parser.add_argument("--pause", type=float, default=2,
                        help="seconds between the demo's other actions")
    parser.add_argument("--linger", type=float,
                        help="stop this many seconds after the demo (default: run until Ctrl-C)")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(demo(args)))
    except KeyboardInterrupt:
        print()


if __name__ == "__main__":
    main()
