"""The pin map of the Olimex ESP32-POE-ISO (ESP32-WROOM-32, LAN8720A RMII PHY) as a charger
controller.

Ethernet is fixed by the board: the ESP32's RMII pins (GPIO19, 21, 22 TX; 25, 26, 27 RX),
MDC GPIO23, MDIO GPIO18, the PHY at address 0, its 50 MHz reference clock out of GPIO17 and
its power switched by GPIO12 -- the working configuration MicroPython's esp32 quick
reference gives for "Olimex ESP32 PoE and ESP32-PoE ISO" (docs/esp32/quickref.rst, LAN),
and Olimex's ESP32-POE-ISO schematic. The UEXT connector (Olimex's schematic): UART TXD
GPIO4, RXD GPIO36, I2C SCL GPIO16, SDA GPIO13, SPI MISO GPIO15, MOSI GPIO2, SCK GPIO14,
SS GPIO5; the button BUT1 is GPIO34.

That leaves 13 GPIOs, which this controller uses all of: the PN532 and the meters' RS-485
transceiver on UEXT's I2C and UART, and UEXT's SPI pins and GPIO32-35, 39 as I/O. No pin is
left for an RS-485 direction pin: the transceiver switches itself (one with automatic
direction control, e.g. a MAX13487E). GPIO34-39 are inputs without internal pulls: their
pull-ups are on the I/O board (or BUT1's, on GPIO34). GPIO2, 5 and 15 are strapping pins:
nothing on them may pull GPIO2 high or GPIO5/15 low while the ESP32 resets.

Inputs are read through a debounce (boards/common/parts.py): (pin, the level that means
active[, None: no internal pull]).
"""
# Ethernet: LAN8720A on the ESP32's RMII (fixed on the board).
ETHERNET = {"mdc": 23, "mdio": 18, "power": 12, "phy_addr": 0, "ref_clk": 17}
# Card reader: NXP PN532 module in I2C mode on UEXT (address 24h).
READER = {"i2c": 0, "scl": 16, "sda": 13, "freq": 100000}
# DC meters: RS-485 transceiver with automatic direction on UEXT's UART (UART2).
METER_BUS = {"uart": 2, "tx": 4, "rx": 36, "direction": None}
# Station-wide inputs: normally-closed contacts to ground (open, pressed or cut: 1).
EMERGENCY_STOP = (33, 1)
DOOR = (34, 1, None)
CONNECTORS = ({
    "contactor": 14,
    "feedback": (35, 0, None),
    "plug": (39, 0, None),
    "ev_ready": (5, 0),
    "insulation_fault": (15, 1),
    "setpoint_pwm": 2,
    "temperature_adc": 32,
    "meter_unit": 1,
},)
