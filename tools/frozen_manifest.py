# The station's modules frozen into a MicroPython unix firmware (tools/build_micropython.sh):
# asyncio, the station's device code (tools/frozen_station.py) and the board a unix port
# runs, boards/sim, with boards/uart_link that it takes its hardware from over a UART link.
include("$(MPY_DIR)/extmod/asyncio")
include("frozen_station.py")
module("boards/__init__.py", base_path="..")
module("boards/bootloader.py", base_path="..")
package("boards/sim", base_path="..")
package("boards/uart_link", base_path="..")
# What the board packages for real controllers share: the portable tests import it.
package("boards/common", base_path="..")
