"""Device entry of the simulated board, started by the `station` launcher beside it.

    micropython boards/sim/main.py --csms URL --id ID [--password KEY] [--ca FILE]
        [--state DIR] [--control HOST:PORT] [--console 1]
"""
import asyncio
import sys

from boards.sim.board import SimBoard
from boards.sim.control import Control
from firmware.station import Station
from ws.tls import pem_to_der

# The exit status that asks the launcher (boards/sim/station) to start the device again.
REBOOT_EXIT_STATUS = 75


def parse_options(argv):
    options = {}
    i = 0
    while i < len(argv):
        if not argv[i].startswith("--") or i + 1 >= len(argv):
            raise ValueError("expected --name value, got %r" % argv[i])
        options[argv[i][2:]] = argv[i + 1]
        i += 2
    return options


def read_ca(path):
    with open(path, "rb") as f:
        data = f.read()
    return pem_to_der(data) if data.startswith(b"-----") else data


async def run(options, ca_der):
    board = SimBoard(options.get("id", "CP001"), options["csms"], options.get("password"),
                     ca_der, options.get("state"))
    station = Station(board)
    control = Control(board, station)
    board.start()
    if "control" in options:
        host, _, port = options["control"].rpartition(":")
        try:
            port = await control.serve(host, int(port))
        except OSError as e:
            board.log("control: cannot listen on %s: %s" % (options["control"], e))
            sys.exit(1)
        board.log("control: listening on %s:%d" % (host, port))
    tasks = []  # referenced for as long as the station runs
    if "console" in options:
        # Imported only when asked for: a board without a console never loads it.
        from boards.sim.console_io import start_console
        tasks.append(start_console({"station": station, "board": board, "hw": control.execute}))
    try:
        await station.run()
    except asyncio.CancelledError:
        if board.reset_requested is None:
            raise
    return board.reset_requested


def main(argv):
    options = parse_options(argv)
    ca_der = read_ca(options["ca"]) if "ca" in options else None
    try:
        reset = asyncio.run(run(options, ca_der))
    except KeyboardInterrupt:  # Ctrl-C at the console ends the simulation quietly
        return
    if reset is not None:
        sys.exit(REBOOT_EXIT_STATUS)


main(sys.argv[1:])
