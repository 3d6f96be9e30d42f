# What a board's firmware freezes beside the station (tools/build_micropython.sh board32):
# only asyncio, which the unix port's own manifest takes with micropython-lib's packages.
include("$(MPY_DIR)/extmod/asyncio")
