"""Builds the device code as a board's ROM partition holds it: build/mpy (tools/mpy_build.py)
packed by `mpremote romfs` into build/station.romfs, which MicroPython mounts with
vfs.VfsRom and runs in place (boards/sim/romfs_boot.py).

Usage: python tools/romfs_build.py
The image is packed again only when something in build/mpy is newer than it. Exits
non-zero with the tool's output when a step fails.
"""
import fcntl
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_DIR = os.path.join(ROOT, "build", "mpy")
IMAGE = os.path.join(ROOT, "build", "station.romfs")


def stale():
    if not os.path.exists(IMAGE):
        return True
    packed = os.path.getmtime(IMAGE)
    # A folder's time changes when a file in it is added or removed.
    return any(os.path.getmtime(path) > packed for folder, _, names in os.walk(MPY_DIR)
               for path in [folder] + [os.path.join(folder, name) for name in names])


def run(argv):
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stdout + done.stderr)


def main():
    run([sys.executable, os.path.join(ROOT, "tools", "mpy_build.py"), MPY_DIR])
    if stale():
        # The launcher may run on a Python outside .venv, which has mpremote all the same.
        candidates = [os.path.join(folder, "mpremote") for folder in
                      (os.path.dirname(sys.executable), os.path.join(ROOT, ".venv", "bin"))]
        mpremote = next((path for path in candidates if os.path.exists(path)), "mpremote")
        run([mpremote, "romfs", "--no-mpy", "-o", IMAGE, "build", MPY_DIR])


if __name__ == "__main__":
    os.makedirs(os.path.dirname(IMAGE), exist_ok=True)
    # One packing at a time: launchers and tests run in parallel (pytest -n) may start
    # several together; the others wait, then find the image up to date.
    with open(IMAGE + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        main()
