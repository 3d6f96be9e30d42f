"""The security extension (OCPP 1.6 security whitepaper, edition 3): its configuration keys,
declared at boot, the link's credentials, and its services, loaded for each request and
dropped after it (firmware.on_demand): between the Central System's requests they hold no
heap.

SecurityProfile (A05, 7.6): 0 none, 1 Basic auth over ws://, 2 TLS with Basic auth, 3 TLS
with a client certificate. The board's provisioning sets the first one (wss:// 2, a password
1, else 0). The Central System may only raise it (a value lower than or equal to the present
one is Rejected, A05.FR.01), and only when its prerequisites hold: a valid AuthorizationKey
for 1 and 2 (A05.FR.02), an installed CentralSystemRootCertificate for 2 and 3 (A05.FR.03).
Profile 3 also needs the station's own certificate (A05.FR.04; firmware.charge_point_
certificate), which it then presents as its TLS client certificate. Raised, the
link reconnects with it at once -- from profile 2 on to the board's wss:// URL (its
`csms_url_tls`, else its URL with the wss scheme) -- and falls back to the previous profile
if that first connection fails (A05.FR.08).

AuthorizationKey (A01): write-only, 16 to 20 bytes written as 32 to 40 hex digits; the board's
password is its default. A change the Central System makes is stored, never logged, and the
link reconnects with it at once (what is queued stays queued).

The CentralSystemRootCertificates a wss:// link trusts are the installed ones
(firmware.certificates); the board's own (`ca_der`) is installed as the first one on the
first boot, so the Central System sees and manages it like any other.
"""
from firmware.config import BOOLEAN, CSL, INTEGER, STRING, Key
from firmware.on_demand import loaded, register_on_demand
from store.atomic import read_json_or_none

# CertificateStoreMaxLength: root certificates of both uses together.
CERTIFICATE_STORE_MAX = 8
CERTIFICATE_ACTIONS = ("InstallCertificate", "GetInstalledCertificateIds", "DeleteCertificate")
CS_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
TLS_PROFILE = 2
# CertificateSignedMaxChainSize: below the whitepaper's 10000 (7.3) to bound the heap a
# chain takes; a leaf and two CA certificates, RSA 4096 included, fit.
CHAIN_SIZE_MAX = 8000


