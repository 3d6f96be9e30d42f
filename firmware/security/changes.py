"""The security extension's changes to the link (firmware.security.requests, loaded with it):
raising the SecurityProfile, new credentials and roots, the TLS contexts of profiles 2 and
3, and the security events of failed connections. Each function takes the station's
Security object.
"""
from firmware.security.services import CS_ROOT, TLS_PROFILE, is_authorization_key, password
from store.atomic import ensure_dir, read_json_or_none, write_json_atomic


def tls_connection(security, profile):
    """(url, ssl_context, password) from profile 2 on: the board's wss:// URL (its
    `csms_url_tls`, else its URL with the wss scheme), the installed CS roots and, on
    profile 3, the station's own certificate. A certificate or key TLS cannot use (a
    corrupt file) is left out; without a usable CS root there is no context, and the link
    does not connect (ws.client refuses wss:// without one): never an unverified server."""
    board = security.station.board
    url = board.csms_url
    if not url.startswith("wss:"):
        url = getattr(board, "csms_url_tls", None) or "wss" + url[url.find(":"):]
    client = client_certificate(security) if profile == 3 else None
    roots = central_system_roots(security)
    if client is not None:
        try:
            return url, _tls_context(roots, client), password(security)
        except ValueError as error:
            board.log("security: the station's certificate or key is unusable (%s); "
                      "connecting without it" % error)
    try:
        return url, _tls_context(roots), password(security)
    except ValueError as error:
        board.log("security: no usable CentralSystemRootCertificate (%s)" % error)
        return url, None, password(security)


def https_context(security):
    return _tls_context(central_system_roots(security))


def client_certificate(security):
    """([certificate DER, then its CAs' as CertificateSigned gave them], key DER) of the
    station's own certificate, or None."""
    folder = security.call("folder")
    path = folder + "/cp.json"
    stored = stored_certificate(path, security.station.board.log)
    if stored is None:
        provisioned = getattr(security.station.board, "client_certificate", None)
        if not provisioned:
            return None
        # Kept like one the Central System signed: renewed, replaced, the fallback (A02, A03).
        chain, key = provisioned
        stored = {"key": bytes(key).hex(), "chain": [bytes(der).hex() for der in chain]}
        ensure_dir(folder)
        write_json_atomic(path, stored)
    if "key" in stored:
        return [bytes.fromhex(der) for der in stored["chain"]], bytes.fromhex(stored["key"])
    from x509.p256 import private_key_der

    return [bytes.fromhex(der) for der in stored["chain"]], \
        private_key_der(int(stored["d"], 16))


def stored_certificate(path, log):
    """What `path` (cp.json) keeps of the station's certificate, as CertificateSigned or the
    provisioning wrote it: {"chain": [DER hex, ...], "key": DER hex} or a P-256 private
    scalar in hex ("d") for the key. None when there is none, or when the file is anything
    else (damaged: the log says so, and it is treated as absent rather than stop a boot)."""
    try:
        stored = read_json_or_none(path)
        if stored is None or _certificate_record(stored):
            return stored
    except ValueError:
        pass
    log("security: %s is malformed: ignored" % path)
    return None


def _certificate_record(stored):
    if type(stored) is not dict or type(stored.get("chain")) is not list or \
            not stored["chain"] or not all(type(der) is str for der in stored["chain"]):
        return False
    key, scalar = stored.get("key"), stored.get("d")
    if type(key) is not str and type(scalar) is not str:
        return False
    for der in stored["chain"]:
        bytes.fromhex(der)  # ValueError when it is not hex
    if type(key) is str:
        bytes.fromhex(key)
    else:
        int(scalar, 16)
    return True


def central_system_roots(security):
    """The DERs of the installed CS roots (the fallback one after the new one failed, with
    AdditionalRootCertificateCheck: M05.FR.13); on a first boot the board's are installed."""
    factory = security.station.board.ca_der or []
    factory = [factory] if type(factory) is bytes else factory
    store = security.call("certificates")
    roots = security.with_fallback_root and store.ders(CS_ROOT, True) or store.ders(CS_ROOT)
    if roots:
        return roots
    for der in factory:
        store.install(CS_ROOT, der)
    return store.ders(CS_ROOT) or list(factory)


def may_raise_to(security, profile):
    if security.profile is None:  # the value stored by an earlier boot
        return True
    if profile <= security.profile:
        return False
    if profile == 3 and client_certificate(security) is None:  # A05.FR.04
        return False
    if not is_authorization_key(security.station.config.get("AuthorizationKey")):
        return False
    if profile >= TLS_PROFILE:
        return bool(security.call("installed_roots", CS_ROOT))
    return True


