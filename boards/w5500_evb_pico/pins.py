"""The pin map of the WIZnet W5500-EVB-Pico (RP2040 + W5500) as a charger controller.

The W5500's pins are fixed by the board: WIZnet's "W5500-EVB-Pico" pinout and schematic
(docs.wiznet.io/Product/iEthernet/W5500/w5500-evb-pico) wire it to SPI0 -- GPIO16 MISO,
GPIO17 CSn, GPIO18 SCLK, GPIO19 MOSI, GPIO20 RSTn, GPIO21 INTn -- the same pins as
MicroPython's board definition (ports/rp2/boards/W5500_EVB_PICO/mpconfigboard.h,
MICROPY_HW_WIZNET_*). GPIO25 is the board's LED; GPIO23, GPIO24 and GPIO29 are the Pico's
own (power-save, VBUS sense, VSYS/3) and not on the header. Everything else is this
controller's choice among the header's GPIOs (the Raspberry Pi Pico pinout: UART0 on
GPIO0/1, SPI1 on GPIO10-12, ADC0 on GPIO26); free: GPIO15, GPIO22, GPIO27, GPIO28.

Inputs are pulled up and read through a debounce (boards/common/parts.py): (pin, the level
that means active).
"""
# Ethernet: WIZnet W5500 on SPI0 (fixed on the board).
ETHERNET = {"spi": 0, "baudrate": 20000000, "sck": 18, "mosi": 19, "miso": 16, "cs": 17,
            "reset": 20, "interrupt": 21}
# Card reader: NXP MFRC522 module on SPI1, mode 0 (its NRSTPD tied high: the driver resets
# the chip by command).
READER = {"spi": 1, "baudrate": 4000000, "sck": 10, "mosi": 11, "miso": 12, "cs": 13}
# DC meters: RS-485 transceiver on UART0, its driver enable (DE and /RE together) on GPIO2.
METER_BUS = {"uart": 0, "tx": 0, "rx": 1, "direction": 2}
# Station-wide inputs: normally-closed contacts to ground (open, pressed or cut: 1).
EMERGENCY_STOP = (3, 1)
DOOR = (4, 1)
CONNECTORS = ({
    "contactor": 6,
    "feedback": (7, 0),
    "plug": (8, 0),
    "ev_ready": (9, 0),
    "insulation_fault": (5, 1),
    "setpoint_pwm": 14,
    "temperature_adc": 26,
    "meter_unit": 1,
},)
