"""The station's Ethernet link: TCP connections that fail while the link is down.

`open_connection` has the signature of asyncio.open_connection. Taking the link down makes
new connections fail with OSError and cuts every connection handed out, so the firmware's
pending reads and writes fail as they would when a cable is pulled. `changed` is set on
every change of `up`, as a board's PHY reports link up and link down.
"""
import asyncio
import errno

# Connections remembered for cutting; the oldest are forgotten (they are long closed: the
# station holds one link to the Central System and at most a transfer beside it).
TRACKED_BOUND = 8


class Network:
    def __init__(self):
        self.up = True
        self.changed = asyncio.Event()
        self._writers = []
        self._cutting = None

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        if not self.up:
            raise OSError(errno.EHOSTUNREACH, "network link down")
        if ssl is None:
            reader, writer = await asyncio.open_connection(host, port)
        else:
            reader, writer = await asyncio.open_connection(host, port, ssl=ssl,
                                                           server_hostname=server_hostname)
        if not self.up:  # the link went down while connecting
            await _cut(writer)
            raise OSError(errno.EHOSTUNREACH, "network link down")
        self._writers.append(writer)
        if len(self._writers) > TRACKED_BOUND:
            self._writers.pop(0)
        return reader, writer

    def set_up(self, up):
        was_up = self.up
        self.up = up
        if up != was_up:
            self.changed.set()
        if not up and self._writers:
            writers = self._writers
            self._writers = []
            self._cutting = asyncio.create_task(_cut_all(writers))


async def _cut_all(writers):
    for writer in writers:
        await _cut(writer)


async def _cut(writer):
    # CPython: abort the transport (no TLS shutdown that would wait on the peer), the
    # reader sees end of stream. MicroPython: the socket closes in wait_closed(), and a
    # task waiting to read wakes with OSError EBADF.
    try:
        transport = getattr(writer, "transport", None)
        if transport is not None:
            transport.abort()
        else:
            writer.close()
            await writer.wait_closed()
    except Exception:  # already closed
        pass
