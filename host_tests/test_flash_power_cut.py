"""A power cut at every block write of a whole-file replace (lib/store/atomic, the journal's
rewrite) on MicroPython's own flash file systems, in a RAM flash (mp_scripts/
flash_cut_probe.py): after the reboot the reader finds the old content or the new, never
nothing. On littlefs the rename is atomic; on FAT it is a delete and then a rename, and the
cuts between the two are among those tested (the file itself is missing at the reboot)."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "flash_cut_probe.py")
# The board's interpreter (32-bit) and the 64-bit one: their vfs modules differ in version.
INTERPRETERS = {
    "mp32": os.environ.get("MICROPYTHON32") or os.path.join(ROOT, ".venv", "bin",
                                                            "micropython32"),
    "mp64": os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython"),
}


def cuts(interpreter, kind, what, mode):
    """[(cut after N writes, file missing at the reboot, what the reader found)]."""
    done = subprocess.run([INTERPRETERS[interpreter], PROBE, kind, what, mode], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, MICROPYPATH="lib"))
    assert done.returncode == 0, done.stderr + done.stdout
    rows = [line.split() for line in done.stdout.splitlines()]
    return [(int(n), state == "missing", value) for n, state, value in rows]


@pytest.mark.parametrize("interpreter", sorted(INTERPRETERS))
@pytest.mark.parametrize("what", ["json", "journal"])
def test_a_write_cut_anywhere_keeps_what_was_there_or_the_new_content(interpreter, what):
    for kind in ("fat", "lfs2"):
        replaced = cuts(interpreter, kind, what, "replace")
        assert len(replaced) >= 3  # the replace took several writes, each one a cut point
        assert [value for _, _, value in replaced if value not in ("old", "new")] == [], kind
        if kind == "fat":  # the cuts between the delete and the rename were made
            assert [value for _, missing, value in replaced if missing] and \
                all(value == "new" for _, missing, value in replaced if missing)
        # The first write of a file: a torn temporary file is never taken for it.
        first = cuts(interpreter, kind, what, "first")
        assert [value for _, _, value in first if value not in ("none", "new")] == [], kind
