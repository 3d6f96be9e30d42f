# Puts the device tree on the path the way a board sees it (lib/ is a path entry, the
# repo root holds the firmware/ and boards/ packages), and runs portable async tests.
import asyncio
import inspect
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for entry in (os.path.join(ROOT, "host_tests", "portable"), os.path.join(ROOT, "lib"), ROOT):
    if entry not in sys.path:
        sys.path.insert(0, entry)


def pytest_pyfunc_call(pyfuncitem):
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {n: pyfuncitem.funcargs[n] for n in names}
        asyncio.run(pyfuncitem.obj(**kwargs))
        return True
    return None
