"""Power cuts inside a whole-file replace on MicroPython's own flash file systems (run by
host_tests/test_flash_power_cut.py; MicroPython only: CPython has no vfs).

Usage: micropython flash_cut_probe.py fat|lfs2 json|journal replace|first
For every number N of block writes the flash completes before the power goes, it formats a
RAM flash, commits the old content (not for a `first` write), writes the new one, mounts the
flash as it was after N writes of that (the reboot after the cut) and prints one line: N,
whether the file itself was missing then (the cut came between the two halves of a replace)
and what a reader finds. It stops after the first N beyond the write's last block write.
"""
import os
import sys
import vfs

from store.atomic import read_json_or_none, write_json_atomic
from store.journal import Journal

MOUNT = "/flash_cut"
OLD = {"value": "old", "pad": "x" * 700}  # over one 512-byte sector, as a real file is
NEW = {"value": "new", "pad": "y" * 900}


class CutFlash:
    """A RAM flash with MicroPython's block device protocol (the simple one FAT uses and the
    extended one with offsets and erase that littlefs uses). `at_cut` is its content when
    the power went after `cut_after` writes and erases: what survives a cut there."""

    def __init__(self, block_size, blocks, data=None):
        self.block_size = block_size
        self.data = bytearray(data) if data else bytearray(b"\xff" * (block_size * blocks))
        self.cut_after = None
        self.at_cut = None

    def readblocks(self, block, buf, offset=0):
        start = block * self.block_size + offset
        buf[:] = self.data[start:start + len(buf)]

    def _count(self):
        if self.cut_after is not None:
            if self.cut_after == 0 and self.at_cut is None:
                self.at_cut = bytes(self.data)
            self.cut_after -= 1

    def writeblocks(self, block, buf, offset=None):
        self._count()
        start = block * self.block_size + (offset or 0)
        if offset is None:  # FAT's whole-sector writes
            self.data[start:start + len(buf)] = buf
            return
        for i in range(len(buf)):  # NOR flash programming only clears bits
            self.data[start + i] &= buf[i]

    def ioctl(self, op, arg):
        if op == 4:  # block count
            return len(self.data) // self.block_size
        if op == 5:  # block size
            return self.block_size
        if op == 6:  # erase
            self._count()
            start = arg * self.block_size
            self.data[start:start + self.block_size] = b"\xff" * self.block_size
        return 0


def mount(kind, flash):
    vfs.mount(vfs.VfsFat(flash) if kind == "fat" else vfs.VfsLfs2(flash), MOUNT)


def formatted(kind):
    flash = CutFlash(512, 128)
    (vfs.VfsFat if kind == "fat" else vfs.VfsLfs2).mkfs(flash)
    return flash


def commit(what, path, content):
    if what == "json":
        write_json_atomic(path, content)
    else:
        Journal(path).rewrite([content["value"].encode()])


def found(what, path):
    if what == "json":
        try:
            value = read_json_or_none(path)
        except ValueError as error:
            return "unreadable(%s)" % error
        return "none" if value is None else value["value"]
    return ",".join([payload.decode() for _, payload in Journal(path).scan()]) or "none"


def missing(path):
    try:
        os.stat(path)
        return False
    except OSError:
        return True


def main(kind, what, first):
    path = MOUNT + "/state"
    cut_after = 0
    while True:
        flash = formatted(kind)
        mount(kind, flash)
        if not first:
            commit(what, path, OLD)
        flash.cut_after = cut_after
        commit(what, path, NEW)
        vfs.umount(MOUNT)
        if flash.at_cut is None:  # the replace was over before the cut
            return
        mount(kind, CutFlash(flash.block_size, 0, flash.at_cut))  # the reboot
        print(cut_after, "missing" if missing(path) else "there", found(what, path))
        vfs.umount(MOUNT)
        cut_after += 1


main(sys.argv[1], sys.argv[2], sys.argv[3] == "first")
