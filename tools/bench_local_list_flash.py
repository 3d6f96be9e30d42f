"""Flash the Local Authorization List's updates write, counted at the file operations of its
store (firmware/local_auth_list/store.py and lib/store/atomic.py), not worked out from the
file's size (tools/bench_local_list.py runs it and reports the figures).

    python tools/bench_local_list_flash.py STATE_DIR

An idle station on the simulated board, its flash STATE_DIR/flash, is built a list of
ENTRIES idTags as a Central System must build it, SendLocalListMaxLength (32) entries a
request at most, through the station's own RPC core: one Full update, then Differential
updates, each adding idTags spread over the whole list. Printed, as JSON, for the Full
update, for the last Differential (onto a list one update short of ENTRIES) and for all of
them: bytes written and read, files opened for writing (an update's temporary file, and on
the first an empty target made before it: lib/store/atomic.py), renames and removals; and
`reported`, the bytes the station's log says each update wrote. The list is left in
STATE_DIR for the lookups of tools/bench_local_list_device.py: idTags TAG0000000 to
TAG0009999. Portable; run under CPython, which is the quickest (the bytes are the same).
"""
import json
import os
import sys

from bench_station import Central, boot_from, idle_station

boot_from("path")
# Imported here, it stays resident (firmware.on_demand unloads only what a use loaded), and
# with it the counting put into it.
from firmware.local_auth_list import store  # noqa: E402
from store import atomic  # noqa: E402

ENTRIES = 10000  # LocalAuthListMaxLength
PER_UPDATE = 32  # SendLocalListMaxLength
STRIDE = 4001  # coprime with ENTRIES: consecutive updates land all over the list


class Counts:
    def __init__(self):
        self.written = self.read = self.files = self.renames = self.removals = 0

    def since(self, before):
        return {name: getattr(self, name) - before.get(name, 0) for name in
                ("written", "read", "files", "renames", "removals")}


class CountedFile:
    def __init__(self, f, counts):
        self._f = f
        self._counts = counts

    def write(self, data):
        self._counts.written += len(data)
        return self._f.write(data)

    def read(self, *size):
        data = self._f.read(*size)
        self._counts.read += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


class CountedOs:
    """The `os` the store's modules see."""

    def __init__(self, counts):
        self._counts = counts

    # Counted once done: lib/store/atomic.py tries a rename that fails when there is
    # nothing to restore, and the store a removal of what may not be there.
    def rename(self, old, new):
        os.rename(old, new)
        self._counts.renames += 1

    def remove(self, path):
        os.remove(path)
        self._counts.removals += 1

    def __getattr__(self, name):  # stat, mkdir
        return getattr(os, name)


def count_flash():
    counts = Counts()

    def counted_open(path, mode="r"):
        if "w" in mode:
            counts.files += 1
        return CountedFile(open(path, mode), counts)

    for module in (store, atomic):
        module.open = counted_open
        module.os = CountedOs(counts)
    return counts


def send(central, update_type, version, numbers):
    items = [{"idTag": "TAG%07d" % n, "idTagInfo": {"status": "Accepted"}} for n in numbers]
    answer = central.call("SendLocalList", {"listVersion": version, "updateType": update_type,
                                            "localAuthorizationList": items})
    if answer["status"] != "Accepted":
        raise RuntimeError("%s update to version %d: %s" % (update_type, version, answer))


def main():
    log = []
    central = Central(idle_station(sys.argv[1], log))
    counts = count_flash()
    order = [n * STRIDE % ENTRIES for n in range(ENTRIES)]
    send(central, "Full", 1, order[:PER_UPDATE])
    full = counts.since({})
    version = 1
    for at in range(PER_UPDATE, ENTRIES, PER_UPDATE):
        version += 1
        before = counts.since({})
        send(central, "Differential", version, order[at:at + PER_UPDATE])
    if central.call("GetLocalListVersion", {})["listVersion"] != version:
        raise RuntimeError("the list's version is not %d" % version)
    print(json.dumps({
        "full": full, "last_differential": counts.since(before), "all": counts.since({}),
        "updates": version, "entries": ENTRIES,
        "reported": [int(line.rsplit(", ", 1)[1].split()[0]) for line in log
                     if line.endswith(" bytes written")]}))


main()
