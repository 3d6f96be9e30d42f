"""Client side of the HTTP/1.1 Upgrade handshake (RFC 6455 4.1), offering the OCPP-J
subprotocol and, for OCPP security profiles 1 and 2, HTTP Basic authentication.

Sans-I/O: request() gives the bytes to send, receive_data() takes the response in any
chunking and raises HandshakeError on a bad answer. Bytes after the header block are
already WebSocket frames and are kept in `extra`.
"""
import binascii
import hashlib
import os

from ws.errors import HandshakeError

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_RESPONSE_HEADER_BYTES = 4096
OCPP16 = "ocpp1.6"


def _b64(data):
    return binascii.b2a_base64(data)[:-1].decode()


def accept_value(key):
    """The Sec-WebSocket-Accept a server must answer to Sec-WebSocket-Key `key` (str)."""
    return _b64(hashlib.sha1(key.encode() + _GUID).digest())


def basic_authorization(identity, password):
    """Authorization header value; `password` (str or bytes) is used as is, e.g. the
    OCPP AuthorizationKey exactly as configured."""
    if ":" in identity:
        raise ValueError("a Basic auth user id cannot contain ':'")
    if type(password) is str:
        password = password.encode()
    return "Basic " + _b64(identity.encode() + b":" + password)


class ClientHandshake:
    def __init__(self, url, password=None, subprotocol=OCPP16,
                 max_header_bytes=MAX_RESPONSE_HEADER_BYTES):
        self.url = url
        self.password = password
        self.subprotocol = subprotocol
        self.max_header_bytes = max_header_bytes
        self.key = _b64(os.urandom(16))
        self.status = None
        self.phrase = ""
        self.headers = {}  # lower-case name -> value, repeated headers joined by ", "
        self.extra = b""
        self._buf = bytearray()

    def request(self):
        lines = [
            "GET %s HTTP/1.1" % self.url.path,
            "Host: " + self.url.host_header,
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: " + self.key,
            "Sec-WebSocket-Version: 13",
        ]
        if self.subprotocol:
            lines.append("Sec-WebSocket-Protocol: " + self.subprotocol)
        if self.password is not None:
            lines.append("Authorization: " + basic_authorization(self.url.identity,
                                                                 self.password))
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def receive_data(self, data):
        """True once the response is complete and valid, False while more is needed."""
        search_from = len(self._buf) - 3 if len(self._buf) > 3 else 0
        self._buf.extend(data)
        end = self._buf.find(b"\r\n\r\n", search_from)
        if end < 0:
            if len(self._buf) > self.max_header_bytes:
                raise HandshakeError("response header over %d bytes" % self.max_header_bytes)
            return False
        if end + 4 > self.max_header_bytes:
            raise HandshakeError("response header over %d bytes" % self.max_header_bytes)
        self.extra = bytes(self._buf[end + 4:])
        head = bytes(self._buf[:end])
        self._buf = bytearray()
        self._parse(head)
        self._check()
        return True

    def _parse(self, head):
        try:
            text = head.decode()
        except ValueError:
            raise HandshakeError("response header is not UTF-8")
        lines = text.split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code, _, phrase = rest.partition(" ")
        if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise HandshakeError("bad status line %r" % lines[0][:60])
        self.status = int(code)
        self.phrase = phrase
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise HandshakeError("bad header line %r" % line[:60])
            name = name.lower()
            value = value.strip()
            old = self.headers.get(name)
            self.headers[name] = value if old is None else old + ", " + value

    def _check(self):
        if self.status != 101:
            raise HandshakeError("server answered %d %s" % (self.status, self.phrase),
                                 self.status)
        headers = self.headers
        if headers.get("upgrade", "").lower() != "websocket":
            raise HandshakeError("no 'Upgrade: websocket' in the response", 101)
        tokens = [t.strip().lower() for t in headers.get("connection", "").split(",")]
        if "upgrade" not in tokens:
            raise HandshakeError("no 'Connection: Upgrade' in the response", 101)
        if headers.get("sec-websocket-accept") != accept_value(self.key):
            raise HandshakeError("wrong Sec-WebSocket-Accept", 101)
        if "sec-websocket-extensions" in headers:
            raise HandshakeError("server selected an extension that was not offered", 101)
        selected = headers.get("sec-websocket-protocol")
        if selected != self.subprotocol:
            if selected is None:
                raise HandshakeError("server did not select subprotocol %s"
                                     % self.subprotocol, 101)
            raise HandshakeError("server selected subprotocol %r, not %s"
                                 % (selected, self.subprotocol), 101)
