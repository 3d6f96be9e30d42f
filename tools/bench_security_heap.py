"""What the security extension (issue 5) adds to an idle station's heap, under MicroPython from
the ROMFS image as the Core board runs it, or frozen into the interpreter as a board's
firmware would hold it (tools/bench.py runs it and reports the figures).

    micropython tools/bench_security_heap.py IMAGE|frozen STATE_DIR with|without [ROOT_PEM_FILE]

The station is built on the simulated board and boots as on the Central System's acceptance:
StartupOfTheDevice is recorded and sent (a stand-in for the link answers it at once), then it
is idle. Printed, as JSON, its heap in use after a collection, beyond the image:

- idle: of that station; `without` the extension -- firmware.security replaced here by a
  null stand-in before the station is imported, so none of its code or names is loaded --
  for the difference, which is what its state, keys and names take in an idle station;
- with it, also: answering, the heap its code takes while a certificate request is answered
  (firmware.security.services and firmware.security.certificates loaded, with what they import);
  after_first_use and after_second_use, what the idle heap has grown by after a round of
  requests (InstallCertificate of ROOT_PEM_FILE, GetInstalledCertificateIds,
  DeleteCertificate) and after a second one: the first is mostly the names its code
  interned (MicroPython never frees a qstr), the second shows that using it again takes
  nothing.

Before the JSON, micropython.qstr_info() prints the interned names at idle and, with the
extension, after the first round: tools/bench.py reads from those lines how many names it
interned and what the interpreter's name pools grew by (from ROMFS a name takes only its
pool entry, its text stays in flash; the pools grow by doubling, so a name that overflows
the last one costs the next one whole).
"""
import asyncio
import gc
import json
import sys

import micropython

if sys.argv[1] == "frozen":  # the modules are in the interpreter (a board's firmware)
    sys.path[:] = [".frozen"]
else:
    import vfs  # a unix port built without it (the frozen one) has no ROMFS

    with open(sys.argv[1], "rb") as f:
        image = f.read()
    vfs.mount(vfs.VfsRom(image), "/rom")
    sys.path.insert(0, "/rom")

STATE, MODE = sys.argv[2], sys.argv[3]


class NoSecurity:
    """A station without the extension: the link connects as the board says, nothing more."""

    def __init__(self, station):
        self.station = station
        self.pending = None

    def head(self):  # the outbound queue's lane: no events
        return None

    def call(self, name, *args):
        board = self.station.board
        return (board.csms_url, None, board.password) if name == "connection" else None

    async def run(self, name, *args):
        pass

    def handler(self, action):  # no request of the extension's
        return None

    # No hooks: the station leaves the clock's, the link's and reset's unset.
    clock_jumped = connect_failed = record_limited = reset_accepted = None


class NoSecurityModule:  # what `from firmware.security import Security` then finds
    Security = NoSecurity


gc.collect()
base = gc.mem_alloc()
if MODE == "without":
    import firmware  # noqa: E402

    sys.modules["firmware.security"] = NoSecurityModule()
import firmware.station  # noqa: E402
from boards.sim.board import SimBoard  # noqa: E402
from ocppj.rpc import ANY_ACTION  # noqa: E402

CS_ROOT = "CentralSystemRootCertificate"


def in_use():
    gc.collect()
    gc.collect()
    return gc.mem_alloc()


async def accepted(action, payload):  # the link's call, as a Central System answers
    return {}


def idle_station(folder):
    """A booted, idle station, and the heap in use with it."""
    station = firmware.station.Station(SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None,
                                                folder))
    station.link.call = accepted
    station.online = lambda: True

    async def boot():
        await station.security.run("after_boot")
        sender = asyncio.create_task(station.outbound.send_forever(accepted))
        while station.security.head() is not None:
            await asyncio.sleep(0)
        sender.cancel()
        await asyncio.sleep(0)

    asyncio.run(boot())
    return station, in_use()


def request(station, action, payload):
    handler = station.handlers.get(action) or station.handlers[ANY_ACTION](action)
    return handler(payload)


def round_of_requests(station, pem):
    request(station, "InstallCertificate", {"certificateType": CS_ROOT, "certificate": pem})
    ids = request(station, "GetInstalledCertificateIds", {"certificateType": CS_ROOT})
    for hash_data in ids.get("certificateHashData", []):
        request(station, "DeleteCertificate", {"certificateHashData": hash_data})


station, idle = idle_station(STATE)
micropython.qstr_info()
figures = {"idle": idle - base}
if MODE == "with":
    from firmware.on_demand import loaded

    with open(sys.argv[4]) as f:
        pem = f.read()
    round_of_requests(station, pem)
    after_first = in_use()
    micropython.qstr_info()
    round_of_requests(station, pem)
    after_second = in_use()
    with loaded("firmware.security.services"), loaded("firmware.security.certificates"):
        figures["answering"] = in_use() - after_second
    figures["after_first_use"] = after_first - idle
    figures["after_second_use"] = after_second - after_first
print(json.dumps(figures))
