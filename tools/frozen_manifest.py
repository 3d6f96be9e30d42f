# The station's modules frozen into a MicroPython firmware (tools/build_micropython.sh),
# laid out as the .mpy build lays them out: lib/ at the top, firmware/ and boards/ as folders.
include("$(MPY_DIR)/extmod/asyncio")
for name in ("ocppj", "ws", "store", "transfer", "x509"):
    package(name, base_path="../lib")
module("logring.py", base_path="../lib")
package("firmware", base_path="..")
package("boards", base_path="..")

# The schema tables (lib/ocppj/schemas.dat, a file beside the .mpy build) frozen too, as a
# bytes constant that lib/ocppj/check.py reads in place from flash: a frozen firmware needs
# no data file -- and a folder ocppj/ on the board's filesystem, which comes first on its
# sys.path, would hide the frozen package. Rewritten only when it changes (makemanifest runs
# this file from tools/).
with open("../lib/ocppj/schemas.dat", "rb") as f:
    table = "DATA = %r\n" % f.read()
import os  # noqa: E402 (the manifest's own names come first)

generated = "../build/frozen_data/ocppj/schemas_table.py"
os.makedirs(os.path.dirname(generated), exist_ok=True)
if not os.path.exists(generated) or open(generated).read() != table:
    with open(generated, "w") as f:
        f.write(table)
module("ocppj/schemas_table.py", base_path="../build/frozen_data")
