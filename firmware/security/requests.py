"""The security extension's requests (firmware.security loads this module for a call that
firmware.security.services does not answer, and unloads it after): the services that answer
the Central System's requests, each built for one, and what ExtendedTriggerMessage sends. Each
function takes the station's Security object.
"""
# What Security.call reaches here, besides what is here (the link's changes).
from firmware.security.changes import certificates_changed, \
    charge_point_certificate_installed, connect_failed, credentials_changed, fall_back, \
    https_context, invalid_certificate, may_raise_to, profile_changed, tls_connection, \
    verified_root  # noqa: F401
from firmware.security.services import CS_ROOT, SERVICES, folder, is_authorization_key, \
    security_log

MANUFACTURER_ROOT = "ManufacturerRootCertificate"


def answer(security, action, payload):
    """A request of the Central System, answered by its service (built for it)."""
    service = globals()[SERVICES[action]](security)
    own = {}
    service.register(own)
    return own[action](payload)


def valid_authorization_key(security, value):
    return is_authorization_key(value)


def certificates(security):
    """A certificate store on the board's flash."""
    from firmware.security.certificates import Certificates

    station = security.station
    store = Certificates(folder=folder(security), config=station.config, clock=station.clock,
                         log=station.board.log)
    store.on_change = security.later("certificates_changed")
    store.on_invalid = security.later("invalid_certificate")
    return store


def installed_roots(security, use=CS_ROOT):
    return certificates(security).ders(use)


def charge_point_certificate(security):
    from firmware.security.charge_point_certificate import ChargePointCertificate

    station = security.station
    return ChargePointCertificate(
        folder=folder(security), config=station.config, clock=station.clock,
        log=station.board.log, call=station.link.call, record_event=security.later("record"),
        roots=security.later("installed_roots"),
        installed=security.later("charge_point_certificate_installed"))


def firmware_update(security):
    from firmware.security.firmware_update import FirmwareUpdate

    station = security.station
    return FirmwareUpdate(updates=security.updates,
                          call=security.later("firmware_status_call"),
                          board=station.board, clock=station.clock, log=station.board.log,
                          record_event=security.later("record"),
                          roots=security.later("installed_roots", MANUFACTURER_ROOT),
                          # The dict itself: a closure made here would keep this module as
                          # long as the update runs.
                          transactions=station.transactions.active,
                          tls_context=security.later("https_context"),
                          hold_connectors=station.availability.hold_for_installation)


def log_upload(security):
    from firmware.security.get_log import LogUpload

    station = security.station
    return LogUpload(uploads=security.uploads, call=station.link.call,
                     security_log=security_log(security), board=station.board,
                     log=station.board.log, tls_context=security.later("https_context"))


def firmware_status_call(security, action, payload):
    """The link's call for the update's notifications, the last one kept for
    ExtendedTriggerMessage (L01.FR.28, L01.FR.29)."""
    security.last_firmware_status = payload
    return security.station.link.call(action, payload)


def firmware_status(security):
    """What ExtendedTriggerMessage(FirmwareStatusNotification) sends: the last status
    sent, with its requestId, or Idle once Installed or before any update."""
    last = security.last_firmware_status
    return {"status": "Idle"} if last is None or last["status"] == "Installed" else last


def log_status(security):
    """What ExtendedTriggerMessage(LogStatusNotification) sends: Uploading, with its
    requestId, while an upload runs, else Idle (6.19)."""
    uploads = security.uploads
    if uploads and not uploads[0].done():
        return {"status": "Uploading", "requestId": uploads[1]}
    return {"status": "Idle"}


def certificate_request(security):
    """ExtendedTriggerMessage(SignChargePointCertificate): the follow-up that makes a
    key pair and sends its CSR, or None when CpoName is not set (A02 prerequisite)."""
    if not security.station.config.get("CpoName"):
        return None
    return lambda: security.run("request_certificate")


async def request_certificate(security):
    board = security.station.board
    serial = board.boot_payload().get("chargePointSerialNumber") or board.identity_name
    await charge_point_certificate(security).request(serial)


async def renew_if_due(security):
    """A03: the station's own certificate, once it expires within a month, is renewed like a
    requested one (CpoName set)."""
    if not charge_point_certificate(security).renewal_due():
        return
    if not security.station.config.get("CpoName"):
        security.station.board.log("security: ChargePointCertificate expires soon; "
                                   "no CpoName to renew it with")
        return
    security.station.board.log("security: ChargePointCertificate expires soon: renewing it")
    await request_certificate(security)


async def after_restart(security):
    """An installation that just restarted the station is reported (firmware_update)."""
    await firmware_update(security).after_restart()
