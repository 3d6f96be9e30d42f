# The station's modules frozen into a MicroPython unix firmware (tools/build_micropython.sh):
# asyncio, the station's device code (tools/frozen_station.py) and boards/ as a folder.
include("$(MPY_DIR)/extmod/asyncio")
include("frozen_station.py")
package("boards", base_path="..")
