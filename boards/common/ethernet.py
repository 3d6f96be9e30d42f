"""Ethernet for a board package: the interface brought up with DHCP or the provisioned static
address, and its link reported to the station (boards/README.md: link_up, link_changed).

`nic` is the port's interface object, made by the board (network.WIZNET5K on rp2,
network.LAN on esp32): both keep to MicroPython's AbstractNIC, `active(True)` starts their
DHCP client, `ifconfig((ip, netmask, gateway, dns))` sets a static address instead, and
`isconnected()` is True while the PHY has a link and the interface an address. Neither tells
Python of a link change, so `watch()` reads it every LINK_POLL_MS and sets `link_changed` at
each change: the station connects at once when it comes up, and ends its connection when
it goes down (firmware/link.py).
"""
import asyncio
import errno

from boards.common.timing import sleep_ms, ticks_ms

# A cable plugged back in is noticed well within a reconnect backoff step.
LINK_POLL_MS = 500


class Ethernet:
    def __init__(self, *, nic, static, log=print):
        """`static`: (ip, netmask, gateway, dns), or None for DHCP; `log` is the board's
        once it has one."""
        self.nic = nic
        self._static = static
        self.log = log
        self.link_changed = asyncio.Event()
        self.polled_ms = ticks_ms()  # the watcher's last pass: the watchdog's health check
        self._was_up = False

    def bring_up(self):
        self.nic.active(True)
        if self._static is not None:
            self.nic.ifconfig(self._static)
            self.log("board: Ethernet static %s" % self._static[0])
        else:
            self.log("board: Ethernet DHCP")

    def link_up(self):
        try:
            return bool(self.nic.isconnected())
        except OSError:  # the chip did not answer its SPI read: no link to speak of
            return False

    def address(self):
        return self.nic.ifconfig()[0]

    async def watch(self):
        """Runs as long as the board (a task the station's supervisor keeps)."""
        while True:
            self.polled_ms = ticks_ms()
            up = self.link_up()
            if up != self._was_up:
                self._was_up = up
                self.log("board: network link %s" % ("up, " + self.address() if up
                                                      else "down"))
                self.link_changed.set()
            await sleep_ms(LINK_POLL_MS)

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        if not self.link_up():
            raise OSError(errno.ENETUNREACH, "network link down")
        if ssl is None:
            return await asyncio.open_connection(host, port)
        return await asyncio.open_connection(host, port, ssl=ssl,
                                             server_hostname=server_hostname or host)
