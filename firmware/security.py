"""The security extension (OCPP 1.6 security whitepaper, edition 3): its configuration keys,
declared at boot, and its services, loaded for each request and dropped after it
(firmware.on_demand): between the Central System's requests they hold no heap.

AuthorizationKey (A01): write-only, 16 to 20 bytes written as 32 to 40 hex digits; the board's
password is its default. A change the Central System makes is stored, never logged, and the
link reconnects with it at once (what is queued stays queued).

The CentralSystemRootCertificates a wss:// link trusts are the installed ones
(firmware.certificates); the board's own (`ca_der`) is installed as the first one on the
first boot, so the Central System sees and manages it like any other.
"""
from firmware.config import BOOLEAN, INTEGER, STRING, Key
from firmware.on_demand import loaded, register_on_demand

# CertificateStoreMaxLength: root certificates of both uses together.
CERTIFICATE_STORE_MAX = 8
CERTIFICATE_ACTIONS = ("InstallCertificate", "GetInstalledCertificateIds", "DeleteCertificate")
CS_ROOT = "CentralSystemRootCertificate"


class Security:
    def __init__(self, config, state_dir, clock, log, handlers, password=None):
        self._config = config
        self._folder = state_dir + "/certs"
        self._clock = clock
        self._log = log
        # Called with the new list of CS root DERs whenever it changes (the link's TLS).
        self.on_roots_changed = None
        # Called when AuthorizationKey has changed (the link's credentials).
        self.on_credentials_changed = None
        config.declare(Key("AuthorizationKey", STRING, password or "", readable=False,
                           check=valid_authorization_key,
                           on_change=lambda value: self._credentials_changed()))
        config.declare(Key("CertificateStoreMaxLength", INTEGER, CERTIFICATE_STORE_MAX,
                           writable=False))
        # The replace-and-chain check of M05.FR.08-11 is not implemented: false, read-only.
        config.declare(Key("AdditionalRootCertificateCheck", BOOLEAN, False, writable=False))
        register_on_demand(handlers, CERTIFICATE_ACTIONS, self.certificates)

    def certificates(self):
        """A certificate store on the board's flash (its module is loaded by this call)."""
        from firmware.certificates import Certificates

        store = Certificates(self._folder, self._config, self._clock, self._log)
        store.on_change = lambda use: self._certificates_changed(store, use)
        return store

    def central_system_roots(self, factory_ders):
        """The DERs of the installed CS roots; on a first boot the board's are installed."""
        with loaded(self.certificates) as store:
            roots = store.ders(CS_ROOT)
            if not roots:
                for der in factory_ders:
                    store.install(CS_ROOT, der)
                roots = store.ders(CS_ROOT) or list(factory_ders)
        return roots

    def _credentials_changed(self):
        self._log("security: AuthorizationKey changed")
        if self.on_credentials_changed is not None:
            self.on_credentials_changed()

    def _certificates_changed(self, store, use):
        if use == CS_ROOT and self.on_roots_changed is not None:
            self.on_roots_changed(store.ders(CS_ROOT))


def valid_authorization_key(value):
    """16 to 20 bytes as hex digits (whitepaper 7.2, A00.FR.205)."""
    return 32 <= len(value) <= 40 and len(value) % 2 == 0 and \
        all(c in "0123456789abcdefABCDEF" for c in value)
