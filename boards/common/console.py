"""A board's field console on its console (a UART, or USB serial on rp2 and esp32) while the
station runs: the REPL a person or `mpremote` reaches, as an asyncio task beside the station.
Every board package with a MicroPython REPL uses it (boards/mps2_an385, boards/common/startup.py).

    console = FieldConsole({"station": station, "board": board}, banner)
    task = asyncio.create_task(console.run())

It reads one character at a time, each only once the event loop's poll says one is there,
and assembles lines itself: `asyncio.StreamReader(sys.stdin).readline()` (the sim board's
console_io.py) stops the whole event loop on this port while a line is half typed, because
the port's stdin readline waits for the end of the line.

Two modes, as MicroPython's own REPL has them:
- friendly: echo, backspace, a line at a time through firmware/console.py (status(),
  config(), log(), `await ...`). Log lines that arrive while a line is half typed are
  printed above it and the line is shown again.
- raw (Ctrl-A ... Ctrl-B), the protocol mpremote speaks: code up to Ctrl-D, "OK", its
  output, 0x04, its error, 0x04, ">". Raw-paste (Ctrl-E A Ctrl-A) is declined ("R\\x00"),
  which mpremote answers by falling back to this. Log lines are held back in raw mode
  (they stay in log()): mpremote reads replies by their exact bytes.

Ctrl-C never stops the station (the keyboard interrupt is off while it runs: a key pressed
at a console in the field must not end charging); it clears the line. Ctrl-D on an empty
raw-mode input is mpremote's soft reset, after which no MicroPython board runs main.py:
here MicroPython restarts into a raw REPL without the station (REPL_ONCE_PATH, the board's
main.py),
so `mpremote cp`, `mpremote romfs deploy` work on a board whose station was running; the
next reset starts the station again. `mpremote connect PORT resume exec "status()"`
leaves the station running.
"""
import asyncio
import sys

from firmware.console import PROMPT, Console

CTRL_A = 1
CTRL_B = 2
CTRL_C = 3
CTRL_D = 4
CTRL_E = 5
BACKSPACE = 8
ESC = 27
DELETE = 127
LINE_MAX = 256  # characters of a friendly line; more are dropped (and not echoed)
# Code sent in raw mode, in bytes: what mpremote's own helpers send fits many times over
# (its file system hook is the longest, under 4 KB); more is refused with an error.
RAW_MAX = 8192
RAW_BANNER = "raw REPL; CTRL-B to exit\n"
# Present at boot: main.py starts the REPL without the station, once (the file is removed).
REPL_ONCE_PATH = "/repl_once"


def _write(text):
    sys.stdout.write(text)