def profile_changed(security, profile):
    previous = security.profile
    security.profile = profile
    if profile < previous:  # the fallback below: the Central System cannot lower it
        return
    security.call("record", "ReconfigurationOfSecurityParameters",
                  "SecurityProfile %d -> %d" % (previous, profile))
    url, ssl_context, password = security.call("connection", profile)
    security.station.link.switch(url, ssl_context, password,
                                 security.later("fall_back", previous))


def fall_back(security, previous):
    security.station.board.log("security: no connection with SecurityProfile %d; back to %d"
                               % (security.profile, previous))
    security.station.config.set("SecurityProfile", previous)


# A TLS connection the Central System refused, as each runtime reports it (OpenSSL's reasons
# on CPython, mbedTLS's names on MicroPython): the security event it is, None where the
# kind cannot be told, and what happened in words. The server's alert tells OpenSSL why;
# mbedTLS reports every alert alike, and an asyncio server (websockets, the bundled
# Central System) sends none: it closes. The station offers no forbidden suite or version,
# not even to find out which it was.
_CLOSED = "the Central System closed the connection while the station connected over TLS, " \
    "without an alert, as some servers do when they share no TLS version or cipher suite " \
    "with it"
_TLS_REFUSALS = (
    ("ALERT_PROTOCOL_VERSION", "InvalidTLSVersion",
     "the Central System takes neither TLS 1.2 nor 1.3: only older versions"),
    ("ALERT_HANDSHAKE_FAILURE", "InvalidTLSCipherSuite",
     "the Central System takes none of the cipher suites the station offers"),
    ("FATAL_ALERT_MESSAGE", None,
     "the Central System refused the TLS handshake, and mbedTLS does not say why: it may "
     "share no TLS version or cipher suite with the station, or refuse its certificate"),
    ("CONN_EOF", None, _CLOSED),
    ("ConnectionResetError", None, _CLOSED),
)


def connect_failed(security, error):
    """The Central System refused our credentials (401), its certificate did not verify, or
    it refused the TLS handshake: each distinct failure is one event and one line in words,
    not one per retry."""
    text = str(error)
    link = security.station.link
    kind, words = _refusal(error, text, link.ssl_context is not None)
    if kind is None and words is None:
        security.last_connect_event = None
        return
    if (kind, text) != security.last_connect_event:
        security.last_connect_event = (kind, text)
        if words is not None:
            security.station.board.log("security: %s (%s)" % (words, text))
        if kind is not None:
            security.call("record", kind, text)
    if kind == "InvalidCentralSystemCertificate" and not security.with_fallback_root and \
            link.ssl_context is not None and security.call("certificates").ders(CS_ROOT, True):
        # M05.FR.13: the next attempt verifies the server with the fallback root.
        security.with_fallback_root = True
        _, link.ssl_context, _ = security.call("connection")


def _refusal(error, text, over_tls):
    """(security event or None, words or None) of a failed connection."""
    if getattr(error, "status", None) == 401:
        return "FailedToAuthenticateAtCentralSystem", None
    if over_tls:
        for mark, kind, words in _TLS_REFUSALS:
            if mark in text:
                return kind, words
    if "certificate" in text.lower() or "verif" in text.lower():
        return "InvalidCentralSystemCertificate", None
    return None, None


def verified_root(security):
    """Online over TLS with AdditionalRootCertificateCheck: with the new CS root, its
    fallback goes (M05.FR.12); with the fallback, the next connection tries the new one
    first again."""
    link = security.station.link
    if security.with_fallback_root:
        security.with_fallback_root = False
        _, link.ssl_context, _ = security.call("connection")
    else:
        security.call("certificates").drop_fallback()


def invalid_certificate(security, use, reason):
    if use == CS_ROOT:  # TC_078
        security.call("record", "InvalidCentralSystemCertificate", reason)


def credentials_changed(security, _new_key):
    security.call("record", "ReconfigurationOfSecurityParameters", "AuthorizationKey")
    link = security.station.link
    link.password = password(security)
    link.reconnect()


def certificates_changed(security, use):
    # New or deleted CS roots apply from the next connection on (with the station's own
    # certificate still, on profile 3).
    link = getattr(security.station, "link", None)  # none yet while the boot installs one
    if use == CS_ROOT and link is not None and link.ssl_context is not None:
        _, link.ssl_context, _ = security.call("connection")


def charge_point_certificate_installed(security):
    # A02.FR.08: on profile 3 the new certificate is used from the next connection on,
    # which is made at once (TC_074).
    if security.profile == 3:
        link = security.station.link
        _, link.ssl_context, _ = security.call("connection")
        link.reconnect()


def _tls_context(roots, client=None):
    from ws.tls import client_context  # with its offer of suites (A00.FR.318, 319)

    if client is None:
        return client_context(roots)
    return client_context(roots, client[0], client[1])
