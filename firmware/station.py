"""Composition root: builds the station's services for a board and wires them together."""
import asyncio

from firmware.clock import Clock
from firmware.heartbeat import heartbeat_forever
from firmware.link import Link
from firmware.registration import REJECTED, Registration
from ws.tls import client_context

# Used until the Central System sets HeartbeatInterval (BootNotification.conf interval 0).
DEFAULT_HEARTBEAT_INTERVAL_S = 300


def data_transfer(payload):
    # Core requires an answer; no vendor-specific extensions are defined yet.
    return {"status": "UnknownVendorId"}


class Station:
    def __init__(self, board):
        self.board = board
        self.clock = Clock(board.ticks_ms, board.ticks_diff)
        self.handlers = {"DataTransfer": data_transfer}
        ssl_context = client_context(board.ca_der) if board.ca_der else None
        self.link = Link(board, self.handlers, self._on_online, password=board.password,
                         ssl_context=ssl_context, silent=self._rejected)
        self.registration = Registration(self.link.call, self.clock, board.boot_payload(),
                                         board.log)

    def _rejected(self):
        return self.registration.status == REJECTED

    def _heartbeat_interval_s(self):
        return self.registration.heartbeat_interval_s or DEFAULT_HEARTBEAT_INTERVAL_S

    async def _on_online(self):
        await self.registration.register()
        await heartbeat_forever(self.link.call, self.clock, self._heartbeat_interval_s,
                                self.board.log)

    async def run(self):
        await self.link.run()


def run(board):
    asyncio.run(Station(board).run())
