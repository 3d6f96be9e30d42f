"""The provisioning file on a board's flash: the station's settings, written by whoever
programs the board (`make deploy`: tools/deploy.py; the emulated board's launcher), never by
the firmware. Checked as it is read: a bad file stops the boot with one line rather than
running a station with half its settings.

Its names are tools/deploy.py's: identity, csms_url, authorization_key, ca,
client_certificate, client_key (certificate and key files on the flash, PEM or DER,
relative paths beside the file), network ("dhcp", or {"ip", "netmask", "gateway", "dns"});
and csms_url_tls, additional_root_certificate_check, watchdog_ms, unsigned_firmware,
transfer_stall_s. null is the same as absent. A board reads its own further names from
`settings`.
"""
import json

PROVISION_PATH = "/provision.json"
DHCP = "dhcp"
_STATIC_NAMES = ("ip", "netmask", "gateway", "dns")


class Provisioning:
    def __init__(self, path=PROVISION_PATH, watchdog_ms=30000):
        """`watchdog_ms`: the board's default watchdog timeout (0 in the file: none)."""
        self.path = path
        with open(path) as f:
            settings = json.load(f)
        if type(settings) is not dict:
            raise ValueError("%s: not a JSON object" % path)
        self.settings = settings
        self.identity = self.text("identity")
        self.csms_url = self.text("csms_url")
        self.csms_url_tls = self.text("csms_url_tls", None)
        self.password = self.text("authorization_key", None)
        self.ca = settings.get("ca")  # a path, a list of paths, or None
        self.client_cert = self.text("client_certificate", None)
        self.client_key = self.text("client_key", None)
        self.additional_root_check = settings.get("additional_root_certificate_check") is True
        watchdog = settings.get("watchdog_ms", watchdog_ms)
        self.watchdog_ms = watchdog if type(watchdog) is int and watchdog >= 0 else watchdog_ms
        self.unsigned_firmware = settings.get("unsigned_firmware") is True
        stall_s = settings.get("transfer_stall_s")
        self.transfer_stall_s = stall_s if type(stall_s) is int and stall_s > 0 else None
        self.network = self._network()

    def text(self, key, default=False):
        """The string setting `key`; without it `default`, or ValueError when it is needed
        (default False)."""
        value = self.settings.get(key, default)
        if value is False:
            raise ValueError("%s: no %r" % (self.path, key))
        if value is not None and type(value) is not str:
            raise ValueError("%s: %r is not a string" % (self.path, key))
        return value

    def _network(self):
        """None for DHCP (also when absent), or the static (ip, netmask, gateway, dns) that
        network interfaces' ifconfig() takes."""
        value = self.settings.get("network")
        if value is None or value == DHCP:
            return None
        if type(value) is not dict:
            raise ValueError("%s: network is \"dhcp\" or an object of %s"
                             % (self.path, ", ".join(_STATIC_NAMES)))
        static = []
        for name in _STATIC_NAMES:
            address = value.get(name)
            if not is_ipv4(address):
                raise ValueError("%s: network %s %r is not an IPv4 address"
                                 % (self.path, name, address))
            static.append(address)
        return tuple(static)

    def configure(self, board):
        """Gives `board` the settings of the board contract (boards/README.md) this file
        holds."""
        board.identity_name = self.identity
        board.csms_url = self.csms_url
        board.csms_url_tls = self.csms_url_tls
        board.password = self.password
        board.ca_der = self.ca_der()
        board.client_certificate = self.client_certificate()
        board.additional_root_certificate_check = self.additional_root_check
        # boards/README.md: a bootloader that verifies what it boots takes UpdateFirmware.
        board.accepts_unsigned_firmware = self.unsigned_firmware
        if self.transfer_stall_s is not None:
            board.transfer_stall_s = self.transfer_stall_s

    def ca_der(self):
        if self.ca is None:
            return None
        paths = [self.ca] if type(self.ca) is str else self.ca
        ders = []
        for path in paths:
            ders += self.read_ders(path)
        return ders

    def client_certificate(self):
        if not self.client_cert:
            return None
        return self.read_ders(self.client_cert), self.read_ders(self.client_key)[0]

    def read_ders(self, path):
        """Every certificate (or key) of a PEM file, or the DER file itself; a relative path
        is beside the provisioning file (tools/deploy.py writes "ca.der")."""
        if not path.startswith("/"):
            folder, separator, _ = self.path.rpartition("/")
            path = folder + separator + path
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(b"-----"):
            return [data]
        from x509.pem import pem_to_der  # only a board provisioned with PEM files needs it

        return pem_to_der(data)


def is_ipv4(text):
    """A dotted-quad IPv4 address."""
    if type(text) is not str:
        return False
    parts = text.split(".")
    return len(parts) == 4 and all(part.isdigit() and len(part) <= 3 and int(part) <= 255
                                   for part in parts)
