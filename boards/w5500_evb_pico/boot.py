"""What /boot.py on the W5500-EVB-Pico's flash runs (`import boards.w5500_evb_pico.boot`,
written by `make deploy`), before main.py: the BOOTSEL button held while the board powers
up (or resets) starts the REPL without the station, once (boards/common/startup.py) -- a
way back to the REPL if a station's start ever fails in a loop."""
import rp2

from boards.common.console import REPL_ONCE_PATH

if rp2.bootsel_button():
    with open(REPL_ONCE_PATH, "w"):
        pass
