"""Files to and from ftp:// (passive mode), ftps:// (explicit FTP over TLS, RFC 4217),
http:// and https:// Locations (the server of ftps:// and https:// verified with the
Location's ssl_context, for its host name), never whole in the heap.

upload(): `chunks()` is called for a fresh iterator of the content (HTTP reads it twice:
once for Content-Length). download(): each chunk received goes to `sink(chunk)`, at most
`max_bytes` of them (None: no bound): a file the server announces larger (HTTP
Content-Length, FTP SIZE) is refused before anything reaches the sink, one that turns out
larger is cut off there, and an HTTP body shorter than its Content-Length is a failure.
Both raise TransferError with a `status`: "PermissionDenied" when the server refuses the
credentials or the path, "UploadFailure" otherwise (the LogStatusNotification statuses they
map to). What a server says is read in bounded lines: one that never ends a line fails the
transfer instead of filling the heap. A transfer may take as long as it keeps moving (a
firmware image over a slow link); one that moves nothing for `stall_s` seconds (a server or a
link that went silent, mid-transfer or before it) is abandoned between stall_s and twice that
later, and fails.
"""
import asyncio

PERMISSION_DENIED = "PermissionDenied"
UPLOAD_FAILURE = "UploadFailure"
_LINE_MAX = 1024
_HEADER_LINES_MAX = 64
_CHUNK_BYTES = 1024
STALL_S = 60  # silence in both directions that ends a transfer


class _Progress:
    """What a transfer moved so far, in reads and writes: its watch (_bounded) looks."""
    moved = 0
    stalled = False


