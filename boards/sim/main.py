"""Device entry of the simulated board, started by the `station` launcher beside it.

    micropython boards/sim/main.py --csms URL --id ID [--password KEY] [--ca FILE]
"""
import sys

from boards.sim.board import SimBoard
from firmware import station
from ws.tls import pem_to_der


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


def main(argv):
    options = parse_options(argv)
    ca_der = read_ca(options["ca"]) if "ca" in options else None
    board = SimBoard(options.get("id", "CP001"), options["csms"], options.get("password"), ca_der)
    station.run(board)


main(sys.argv[1:])
