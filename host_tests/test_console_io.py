"""The sim board's console adapter on a real stdin, under MicroPython and CPython: lines are
evaluated while other tasks keep running, and end of input ends the console, not the loop.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")

# A stand-in station: a task that ticks beside the console and outlives it.
SCRIPT = """
import asyncio
from boards.sim.console_io import start_console

class Station:
    ticks = 0

async def tick(station):
    while True:
        station.ticks += 1
        await asyncio.sleep(0.01)

async def main():
    station = Station()
    ticker = asyncio.create_task(tick(station))
    console = start_console({"station": station, "board": None,
                             "hw": lambda line: {"ok": True, "line": line}})
    await console
    before = station.ticks
    await asyncio.sleep(0.1)
    print("station still ticking:", station.ticks > before)
    ticker.cancel()

asyncio.run(main())
"""

INPUT = "\n".join([
    "x = 20",
    "x * 2 + 2",
    "1 / 0",
    "def f(v):",
    "    return v + 1",
    "",
    "f(41)",
    "hw('plug 2')['line']",
    "station.ticks > 0",
]) + "\n"


def run(runtime):
    if runtime == "micropython":
        argv = [MICROPYTHON, "-c", SCRIPT]
        env = dict(os.environ, MICROPYPATH=".frozen:lib:.")
    else:
        argv = [sys.executable, "-c", SCRIPT]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(["lib", "."]))
    return subprocess.run(argv, input=INPUT, capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=20)


@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_console_on_stdin_evaluates_lines_and_ends_at_eof(runtime):
    result = run(runtime)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ">>> 42\n" in out
    assert "ZeroDivisionError" in out
    assert "... ... " in out  # the block prompted for more
    assert ">>> 42\n>>> 'plug 2'\n>>> True\n" in out
    assert "console: end of input, the station carries on" in out
    assert out.rstrip().endswith("station still ticking: True")
