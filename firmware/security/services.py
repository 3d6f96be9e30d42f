"""The security extension's code, loaded for each call of the station's Security object and
unloaded after it (firmware.security): between the Central System's requests and the
station's own security events it holds no heap. Each function takes that object; its
state is all the station keeps. Here is what a boot and an idle station use
(the keys, the link's credentials, security events); the requests' code is in
firmware.security.requests, loaded only for them. Those modules import this one, never the
other way: what this code needs of theirs, it reaches through the Security object, which
loads them for the call.

Configuration keys, declared at boot:
- SecurityProfile (A05, 7.6): 0 none, 1 Basic auth over ws://, 2 TLS with Basic auth, 3 TLS
  with a client certificate. The board's provisioning sets the first one (wss:// with its
  own certificate 3, wss:// 2, a password 1, else 0). The Central System may only raise it (a value lower than or equal to
  the present one is Rejected, A05.FR.01), and only when its prerequisites hold: a valid
  AuthorizationKey for 1 and 2 (A05.FR.02), an installed CentralSystemRootCertificate for 2
  and 3 (A05.FR.03). Profile 3 also needs the station's own certificate (A05.FR.04;
  firmware.security.charge_point_certificate), which it then presents as its TLS client certificate.
  Raised, the link reconnects with it at once -- from profile 2 on to the board's wss:// URL
  (its `csms_url_tls`, else its URL with the wss scheme) -- and falls back to the previous
  profile if that first connection fails (A05.FR.08).
- AuthorizationKey (A01): write-only, 16 to 20 bytes written as 32 to 40 hex digits; the
  board's password (the same hex form) is its default. The Basic-auth password on the wire
  is those bytes, decoded (`password` below). A change the Central System makes is stored, never
  logged, and the link reconnects with it at once (what is queued stays queued).
- CertificateStoreMaxLength, AdditionalRootCertificateCheck, SupportedFileTransferProtocols,
  CpoName, CertificateSignedMaxChainSize.

The CentralSystemRootCertificates a wss:// link trusts are the installed ones
(firmware.security.certificates); the board's own (`ca_der`) is installed as the first one on the
first boot, so the Central System sees and manages it like any other.

Security events go to the log in flash (firmware.security.log) and to the station's
outbound queue (firmware.outbound), which takes them from the Security object's pending list
and loads this code only to make each request and to settle it.
"""
from firmware.config import BOOLEAN, CSL, INTEGER, STRING, Key
from firmware.firmware_image import flash_usage
from store.atomic import read_json_or_none

CS_ROOT = "CentralSystemRootCertificate"
TLS_PROFILE = 2
# CertificateStoreMaxLength: root certificates of both uses together.
CERTIFICATE_STORE_MAX = 8
# CertificateSignedMaxChainSize: below the whitepaper's 10000 (7.3) to bound the heap a
# chain takes; a leaf and two CA certificates, RSA 4096 included, fit.
CHAIN_SIZE_MAX = 8000
# The share of the board's flash in use past which MemoryExhaustion is told, once a day.
FLASH_FULL = 0.9
DAY_S = 24 * 3600
# At most one event of a type the Central System's messages cause in this time.
EVENT_INTERVAL_S = 60
# Which service answers each request.
SERVICES = {"InstallCertificate": "certificates", "GetInstalledCertificateIds": "certificates",
            "DeleteCertificate": "certificates", "GetLog": "log_upload",
            "CertificateSigned": "charge_point_certificate",
            "SignedUpdateFirmware": "firmware_update"}


def declare(security):
    """The configuration keys, at boot. The keys' values stay; the Keys are made again when
    the configuration needs them."""
    config = security.station.config
    made_again = security.keys  # one maker for all: a listing makes them once
    for key in keys(security):
        config.declare(key, made_again)
    # A raise is kept across reboots; a board provisioned higher since then wins.
    security.profile = max(config.get("SecurityProfile"),
                           provisioned_profile(security.station.board))


def keys(security):
    board = security.station.board
    return (
        Key("CertificateStoreMaxLength", INTEGER, CERTIFICATE_STORE_MAX, writable=False),
        # The board's choice (M05.FR.08-13, firmware.security.certificates).
        Key("AdditionalRootCertificateCheck", BOOLEAN,
            bool(getattr(board, "additional_root_certificate_check", False)), writable=False),
        Key("AuthorizationKey", STRING, board.password or "", readable=False,
            check=security.later("valid_authorization_key"),
            on_change=security.later("credentials_changed")),
        Key("SecurityProfile", INTEGER, provisioned_profile(board), minimum=0, maximum=3,
            check=security.later("may_raise_to"), on_change=security.later("profile_changed")),
        # What GetLog and SignedUpdateFirmware can transfer with (transfer.files).
        Key("SupportedFileTransferProtocols", CSL, ["FTP", "FTPS", "HTTP", "HTTPS"],
            writable=False),
        Key("CpoName", STRING, ""),
        Key("CertificateSignedMaxChainSize", INTEGER, CHAIN_SIZE_MAX, writable=False))


