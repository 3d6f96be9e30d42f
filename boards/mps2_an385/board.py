"""The emulated MPS2-AN385 board (QEMU, boards/mps2_an385/README.md) as the firmware sees it
(boards/README.md).

- Settings and identity come from the provisioning file on the board's flash,
  PROVISION_PATH: written by whoever programs the board (the launcher `boards/sim/station
  --board mps2_an385`, `make deploy`: tools/deploy.py), never by the firmware. Its names
  are tools/deploy.py's -- identity, csms_url, authorization_key, ca, client_certificate,
  client_key (null: none) -- and the launcher's csms_url_tls,
  additional_root_certificate_check, rtc, watchdog_ms, loopback_via, unsigned_firmware,
  transfer_stall_s. Certificate and key
  files it names are on the flash too, PEM or DER.
- The network: the LAN9118's lwIP interface (network.LAN), static 10.0.2.15. On the
  emulator the board reaches nothing but the host's loopback ports the runner forwards, at
  loopback_via (10.0.2.100): a Central System given as ws(s)://127.0.0.1:PORT or localhost
  is reached there, its TLS certificate still checked against the URL's host name.
- The firmware's own data lives in STATE_DIR on the littlefs partition (mounted at / by
  _boot.py).
- Connectors, meters, the card reader and the emergency stop hang off an I/O controller on
  UART1 (docs/hwlink.md, boards/uart_link/): on the emulator the launcher's bridge
  (boards/sim/uart_bridge.py) answers with the sim's EV, power stage and meter models.
- Log lines go to the console UART (UART0) and into a LogRing for the field console's log().
- Firmware images: QEMU runs the firmware from the host, so the emulated bootloader cannot
  replace it. It checks an image as the boards' bootloaders do (boards/bootloader.py),
  records the version the image names in STATE_DIR, and restarts the board, which then
  reports that version.
"""
import asyncio
import errno
import gc
import os
import time

from boards.common.log import ConsoleLog
from boards.common.provisioning import PROVISION_PATH
from boards.common.provisioning import Provisioning as CommonProvisioning
from logring import LogRing
from store.atomic import ensure_dir, read_or_none, write_atomic

STATE_DIR = "/station"
VENDOR = "OpenVolt"
MODEL = "DCFC-240-2"
FIRMWARE_VERSION = "0.1.0"
FIRMWARE_VERSION_FILE = "/firmware_version"  # in STATE_DIR, written by the bootloader
METER_TYPE = "OpenVolt DC meter (I/O)"  # CiString25
CONNECTOR_COUNT = 2
# The power stage's rating, which either connector may take whole (the Smart Charging
# profile's limits never exceed it: the board contract's max_power_w).
STATION_POWER_W = 240000
HWLINK_UART = 1
HWLINK_BAUD = 115200
# Bytes the UART's receive interrupt can hold while the event loop is busy elsewhere (a TLS
# handshake, a journal replay): a STATUS of two connectors is 57-95 bytes on the wire and an
# EVENT may follow it, so 512 holds several; the hwlink helper asks for 256 at least.
HWLINK_RXBUF = 512
# The watchdog covers the boot (journal replay, certificates) and the longest step that does
# not yield (a TLS handshake: seconds on a Cortex-M3 at 25 MHz); the firmware feeds it every
# second (firmware/supervisor.py). 0 in the provisioning file turns it off (a bench board).
WATCHDOG_MS = 30000
# A host name that means the host the launcher runs on: on the emulator it is reached at the
# provisioned loopback_via address (QEMU's forward), never at the board's own loopback.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
# How often the PHY's link status is read: lwIP's driver reports no link change to Python,
# and a cable plugged back in should be noticed well within a backoff step.
LINK_POLL_MS = 500


class Provisioning(CommonProvisioning):
    """The provisioning file (boards/common/provisioning.py) with the emulator's own
    settings: rtc (false: no battery-backed clock) and loopback_via."""

    def __init__(self, path=PROVISION_PATH):
        super().__init__(path, WATCHDOG_MS)
        self.rtc = self.settings.get("rtc") is not False
        self.loopback_via = self.text("loopback_via", None)


def _lan_up():
    """The Ethernet interface, up with its static address (10.0.2.15/24, QEMU's user
    network); None on a firmware built without the network."""
    try:
        import network
    except ImportError:
        return None
    lan = network.LAN()
    lan.active(True)
    return lan


