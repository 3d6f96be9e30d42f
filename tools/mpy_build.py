"""Cross-compiles every device module (lib/, firmware/, boards/) to .mpy with mpy-cross,
and copies the data files the modules read at run time (*.dat) beside them.

Usage: python tools/mpy_build.py [OUT_DIR]   (default build/mpy)
Up-to-date modules are skipped and .mpy files whose source is gone are removed, so the tree
always mirrors the sources. Exits non-zero naming every module that does not compile.
"""
import fcntl
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEVICE_TREES = ("lib", "firmware", "boards")


def device_modules():
    for tree in DEVICE_TREES:
        for folder, _, files in os.walk(os.path.join(ROOT, tree)):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


def device_data_files():
    for tree in DEVICE_TREES:
        for folder, _, files in os.walk(os.path.join(ROOT, tree)):
            for name in sorted(files):
                if name.endswith(".dat"):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


def target_of(module):
    # lib/ is a path entry on the board, so its modules land at the top of the image.
    return module[len("lib/"):] if module.startswith("lib/") else module


def module_name(target):
    """The dotted name a module is imported by: the name a traceback gives its file (mpy-cross
    -s). The import has interned that name already, where a path would be one name more in a
    board's heap for good (MicroPython never frees one), for every module loaded."""
    name = target[:-len(".py")].replace("/", ".")
    return name[:-len(".__init__")] if name.endswith(".__init__") else name


def mpy_cross_path():
    beside = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    in_venv = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
    for candidate in (beside, in_venv):
        if os.path.exists(candidate):
            return candidate
    return shutil.which("mpy-cross") or "mpy-cross"


def remove_orphans(out_dir, wanted):
    for folder, _, files in os.walk(out_dir):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".mpy") and path not in wanted:
                os.remove(path)


def main(out_dir):
    mpy_cross = mpy_cross_path()
    failures = []
    wanted = set()
    modules = list(device_modules())
    for module in modules:
        target = target_of(module)
        out = os.path.join(out_dir, target[:-3] + ".mpy")
        wanted.add(out)
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(module):
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        result = subprocess.run([mpy_cross, "-o", out, "-s", module_name(target), module], cwd=ROOT,
                                capture_output=True, text=True)
        if result.returncode != 0:
            failures.append("%s: %s" % (module, result.stderr.strip()))
            if os.path.exists(out):
                os.remove(out)
    for data in device_data_files():  # tables read at run time (lib/ocppj/schemas.dat)
        out = os.path.join(out_dir, target_of(data))
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(data):
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(data, out)
    remove_orphans(out_dir, wanted)
    for failure in failures:
        print("mpy-cross FAILED", failure)
    print("mpy-cross: %d passed, %d failed" % (len(modules) - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join("build", "mpy"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    # One build of OUT_DIR at a time: launchers and tests run in parallel (pytest -n) may
    # start several together; the others wait, then find it up to date. The lock file is
    # beside the tree, not in it (tools/romfs_build.py reads the tree's times).
    with open(out + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sys.exit(main(out))
