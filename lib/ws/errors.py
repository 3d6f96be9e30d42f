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
