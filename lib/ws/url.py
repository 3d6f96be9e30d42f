"""Parses ws:// and wss:// URLs and percent-encodes the charge point identity.

OCPP-J appends the charge point identity as the last path segment of the central system
URL, so `identity` is that segment percent-decoded and `path_with_identity` builds it.
"""

from ws.utf8 import is_valid

_DEFAULT_PORTS = {"ws": 80, "wss": 443}
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_HEX = "0123456789ABCDEF"


class Url:
    def __init__(self, secure, host, port, path):
        self.secure = secure
        self.host = host
        self.port = port
        self.path = path

    @property
    def identity(self):
        return percent_decode(self.path.split("?")[0].split("/")[-1])

    @property
    def host_header(self):
        # The default port is left out, as browsers do; some servers compare Host literally.
        host = "[" + self.host + "]" if ":" in self.host else self.host
        if self.port == (443 if self.secure else 80):
            return host
        return "%s:%d" % (host, self.port)


def parse_url(text):
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        raise ValueError("URL must start with ws:// or wss://: %r" % text)
    if "#" in rest:
        raise ValueError("fragment not allowed in a WebSocket URL")
    cut = len(rest)
    for mark in "/?":
        at = rest.find(mark)
        if 0 <= at < cut:
            cut = at
    authority, path = rest[:cut], rest[cut:]
    if "@" in authority:
        raise ValueError("credentials in the URL are not supported, pass a password")
    host, port = _split_authority(authority, _DEFAULT_PORTS[scheme])
    if not path:
        path = "/"
    elif path[0] == "?":
        path = "/" + path
    for ch in path:
        if ord(ch) <= 0x20 or ord(ch) >= 0x7F:
            raise ValueError("URL path must be percent-encoded ASCII")
    return Url(scheme == "wss", host, port, path)


def _split_authority(authority, default_port):
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise ValueError("unclosed [ in IPv6 host")
        host, tail = authority[1:end], authority[end + 1:]
        if not host or ":" not in host:
            raise ValueError("bad IPv6 literal")
        if tail and tail[0] != ":":
            raise ValueError("junk after IPv6 literal")
        port_text = tail[1:] if tail else None
    else:
        host, sep, port_text = authority.partition(":")
        if not sep:
            port_text = None
    if not host:
        raise ValueError("URL has no host")
    if port_text is None:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError("bad port %r" % port_text)
    return host, int(port_text)


def percent_encode(text):
    out = []
    for byte in text.encode():
        if byte in _UNRESERVED:
            out.append(chr(byte))
        else:
            out.append("%" + _HEX[byte >> 4] + _HEX[byte & 15])
    return "".join(out)


def percent_decode(text):
    raw = bytearray()
    data = text.encode()
    i = 0
    while i < len(data):
        if data[i] == 0x25:  # "%"
            high = _HEX.find(chr(data[i + 1]).upper()) if i + 1 < len(data) else -1
            low = _HEX.find(chr(data[i + 2]).upper()) if i + 2 < len(data) else -1
            if high < 0 or low < 0:
                raise ValueError("bad percent escape in %r" % text)
            raw.append(high * 16 + low)
            i += 3
        else:
            raw.append(data[i])
            i += 1
    if not is_valid(raw):
        raise ValueError("percent escapes in %r are not UTF-8" % text)
    return bytes(raw).decode()


def path_with_identity(base_path, identity):
    """The request path for `identity` under `base_path` ("/ocpp" -> "/ocpp/CP%201")."""
    if not identity:
        raise ValueError("empty charge point identity")
    if not base_path.endswith("/"):
        base_path += "/"
    return base_path + percent_encode(identity)
