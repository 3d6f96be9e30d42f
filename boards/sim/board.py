"""The simulated board as the firmware sees it (boards/README.md): the controller's side only.

The hardware around the controller -- EVs, power stage, meters, cables, faults -- is
simulated in the launcher's process (boards/sim/hardware.py), outside this heap, as a real
board's meter and power stage are outside its microcontroller. This board reaches it over
a local TCP link, one JSON object per line: it keeps the latest inputs and readings the
hardware sent, and sends the firmware's outputs (energize, power limit). The RFID reader's
unread cards and the Ethernet link (boards/sim/network.py) are the controller's own.

Its flash is `flash/` of the state folder (`state_dir`), FLASH_BYTES of it as the
controller's data partition. Runs under MicroPython's unix port and under CPython.
"""
import asyncio
import gc
import json
import time

from boards.sim.network import Network
from logring import LogRing
from store.atomic import ensure_dir, read_or_none, write_atomic

VENDOR = "OpenVolt"
MODEL = "DCFC-240-2"
FIRMWARE_VERSION = "0.1.0"
METER_TYPE = "OpenVolt sim DC meter"
READER_BOUND = 4  # unread cards the reader holds
FLASH_BYTES = 2 * 1024 * 1024  # the controller's data partition
NO_ERROR = "NoError"
# An io row from the hardware: plugged, errorCode, evDemand, energyWh, powerW, voltageV,
# currentA, soc.
_IDLE_IO = [False, NO_ERROR, False, 0, 0, 0.0, 0.0, None]
# The power stage stops the current within 750 ms of set_energize(False)
# (boards/sim/power_stage.py); the rest is room for the launcher's process, which
# simulates it, on a loaded host.
DEENERGIZE_TIMEOUT_MS = 5000
# The power stage's rating, which either connector may take whole (the Smart Charging
# profile's limits never exceed it: the board contract's max_power_w).
STATION_POWER_W = 240000

if hasattr(time, "ticks_ms"):
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
else:  # CPython: a monotonic millisecond counter with the same interface
    def ticks_ms():
        return time.monotonic_ns() // 1000000

    def ticks_diff(end, start):
        return end - start


class SimConnector:
    """One connector's I/O: the latest readings from the hardware, outputs sent to it."""

    deenergize_timeout_ms = DEENERGIZE_TIMEOUT_MS

    def __init__(self, board, connector_id):
        self._board = board
        self.connector_id = connector_id
        self.io = _IDLE_IO
        self.serial = None  # the meter's, as the hardware tells it
        self.energized = False

    def plugged(self):
        return self.io[0]

    def error_code(self):
        return self.io[1]

    def ev_demand(self):
        return self.io[2]

    def set_energize(self, on):
        on = bool(on)
        if on != self.energized:
            self.energized = on
            self._board.send({"energize": [self.connector_id, on]})

    def set_limit_w(self, watts):
        self._board.send({"limit": [self.connector_id, None if watts is None else int(watts)]})

    def energy_wh(self):
        return self.io[3]

    # What the meter measures, not what was asked: the current goes on while the power stage
    # ramps down after set_energize(False), and the firmware waits for it to stop.
    def power_w(self):
        return self.io[4]

    def voltage_v(self):
        return self.io[5]

    def current_a(self):
        return self.io[6]

    def soc(self):
        return self.io[7]

    def meter_serial(self):
        return self.serial


