# The link follows the board's network link (issue 15 part 5): nothing is tried while it is
# down, the Central System is tried at once when it comes up, and while it is up the backoff
# still paces attempts at a Central System that does not answer. A board that cannot tell
# its link state keeps the backoff alone.
import asyncio

from firmware.config import Configuration
from firmware.link import OFFLINE, ONLINE, Link
from scratch import fresh_path
from ws.backoff import Backoff
from ws.handshake import accept_value

URL = "ws://127.0.0.1:9/ocpp/CP001"
# Far longer than any test waits: an attempt that comes sooner did not wait for the backoff.
LONG_BACKOFF_MS = 60000


class NoAnswerBoard:
    """A board whose every connection is refused: the Central System does not answer."""
    identity_name = "CP001"

    def __init__(self):
        self.attempts = 0

    def log(self, line):
        pass

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        self.attempts += 1
        raise OSError(111, "connection refused")


class PhyBoard(NoAnswerBoard):
    """The same with the contract's link state, as a PHY reports it."""

    def __init__(self, up):
        super().__init__()
        self.up = up
        self.link_changed = asyncio.Event()

    def link_up(self):
        return self.up

    def set_link(self, up):
        self.up = up
        self.link_changed.set()


class SilentCentralSystem:
    """One connection's stream, reader and writer at once: it accepts the WebSocket upgrade,
    then never says anything again, and closing it wakes nothing -- a board whose
    connections outlive its link going down."""

    def __init__(self):
        self.request = b""
        self.incoming = []
        self._arrived = asyncio.Event()

    def write(self, data):
        self.request += bytes(data)
        if b"\r\n\r\n" in self.request and not self.incoming:
            key = self.request.split(b"Sec-WebSocket-Key: ")[1].split(b"\r\n")[0]
            self.incoming.append(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"
                                 b"Sec-WebSocket-Accept: " + accept_value(key.decode()).encode() +
                                 b"\r\n\r\n")
            self._arrived.set()

    async def drain(self):
        await asyncio.sleep(0)

    async def readinto(self, buf):
        while not self.incoming:
            self._arrived.clear()
            await self._arrived.wait()
        chunk = self.incoming.pop(0)
        buf[:len(chunk)] = chunk
        return len(chunk)

    async def read(self, n):
        chunk = bytearray(n)
        return bytes(chunk[:await self.readinto(chunk)])

    def close(self):
        pass

    async def wait_closed(self):
        pass


class UncutPhyBoard(PhyBoard):
    """Connections to a Central System that accepts and then stays silent; taking the link
    down does not cut them."""

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        self.attempts += 1
        stream = SilentCentralSystem()
        return stream, stream


async def idle():  # the station's work while online: none here
    await asyncio.Event().wait()


def start(board, name, backoff_ms, links=None):
    config = Configuration(path=fresh_path("test_link_network", name), log=lambda line: None)
    link = Link(board=board, config=config, handlers={}, on_online=idle, url=URL)
    link._backoff = Backoff(initial_ms=backoff_ms, max_ms=backoff_ms)
    if links is not None:
        links.append(link)
    return asyncio.create_task(link.run())


async def attempts_reach(board, count, within_s=1):
    # A functional deadline: far below LONG_BACKOFF_MS, far above a loop's scheduling delay.
    for _ in range(within_s * 100):
        if board.attempts >= count:
            return True
        await asyncio.sleep(0.01)
    return False


async def stop(task):
    task.cancel()
    await asyncio.sleep(0)


async def test_nothing_tried_while_down_then_at_once_when_up():
    board = PhyBoard(up=False)
    task = start(board, "boot_down", LONG_BACKOFF_MS)
    try:
        await asyncio.sleep(0.05)
        assert board.attempts == 0
        board.set_link(True)
        assert await attempts_reach(board, 1)
    finally:
        await stop(task)


async def test_backoff_paces_attempts_until_the_link_comes_back_up():
    board = PhyBoard(up=True)
    task = start(board, "flap", LONG_BACKOFF_MS)
    try:
        assert await attempts_reach(board, 1)
        await asyncio.sleep(0.05)
        assert board.attempts == 1  # the Central System does not answer: wait the backoff
        board.set_link(False)
        await asyncio.sleep(0.05)
        assert board.attempts == 1
        board.set_link(True)
        assert await attempts_reach(board, 2)  # not LONG_BACKOFF_MS later
        await asyncio.sleep(0.05)
        assert board.attempts == 2  # and the backoff paces the next ones again
    finally:
        await stop(task)


async def test_backoff_alone_without_link_state_and_with_the_link_up():
    for name, board in (("no_phy", NoAnswerBoard()), ("phy_up", PhyBoard(up=True))):
        task = start(board, name, 100)  # Backoff's floor
        try:
            assert await attempts_reach(board, 3, within_s=2), name
        finally:
            await stop(task)


async def test_link_down_ends_the_connection_at_once_though_the_board_cuts_nothing():
    board = UncutPhyBoard(up=True)
    links = []
    task = start(board, "uncut", LONG_BACKOFF_MS, links)
    try:
        for _ in range(100):
            if links[0].state == ONLINE:
                break
            await asyncio.sleep(0.01)
        assert links[0].state == ONLINE
        board.set_link(False)
        for _ in range(100):  # not at the next ping, seconds or minutes later
            if links[0].state == OFFLINE:
                break
            await asyncio.sleep(0.01)
        assert links[0].state == OFFLINE
        assert links[0].last_error == "network link down"
    finally:
        await stop(task)
