# Runs the portable tests under any Python (made for the MicroPython unix port):
# every test_* function of every test_*.py module in the given folders (or of the given
# modules), async ones through asyncio. Prints one line per failure and a closing "N passed,
# N failed" line; exits 1 when anything failed.
# Usage: micropython mp_runner.py DIR|MODULE.py [...] [-k TEXT]
import sys
import os
import asyncio


def _is_coroutine(value):
    # MicroPython has no inspect module: an async def call returns a generator there.
    return type(value).__name__ in ("generator", "coroutine")


def _modules(path):
    if path.endswith(".py"):  # one module: its folder is the path entry
        return [path.rsplit("/", 1)[-1][:-3]]
    names = [n[:-3] for n in os.listdir(path) if n.startswith("test_") and n.endswith(".py")]
    names.sort()
    return names


def _run_one(fn):
    result = fn()
    if _is_coroutine(result):
        # MicroPython's asyncio.run keeps one task queue for the process: a task a test left
        # behind (a server's, a cancelled one never resumed) would keep that test's objects
        # for the rest of the file. A new loop per test drops them, as CPython's run does.
        asyncio.new_event_loop()
        asyncio.run(result)


def main(argv):
    folders = []
    pattern = None
    i = 0
    while i < len(argv):
        if argv[i] == "-k":
            pattern = argv[i + 1]
            i += 2
            continue
        folders.append(argv[i])
        i += 1
    passed = 0
    failed = []
    for path in folders:
        folder = path.rsplit("/", 1)[0] if path.endswith(".py") else path
        if folder not in sys.path:
            sys.path.insert(0, folder)
        for name in _modules(path):
            try:
                module = __import__(name)
            except Exception as e:
                failed.append(name)
                print("FAIL", name, "(import)", type(e).__name__, e)
                sys.print_exception(e) if hasattr(sys, "print_exception") else None
                continue
            tests = [t for t in dir(module) if t.startswith("test_")]
            tests.sort()
            for test in tests:
                full = name + "." + test
                if pattern and pattern not in full:
                    continue
                fn = getattr(module, test)
                if not callable(fn):
                    continue
                try:
                    _run_one(fn)
                    passed += 1
                except Exception as e:
                    failed.append(full)
                    print("FAIL", full, type(e).__name__, e)
                    if hasattr(sys, "print_exception"):
                        sys.print_exception(e)
    print("micropython: %d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
