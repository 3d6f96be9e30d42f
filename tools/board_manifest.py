# The emulated board's firmware with the station frozen in (tools/build_board.sh frozen): its
# bytecode and names live with the firmware's code, not in the GC heap. Of boards/, this
# board's package (its modules at the top of boards/mps2_an385/; port/ is its C firmware),
# boards/uart_link, the link to its I/O controller on UART1 (docs/hwlink.md), and the field
# console and provisioning file it shares with the other boards (boards/common/).
import os

include("board_manifest_romfs.py")
include("frozen_station.py")
module("boards/__init__.py", base_path="..")
module("boards/bootloader.py", base_path="..")
package("boards/uart_link", base_path="..")
module("boards/common/__init__.py", base_path="..")
module("boards/common/console.py", base_path="..")
module("boards/common/log.py", base_path="..")
module("boards/common/provisioning.py", base_path="..")
module("boards/common/startup.py", base_path="..")
for name in sorted(os.listdir("../boards/mps2_an385")):
    if name.endswith(".py") and name != "_boot.py":
        module("boards/mps2_an385/" + name, base_path="..")
