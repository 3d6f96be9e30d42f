"""The ESP32-POE-ISO as the firmware sees it: boards/common/board.py's ChargerBoard, made
from this board's pin map (pins.py) with the port's `machine` and `network`.

- Ethernet: network.LAN with the LAN8720 PHY, DHCP or the provisioned static address.
- Card reader: PN532 over I2C (lib/rfid/pn532.py).
- Connector 1: contactor with feedback, plug and EV demand from the EV communication
  controller, insulation monitor, NTC on GPIO32 (ADC1, 11 dB: the whole 0-3.3 V), power
  setpoint by PWM, PZEM-017 DC meter at Modbus unit 1 on UART2 (auto-direction RS-485).
- Watchdog: machine.WDT, 30 s.
- The firmware's data on the littlefs filesystem MicroPython's esp32 port mounts at /.
"""
from boards.common import parts
from boards.common.timing import block_ms
from boards.esp32_eth import pins
from rfid.pn532 import Pn532

IDENTITY = {"vendor": "OpenVolt", "model": "DCW-30-ESP32", "serial_prefix": "E32-",
            "firmware_version": "0.1.0", "meter_type": "Peacefair PZEM-017",
            "max_power_w": 30000}
WATCHDOG_MS = 30000
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
        return network.LAN(mdc=Pin(e["mdc"]), mdio=Pin(e["mdio"]), power=Pin(e["power"]),
                           phy_type=network.PHY_LAN8720, phy_addr=e["phy_addr"],
                           ref_clk=Pin(e["ref_clk"]), ref_clk_mode=Pin.OUT)

    def make_reader():
        r = pins.READER
        return Pn532(i2c=machine.I2C(r["i2c"], scl=Pin(r["scl"]), sda=Pin(r["sda"]),
                                     freq=r["freq"]), sleep_ms=block_ms)

    return parts.charger_board(machine, provisioning=provisioning, pins=pins,
                               make_nic=make_nic, make_reader=make_reader,
                               state_dir=root + STATE_DIR, identity=IDENTITY,
                               adc_options={"atten": machine.ADC.ATTN_11DB})