class FieldConsole:
    def __init__(self, namespace, banner="", station=True):
        """`station` False: the REPL without the station (main.py after a raw-mode soft
        reset): it starts in raw mode, and Ctrl-B ends it, leaving MicroPython's own REPL."""
        self.namespace = namespace
        self.console = Console(namespace, self._print_line)
        self.banner = banner
        self.raw = False
        self._station = station
        self._line = []
        self._raw_code = bytearray()
        self._raw_too_long = False
        self._paste = 0  # bytes of a raw-paste request (Ctrl-E A Ctrl-A) seen so far
        self._escape = False  # inside an escape sequence (cursor keys): dropped
        self._last = 0
        self._ended = False

    def _print_line(self, text):
        _write(text + "\n")

    # ---- what the board's log() calls -----------------------------------------------------

    def show_log(self, line):
        if self.raw:
            return  # in log() only: mpremote reads exact bytes
        # Above the prompt and the half-typed line, which are then shown again.
        _write(("\r\x1b[K" if self._line else "\r") + line + "\n" + self.console.prompt
               + "".join(self._line))

    # ---- input ----------------------------------------------------------------------------

    async def run(self):
        """Reads the console until the console ends (only without the station)."""
        import micropython

        micropython.kbd_intr(-1)
        reader = asyncio.StreamReader(sys.stdin.buffer)
        if not self._station:
            self.raw = True
            _write(RAW_BANNER + ">")
        else:
            if self.banner:
                _write(self.banner + "\n")
            _write(self.console.prompt)
        try:
            while not self._ended:
                data = await reader.read(1)  # one byte: stdin's read(n) waits for all n
                if data:
                    await self.take(data[0])
        finally:
            micropython.kbd_intr(CTRL_C)

    async def take(self, c):
        """One byte of input."""
        if self._paste:
            self._take_paste(c)
        elif self.raw:
            await self._take_raw(c)
        else:
            await self._take_friendly(c)
        self._last = c

    async def _take_friendly(self, c):
        if self._escape:
            self._escape = not (0x40 <= c <= 0x7e and c != ord("["))
            return
        if c == ord("\n") and self._last == ord("\r"):
            return  # CR LF is one end of line
        if c in (ord("\r"), ord("\n")):
            _write("\n")
            line = "".join(self._line)
            self._line = []
            awaitable = self.console.push(line)
            if awaitable is not None:
                await self.console.finish(awaitable)
            _write(self.console.prompt)
        elif c in (BACKSPACE, DELETE):
            if self._line:
                self._line.pop()
                _write("\b \b")
        elif c == CTRL_C:
            self._line = []
            _write("\n" + self.console.prompt)
        elif c == CTRL_A:
            self._line = []
            self._enter_raw()
        elif c == CTRL_D:
            if not self._line:
                _write("\nthe station runs: machine.soft_reset() restarts it\n"
                       + self.console.prompt)
        elif c == ESC:
            self._escape = True
        elif c >= 0x20 and len(self._line) < LINE_MAX:
            ch = chr(c) if c < 0x80 else "?"  # the console takes ASCII
            self._line.append(ch)
            _write(ch)

    def _enter_raw(self):
        self.raw = True
        self._raw_code = bytearray()
        self._raw_too_long = False
        _write("\n" + RAW_BANNER + ">")

    async def _take_raw(self, c):
        if c == CTRL_A:  # again: MicroPython starts the input over and says so
            self._enter_raw()
        elif c == CTRL_B:
            self.raw = False
            if not self._station:  # the REPL without the station: MicroPython's own follows
                self._ended = True
                return
            _write("\n" + self.banner + "\n" + PROMPT)
        elif c == CTRL_C:
            self._raw_code = bytearray()
            self._raw_too_long = False
        elif c == CTRL_E and not self._raw_code:
            self._paste = 1
        elif c == CTRL_D:
            if not self._raw_code:  # MicroPython's answer, then its soft reboot
                _write("OK\n")
                self._soft_reset()
                return
            code = bytes(self._raw_code)
            too_long = self._raw_too_long
            self._raw_code = bytearray()
            self._raw_too_long = False
            _write("OK")
            await self._run_raw(code, too_long)
        elif len(self._raw_code) < RAW_MAX:
            self._raw_code.append(c)
        else:
            self._raw_too_long = True

    def _take_paste(self, c):
        # Ctrl-E 'A' Ctrl-A asks for raw-paste mode: declined, mpremote falls back to raw.
        if self._paste == 1 and c == ord("A"):
            self._paste = 2
            return
        self._paste = 0
        if c == CTRL_A:
            _write("R\x00")

    async def _run_raw(self, code, too_long):
        error = None
        if too_long:
            error = "raw REPL: input over %d bytes refused\n" % RAW_MAX
        else:
            try:
                exec(compile(code, "<stdin>", "exec"), self.namespace)
            except Exception as e:  # noqa: BLE001 (any error is the error part of the reply)
                error = _traceback(e)
        _write("\x04")
        if error:
            _write(error)
        _write("\x04>")

    def _soft_reset(self):
        # Into the REPL without the station, also from that REPL itself: a soft reset in
        # raw mode leaves main.py unrun on every MicroPython board.
        import machine

        with open(REPL_ONCE_PATH, "w"):
            pass
        machine.soft_reset()


def _traceback(error):
    import io

    out = io.StringIO()
    sys.print_exception(error, out)
    return out.getvalue()
