"""What the protocol core reports after receive_data(): see Protocol.events_received()."""


class Message:
    """A complete message: `data` is str for a text message, bytes for a binary one."""

    def __init__(self, data):
        self.data = data


class Ping:
    """The peer pinged; the core has already queued the pong."""

    def __init__(self, payload):
        self.payload = payload


class Pong:
    def __init__(self, payload):
        self.payload = payload


class Close:
    """The peer sent a close frame; `code` is 1005 when it carried no status code."""

    def __init__(self, code, reason):
        self.code = code
        self.reason = reason
