# A stand-in for MicroPython's `network` module with the two Ethernet interfaces the board
# packages use (docs.micropython.org: library/network.WIZNET5K.rst, network.LAN.rst,
# network.rst's AbstractNIC, esp32/quickref.rst "LAN"). Test code: never deployed. The
# sockets are the host's own (the unix port's): an interface only says whether the link is
# up, which a test switches with set_link().
import machine

PHY_LAN8710, PHY_LAN8720, PHY_IP101, PHY_RTL8201, PHY_DP83848, PHY_KSZ8041, PHY_KSZ8081 = \
    range(7)
STAT_IDLE = 0
_DHCP_ADDRESS = ("192.168.10.57", "255.255.255.0", "192.168.10.1", "192.168.10.1")
link = [True]  # the cable: [up]
nics = []


def set_link(up):
    link[0] = up


class _Nic:
    def __init__(self):
        self._active = False
        self._config = None  # static (ip, netmask, gateway, dns); None: DHCP
        self.polls = 0  # isconnected() calls
        nics.append(self)

    def active(self, state=None):
        if state is None:
            return self._active
        self._active = bool(state)
        return None

    def ifconfig(self, config=None):
        if config is None:
            if not self._active:
                return ("0.0.0.0",) * 4
            return self._config or _DHCP_ADDRESS
        if config == "dhcp":
            self._config = None
            return None
        if len(config) != 4:
            raise ValueError("ifconfig takes (ip, subnet, gateway, dns)")
        self._config = tuple(config)
        return None

    def isconnected(self):
        # The PHY's link and an address (rp2's WIZNET5K with lwIP, esp32's LAN).
        self.polls += 1
        return self._active and link[0]

    def status(self):
        return 2 if self.isconnected() else 0

    def config(self, name):
        if name == "mac":
            return b"\x02\x00\x00\x12\x34\x56"
        raise ValueError("unknown config param")


class WIZNET5K(_Nic):
    """WIZNET5K(spi, pin_cs, pin_rst[, pin_intn]) (the last with lwIP, rp2)."""

    def __init__(self, spi, pin_cs, pin_rst, pin_intn=None):
        for pin in (pin_cs, pin_rst) + ((pin_intn,) if pin_intn is not None else ()):
            if not isinstance(pin, machine.Pin):
                raise TypeError("WIZNET5K: pins are machine.Pin")
        if not isinstance(spi, machine.SPI):
            raise TypeError("WIZNET5K: spi is a machine.SPI")
        super().__init__()
        self.pins = (pin_cs.id, pin_rst.id, None if pin_intn is None else pin_intn.id)


class LAN(_Nic):
    """esp32's LAN(*, mdc, mdio, phy_type, phy_addr[, reset, power, ref_clk, ref_clk_mode]):
    the four first are required."""

    def __init__(self, id=0, *, mdc=None, mdio=None, phy_type=None, phy_addr=None,
                 reset=None, power=None, ref_clk=None, ref_clk_mode=None):
        if mdc is None or mdio is None or phy_type is None or phy_addr is None:
            raise ValueError("LAN: mdc, mdio, phy_type and phy_addr are required")
        if not 0 <= phy_addr <= 0x1F:
            raise ValueError("LAN: phy_addr 0..31")
        super().__init__()
        self.phy = (phy_type, phy_addr)
