"""An open connection upgraded to TLS in place (FTP's AUTH TLS and its data connections,
RFC 4217), on CPython and MicroPython alike: the server checked with `ssl_context` for
`server_hostname`."""


async def start_tls(reader, writer, ssl_context, server_hostname):
    """(reader, writer, early) of the connection, now over TLS: `early`, bytes the server
    sent that the reader will not give again. Nothing must be left unread or unsent on the
    connection: what came before is plain, what comes after is not."""
    upgrade = getattr(writer, "start_tls", None)
    if upgrade is not None:  # CPython 3.11: the same streams, the handshake done
        await upgrade(ssl_context, server_hostname=server_hostname)
        return reader, writer, b""
    # MicroPython's asyncio has no start_tls, and its Stream is one socket's reader and
    # writer at once: wrap that socket as its open_connection(ssl=) wraps a new one. The
    # handshake then runs within the stream's reads and writes, never blocking the loop; but
    # a first read waits for the socket to be readable, which, before the client's hello,
    # it never is. So one read is tried now, which sends the hello; only a handshake done
    # within it (a whole round trip) could make it bring data: one byte, kept as `early`.
    sock = ssl_context.wrap_socket(writer.s, server_hostname=server_hostname,
                                   do_handshake_on_connect=False)
    sock.setblocking(False)
    stream = type(writer)(sock)
    return stream, stream, sock.read(1) or b""