def handler(security, action):
    """The handler of a request, if it is one of these (the station asks for the ones its
    table does not list)."""
    return security.later("answer", action) if action in SERVICES else None


def provisioned_profile(board):
    if board.csms_url.startswith("wss:"):
        return 3 if getattr(board, "client_certificate", None) else TLS_PROFILE
    return 1 if board.password else 0


# ---- the link -------------------------------------------------------------------------------

def connection(security, profile=None):
    """(url, ssl_context, password) for a security profile (default: the present one)."""
    profile = security.profile if profile is None else profile
    url = security.station.board.csms_url
    if profile < TLS_PROFILE and not url.startswith("wss:"):
        return url, None, password(security)
    return security.call("tls_connection", profile)


def password(security):
    """The Basic-auth password of the AuthorizationKey: the bytes its hex digits stand for,
    as OCTT (TC_085, 2025 edition), SteVe and libocpp read A00.FR.205 -- not the digits
    themselves. None without a key; a key that is not the whitepaper's hex (only a board
    could have provisioned it) is not sent, and the log says why."""
    key = security.station.config.get("AuthorizationKey")
    if not key:
        return None
    if not is_authorization_key(key):
        security.station.board.log("security: the AuthorizationKey is not 32 to 40 hex "
                                   "digits; connecting without a password")
        return None
    return bytes.fromhex(key)


def is_authorization_key(value):
    """16 to 20 bytes as hex digits (whitepaper 7.2, A00.FR.205)."""
    return 32 <= len(value) <= 40 and len(value) % 2 == 0 and \
        all(c in "0123456789abcdefABCDEF" for c in value)


def folder(security):
    return security.station.board.state_dir + "/certs"


def stored(security, path):
    """The JSON value in a file of the extension's, or None; None too, with a log line, when
    the file is damaged: it must not stop the boot or the daily checks that read it."""
    try:
        return read_json_or_none(path)
    except ValueError:
        security.station.board.log("security: %s is not JSON: ignored" % path)
        return None


async def daily_checks(security):
    check_flash(security)
    # A03: only a station that has its own certificate loads the code that renews it.
    if stored(security, folder(security) + "/cp.json"):
        await security.run("renew_if_due")
    security.station.board.log("security: daily checks done")  # what a technician looks for


def check_flash(security):
    """MemoryExhaustion (critical) once a day while the board's flash is over FLASH_FULL
    used: the station's journals, logs and certificates may soon not be written."""
    usage = flash_usage(security.station.board)
    if usage is None:
        return
    used, total = usage
    if used <= total * FLASH_FULL:
        return
    record_limited(security, "MemoryExhaustion",
                   "flash %d of %d KB used" % (used // 1024, total // 1024), DAY_S, "flash")


async def after_boot(security):
    """Once the boot is accepted: StartupOfTheDevice, and an installation that just
    restarted the station is reported (Installed, FirmwareUpdated)."""
    record(security, "StartupOfTheDevice")
    if stored(security, security.station.board.state_dir + "/firmware_install.json"):
        await security.run("after_restart")


# ---- security events ---------------------------------------------------------------------

def security_log(security):
    from firmware.security.log import SecurityLog

    station = security.station
    log = SecurityLog(path=station.board.state_dir + "/security.log", clock=station.clock,
                      log=station.board.log, pending=security.pending)
    security.pending = log.pending
    return log


def record(security, kind, info=None):
    """Logs a security event now and queues it for the outbound queue (A04)."""
    security_log(security).record(kind, info)
    security.wake.set()


def record_limited(security, kind, info=None, interval_s=EVENT_INTERVAL_S, source=None):
    """An event that could come again and again (InvalidMessages and MemoryExhaustion from
    the Central System's messages, a full flash): one per `interval_s` of its source (by
    default its type), so it cannot flood the log."""
    board = security.station.board
    now = board.ticks_ms()
    source = source or kind
    last = security.last_event_ms.get(source)
    if last is not None and board.ticks_diff(now, last) < interval_s * 1000:
        return
    security.last_event_ms[source] = now
    record(security, kind, info)


def request(security, event):
    """The outbound queue's request for a pending event (Security.request)."""
    from firmware.security.log import notification

    return "SecurityEventNotification", notification(event, security.station.clock)


def settle(security, event):
    """The outbound queue delivered the event or gave it up (Security.settle)."""
    security_log(security).settle(event)


def online(security):
    """The link is up and the boot accepted: the CS root check of a TLS link (M05.FR.12)."""
    if security.station.link.ssl_context is not None and \
            security.station.config.get("AdditionalRootCertificateCheck"):
        security.call("verified_root")

