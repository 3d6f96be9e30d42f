# The emulated board's firmware for the tests: rebuilt against the present tree (seconds),
# once `make board` has made the first build -- the toolchain, the emulator and a full
# build take a minute, which belongs to set-up, not to a test (`make test` runs it first).
# Without it the board's tests fail and say so.
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator import QEMU, ROOT  # noqa: E402

VENV = os.path.join(ROOT, ".venv")


def build(kind):
    if not (os.path.exists(QEMU) and os.path.exists(
            os.path.join(VENV, "board-mps2_an385", "build-%s" % kind, "firmware.elf"))):
        pytest.fail("the board's firmware is not built: run make board first")
    done = subprocess.run(["sh", os.path.join(ROOT, "tools", "build_board.sh"), VENV, kind],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="session")
def firmware():
    """The board's firmware with the station frozen in, 128 KB heap."""
    return build("frozen")


@pytest.fixture(scope="session")
def romfs_firmware():
    """The board's firmware without the station, and the station's ROMFS image."""
    elf = build("romfs")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "romfs_build.py")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return elf, os.path.join(ROOT, "build", "station.romfs")
