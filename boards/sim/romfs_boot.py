"""Device entry of the simulated board with its code in a ROMFS image, as a board with a ROM
partition runs it: in place, the bytecode never copied into the heap.

    micropython boards/sim/romfs_boot.py IMAGE --csms URL ... (the options of main.py)

A unix port has no ROM partition, so the image is read into the heap first, in one piece,
before anything else is allocated; the launcher (`station --build romfs`) adds its size to
the heap it asks for. It is mounted at /rom, which goes first on sys.path, and
boards/sim/main.py runs from it with the remaining arguments.
"""
import sys
import vfs

with open(sys.argv[1], "rb") as f:
    image = f.read()
vfs.mount(vfs.VfsRom(image), "/rom")
sys.path.insert(0, "/rom")
del sys.argv[1]
import boards.sim.main  # noqa: E402,F401 (runs the station until the board resets or ends)