class Mps2Board(ConsoleLog):
    max_power_w = STATION_POWER_W
    def __init__(self, provisioning):
        p = provisioning
        p.configure(self)
        if not p.rtc:  # a board without a battery-backed clock (boards/README.md)
            self.utc_now = None
        self.ticks_ms = time.ticks_ms
        self.ticks_diff = time.ticks_diff
        self.log_ring = LogRing(ticks_ms=time.ticks_ms)
        self.console = None  # the field console (console.py), which holds log lines back
        self.state_dir = STATE_DIR
        ensure_dir(STATE_DIR)
        self.station = None
        self.hwlink = None
        self._loopback_via = p.loopback_via
        self._lan = _lan_up()
        if self._lan is not None:
            self.link_changed = asyncio.Event()
        self._wdt = None
        if p.watchdog_ms:
            import machine

            self._wdt = machine.WDT(timeout=p.watchdog_ms)
        else:
            self.feed_watchdog = None

    async def watch_link(self):
        """Sets link_changed whenever the PHY's link goes up or down (boards/README.md);
        runs as long as the board. Without a network it returns at once."""
        if self._lan is None:
            return
        was_up = self.link_up()
        while True:
            await asyncio.sleep_ms(LINK_POLL_MS)
            up = self.link_up()
            if up != was_up:
                was_up = up
                self.log("board: network link %s" % ("up" if up else "down"))
                self.link_changed.set()

    async def attach_hardware(self):
        """Starts the link to the I/O controller on UART1 and takes the connectors, the
        reader, the emergency stop and `changed` from it (as boards/uart_link/sim_device.py
        does on a host). Returns once the link is up, or after the link's attach timeout
        (the station then starts with its connectors faulted until it is)."""
        import machine

        from boards.uart_link.hardware import LinkedHardware

        # timeout 0: a read returns what the buffer holds, so asyncio's poll paces it.
        uart = machine.UART(HWLINK_UART, HWLINK_BAUD, rxbuf=HWLINK_RXBUF)
        hardware = LinkedHardware(CONNECTOR_COUNT, self.ticks_ms, self.ticks_diff, self.log,
                                  self.execute)
        self.hwlink = hardware
        self.connectors = hardware.connectors
        self.changed = hardware.changed
        self.read_tag = hardware.read_tag
        self.emergency_stop = hardware.emergency_stop
        await hardware.start(asyncio.StreamReader(uart), asyncio.StreamWriter(uart, {}))

    # ---- the firmware's side (boards/README.md) ----------------------------------------

    def utc_now(self):
        """The RTC, set from the host's UTC at power-on (README.md: a battery-backed RTC);
        the firmware takes a reading before 2025 as not set."""
        return time.time()

    def boot_payload(self):
        return {
            "chargePointVendor": VENDOR,
            "chargePointModel": MODEL,
            "chargePointSerialNumber": "MPS2-" + self.identity_name,
            "chargeBoxSerialNumber": "MPS2-" + self.identity_name,
            "firmwareVersion": self.firmware_version(),
            "meterType": METER_TYPE,
        }

    def link_up(self):
        # isconnected(): the PHY reports the link up and the interface has its address.
        return self._lan is None or self._lan.isconnected()

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        # TLS checks the certificate against the name the URL gave (localhost, 127.0.0.1),
        # not the forward's address, which no certificate names.
        if server_hostname is None:
            server_hostname = host
        if self._loopback_via and host in LOOPBACK_NAMES:
            host = self._loopback_via
        try:
            if ssl is None:
                return await asyncio.open_connection(host, port)
            return await asyncio.open_connection(host, port, ssl=ssl,
                                                 server_hostname=server_hostname)
        except ImportError:  # a firmware built without the network (no socket module)
            raise OSError(errno.EHOSTUNREACH, "no network on this firmware")

    def firmware_version(self):
        """The version the bootloader recorded at the last installation, else this build's."""
        installed = read_or_none(STATE_DIR + FIRMWARE_VERSION_FILE)
        return installed.decode() if installed else FIRMWARE_VERSION

    def install_firmware(self, path):
        """The image checked as the bootloader would (ValueError: refused, the old firmware
        runs on), its version recorded, and a hard reset into it."""
        from boards.bootloader import image_version  # here: an idle board's heap holds none

        version = image_version(path, self.accepts_unsigned_firmware)
        write_atomic(STATE_DIR + FIRMWARE_VERSION_FILE, version.encode())
        self.reset(True)

    def flash_usage(self):
        """(used, total) bytes of the littlefs partition that holds state_dir."""
        block, _, blocks, free = os.statvfs(STATE_DIR)[:4]
        return (blocks - free) * block, blocks * block

    def feed_watchdog(self):
        self._wdt.feed()

    def reset(self, hard):
        """A hard reset restarts the board (SYSRESETREQ: the I/O controller sees a new
        session, which switches every output off); a soft one restarts MicroPython, whose
        main.py starts the station again."""
        import machine

        # Errata 3.36: a hard reset restarts all the hardware, a soft one the application.
        self.log("board: hard reset, all the hardware restarts" if hard else
                 "board: soft reset, the application restarts")
        if hard:
            machine.reset()
        machine.soft_reset()

    # ---- service commands from the I/O controller's side (the launcher's control port) --

    def execute(self, command):
        word = command.partition(" ")[0]
        if word == "status":
            return self._status()
        if word == "heap":
            gc.collect()
            return {"ok": True, "allocBytes": gc.mem_alloc(), "freeBytes": gc.mem_free()}
        if word == "net":
            return {"ok": False, "error": "net up/down: this board's link is its PHY's"}
        return {"ok": False, "error": "unknown command: " + command[:40]}

    def _status(self):
        snapshot = self.station.snapshot()
        reply = {"ok": True, "connection": snapshot["connection"],
                 "registration": snapshot["registration"], "queued": snapshot["queued"],
                 "connectors": snapshot["connectors"]}
        for entry in reply["connectors"]:
            if entry["id"] >= 1:
                io = self.connectors[entry["id"] - 1]
                entry["plugged"] = io.plugged()
                entry["soc"] = io.soc()
                try:
                    entry["energyWh"] = io.energy_wh()
                    entry["powerW"] = io.power_w()
                except OSError:  # the I/O controller's link is down: no readings
                    pass
        return reply
