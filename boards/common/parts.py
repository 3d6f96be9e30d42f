"""A board package's parts made from its pin map (boards/<board>/pins.py): the same for every
board, only the pin numbers and bus ids differ. `machine` is passed in (the port's module,
or the tests' stand-in).

A connector's pins (a dict in pins.CONNECTORS):
    contactor           output, 1 closes the DC contactor (through its coil driver)
    feedback            (pin, level) the contactor's auxiliary contact: level = closed
    plug, ev_ready      (pin, level) from the EV communication controller: level = the EV is
                        connected / asks for energy
    insulation_fault    (pin, level) the insulation monitor's alarm contact: level = tripped
(an input may be (pin, level, None): see digital_input)
    setpoint_pwm        output, the power stage's analogue setpoint (PWM, RC filtered)
    temperature_adc     ADC pin of the NTC on the connector's power path
    meter_unit          Modbus address of its DC meter
"""
from boards.common.board import ChargerBoard
from boards.common.connector import DcConnector, PowerSetpoint
from boards.common.contactor import Contactor
from boards.common.ethernet import Ethernet
from boards.common.inputs import DebouncedInput
from boards.common.thermal import Thermal
from boards.common.timing import sleep_ms, ticks_diff, ticks_ms
from modbus.meter import Meter
from modbus.pzem017 import PZEM017
from modbus.rtu import RtuMaster

PWM_HZ = 1000


def digital_input(machine, spec):
    """A DebouncedInput of (pin, active level), pulled up: every input is a contact or an
    open-collector output to ground, so a cut wire reads 1, and pins.py gives each input
    the level at which 1 is the safe side (an emergency stop, door or insulation alarm
    contact is closed while all is well: 1 is the alarm; a contactor's feedback, a plug,
    an EV's demand close to say yes: 0 is yes). (pin, level, None): the pin has no
    internal pull (esp32's GPIO 34-39), the board has a resistor."""
    Pin = machine.Pin
    pull = spec[2] if len(spec) > 2 else Pin.PULL_UP
    return DebouncedInput(pin=Pin(spec[0], Pin.IN, pull), active_level=spec[1])


def modbus_master(machine, spec):
    """The RS-485 bus of the meters: spec {"uart", "tx", "rx", "direction" (a pin, or None
    for a transceiver that switches itself)} at the PZEM-017's serial settings."""
    baudrate, bits, parity, stop = PZEM017["serial"]
    Pin = machine.Pin
    uart = machine.UART(spec["uart"], baudrate=baudrate, bits=bits, parity=parity,
                        stop=stop, tx=Pin(spec["tx"]), rx=Pin(spec["rx"]), timeout=0)
    direction = spec.get("direction")
    return RtuMaster(uart=uart, baudrate=baudrate, ticks_ms=ticks_ms, ticks_diff=ticks_diff,
                     sleep_ms=sleep_ms,
                     direction_pin=None if direction is None else Pin(direction, Pin.OUT))


def connector(machine, *, connector_id, spec, master, max_power_w, adc_options=None):
    Pin = machine.Pin
    feedback = digital_input(machine, spec["feedback"])
    contactor = Contactor(drive=Pin(spec["contactor"], Pin.OUT, value=0), feedback=feedback,
                          ticks_ms=ticks_ms, ticks_diff=ticks_diff)
    adc = machine.ADC(Pin(spec["temperature_adc"]), **(adc_options or {}))
    pwm = machine.PWM(Pin(spec["setpoint_pwm"]), freq=PWM_HZ, duty_u16=0)
    return DcConnector(
        connector_id=connector_id, contactor=contactor, feedback=feedback,
        plug=digital_input(machine, spec["plug"]),
        ev_ready=digital_input(machine, spec["ev_ready"]),
        insulation=digital_input(machine, spec["insulation_fault"]),
        thermal=Thermal(adc=adc),
        meter=Meter(master=master, register_map=PZEM017, unit=spec["meter_unit"]),
        setpoint=PowerSetpoint(pwm=pwm, rating_w=max_power_w), max_power_w=max_power_w)


def charger_board(machine, *, provisioning, pins, make_nic, make_reader, state_dir,
                  identity, adc_options=None):
    """The ChargerBoard of a pin map, its watchdog started first: `make_nic()` the port's
    network interface, `make_reader()` the card reader. `identity`: vendor, model,
    serial_prefix, firmware_version, meter_type, max_power_w."""
    watchdog = machine.WDT(timeout=provisioning.watchdog_ms) if provisioning.watchdog_ms \
        else None
    ethernet = Ethernet(nic=make_nic(), static=provisioning.network)
    ethernet.bring_up()  # the W5500's reset alone takes 0.4 s
    if watchdog is not None:
        watchdog.feed()
    master = modbus_master(machine, pins.METER_BUS)
    power_w = identity["max_power_w"]
    connectors = [connector(machine, connector_id=i + 1, spec=spec, master=master,
                            max_power_w=power_w, adc_options=adc_options)
                  for i, spec in enumerate(pins.CONNECTORS)]
    serial = identity["serial_prefix"] + "".join("%02X" % b for b in machine.unique_id())
    return ChargerBoard(
        provisioning=provisioning, ethernet=ethernet, reader=make_reader(),
        connectors=connectors, emergency_stop=digital_input(machine, pins.EMERGENCY_STOP),
        door=digital_input(machine, pins.DOOR), watchdog=watchdog, rtc=machine.RTC(),
        state_dir=state_dir, vendor=identity["vendor"], model=identity["model"],
        serial=serial, firmware_version=identity["firmware_version"],
        meter_type=identity["meter_type"], max_power_w=power_w)
