"""Code loaded for each call and dropped after it: a service the station rarely needs (the
security extension's) takes no heap between its calls.

Its state lives in flash or in the caller's object, so nothing is lost when it goes; what
its module imported for the first time is unloaded too (sys.modules and the parent
package's attribute), and the next collection frees the code. Interned names stay:
MicroPython never frees a qstr.
"""
import asyncio
import sys


class loaded:
    """`with loaded(load) as service:` -- the modules imported while building it are
    unloaded when the block ends."""

    def __init__(self, load):
        self._load = load
        self._before = None

    def __enter__(self):
        self._before = set(sys.modules)
        return self._load()

    def __exit__(self, *exc):
        for name in [n for n in sys.modules if n not in self._before]:
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and hasattr(sys.modules[parent], child):
                delattr(sys.modules[parent], child)
        return False


async def forgotten_when_done(holder, coroutine):
    """Runs `coroutine` as the task `holder[0]` (a list its caller keeps, to cancel it) and
    empties the holder when it ends: a finished task still holds the code it ran."""
    try:
        return await coroutine
    finally:
        if holder and holder[0] is asyncio.current_task():
            del holder[:]
