"""Cross-compiles every device module (lib/, firmware/, boards/) to .mpy with mpy-cross.

Usage: python tools/mpy_build.py [OUT_DIR]   (default build/mpy)
Exits non-zero naming every module that does not compile.
"""
import os
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


def main(out_dir):
    mpy_cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    failures = []
    count = 0
    for module in device_modules():
        # lib/ is a path entry on the board, so its modules land at the top of the image.
        target = module[len("lib/"):] if module.startswith("lib/") else module
        out = os.path.join(out_dir, target[:-3] + ".mpy")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        result = subprocess.run([mpy_cross, "-o", out, "-s", target, module], cwd=ROOT,
                                capture_output=True, text=True)
        count += 1
        if result.returncode != 0:
            failures.append("%s: %s" % (module, result.stderr.strip()))
    for failure in failures:
        print("mpy-cross FAILED", failure)
    print("mpy-cross: %d passed, %d failed" % (count - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "mpy")))
