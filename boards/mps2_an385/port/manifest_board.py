# What every build of the board's firmware freezes: asyncio and _boot.py, which mounts the
# flash.
include("$(MPY_DIR)/extmod/asyncio")
freeze("modules")