class TransferError(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class _Replies:
    """A server's stream read as lines of at most _LINE_MAX bytes (MicroPython's readline
    has no bound), then as bytes: what was read past the last line is kept for read()."""

    def __init__(self, reader, progress, held=b""):
        self.reader = reader
        self._progress = progress
        self._held = held

    def held(self):
        return len(self._held)

    async def line(self):
        while True:
            end = self._held.find(b"\n")
            if end >= 0:
                line = self._held[:end + 1]
                self._held = self._held[end + 1:]
                return line.decode().rstrip("\r\n")
            if len(self._held) >= _LINE_MAX:
                raise TransferError(UPLOAD_FAILURE, "reply line over %d bytes" % _LINE_MAX)
            more = await self.reader.read(_LINE_MAX - len(self._held))
            self._progress.moved += 1
            if not more:
                raise TransferError(UPLOAD_FAILURE, "the server closed the connection")
            self._held += more

    async def read(self, size):
        if not self._held:
            data = await self.reader.read(size)
            self._progress.moved += 1
            return data
        data = self._held[:size]
        self._held = self._held[size:]
        return data


async def upload(location, chunks, open_connection=None, stall_s=STALL_S):
    progress = _Progress()
    if location.scheme.startswith("ftp"):
        transfer = _ftp(location, "STOR", chunks, None, None, open_connection, progress)
    else:
        transfer = _http_put(location, chunks, open_connection, progress)
    await _bounded(transfer, progress, stall_s)


async def download(location, sink, open_connection=None, stall_s=STALL_S, max_bytes=None):
    progress = _Progress()
    if location.scheme.startswith("ftp"):
        transfer = _ftp(location, "RETR", None, sink, max_bytes, open_connection, progress)
    else:
        transfer = _http_get(location, sink, max_bytes, open_connection, progress)
    await _bounded(transfer, progress, stall_s)


async def _bounded(transfer, progress, stall_s):
    """The transfer, as long as it moves: a total bound would cut a large file on a slow
    link, and a silent server must not hold the station's upload or update for ever."""
    task = asyncio.create_task(transfer)
    watch = asyncio.create_task(_watch(task, progress, stall_s))
    try:
        await task
    except asyncio.CancelledError:
        if progress.stalled:
            raise TransferError(UPLOAD_FAILURE, "nothing moved for %d s" % stall_s)
        raise  # the caller's own cancellation
    except (OSError, ValueError) as error:
        raise TransferError(UPLOAD_FAILURE, "%s: %s" % (type(error).__name__, error))
    finally:
        watch.cancel()
        task.cancel()  # the caller cancelled: the transfer ends with it


async def _watch(task, progress, stall_s):
    seen = -1
    while progress.moved != seen:
        seen = progress.moved
        await asyncio.sleep(stall_s)
    progress.stalled = True
    task.cancel()


def _connect(location, open_connection, port=None):
    """A connection to the Location's host (at `port`, else its own): over TLS for https://,
    plain for ftps:// too, which upgrades it itself (_secure)."""
    open_connection = open_connection or asyncio.open_connection
    port = port or location.port
    if location.scheme != "https":
        return open_connection(location.host, port)
    return open_connection(location.host, port, ssl=_tls_context(location),
                           server_hostname=location.host)


def _tls_context(location):
    if location.ssl_context is None:
        raise TransferError(UPLOAD_FAILURE, "%s:// without a TLS context" % location.scheme)
    return location.ssl_context


# ---- HTTP ---------------------------------------------------------------------------------

def _http_head(method, location, extra=""):
    head = "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n%s" % (
        method, location.path, location.host, location.port, extra)
    if location.user is not None:
        from binascii import b2a_base64

        token = b2a_base64(("%s:%s" % (location.user, location.password or "")).encode())
        head += "Authorization: Basic %s\r\n" % token.decode().strip()
    return (head + "\r\n").encode()


async def _http_answer(replies):
    """The Content-Length of a 2xx HTTP answer (None without one), its header block read;
    TransferError for any other status."""
    status_line = await replies.line()
    parts = status_line.split(" ")
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    length = None
    for _ in range(_HEADER_LINES_MAX):
        line = await replies.line()
        if not line:  # the header block ends with an empty line
            break
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            value = value.strip()
            if not value.isdigit():
                raise TransferError(UPLOAD_FAILURE, "Content-Length %r" % value[:20])
            length = int(value)
    else:
        raise TransferError(UPLOAD_FAILURE, "over %d header lines" % _HEADER_LINES_MAX)
    if code in (401, 403):
        raise TransferError(PERMISSION_DENIED, "HTTP %d" % code)
    if not 200 <= code < 300:
        raise TransferError(UPLOAD_FAILURE, "HTTP answer %r" % status_line[:80])
    return length


async def _http_put(location, chunks, open_connection, progress):
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
            progress.moved += 1
        await _http_answer(_Replies(reader, progress))
    finally:
        await _close(writer)


async def _http_get(location, sink, max_bytes, open_connection, progress):
    reader, writer = await _connect(location, open_connection)
    try:
        writer.write(_http_head("GET", location))
        await writer.drain()
        replies = _Replies(reader, progress)
        length = await _http_answer(replies)
        _check_room(length, max_bytes)
        # Without a Content-Length the body ends with the stream (Connection: close).
        await _copy(replies, sink, max_bytes, length)
    finally:
        await _close(writer)


def _check_room(length, max_bytes):
    if length is not None and max_bytes is not None and length > max_bytes:
        raise TransferError(UPLOAD_FAILURE, "a file of %d bytes, %d free for it"
                            % (length, max_bytes))


async def _copy(source, sink, max_bytes, length=None):
    """To the sink, until the stream ends or `length` bytes came: TransferError when the
    stream ends before `length`, or brings more than max_bytes."""
    count = 0
    while length is None or count < length:
        chunk = await source.read(_CHUNK_BYTES if length is None
                                  else min(_CHUNK_BYTES, length - count))
        if not chunk:
            break
        count += len(chunk)
        if max_bytes is not None and count > max_bytes:
            raise TransferError(UPLOAD_FAILURE, "the file is over the %d bytes free for it"
                                % max_bytes)
        sink(chunk)
    if length is not None and count < length:
        raise TransferError(UPLOAD_FAILURE, "the connection ended after %d of %d bytes"
                            % (count, length))


# ---- FTP (RFC 959, passive mode), FTPS (RFC 4217, explicit) ---------------------------------

async def _ftp(location, command, chunks, sink, max_bytes, open_connection, progress):
    """STOR (the chunks) or RETR (to the sink) of location.path."""
    secure = location.scheme == "ftps"
    reader, writer = await _connect(location, open_connection)
    replies = _Replies(reader, progress)
    try:
        await _expect(replies, "220")
        if secure:
            reader, writer, early = await _secure(location, replies.reader, writer, replies)
            replies = _Replies(reader, progress, early)
            # The data connections over TLS too.
            await _command(replies, writer, "PBSZ 0", ("200",))
            await _command(replies, writer, "PROT P", ("200",))
        user = location.user or "anonymous"
        code, _ = await _command(replies, writer, "USER " + user, ("230", "331"))
        if code == "331":
            await _command(replies, writer, "PASS " + (location.password or ""), ("230",))
        await _command(replies, writer, "TYPE I", ("200",))
        if max_bytes is not None:
            _check_room(await _ftp_size(replies, writer, location.path), max_bytes)
        _, reply = await _command(replies, writer, "PASV", ("227",))
        data_reader, data_writer = await _connect(location, open_connection,
                                                  _passive_port(reply))
        early = b""
        try:
            await _command(replies, writer, command + " " + location.path, ("125", "150"))
            if secure:  # after the command, as RFC 4217 has it: some servers accept only then
                data_reader, data_writer, early = await _secure(location, data_reader,
                                                                    data_writer)
            if chunks is not None:
                for chunk in chunks():
                    data_writer.write(chunk)
                    await data_writer.drain()
                    progress.moved += 1
            else:
                await _copy(_Replies(data_reader, progress, early), sink, max_bytes)
        finally:
            await _close(data_writer)
        await _expect(replies, "226", "250")
        writer.write(b"QUIT\r\n")
        await writer.drain()
    finally:
        await _close(writer)


async def _ftp_size(replies, writer, path):
    """The size the server gives for path (SIZE, RFC 3659), None when it cannot tell."""
    writer.write(("SIZE " + path + "\r\n").encode())
    await writer.drain()
    code, line = await _reply(replies)
    size = line[4:].strip()
    return int(size) if code == "213" and size.isdigit() else None


async def _command(replies, writer, line, accepted):
    writer.write((line + "\r\n").encode())
    await writer.drain()
    return await _expect(replies, *accepted)


async def _reply(replies):
    """The code and last line of the next reply."""
    while True:
        line = await replies.line()
        # A multi-line reply ("230-...") ends with the line that starts "230 ".
        if len(line) >= 4 and line[:3].isdigit() and line[3] == " ":
            return line[:3], line
        if len(line) < 4 or not line[:3].isdigit():
            raise TransferError(UPLOAD_FAILURE, "not an FTP reply: %r" % line[:80])


async def _expect(replies, *codes):
    """The reply's code and text; TransferError unless the code is one of `codes`."""
    code, line = await _reply(replies)
    if code not in codes:
        status = PERMISSION_DENIED if code in ("530", "532", "550", "553") else UPLOAD_FAILURE
        raise TransferError(status, "FTP %s" % line[:80])
    return code, line


async def _secure(location, reader, writer, replies=None):
    """(reader, writer, early) of a connection over TLS (transfer.start_tls): a data
    connection, or with its replies the control connection, after AUTH TLS. A server
    without TLS fails the transfer: an ftps:// Location never falls back to plain FTP."""
    from transfer.start_tls import start_tls

    context = _tls_context(location)
    if replies is not None:
        writer.write(b"AUTH TLS\r\n")
        await writer.drain()
        code, line = await _reply(replies)
        if code != "234":
            raise TransferError(UPLOAD_FAILURE, "no TLS: FTP %s" % line[:80])
        # Bytes already past the 234 came unprotected, yet would be read as if over TLS.
        if replies.held():
            raise TransferError(UPLOAD_FAILURE, "plain bytes after AUTH TLS")
    return await start_tls(reader, writer, context, location.host)


def _passive_port(reply):
    """The port of a 227 reply "Entering Passive Mode (h1,h2,h3,h4,p1,p2)". The host is the
    control connection's, as most clients do (a server behind NAT announces its inside
    address)."""
    start, end = reply.find("("), reply.find(")")
    numbers = reply[start + 1:end].split(",") if 0 <= start < end else []
    if len(numbers) != 6 or not all(n.strip().isdigit() for n in numbers):
        raise TransferError(UPLOAD_FAILURE, "bad PASV reply %r" % reply[:80])
    return int(numbers[4]) * 256 + int(numbers[5])


async def _close(writer):
    try:
        writer.close()
        await writer.wait_closed()
    except Exception:  # already gone
        pass
