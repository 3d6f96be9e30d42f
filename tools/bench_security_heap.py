"""Heap the security extension (issue 5) takes in an idle station, run under MicroPython from
the ROMFS image (build/station.romfs) as the Core board runs it: one JSON figure on stdout.

    micropython tools/bench_security_heap.py IMAGE

resident: what importing its resident modules (firmware.security, firmware.security_log and
what only they import) adds once the rest of the station is imported. on_demand: what its
services' modules take while a request is answered (firmware.on_demand loads them for it),
and left: what stays after they are unloaded and collected (interned names: MicroPython
never frees a qstr). The objects the resident part builds at boot (its configuration keys,
the log's state) are not counted.
"""
import gc
import json
import sys

import vfs

with open(sys.argv[1], "rb") as f:
    image = f.read()
vfs.mount(vfs.VfsRom(image), "/rom")
sys.path.insert(0, "/rom")

RESIDENT = ("firmware.on_demand", "store.journal", "firmware.security_log", "firmware.security")
ON_DEMAND = ("firmware.certificates", "firmware.security_changes",
             "firmware.charge_point_certificate", "firmware.firmware_update", "firmware.get_log")


def in_use():
    gc.collect()
    return gc.mem_alloc()


# What the security modules import from the rest of the station, first.
import asyncio  # noqa: E402,F401
import firmware.clock  # noqa: E402,F401
import firmware.config  # noqa: E402,F401
import store.atomic  # noqa: E402,F401

before = in_use()
for name in RESIDENT:
    __import__(name)
resident = in_use() - before

from firmware.on_demand import loaded  # noqa: E402


def load_services():
    for name in ON_DEMAND:
        __import__(name)


before = in_use()
with loaded(load_services):
    on_demand = in_use() - before
left = in_use() - before
print(json.dumps({"name": "security extension heap, ROMFS", "unit": "bytes",
                  "ours": {"resident": resident, "on_demand": on_demand, "left": left}}))
