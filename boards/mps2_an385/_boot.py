# Frozen into the board's firmware as _boot.py, which main.c runs first at every boot.
# Mounts the board's flash at / (littlefs), formatting it when it holds no filesystem yet: a
# new board, or a new flash file on the host. MicroPython has mounted the ROM partition at
# /rom already when it holds a ROMFS image.
import mps2
import vfs

flash = mps2.Flash()
try:
    vfs.mount(vfs.VfsLfs2(flash), "/")
except OSError:
    vfs.VfsLfs2.mkfs(flash)
    vfs.mount(vfs.VfsLfs2(flash), "/")
del flash, mps2, vfs
