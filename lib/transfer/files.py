"""Files to and from ftp:// (passive mode), http:// and https:// Locations (the server
verified with the Location's ssl_context), never whole in the heap.

upload(): `chunks()` is called for a fresh iterator of the content (HTTP reads it twice:
once for Content-Length). download(): each chunk received goes to `sink(chunk)`. Both raise
TransferError with a `status`: "PermissionDenied" when the server refuses the credentials
or the path, "UploadFailure" otherwise (the LogStatusNotification statuses they map to).
"""
import asyncio

PERMISSION_DENIED = "PermissionDenied"
UPLOAD_FAILURE = "UploadFailure"
_LINE_MAX = 1024


class TransferError(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


_CHUNK_BYTES = 1024


async def upload(location, chunks, open_connection=None, timeout_s=30):
    if location.scheme == "ftp":
        transfer = _ftp(location, "STOR", chunks, None, open_connection)
    else:
        transfer = _http_put(location, chunks, open_connection)
    await _bounded(transfer, timeout_s)


async def download(location, sink, open_connection=None, timeout_s=300):
    if location.scheme == "ftp":
        transfer = _ftp(location, "RETR", None, sink, open_connection)
    else:
        transfer = _http_get(location, sink, open_connection)
    await _bounded(transfer, timeout_s)


async def _bounded(transfer, timeout_s):
    try:
        await asyncio.wait_for(transfer, timeout_s)
    except asyncio.TimeoutError:
        raise TransferError(UPLOAD_FAILURE, "no answer within %d s" % timeout_s)
    except (OSError, ValueError) as error:
        raise TransferError(UPLOAD_FAILURE, "%s: %s" % (type(error).__name__, error))


def _connect(location, open_connection):
    open_connection = open_connection or asyncio.open_connection
    if location.scheme != "https":
        return open_connection(location.host, location.port)
    if location.ssl_context is None:
        raise TransferError(UPLOAD_FAILURE, "https:// without a TLS context")
    return open_connection(location.host, location.port, ssl=location.ssl_context,
                           server_hostname=location.host)


# ---- HTTP ---------------------------------------------------------------------------------

def _http_head(method, location, extra=""):
    head = "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n%s" % (
        method, location.path, location.host, location.port, extra)
    if location.user is not None:
        from binascii import b2a_base64

        token = b2a_base64(("%s:%s" % (location.user, location.password or "")).encode())
        head += "Authorization: Basic %s\r\n" % token.decode().strip()
    return (head + "\r\n").encode()


async def _http_status(reader):
    """The status of an HTTP answer, its header lines read; TransferError unless 2xx."""
    status_line = await _line(reader)
    parts = status_line.split(" ")
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    while await _line(reader):  # the header block ends with an empty line
        pass
    if code in (401, 403):
        raise TransferError(PERMISSION_DENIED, "HTTP %d" % code)
    if not 200 <= code < 300:
        raise TransferError(UPLOAD_FAILURE, "HTTP answer %r" % status_line[:80])


async def _http_put(location, chunks, open_connection):
    length = 0
    for chunk in chunks():
        length += len(chunk)
    reader, writer = await _connect(location, open_connection)
    try:
        writer.write(_http_head("PUT", location, "Content-Length: %d\r\n"
                                "Content-Type: text/plain\r\n" % length))
        for chunk in chunks():
            writer.write(chunk)
            await writer.drain()
        await _http_status(reader)
    finally:
        await _close(writer)


async def _http_get(location, sink, open_connection):
    reader, writer = await _connect(location, open_connection)
    try:
        writer.write(_http_head("GET", location))
        await writer.drain()
        await _http_status(reader)
        await _copy(reader, sink)  # to the end of the stream (Connection: close)
    finally:
        await _close(writer)


async def _copy(reader, sink):
    while True:
        chunk = await reader.read(_CHUNK_BYTES)
        if not chunk:
            return
        sink(chunk)


# ---- FTP (RFC 959, passive mode) ------------------------------------------------------------

async def _ftp(location, command, chunks, sink, open_connection):
    """STOR (the chunks) or RETR (to the sink) of location.path."""
    reader, writer = await _connect(location, open_connection)
    try:
        await _expect(reader, "220")
        user = location.user or "anonymous"
        code, _ = await _command(reader, writer, "USER " + user, ("230", "331"))
        if code == "331":
            await _command(reader, writer, "PASS " + (location.password or ""), ("230",))
        await _command(reader, writer, "TYPE I", ("200",))
        _, reply = await _command(reader, writer, "PASV", ("227",))
        host, port = _passive_address(reply, location.host)
        data_reader, data_writer = await (open_connection or asyncio.open_connection)(host,
                                                                                    port)
        try:
            await _command(reader, writer, command + " " + location.path, ("125", "150"))
            if chunks is not None:
                for chunk in chunks():
                    data_writer.write(chunk)
                    await data_writer.drain()
            else:
                await _copy(data_reader, sink)
        finally:
            await _close(data_writer)
        await _expect(reader, "226", "250")
        writer.write(b"QUIT\r\n")
        await writer.drain()
    finally:
        await _close(writer)


async def _command(reader, writer, line, accepted):
    writer.write((line + "\r\n").encode())
    await writer.drain()
    return await _expect(reader, *accepted)


async def _expect(reader, *codes):
    """The reply's code and text; TransferError unless the code is one of `codes`."""
    while True:
        line = await _line(reader)
        # A multi-line reply ("230-...") ends with the line that starts "230 ".
        if len(line) >= 4 and line[:3].isdigit() and line[3] == " ":
            break
        if len(line) < 4 or not line[:3].isdigit():
            raise TransferError(UPLOAD_FAILURE, "not an FTP reply: %r" % line[:80])
    code = line[:3]
    if code not in codes:
        status = PERMISSION_DENIED if code in ("530", "532", "550", "553") else UPLOAD_FAILURE
        raise TransferError(status, "FTP %s" % line[:80])
    return code, line


def _passive_address(reply, control_host):
    """(host, port) of a 227 reply "Entering Passive Mode (h1,h2,h3,h4,p1,p2)". The host is
    the control connection's, as most clients do (a server behind NAT announces its inside
    address)."""
    start, end = reply.find("("), reply.find(")")
    numbers = reply[start + 1:end].split(",") if 0 <= start < end else []
    if len(numbers) != 6 or not all(n.strip().isdigit() for n in numbers):
        raise TransferError(UPLOAD_FAILURE, "bad PASV reply %r" % reply[:80])
    return control_host, int(numbers[4]) * 256 + int(numbers[5])


async def _line(reader):
    line = await reader.readline()
    if not line:
        raise TransferError(UPLOAD_FAILURE, "the server closed the connection")
    if len(line) > _LINE_MAX:
        raise TransferError(UPLOAD_FAILURE, "reply line over %d bytes" % _LINE_MAX)
    return line.decode().rstrip("\r\n")


async def _close(writer):
    try:
        writer.close()
        await writer.wait_closed()
    except Exception:  # already gone
        pass
