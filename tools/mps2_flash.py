"""Programs files into the emulated MPS2-AN385 board's flash file while the board is off, as a
flash programmer writes a board's filesystem before it is powered: the launcher
(boards/sim/station --board mps2_an385) writes the provisioning file, the certificates and
/main.py with it.

    micropython32 tools/mps2_flash.py FLASH put DEST SRC [DEST SRC ...]
    micropython32 tools/mps2_flash.py FLASH get PATH        (the file's bytes to stdout)

Runs under the unix MicroPython built from the board's own source (the 32-bit interpreter,
1.25), so its littlefs is the board's: the partition is at PARTITION_OFFSET of the flash
file, LFS_BLOCKS blocks of LFS_BLOCK_BYTES (boards/mps2_an385/README.md "Flash"), mounted
with VfsLfs2's defaults as _boot.py mounts it, and formatted as _boot.py formats a blank
one. Each file is replaced atomically (written beside it, renamed over it).
"""
import sys
import vfs

PARTITION_OFFSET = 2 * 1024 * 1024
LFS_BLOCK_BYTES = 4096
LFS_BLOCKS = 512
FLASH_BYTES = 16 * 1024 * 1024


class FileBlocks:
    """The littlefs partition of the flash file as a block device (the extended
    interface: reads and writes at an offset inside a block)."""

    def __init__(self, f):
        self.f = f

    def readblocks(self, block, buf, offset=0):
        self.f.seek(PARTITION_OFFSET + block * LFS_BLOCK_BYTES + offset)
        self.f.readinto(buf)

    def writeblocks(self, block, buf, offset=0):
        self.f.seek(PARTITION_OFFSET + block * LFS_BLOCK_BYTES + offset)
        self.f.write(buf)

    def ioctl(self, op, arg):
        if op == 4:  # block count
            return LFS_BLOCKS
        if op == 5:  # block size
            return LFS_BLOCK_BYTES
        if op == 6:  # erase: NOR flash reads as written, littlefs does not need it erased
            return 0
        return None


def mount(f):
    blocks = FileBlocks(f)
    try:
        fs = vfs.VfsLfs2(blocks)
    except OSError:  # blank: formatted as _boot.py formats it
        vfs.VfsLfs2.mkfs(blocks)
        fs = vfs.VfsLfs2(blocks)
    vfs.mount(fs, "/flash")


def ensure_parent(path):
    import os

    parts = path.strip("/").split("/")[:-1]
    folder = "/flash"
    for part in parts:
        folder += "/" + part
        try:
            os.mkdir(folder)
        except OSError:  # exists
            pass


def put(dest, src):
    import os

    with open(src, "rb") as f:
        data = f.read()
    ensure_parent(dest)
    temporary = "/flash" + dest + ".tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.rename(temporary, "/flash" + dest)


def main(argv):
    flash, command = argv[0], argv[1]
    try:
        f = open(flash, "r+b")
    except OSError:  # a new board: a blank flash, as long as the emulator's
        f = open(flash, "w+b")
        f.seek(FLASH_BYTES - 1)
        f.write(b"\0")
    try:
        mount(f)
        if command == "put":
            for i in range(2, len(argv), 2):
                put(argv[i], argv[i + 1])
        elif command == "get":
            with open("/flash" + argv[2], "rb") as g:
                sys.stdout.buffer.write(g.read())
        else:
            raise ValueError("command: put or get, not %r" % command)
        vfs.umount("/flash")
    finally:
        f.close()


main(sys.argv[1:])
