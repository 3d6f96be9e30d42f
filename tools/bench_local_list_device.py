"""The Local Authorization List's heap and lookup times on a station, under MicroPython from
the ROMFS image or frozen into the interpreter, from the path, or under CPython (the times
only) (tools/bench_local_list.py runs it and reports the figures).

    micropython tools/bench_local_list_device.py IMAGE|frozen|path EMPTY_DIR LIST_DIR

Two idle stations on the simulated board, one after the other: one whose flash (EMPTY_DIR)
holds no list, one whose flash (LIST_DIR) holds the list of 10,000 idTags that
tools/bench_local_list_flash.py built there (TAG0000000 to TAG0009999). Printed, as JSON,
heap in bytes after a collection (MicroPython), and times in microseconds:

- idle: the idle station without a list (beyond the image from ROMFS);
- with_list: the idle station with the list, minus without (the list's code is loaded at
  boot to read its version, and unloaded: from ROMFS the names it interned stay);
- lookup_code: what the heap holds while a lookup runs, its code loaded (service.py and what
  it imports), minus idle;
- lookup_allocated: what one lookup allocates, the collector held off: its code loaded
  again, its reads, the answer; a lookup needs no more than that free;
- after_lookups: what the idle heap grew by after every lookup below;
- hit_us, miss_us: LOOKUPS lookups of idTags in the list, and as many of idTags not in it
  (each sorts between two that are), through the station's own lookup (its code loaded each
  time, as the Authorization service asks it), a collection before each.
"""
import gc
import json
import sys

from bench_station import boot_from, idle_station, in_use, since_us, ticks_us

SERVICE = "firmware.local_auth_list.service"
ENTRIES = 10000
LOOKUPS = 256
STRIDE = 4001  # coprime with ENTRIES: idTags from all over the list

boot_from(sys.argv[1])
HITS, MISSES = [0] * LOOKUPS, [0] * LOOKUPS  # the times, made before BASE: not the station's
HEAP = hasattr(gc, "mem_alloc")  # MicroPython
gc.collect()
BASE = gc.mem_alloc() if HEAP else 0  # the image (read into the heap here), the script
from firmware.on_demand import loaded  # noqa: E402


def lookup_times_us(lst, hits, misses):
    n = 0
    for i in range(LOOKUPS):
        n = (n + STRIDE) % ENTRIES
        for id_tag, times, found in (("TAG%07d" % n, hits, True),
                                     ("TAG%07d-" % n, misses, False)):
            gc.collect()
            began = ticks_us()
            info = lst.lookup(id_tag)
            times[i] = since_us(began)
            if (info is not None) != found:
                raise RuntimeError("%s: %r" % (id_tag, info))


def allocated_by_lookup(lst, id_tag):
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        lst.lookup(id_tag)
        return gc.mem_alloc() - before
    finally:
        gc.enable()


def main():
    figures = {}
    station = idle_station(sys.argv[2])
    if HEAP:
        figures["idle"] = in_use() - BASE
    station = None
    station = idle_station(sys.argv[3])
    lst = station.local_auth_list
    if lst.version == 0:
        raise RuntimeError("no list in " + sys.argv[3])
    if HEAP:
        idle = in_use()
        figures["with_list"] = idle - BASE - figures["idle"]
        with loaded(SERVICE):
            figures["lookup_code"] = in_use() - idle
        lst.lookup("TAG0000001")  # the first after boot may intern a name more
        figures["lookup_allocated"] = allocated_by_lookup(lst, "TAG0004711")
    lookup_times_us(lst, HITS, MISSES)
    if HEAP:
        figures["after_lookups"] = in_use() - idle
    figures["hit_us"], figures["miss_us"] = HITS, MISSES
    print(json.dumps(figures))


main()
