"""ftp://, http:// and https:// URLs as OCPP gives them (remoteLocation, location):
scheme://[user[:password]@]host[:port][/path], user and password percent-decoded. An
https:// Location is used with the `ssl_context` its owner sets (transfer.files)."""
from ws.url import percent_decode

DEFAULT_PORTS = {"ftp": 21, "http": 80, "https": 443}


class Location:
    def __init__(self, scheme, user, password, host, port, path):
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.path = path
        self.ssl_context = None


def parse_location(text):
    """A Location; ValueError for anything else (another scheme, no host, a bad port)."""
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        raise ValueError("not an ftp://, http:// or https:// URL: %r" % text[:80])
    authority, slash, path = rest.partition("/")
    credentials, at, hostport = authority.rpartition("@")
    user = password = None
    if at:
        user, colon, password = credentials.partition(":")
        user = percent_decode(user)
        password = percent_decode(password) if colon else None
    host, port = hostport, DEFAULT_PORTS[scheme]
    if hostport.startswith("["):  # [IPv6]:port
        end = hostport.find("]")
        host, rest_port = hostport[1:end], hostport[end + 1:]
        if rest_port:
            port = _port(rest_port[1:])
    elif ":" in hostport:
        host, _, text_port = hostport.rpartition(":")
        port = _port(text_port)
    if not host or any(c in host for c in " /?#"):
        raise ValueError("no host in %r" % text[:80])
    return Location(scheme, user, password, host, port, "/" + path if slash else "/")


def _port(text):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError("bad port %r" % text)
    return int(text)