class SimBoard:
    max_power_w = STATION_POWER_W
    def __init__(self, identity_name, csms_url, password=None, ca_der=None, state_root=None,
                 csms_url_tls=None, client_certificate=None,
                 additional_root_certificate_check=False, rtc=True):
        self.identity_name = identity_name
        self.csms_url = csms_url
        self.csms_url_tls = csms_url_tls
        self.password = password
        self.ca_der = ca_der
        self.client_certificate = client_certificate  # (chain DERs, key DER) or None
        self.additional_root_certificate_check = additional_root_certificate_check
        self.ticks_ms = ticks_ms
        self.ticks_diff = ticks_diff
        if not rtc:  # a board without a battery-backed clock (boards/README.md: utc_now)
            self.utc_now = None
        self.changed = asyncio.Event()
        self.log_ring = LogRing(ticks_ms=ticks_ms)  # the field console's log(), diagnostics
        self.network = Network()
        self.link_changed = self.network.changed
        self.state_dir = None
        if state_root is not None:
            self.state_dir = state_root + "/flash"
            ensure_dir(self.state_dir)
        self.connectors = [SimConnector(self, 1), SimConnector(self, 2)]
        self.station = None  # for the control commands that ask the firmware's view
        self._tags = []
        self._hardware = None  # (host, port) of the hardware link
        self._writer = None
        self.down = asyncio.Event()  # the controller stops: reset, or the hardware is gone
        self.reset_kind = None

    # ---- the firmware's side (boards/README.md) ----------------------------------------

    def log(self, line):
        self.log_ring.append(line)
        print(line)

    def utc_now(self):
        """The battery-backed RTC: the host's clock, which the host keeps right (a board
        keeps its RTC right itself) and which, as an RTC's, goes on across power cuts."""
        return int(time.time())

    def boot_payload(self):
        return {
            "chargePointVendor": VENDOR,
            "chargePointModel": MODEL,
            "chargePointSerialNumber": "SIM-" + self.identity_name,
            "chargeBoxSerialNumber": "SIM-" + self.identity_name,
            "firmwareVersion": self.firmware_version(),
            "meterType": METER_TYPE,
        }

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        return await self.network.open_connection(host, port, ssl, server_hostname)

    def link_up(self):
        return self.network.up

    def read_tag(self):
        return self._tags.pop(0) if self._tags else None

    def connector(self, connector_id):
        return self.connectors[connector_id - 1]

    # ---- the link to the hardware ----------------------------------------------------------

    async def attach(self, host, port):
        """Connects to the hardware and takes its meters' serial numbers and first
        readings; returns the reader."""
        self._hardware = (host, port)
        reader, self._writer = await asyncio.open_connection(host, port)
        self.send({"controller": 1})
        await self._receive(reader)
        await self._receive(reader)
        return reader

    async def run_link(self, reader):
        """Follows the hardware until the link ends (the hardware is gone: power is off)."""
        while await self._receive(reader):
            pass
        self.down.set()

    def flash_usage(self):
        """(used, total) bytes of the flash: what the files under state_dir take."""
        return _bytes_under(self.state_dir) if self.state_dir else 0, FLASH_BYTES

    def firmware_version(self):
        """What the last installed image said it was, else the version this build ships."""
        if self.state_dir is not None:
            installed = read_or_none(self.state_dir + "/firmware_version")
            if installed:
                return installed.decode()
        return FIRMWARE_VERSION

    # A board whose bootloader verifies the images it boots (the launcher's
    # --unsigned-firmware): UpdateFirmware is accepted, not only SignedUpdateFirmware.
    accepts_unsigned_firmware = False

    def install_firmware(self, path):
        """Installs an image as this board does (boards/bootloader.py: its version, or
        ValueError when refused and the old firmware runs on), then the board restarts."""
        from boards.bootloader import image_version  # here: an idle board's heap holds none

        version = image_version(path, self.accepts_unsigned_firmware)
        write_atomic(self.state_dir + "/firmware_version", version.encode())
        self.reset(True)

    def reset(self, hard):
        """The controller restarts (the launcher starts the device process again); the
        hardware keeps its state, and takes the outputs of a controller that stopped as
        off. `down` is set: boards/sim/main.py returns at the firmware's next await."""
        self.reset_kind = "hard" if hard else "soft"
        # Errata 3.36: a hard reset restarts all the hardware, a soft one the application.
        self.log("board: hard reset, all the hardware restarts" if hard else
                 "board: soft reset, the application restarts")
        self.down.set()

    async def _receive(self, reader):
        line = await reader.readline()
        if not line:
            return False
        try:
            message = json.loads(line)
        except ValueError:
            return True
        serials = message.get("meters")
        if serials:
            for connector, serial in zip(self.connectors, serials):
                connector.serial = serial
        rows = message.get("io")
        if rows:
            changed = False
            for connector, row in zip(self.connectors, rows):
                old = connector.io
                changed = changed or old[0] != row[0] or old[1] != row[1] or old[2] != row[2]
                connector.io = row
            if changed:
                self.changed.set()
        elif "do" in message:
            self.send({"id": message.get("id"), "reply": self.execute(message["do"])})
        return True

    def send(self, message):
        if self._writer is not None:
            self._writer.write(json.dumps(message).encode() + b"\n")

    # ---- control commands carried out by the controller (checked by boards/sim/control.py) --

    def execute(self, command):
        try:
            word, _, arg = command.partition(" ")
            if word == "status":
                return self._status()
            if word == "tap":
                if len(self._tags) >= READER_BOUND:
                    return {"ok": False, "error": "reader busy: earlier cards not read yet"}
                self._tags.append(arg)
                self.changed.set()
            elif word == "net":
                self.network.set_up(arg == "up")
            elif word == "alloc":
                return self._alloc(arg)
            elif word == "heap":
                return _heap()
            else:
                return {"ok": False, "error": "unknown command: " + command[:40]}
            return {"ok": True}
        except Exception as e:  # a bug here must not reach the station
            return {"ok": False, "error": "%s: %s" % (type(e).__name__, str(e)[:40])}

    def _alloc(self, arg):
        """`alloc start` pauses the collector; `alloc stop` tells what was allocated since
        and lets it collect again: the bytes a request allocates (tools/bench_instructions.py;
        a heap with room for them)."""
        if not hasattr(gc, "mem_alloc"):
            return {"ok": False, "error": "heap figures need MicroPython"}
        if arg == "start":
            gc.collect()
            gc.disable()
            self._allocated_from = gc.mem_alloc()
            return {"ok": True}
        allocated = gc.mem_alloc() - getattr(self, "_allocated_from", gc.mem_alloc())
        gc.enable()
        return {"ok": True, "allocatedBytes": allocated}

    def _status(self):
        snapshot = self.station.snapshot()
        reply = {"ok": True, "connection": snapshot["connection"],
                 "registration": snapshot["registration"], "queued": snapshot["queued"],
                 "connectors": snapshot["connectors"]}
        for entry in reply["connectors"]:
            if entry["id"] >= 1:
                io = self.connector(entry["id"])
                entry["plugged"] = io.plugged()
                entry["energyWh"] = io.energy_wh()
                entry["powerW"] = io.power_w()
                entry["soc"] = io.soc()
        return reply

    def hw(self, line):
        """The field console's hw("plug 2"): any control-port command, answered at once."""
        import socket  # the console's alone: a board without it never loads it

        sock = socket.socket()
        try:
            sock.settimeout(5)
            sock.connect(socket.getaddrinfo(self._hardware[0], self._hardware[1])[0][-1])
            sock.send(json.dumps({"hw": line}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(512)
                if not chunk:
                    break
                data += chunk
        finally:
            sock.close()
        answer = json.loads(data)
        if "do" in answer:
            return self.execute(answer["do"])
        return answer["reply"]


def _bytes_under(folder):
    import os

    total = 0
    for name in os.listdir(folder):
        path = folder + "/" + name
        stat = os.stat(path)
        total += _bytes_under(path) if stat[0] & 0x4000 else stat[6]  # S_IFDIR: a folder
    return total


def _heap():
    """The control port's `heap`: MicroPython's GC heap after a collection; on CPython, the
    bytes tracemalloc traces after one (when it traces: PYTHONTRACEMALLOC=1)."""
    gc.collect()
    if hasattr(gc, "mem_alloc"):
        return {"ok": True, "allocBytes": gc.mem_alloc(), "freeBytes": gc.mem_free()}
    try:
        import tracemalloc
    except ImportError:
        tracemalloc = None
    if tracemalloc is None or not tracemalloc.is_tracing():
        return {"ok": False, "error": "heap figures need MicroPython, or PYTHONTRACEMALLOC=1"}
    return {"ok": True, "allocBytes": tracemalloc.get_traced_memory()[0]}
