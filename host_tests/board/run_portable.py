"""Runs the portable tests (host_tests/portable, through host_tests/mp_runner.py) on the
emulated board, one module at a time from a fresh heap, as `make mptest32` runs them on the
32-bit unix interpreter -- but in the board's GC heap, on its littlefs, with its clock.

    python host_tests/board/run_portable.py [KIND] [MODULE ...]

KIND is a romfs build of tools/build_board.sh (romfs: 128 KB heap, romfs192: 192 KB). The
tests, the runner and the station (build/mpy, which has boards/sim too) go into one ROMFS
image in the board's ROM partition, compiled to .mpy so their bytecode stays out of the
heap. Each module's run ends in mp_runner's sys.exit, which is a soft reset on the board:
the next starts from an empty heap. Prints one line per module and a closing
"N passed, N failed" over all tests; exits 1 when anything failed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator import ROOT, Board, BoardError  # noqa: E402

PORTABLE = os.path.join(ROOT, "host_tests", "portable")
MODULE_TIMEOUT_S = 120


def build(kind):
    venv = os.path.join(ROOT, ".venv")
    elf = subprocess.run(["sh", os.path.join(ROOT, "tools", "build_board.sh"), venv, kind],
                         check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mpy_build.py")], check=True)
    return elf


def image(folder):
    """The station, the runner and the tests as one ROMFS image; returns its path."""
    tree = os.path.join(folder, "tree")
    shutil.copytree(os.path.join(ROOT, "build", "mpy"), tree)
    shutil.copytree(PORTABLE, os.path.join(tree, "portable"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(ROOT, "host_tests", "mp_runner.py"), tree)
    out = os.path.join(folder, "tests.romfs")
    mpremote = os.path.join(ROOT, ".venv", "bin", "mpremote")
    subprocess.run([mpremote, "romfs", "-o", out, "build", tree], check=True,
                   capture_output=True)
    return out


def run_module(board, name):
    """(passed, failed, output) of one test module."""
    code = ("import sys\nsys.argv[:] = ['mp_runner', '/rom/portable/%s.py']\n"
            "import mp_runner\n" % name)
    try:
        output = board.exec(code, MODULE_TIMEOUT_S)
    except BoardError as e:
        output = str(e)
    found = re.search(r"micropython: (\d+) passed, (\d+) failed", output)
    if not found:
        return 0, 1, output
    return int(found.group(1)), int(found.group(2)), output


def main(argv):
    kind = argv[0] if argv and not argv[0].startswith("test_") else "romfs"
    names = [a[:-3] if a.endswith(".py") else a for a in argv if a.startswith("test_")]
    names = names or sorted(n[:-3] for n in os.listdir(PORTABLE)
                            if n.startswith("test_") and n.endswith(".py"))
    elf = build(kind)
    total_passed = total_failed = 0
    with tempfile.TemporaryDirectory() as folder:
        romfs = image(folder)
        with Board(elf, flash=os.path.join(folder, "flash"), romfs=romfs) as board:
            for name in names:
                started = time.monotonic()
                try:
                    passed, failed, output = run_module(board, name)
                except BoardError as e:  # the board stopped answering: start it again
                    passed, failed, output = 0, 1, str(e)
                    board.power_off()
                    board.power_on()
                total_passed += passed
                total_failed += failed
                print("%-40s %3d passed %3d failed %5.1f s" % (
                    name, passed, failed, time.monotonic() - started))
                if failed:
                    lines = [line for line in output.splitlines()
                             if line.startswith("FAIL") or "Error" in line]
                    for line in lines[:6]:
                        print("    " + line.strip()[:150])
    print("board %s: %d passed, %d failed" % (kind, total_passed, total_failed))
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
