"""The station on the ESP32-POE-ISO: what /main.py on its flash runs (`import
boards.esp32_eth.main`, written by `make deploy`)."""
import gc

# Before anything else is imported: collect every GC_THRESHOLD_BYTES allocated, not only
# when the heap is full (boards/sim/main.py measured why).
GC_THRESHOLD_BYTES = 16384
if hasattr(gc, "threshold"):  # MicroPython
    gc.threshold(GC_THRESHOLD_BYTES)

from boards.common.startup import board_main  # noqa: E402
from boards.esp32_eth import board  # noqa: E402

board_main(board)
