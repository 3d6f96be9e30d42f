"""The sim board (boards/sim/board.py) with its hardware behind the UART link's protocol
(docs/hwlink.md) instead of the sim's JSON lines: what a board with an I/O controller on a
UART runs, on the unix port, a TCP connection to the launcher's bridge
(boards/sim/uart_bridge.py) standing for the UART. boards/sim/main.py uses it for
`--hw-link uart`.

The reader is the I/O controller's here, so `tap` reaches the firmware over the link; the
control port's `status`, `net` and `heap` come over it as service commands.
"""
import asyncio

from boards.uart_link.hardware import LinkedHardware


async def attach_linked(board, host, port):
    """Connects the board's connectors, reader and emergency stop to the I/O controller at
    host:port; returns a coroutine that sets `board.down` when that connection ends (the
    launcher is gone)."""
    reader, writer = await asyncio.open_connection(host, port)
    hardware = LinkedHardware(len(board.connectors), board.ticks_ms, board.ticks_diff,
                              board.log, board.execute)
    await hardware.start(reader, writer)
    board.connectors = hardware.connectors
    board.changed = hardware.changed
    board.read_tag = hardware.read_tag
    board.emergency_stop = hardware.emergency_stop
    board.hw = _no_hw
    board.hwlink = hardware
    return _follow(hardware, board)


async def _follow(hardware, board):
    await hardware.closed.wait()
    board.down.set()


def _no_hw(line):
    return {"ok": False, "error": "hw() needs the JSON hardware link: use the control port"}
