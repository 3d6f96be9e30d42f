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
CIPHER_SUITES_MBEDTLS = ("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
                         "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
                         "TLS-RSA-WITH-AES-128-GCM-SHA256", "TLS-RSA-WITH-AES-256-GCM-SHA384")
CIPHER_SUITES_OPENSSL = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                         "AES128-GCM-SHA256", "AES256-GCM-SHA384")
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
        self._last_connect_event = None
        self._board = board
        self._folder = board.state_dir + "/certs"
        self._clock = clock
        self._log = log
        self.link = None  # set by the station once the link exists
        self.profile = None
        config.declare(Key("CertificateStoreMaxLength", INTEGER, CERTIFICATE_STORE_MAX,
                           writable=False))
        # The replace-and-chain check of M05.FR.08-11 is not implemented: false, read-only.
        config.declare(Key("AdditionalRootCertificateCheck", BOOLEAN, False, writable=False))
        config.declare(Key("AuthorizationKey", STRING, board.password or "", readable=False,
                           check=valid_authorization_key,
                           on_change=lambda value: self._credentials_changed()))
        provisioned = provisioned_profile(board)
        config.declare(Key("SecurityProfile", INTEGER, provisioned, minimum=0, maximum=3,
                           check=self._may_raise_to, on_change=self._profile_changed))
        # A raise is kept across reboots; a board provisioned higher since then wins.
        self.profile = max(config.get("SecurityProfile"), provisioned)
        register_on_demand(handlers, CERTIFICATE_ACTIONS, self.certificates)
        # What GetLog and SignedUpdateFirmware can transfer with (transfer.files).
        config.declare(Key("SupportedFileTransferProtocols", CSL, ["FTP", "HTTP"],
                           writable=False))
        register_on_demand(handlers, ("GetLog",), self._log_upload)
        config.declare(Key("CpoName", STRING, ""))
        config.declare(Key("CertificateSignedMaxChainSize", INTEGER, CHAIN_SIZE_MAX,
                           writable=False))
        register_on_demand(handlers, ("CertificateSigned",), self._charge_point_certificate)
        register_on_demand(handlers, ("SignedUpdateFirmware",), self._firmware_update)

    def certificates(self):
        """A certificate store on the board's flash (its module is loaded by this call)."""
        from firmware.certificates import Certificates

        store = Certificates(self._folder, self._config, self._clock, self._log)
        store.on_change = lambda use: self._certificates_changed(store, use)
        store.on_invalid = self._invalid_certificate
        return store

    def _charge_point_certificate(self):
        from firmware.charge_point_certificate import ChargePointCertificate

        return ChargePointCertificate(self._folder, self._config, self._clock, self._log,
                                      self.link.call, self._record_event,
                                      self._installed_roots,
                                      self._charge_point_certificate_installed)

    def _installed_roots(self, use=CS_ROOT):
        with loaded(self.certificates) as store:
            return store.ders(use)

    def _firmware_update(self):
        from firmware.firmware_update import FirmwareUpdate

        return FirmwareUpdate(self._updates, self.link.call, self._board, self._clock,
                              self._log, self._record_event,
                              lambda: self._installed_roots(MANUFACTURER_ROOT), self.busy)

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

    def _log_upload(self):
        from firmware.get_log import LogUpload

        return LogUpload(self._uploads, self.link.call, self._security_log, self._board,
                         self._log)

    # ---- what the link connects with ---------------------------------------------------

    def connection(self, profile=None):
        """(url, ssl_context, password) for a security profile (default: the present one)."""
        profile = self.profile if profile is None else profile
        password = self._config.get("AuthorizationKey") or None
        url = self._board.csms_url
        if profile < TLS_PROFILE and not url.startswith("wss:"):
            return url, None, password
        if not url.startswith("wss:"):
            url = getattr(self._board, "csms_url_tls", None) or "wss" + url[url.find(":"):]
        client = self._client_certificate() if profile == 3 else None
        return url, _tls_context(self._central_system_roots(), client), password

    def _client_certificate(self):
        """(certificate DER, key DER) of the station's own certificate, or None."""
        stored = read_json_or_none(self._folder + "/cp.json")
        if type(stored) is not dict or not stored.get("chain"):
            return None
        from x509.p256 import private_key_der

        return bytes.fromhex(stored["chain"][0]), private_key_der(int(stored["d"], 16))

    def _charge_point_certificate_installed(self):
        # A02.FR.08: on profile 3 the new certificate is used from the next connection on,
        # which is made at once (TC_074).
        if self.profile == 3:
            url, ssl_context, password = self.connection()
            self.link.ssl_context = ssl_context
            self.link.reconnect()

    def _central_system_roots(self):
        """The DERs of the installed CS roots; on a first boot the board's are installed."""
        factory = self._board.ca_der or []
        factory = [factory] if type(factory) is bytes else factory
        with loaded(self.certificates) as store:
            roots = store.ders(CS_ROOT)
            if not roots:
                for der in factory:
                    store.install(CS_ROOT, der)
                roots = store.ders(CS_ROOT) or list(factory)
        return roots

    # ---- changes -------------------------------------------------------------------------

    def _may_raise_to(self, profile):
        if self.profile is None:  # the value stored by an earlier boot
            return True
        if profile <= self.profile:
            return False
        if profile == 3 and self._client_certificate() is None:  # A05.FR.04
            return False
        if not valid_authorization_key(self._config.get("AuthorizationKey")):
            return False
        if profile >= TLS_PROFILE:
            with loaded(self.certificates) as store:
                return bool(store.ders(CS_ROOT))
        return True

    def _profile_changed(self, profile):
        previous = self.profile
        self.profile = profile
        if profile < previous:  # the fallback below: the Central System cannot lower it
            return
        self._record_event("ReconfigurationOfSecurityParameters",
                           "SecurityProfile %d -> %d" % (previous, profile))
        url, ssl_context, password = self.connection(profile)
        self.link.switch(url, ssl_context, password, lambda: self._fall_back(previous))

    def _fall_back(self, previous):
        self._log("security: no connection with SecurityProfile %d; back to %d"
                  % (self.profile, previous))
        self._config.set("SecurityProfile", previous)

    def connect_failed(self, error):
        """A connection attempt failed: the Central System refused our credentials (401) or
        its certificate did not verify. Each distinct failure is one event, not one per
        retry."""
        text = str(error)
        if getattr(error, "status", None) == 401:
            kind = "FailedToAuthenticateAtCentralSystem"
        elif "certificate" in text.lower() or "verif" in text.lower():
            kind = "InvalidCentralSystemCertificate"
        else:
            self._last_connect_event = None
            return
        if (kind, text) != self._last_connect_event:
            self._last_connect_event = (kind, text)
            self._record_event(kind, text)

    def _invalid_certificate(self, use, reason):
        if use == CS_ROOT:  # TC_078
            self._record_event("InvalidCentralSystemCertificate", reason)

    def _credentials_changed(self):
        self._record_event("ReconfigurationOfSecurityParameters", "AuthorizationKey")
        if self.link is not None:
            self.link.password = self._config.get("AuthorizationKey") or None
            self.link.reconnect()

    def _certificates_changed(self, store, use):
        # New or deleted CS roots apply from the next connection on.
        if use == CS_ROOT and self.link is not None and self.link.ssl_context is not None:
            roots = store.ders(CS_ROOT)
            if roots:
                self.link.ssl_context = _tls_context(roots)


def provisioned_profile(board):
    if board.csms_url.startswith("wss:"):
        return TLS_PROFILE
    return 1 if board.password else 0


def valid_authorization_key(value):
    """16 to 20 bytes as hex digits (whitepaper 7.2, A00.FR.205)."""
    return 32 <= len(value) <= 40 and len(value) % 2 == 0 and \
        all(c in "0123456789abcdefABCDEF" for c in value)


def _tls_context(roots, client=None):
    # Imported here: ws.tls and ssl take about 3 KB of heap a ws:// station never uses.
    import sys

    from ws.tls import client_context

    # A00.FR.318: the reference's two RSA suites and the two ECDHE-ECDSA ones, all TLS 1.2
    # GCM; each runtime names them its own way.
    ciphers = CIPHER_SUITES_MBEDTLS if sys.implementation.name == "micropython" else \
        CIPHER_SUITES_OPENSSL
    if client is None:
        return client_context(roots, ciphers=ciphers)
    return client_context(roots, client[0], client[1], ciphers)
