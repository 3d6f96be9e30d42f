"""The W5500-EVB-Pico as the firmware sees it: boards/common/board.py's ChargerBoard, made
from this board's pin map (pins.py) with the port's `machine` and `network`.

- Ethernet: network.WIZNET5K on SPI0 (MicroPython's W5500_EVB_PICO firmware, lwIP), DHCP or
  the provisioned static address.
- Card reader: MFRC522 on SPI1 (lib/rfid/mfrc522.py).
- Connector 1: contactor with feedback, plug and EV demand from the EV communication
  controller, insulation monitor, NTC on ADC0, power setpoint by PWM, PZEM-017 DC meter at
  Modbus unit 1 on UART0 with an RS-485 direction pin.
- Watchdog: machine.WDT, at most 8388 ms on the RP2040 (MicroPython's machine.WDT): 8 s.
- The firmware's data on the littlefs filesystem MicroPython's rp2 port mounts at /.
"""
from boards.common import parts
from boards.w5500_evb_pico import pins
from rfid.mfrc522 import Mfrc522

IDENTITY = {"vendor": "OpenVolt", "model": "DCW-30-PICO", "serial_prefix": "W55-",
            "firmware_version": "0.1.0", "meter_type": "Peacefair PZEM-017",
            "max_power_w": 30000}
# The RP2040's watchdog counts to 8388 ms at most: every step of the boot and every step
# of the station that does not yield must stay below it (docs/boards.md).
WATCHDOG_MS = 8000
STATE_DIR = "/station"


def build(provisioning, machine=None, network=None, root=""):
    """The board. `machine`, `network`: the port's (tests pass stand-ins); `root`: where its
    files are (a test's folder; "" on the board)."""
    if machine is None:
        import machine
    if network is None:
        import network
    Pin = machine.Pin

    def make_nic():
        e = pins.ETHERNET
        spi = machine.SPI(e["spi"], baudrate=e["baudrate"], sck=Pin(e["sck"]),
                          mosi=Pin(e["mosi"]), miso=Pin(e["miso"]))
        return network.WIZNET5K(spi, Pin(e["cs"]), Pin(e["reset"]), Pin(e["interrupt"]))

    def make_reader():
        r = pins.READER
        spi = machine.SPI(r["spi"], baudrate=r["baudrate"], polarity=0, phase=0,
                          sck=Pin(r["sck"]), mosi=Pin(r["mosi"]), miso=Pin(r["miso"]))
        return Mfrc522(spi=spi, cs=Pin(r["cs"], Pin.OUT, value=1))

    return parts.charger_board(machine, provisioning=provisioning, pins=pins,
                               make_nic=make_nic, make_reader=make_reader,
                               state_dir=root + STATE_DIR, identity=IDENTITY)
