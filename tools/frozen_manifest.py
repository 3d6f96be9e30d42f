# The station's modules frozen into a MicroPython firmware (tools/build_micropython.sh),
# laid out as the .mpy build lays them out: lib/ at the top, firmware/ and boards/ as folders.
include("$(MPY_DIR)/extmod/asyncio")
for name in ("ocppj", "ws", "store", "transfer", "x509"):
    package(name, base_path="../lib")
module("logring.py", base_path="../lib")
package("firmware", base_path="..")
package("boards", base_path="..")
