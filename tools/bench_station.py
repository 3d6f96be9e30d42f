"""What the in-process station benchmarks share (tools/bench_smart_charging_heap.py,
tools/bench_local_list_device.py, tools/bench_local_list_flash.py): the device code taken
from where a board holds it, an idle station on the simulated board, its heap in use, and a
Central System that hands it frames. Portable: MicroPython (the heap figures) and CPython.
Nothing of the station is imported here before `boot_from` has set the path.
"""
import gc
import json
import sys
import time


def boot_from(where):
    """Takes the device modules from `where`: "frozen" (in the interpreter, a board's
    firmware), "path" (MICROPYPATH or PYTHONPATH as given) or a ROMFS image's file, read
    into the heap here as a board's flash holds it."""
    if where == "frozen":
        sys.path[:] = [".frozen"]
    elif where != "path":
        import vfs  # a unix port built without it (the frozen one) has no ROMFS

        with open(where, "rb") as f:
            image = f.read()
        vfs.mount(vfs.VfsRom(image), "/rom")
        sys.path.insert(0, "/rom")


def _overwrite_stack(depth=60):
    # MicroPython's collector takes any word on the C stack for a pointer: calls of our own
    # write over what the last ones left there (a request's JSON, an entry read).
    if depth:
        _overwrite_stack(depth - 1)


def in_use():
    """Bytes of the heap in use after a collection (MicroPython only)."""
    _overwrite_stack()
    gc.collect()
    gc.collect()
    return gc.mem_alloc()


if hasattr(time, "ticks_us"):
    def ticks_us():
        return time.ticks_us()

    def since_us(began):
        return time.ticks_diff(time.ticks_us(), began)
else:  # CPython
    def ticks_us():
        return time.perf_counter_ns() // 1000

    def since_us(began):
        return ticks_us() - began


def idle_station(folder, log=None):
    """A station that came up and has nothing to do: no link, its outputs idle; its flash is
    `folder`/flash, its log lines go to `log` (a list) when given."""
    import firmware.station
    from boards.sim.board import SimBoard

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, folder)
    if log is not None:
        board.log = log.append
    station = firmware.station.Station(board)

    async def accepted(action, payload):
        return {}

    station.link.call = accepted
    station.online = lambda: True
    station.refresh()
    return station


class Central:
    """Frames to the station's RPC core, as its link hands them on: schemas checked both
    ways, the answer's payload returned."""

    def __init__(self, station):
        from ocppj.rpc import Rpc

        self.rpc = Rpc(station.handlers)
        self.sent = 0

    def call(self, action, payload):
        self.sent += 1
        reply = self.rpc.receive(json.dumps([2, "b%d" % self.sent, action, payload]))
        frame = json.loads(reply.text)
        if frame[0] != 3:
            raise RuntimeError("%s: %s" % (action, frame))
        return frame[2]
