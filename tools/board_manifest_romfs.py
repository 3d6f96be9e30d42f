# What every firmware of the emulated board freezes (tools/build_board.sh): asyncio, and the
# board's _boot.py, which mounts its flash. The romfs builds freeze only this: the station's
# .mpy files come from the board's ROM partition, mounted at /rom.
include("$(MPY_DIR)/extmod/asyncio")
module("_boot.py", base_path="../boards/mps2_an385")
