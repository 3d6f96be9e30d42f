"""Code the station loads only for a use and unloads after it: the security extension's
(firmware.security), the transaction journal's replay and compaction (firmware.core.tx_journal),
the handlers of requests that keep no state (firmware.station ON_DEMAND). Between uses such
code holds no heap: imported from ROMFS on a 32-bit board, each function of a module takes
about 50 bytes of it, before it ever runs. Its state lives in flash or in the caller's
objects, so nothing is lost. Loading it again from ROMFS took 0.03 to 0.08 ms here. Code
loaded while long-lived objects are made (a connection's) is kept resident instead: freed,
it leaves holes between them (firmware.link).
"""
import asyncio
import sys


# sys.modules as the last load found it (a copy): the next load takes it again while it still
# holds, which its size tells, since only a load takes modules out of sys.modules (and puts
# it back as it was) and imports only add. A copy of every module's entry takes 2 KB of a
# 32-bit board's heap and 43 k instructions, and a remote start loads five modules; checking
# the names one by one cost as much as the copy. Code that takes a module out itself (a
# test) calls forget_copy().
_modules_before = {}


def forget_copy():
    global _modules_before
    _modules_before = {}


class loaded:
    """`with loaded("package.module") as module:` -- the module, imported for the block; it
    and what was imported while the block ran are unloaded when it ends (sys.modules and
    the parent package's attribute), and the next collection frees their code once nothing
    refers to it any more. Interned names stay: MicroPython never frees a qstr. asyncio's
    parts stay too: MicroPython's asyncio imports each on first use, by whichever task, and
    keeps what it took from it; unloaded, the next use would load a second copy."""

    def __init__(self, name):
        self._name = name
        self._before = None

    def __enter__(self):
        global _modules_before
        # A copy of the table, not set(sys.modules): no key hashed again, no table grown
        # step by step (a fifth of the instructions, measured with callgrind).
        if len(_modules_before) != len(sys.modules):
            _modules_before = sys.modules.copy()
        self._before = _modules_before
        __import__(self._name)
        return sys.modules[self._name]

    def __exit__(self, *exc):
        global _modules_before
        for name in [n for n in sys.modules if n not in self._before
                     and not n.startswith("asyncio")]:
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and hasattr(sys.modules[parent], child):
                delattr(sys.modules[parent], child)
            if name in _modules_before:  # copied by a load inside this one: drop the copy,
                _modules_before = {}     # which would keep this module's code
        return False


def call(module, name, *args):
    """module.name(*args), the module loaded for the call."""
    with loaded(module) as code:
        return getattr(code, name)(*args)


async def run(module, name, *args):
    """await module.name(*args), the module loaded until it ends. In a coroutine of its
    own: the frame of a long-running caller would keep the module as long as it runs."""
    with loaded(module) as code:
        return await getattr(code, name)(*args)


async def forgotten_when_done(holder, coroutine):
    """Runs `coroutine` as the task `holder[0]` (a list its caller keeps, to cancel it) and
    empties the holder when it ends: a finished task still holds the code it ran, so a task
    that code loaded on demand starts must not outlive its use."""
    try:
        return await coroutine
    finally:
        if holder and holder[0] is asyncio.current_task():
            del holder[:]
