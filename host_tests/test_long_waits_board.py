"""The portable tests of long waits (portable/test_long_waits.py) on the board's interpreter:
the 32-bit MicroPython (host_tests/tc.py), the only one of the three whose asyncio cannot
time 600000 s in one go (firmware/waits.py)."""
import os
import subprocess

from tc import MICROPYTHON32

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_long_waits_on_the_32_bit_board_interpreter():
    done = subprocess.run(
        [MICROPYTHON32, "host_tests/mp_runner.py", "host_tests/portable/test_long_waits.py"],
        cwd=ROOT, env=dict(os.environ, MICROPYPATH=".frozen:lib:."), capture_output=True,
        text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 failed" in done.stdout
