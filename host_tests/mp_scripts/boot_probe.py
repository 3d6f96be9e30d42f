"""Boots the station on the sim board over a state folder prepared by the caller, as
host_tests/test_flash_files_at_boot.py damages it, then runs what the first connection
runs from flash (the security extension's after-boot and daily checks) against a Central
System that accepts everything. Prints "booted profile=P tls=T" and each log line.

Usage: (micropython|python) boot_probe.py STATE_ROOT URL [CA_DER [CLIENT_DER CLIENT_KEY]]
"""
import asyncio
import sys

import firmware.station
from boards.sim.board import SimBoard


def read(path):
    with open(path, "rb") as f:
        return f.read()


async def main(root, url, ca=None, client=None, key=None):
    certificate = ([read(client), read(ca)], read(key)) if client else None
    board = SimBoard("CP001", url, "30313233343536373839616263646566", read(ca) if ca else None,
                     root, client_certificate=certificate)
    lines = []
    board.log = lines.append
    station = firmware.station.Station(board)

    async def accepted(action, payload):
        return {}

    station.link.call = accepted
    station.online = lambda: True
    await station.security.run("after_boot")
    await station.security.run("daily_checks")
    # The outbound queue delivers the security events those recorded (firmware.outbound).
    sender = asyncio.create_task(station.outbound.send_forever(accepted))
    while station.security.pending:
        await asyncio.sleep(0)
    sender.cancel()
    print("booted profile=%d tls=%s" % (station.security.profile,
                                        station.link.ssl_context is not None))
    for line in lines:
        print("log: " + line)


asyncio.run(main(*sys.argv[1:]))
