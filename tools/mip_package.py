"""Writes package.json, from which `mpremote mip install` installs the station's device code
(lib/ and firmware/, with the data files their modules read) from where this repository is
published -- `mpremote mip install github:OWNER/REPO` -- or from a local clone:
`mpremote mip install --target lib PATH/package.json`. lib/ modules land at the top of the
target, firmware/ keeps its folder; a board's own package comes from `make deploy`.

Usage: python tools/mip_package.py [--check]   (--check: exit 1 when package.json is stale)
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "package.json")
TREES = (("lib", ""), ("firmware", "firmware/"))  # folder, where its files land
VERSION = "0.1.0"  # the station's version (boards/sim/board.py FIRMWARE_VERSION)


def urls():
    found = []
    for tree, prefix in TREES:
        base = os.path.join(ROOT, tree)
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".dat")):
                    source = os.path.relpath(os.path.join(folder, name), ROOT)
                    source = source.replace(os.sep, "/")
                    found.append([prefix + source[len(tree) + 1:], source])
    return found


def text():
    """One file per line, so a change to the tree is a readable change to package.json."""
    lines = ",\n".join("  " + json.dumps(pair) for pair in urls())
    return '{\n "urls": [\n%s\n ],\n "version": %s\n}\n' % (lines, json.dumps(VERSION))


def main(argv):
    wanted = text()
    if "--check" in argv:
        with open(PACKAGE) as f:
            if f.read() != wanted:
                sys.exit("package.json is stale: run python tools/mip_package.py")
        return
    with open(PACKAGE, "w") as f:
        f.write(wanted)


if __name__ == "__main__":
    main(sys.argv[1:])
