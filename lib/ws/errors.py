"""Exceptions the WebSocket client raises to its callers.

Each carries a one-line `reason` the station can log as is.
"""


class WebSocketError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class ConnectError(WebSocketError):
    """TCP connect, TLS or HTTP upgrade failed; nothing was exchanged at the WebSocket level."""


class HandshakeError(ConnectError):
    """The server answered the upgrade request wrongly. `status` is the HTTP status code
    (401, 404, ...) or None when the status line itself was unusable."""

    def __init__(self, reason, status=None):
        super().__init__(reason)
        self.status = status


class ConnectionClosed(WebSocketError):
    """The WebSocket is closed: `code` is the close code (1000 normal, 1002 protocol error,
    1006 transport lost, 1011 dead link, ...) and `reason` the close reason."""

    def __init__(self, code, reason=""):
        super().__init__(reason)
        self.code = code

    def __str__(self):
        return "closed %d %s" % (self.code, self.reason)


# mbedTLS's codes for the failures a wss:// connection meets, by name. A MicroPython
# firmware built without mbedTLS's error strings (MBEDTLS_ERROR_C, about 1.5 KB of flash),
# and MicroPython 1.25 on a TLS read, raise OSError with the bare code: the name goes with it
# into the reason, for the operator and for the station's security events.
MBEDTLS_ERRORS = {
    -0x2700: "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    -0x6E00: "MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE",
    -0x6E80: "MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION",
    -0x7280: "MBEDTLS_ERR_SSL_CONN_EOF",
    -0x7480: "MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE",
    -0x7780: "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE",
    -0x7880: "MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY",
    -0x7A00: "MBEDTLS_ERR_SSL_BAD_CERTIFICATE",
}
