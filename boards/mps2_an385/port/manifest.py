# The board's firmware with the station frozen in (tools/build_board.sh frozen): its bytecode
# and names live with the firmware's code, not in the GC heap. Of boards/, only this board's
# package: its modules at the top of boards/mps2_an385/ (the C port in port/ is not Python
# for the board).
import os

include("manifest_board.py")
include("../../../tools/frozen_station.py")
module("boards/__init__.py", base_path="../../..")
for name in sorted(os.listdir("..")):
    if name.endswith(".py"):
        module("boards/mps2_an385/" + name, base_path="../../..")
