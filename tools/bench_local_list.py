"""The Local Authorization List figures of `make bench` (docs/performance.md, "Local
Authorization List"; docs/local_list.md):

1. Flash: tools/bench_local_list_flash.py under CPython counts, at the store's file
   operations, what a Full update of SendLocalListMaxLength (32) entries writes, and what
   building LocalAuthListMaxLength (10,000) entries as a Central System must (that Full
   update, then Differential updates of 32) writes in all and its last update alone: bytes,
   files written, renames; beside the bytes the station's log says it wrote.
2. Heap: tools/bench_local_list_device.py on the Core board's 32-bit interpreter from the
   ROMFS image (host_tests/tc.py) and frozen into the 32-bit unix port built here: an idle
   station without a list, and with the 10,000 entries built in 1 minus without; what a
   lookup holds while its code is loaded and what it allocates; the idle heap's growth after
   the lookups below.
3. Lookup time at 10,000 entries, idTags in the list and not (same script): frozen 32-bit,
   the 64-bit unix port from .py (the code compiled at each load) and from .mpy, CPython.

    .venv/bin/python tools/bench_local_list.py
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from tools.bench_report import figure, not_measured, stats  # noqa: E402
from tools.bench_smart_charging import frozen32  # noqa: E402
from tools.romfs_build import IMAGE, MPY_DIR  # noqa: E402

from tc import MICROPYTHON32  # noqa: E402

MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")
SOURCE_PATH = os.path.join(ROOT, "lib") + ":" + ROOT  # the tree as a board sees it (Makefile)


def run(script, interpreter, args, path):
    """The JSON a tools/ script prints last; `path` its MICROPYPATH, or PYTHONPATH under
    CPython. A 1 MB heap: room enough that no figure depends on it."""
    heap = [] if interpreter == sys.executable else ["-X", "heapsize=1M"]
    done = subprocess.run([interpreter] + heap + [os.path.join(ROOT, "tools", script)] + args,
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, MICROPYPATH=path, PYTHONPATH=path))
    if done.returncode:
        sys.exit("bench: %s (%s) failed:\n%s%s" % (script, " ".join(args), done.stderr,
                                                   done.stdout))
    return json.loads(done.stdout.splitlines()[-1])


def flash_figures(list_dir):
    measured = run("bench_local_list_flash.py", sys.executable, [list_dir], SOURCE_PATH)
    full, every, last = measured["full"], measured["all"], measured["last_differential"]
    logged = measured["reported"]
    yield figure("local list flash, a Full update of 32", "bytes",
                 {"written": full["written"], "files": full["files"],
                  "renames": full["renames"], "logged": logged[0]},
                 note="files: the first also makes the empty target lib/store/atomic.py "
                      "needs; logged: what the station's log says it wrote")
    yield figure("local list flash, 10,000 by Full + Differentials of 32", "bytes",
                 {"updates": measured["updates"], "written": every["written"],
                  "files": every["files"], "renames": every["renames"],
                  "read": every["read"], "logged": sum(logged),
                  "last_written": last["written"], "last_logged": logged[-1]},
                 note="last: the Differential onto 9,984 entries")


def heap_figure(how, measured):
    ours = {key: measured[key] for key in ("idle", "with_list", "lookup_code",
                                           "lookup_allocated", "after_lookups")}
    return figure("local list heap, 10,000 entries, " + how, "bytes", ours,
                  note="with_list: idle with the list minus without; lookup_code: held "
                       "while a lookup's code is loaded; lookup_allocated: by one lookup")


def lookup_figure(how, measured):
    ours = {}
    for kind in ("hit", "miss"):
        times = stats([us / 1000 for us in measured[kind + "_us"]])
        ours.update({"%s_%s" % (kind, key): times[key] for key in ("p50", "p99", "max")})
    return figure("local list lookup, 10,000 entries, " + how, "ms", ours,
                  note="%d idTags in the list, %d not; its code loaded for each" % (
                      len(measured["hit_us"]), len(measured["miss_us"])))


def local_list_figures():
    with tempfile.TemporaryDirectory() as folder:
        empty, listed = os.path.join(folder, "empty"), os.path.join(folder, "list")
        os.mkdir(empty)
        os.mkdir(listed)
        yield from flash_figures(listed)
        device = ["bench_local_list_device.py"]
        yield heap_figure("ROMFS, 32-bit", run(*device, MICROPYTHON32,
                                                [IMAGE, empty, listed], ".frozen"))
        interpreter, why_not = frozen32()
        if interpreter is None:
            yield not_measured("local list heap, frozen, 32-bit", "bytes", why_not)
            yield not_measured("local list lookup, frozen, 32-bit", "ms", why_not)
        else:
            measured = run(*device, interpreter, ["frozen", empty, listed], ".frozen")
            yield heap_figure("frozen, 32-bit", measured)
            yield lookup_figure("frozen, 32-bit", measured)
        for how, interpreter, path in (
                ("64-bit, .py", MICROPYTHON, ".frozen:" + SOURCE_PATH),
                ("64-bit, .mpy", MICROPYTHON, ".frozen:" + MPY_DIR),
                ("CPython", sys.executable, SOURCE_PATH)):
            yield lookup_figure(how, run(*device, interpreter, ["path", empty, listed], path))


if __name__ == "__main__":
    from tools.bench_report import show

    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "romfs_build.py")], check=True)
    for result in local_list_figures():
        print(show(result), flush=True)
