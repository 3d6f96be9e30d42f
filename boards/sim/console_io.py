"""The sim board's field console on the process's stdin and stdout, as an asyncio task.

    task = start_console({"station": station, "board": board, "hw": hw})

Call it while the event loop runs (from a coroutine). End of input ends the console, never
the station.
"""
import asyncio
import sys

from firmware.console import Console


def _write(text):
    sys.stdout.write(text)
    if hasattr(sys.stdout, "flush"):
        sys.stdout.flush()


def _print_line(text):
    _write(text + "\n")


class _StreamLines:
    """MicroPython: stdin (a pipe or a terminal) polled by the event loop itself."""

    def __init__(self):
        self._reader = asyncio.StreamReader(sys.stdin)

    async def readline(self):
        line = await self._reader.readline()
        return line.decode() if line else ""


class _ThreadLines:
    """CPython: a daemon thread does the blocking reads, so any stdin works (a file too)
    and the terminal is never switched to non-blocking mode under the parent shell."""

    def __init__(self):
        import threading
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError):
                line = ""
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            if not line:
                return

    async def readline(self):
        return await self._queue.get()


async def run_console(namespace):
    console = Console(namespace, _print_line)
    lines = _StreamLines() if sys.implementation.name == "micropython" else _ThreadLines()
    while True:
        _write(console.prompt)
        line = await lines.readline()
        if not line:
            _print_line("\nconsole: end of input, the station carries on")
            return
        awaitable = console.push(line)
        if awaitable is not None:
            await console.finish(awaitable)


def start_console(namespace):
    return asyncio.create_task(run_console(namespace))
