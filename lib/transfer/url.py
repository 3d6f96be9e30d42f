"""ftp://, ftps://, http:// and https:// URLs as OCPP gives them (remoteLocation, location):
scheme://[user[:password]@]host[:port][/path], user and password percent-decoded. A
Location whose `tls` is true (ftps://, https://) is used with the `ssl_context` its owner
sets (transfer.files). No error message holds the user or the password: they get logged."""
from ws.url import percent_decode

# ftps:// is explicit FTPS (RFC 4217): plain to port 21, then AUTH TLS.
DEFAULT_PORTS = {"ftp": 21, "ftps": 21, "http": 80, "https": 443}


class Location:
    def __init__(self, scheme, user, password, host, port, path):
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.path = path
        self.tls = scheme in ("ftps", "https")
        self.ssl_context = None


def parse_location(text):
    """A Location; ValueError for anything else (another scheme, no host, a bad port)."""
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        raise ValueError("%r is not ftp, ftps, http or https" % scheme[:8] if sep
                         else "not a URL")
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
        raise ValueError("no host in %s://%r" % (scheme, hostport[:80]))
    return Location(scheme, user, password, host, port, "/" + path if slash else "/")


def _port(text):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError("bad port %r" % text)
    return int(text)


def without_credentials(text):
    """The text (an OCPP frame, a log line) with each URL's "user:password@" written
    "***@"."""
    start = text.find("://")
    while start >= 0:
        start += 3
        end = start
        while end < len(text) and text[end] not in '/"':  # the end of the authority
            end += 1
        at = text.rfind("@", start, end)
        if at >= 0:
            text = text[:start] + "***" + text[at:]
            end += start + 3 - at
        start = text.find("://", end)
    return text
