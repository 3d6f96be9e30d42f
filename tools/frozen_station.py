# The station's device code for a frozen firmware, laid out as the .mpy build lays it out:
# lib/'s packages and modules at the top, firmware/ as a folder. Taken by package, so a file
# added, moved or removed inside them needs no change here. Included by the unix ports'
# manifest (tools/frozen_manifest.py) and the emulated board's
# (boards/mps2_an385/port/manifest.py); makemanifest runs this file from tools/.
import os

for name in sorted(os.listdir("../lib")):
    if os.path.isfile(os.path.join("../lib", name, "__init__.py")):
        package(name, base_path="../lib")
    elif name.endswith(".py"):
        module(name, base_path="../lib")
package("firmware", base_path="..")

# The schema tables (lib/ocppj/schemas.dat, a file beside the .mpy build) frozen too, as a
# bytes constant that lib/ocppj/check.py reads in place from flash: a frozen firmware needs
# no data file -- and a folder ocppj/ on the board's filesystem, which comes first on its
# sys.path, would hide the frozen package. Rewritten only when it changes.
with open("../lib/ocppj/schemas.dat", "rb") as f:
    table = "DATA = %r\n" % f.read()
generated = "../build/frozen_data/ocppj/schemas_table.py"
os.makedirs(os.path.dirname(generated), exist_ok=True)
if not os.path.exists(generated) or open(generated).read() != table:
    with open(generated, "w") as f:
        f.write(table)
module("ocppj/schemas_table.py", base_path="../build/frozen_data")
