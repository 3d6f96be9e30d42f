# The board's firmware for the station in a ROMFS image (tools/build_board.sh romfs): only what
# every build freezes; the station's .mpy files come from the ROM partition, mounted at /rom.
include("manifest_board.py")