class Security:
    def __init__(self, config, board, clock, log, handlers, security_log):
        self._config = config
        self._security_log = security_log
        self._record_event = security_log.record  # (type, techInfo)
        self._uploads = []  # the GetLog upload running, if any
        self._updates = []  # the firmware update running, if any
        self.busy = lambda: False  # set by the station: True while a transaction runs
        self.hold_connectors = lambda: None  # set by the station (firmware installation)
        self._last_connect_event = None
        self._board = board
        self._folder = board.state_dir + "/certs"
        self._clock = clock
        self._log = log
        self.link = None  # set by the station once the link exists
        self.profile = None
        self.last_firmware_status = None  # the last SignedFirmwareStatusNotification sent
        config.declare(Key("CertificateStoreMaxLength", INTEGER, CERTIFICATE_STORE_MAX,
                           writable=False))
        # The replace-and-chain check of M05.FR.08-11 is not implemented: false, read-only.
        config.declare(Key("AdditionalRootCertificateCheck", BOOLEAN, False, writable=False))
        config.declare(Key("AuthorizationKey", STRING, board.password or "", readable=False,
                           check=valid_authorization_key,
                           on_change=lambda value: self._changes("credentials_changed")))
        provisioned = provisioned_profile(board)
        config.declare(Key("SecurityProfile", INTEGER, provisioned, minimum=0, maximum=3,
                           check=lambda value: self._changes("may_raise_to", value),
                           on_change=lambda value: self._changes("profile_changed", value)))
        # A raise is kept across reboots; a board provisioned higher since then wins.
        self.profile = max(config.get("SecurityProfile"), provisioned)
        register_on_demand(handlers, CERTIFICATE_ACTIONS, self.certificates)
        # What GetLog and SignedUpdateFirmware can transfer with (transfer.files).
        config.declare(Key("SupportedFileTransferProtocols", CSL, ["FTP", "HTTP", "HTTPS"],
                           writable=False))
        register_on_demand(handlers, ("GetLog",), self._log_upload)
        config.declare(Key("CpoName", STRING, ""))
        config.declare(Key("CertificateSignedMaxChainSize", INTEGER, CHAIN_SIZE_MAX,
                           writable=False))
        register_on_demand(handlers, ("CertificateSigned",), self._charge_point_certificate)
        register_on_demand(handlers, ("SignedUpdateFirmware",), self._firmware_update)

    def _changes(self, name, *args):
        """Runs firmware.security_changes.<name>(self, *args), loaded for the call: the
        rarely needed part (profile changes, TLS contexts, connect failures)."""
        with loaded(_changes_module) as changes:
            return getattr(changes, name)(self, *args)

    # ---- services loaded per request -----------------------------------------------------

    def certificates(self):
        """A certificate store on the board's flash (its module is loaded by this call)."""
        from firmware.certificates import Certificates

        store = Certificates(self._folder, self._config, self._clock, self._log)
        store.on_change = lambda use: self._changes("certificates_changed", use)
        store.on_invalid = lambda use, reason: self._changes("invalid_certificate", use,
                                                             reason)
        return store

    def installed_roots(self, use=CS_ROOT):
        with loaded(self.certificates) as store:
            return store.ders(use)

    def _charge_point_certificate(self):
        from firmware.charge_point_certificate import ChargePointCertificate

        return ChargePointCertificate(
            self._folder, self._config, self._clock, self._log, self.link.call,
            self._record_event, self.installed_roots,
            lambda: self._changes("charge_point_certificate_installed"))

    def _firmware_update(self):
        from firmware.firmware_update import FirmwareUpdate

        return FirmwareUpdate(self._updates, self._firmware_status_call, self._board, self._clock,
                              self._log, self._record_event,
                              lambda: self.installed_roots(MANUFACTURER_ROOT), self.busy,
                              self._https_context, self.hold_connectors)

    def _firmware_status_call(self, action, payload):
        """The link's call for the update's notifications, the last one kept for
        ExtendedTriggerMessage (L01.FR.28, L01.FR.29)."""
        self.last_firmware_status = payload
        return self.link.call(action, payload)

    def firmware_status(self):
        """What ExtendedTriggerMessage(FirmwareStatusNotification) sends: the last status
        sent, with its requestId, or Idle once Installed or before any update."""
        last = self.last_firmware_status
        return {"status": "Idle"} if last is None or last["status"] == "Installed" else last

    def _log_upload(self):
        from firmware.get_log import LogUpload

        return LogUpload(self._uploads, self.link.call, self._security_log, self._board,
                         self._log, self._https_context)

    def _https_context(self):
        """For https:// transfers: the server is checked against the installed CS roots."""
        return self._changes("https_context")

    async def after_boot(self):
        """Once the boot is accepted: an installation that just restarted the station is
        reported (Installed, FirmwareUpdated)."""
        if read_json_or_none(self._board.state_dir + "/firmware_install.json") is None:
            return
        with loaded(self._firmware_update) as update:
            await update.after_restart()

    def certificate_request(self):
        """ExtendedTriggerMessage(SignChargePointCertificate): the follow-up that makes a
        key pair and sends its CSR, or None when CpoName is not set (A02 prerequisite)."""
        if not self._config.get("CpoName"):
            return None
        payload = self._board.boot_payload()
        serial = payload.get("chargePointSerialNumber") or self._board.identity_name

        async def request():
            with loaded(self._charge_point_certificate) as service:
                await service.request(serial)

        return request

    # ---- what the link connects with ---------------------------------------------------

    def connection(self, profile=None):
        """(url, ssl_context, password) for a security profile (default: the present one)."""
        profile = self.profile if profile is None else profile
        url = self._board.csms_url
        if profile < TLS_PROFILE and not url.startswith("wss:"):
            return url, None, self._config.get("AuthorizationKey") or None
        return self._changes("tls_connection", profile)

    def connect_failed(self, error):
        """A connection attempt failed (the link tells): maybe a security event."""
        self._changes("connect_failed", error)


def _changes_module():
    import firmware.security_changes as changes

    return changes


def provisioned_profile(board):
    if board.csms_url.startswith("wss:"):
        return TLS_PROFILE
    return 1 if board.password else 0


def valid_authorization_key(value):
    """16 to 20 bytes as hex digits (whitepaper 7.2, A00.FR.205)."""
    return 32 <= len(value) <= 40 and len(value) % 2 == 0 and \
        all(c in "0123456789abcdefABCDEF" for c in value)
