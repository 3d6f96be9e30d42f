# What the board packages for real controllers share (boards/common): the contactor's
# feedback check, the debounced inputs, the NTC and its derating, the power setpoint, the
# provisioning file's network setting and the RTC's calendar -- under CPython and both
# MicroPython interpreters, with fake pins and a fake clock.
import json

from boards.common.board import rtc_datetime, rtc_unix_s
from boards.common.connector import PowerSetpoint
from boards.common.contactor import Contactor
from boards.common.inputs import DebouncedInput
from boards.common.provisioning import Provisioning
from boards.common.thermal import Thermal, ntc_celsius, ntc_reading
from device_models.pin import Pin
from store.atomic import ensure_dir

SCRATCH = "build/test_board_common"  # beside the runner (Makefile: mptest)


class Clock:
    def __init__(self):
        self.ms = 0

    def ticks_ms(self):
        return self.ms

    def ticks_diff(self, a, b):
        return a - b


def contactor_rig():
    clock = Clock()
    drive, feedback_pin = Pin(0), Pin(1)  # the aux contact open: 1
    feedback = DebouncedInput(pin=feedback_pin, active_level=0, samples=2)
    contactor = Contactor(drive=drive, feedback=feedback, ticks_ms=clock.ticks_ms,
                          ticks_diff=clock.ticks_diff, settle_ms=300)
    return clock, drive, feedback_pin, feedback, contactor


def settle(clock, feedback, contactor, ms=400):
    for _ in range(3):
        feedback.sample()
    clock.ms += ms
    return contactor.check()


def test_a_contactor_that_follows_its_drive_has_no_fault():
    clock, drive, pin, feedback, contactor = contactor_rig()
    contactor.command(True)
    assert drive.level == 1
    pin.value(0)  # closed
    assert not settle(clock, feedback, contactor)
    contactor.command(False)
    pin.value(1)
    assert not settle(clock, feedback, contactor)
    assert not contactor.welded and not contactor.failed_to_close


def test_a_feedback_that_lags_within_the_settle_time_is_no_fault():
    clock, _, pin, feedback, contactor = contactor_rig()
    contactor.command(True)
    clock.ms += 100
    assert not contactor.check()  # still open, but not settled yet
    pin.value(0)
    assert not settle(clock, feedback, contactor)


def test_closed_while_off_is_welded_and_stays_so():
    clock, drive, pin, feedback, contactor = contactor_rig()
    pin.value(0)
    assert settle(clock, feedback, contactor)
    assert contactor.welded
    pin.value(1)  # whatever the contact says next: only a person can tell
    assert not settle(clock, feedback, contactor)
    assert contactor.welded
    contactor.command(True)
    assert drive.level == 0  # a failed switch is never driven again


def test_open_while_on_failed_to_close_and_the_drive_goes_off():
    clock, drive, _, feedback, contactor = contactor_rig()
    contactor.command(True)
    assert settle(clock, feedback, contactor)
    assert contactor.failed_to_close and drive.level == 0
    contactor.command(True)
    assert drive.level == 0


def test_an_input_changes_only_after_its_samples_agree():
    pin = Pin(0)  # the contact closed: all is well
    estop = DebouncedInput(pin=pin, active_level=1, samples=3)
    assert not estop.active
    pin.value(1)
    assert not estop.sample() and not estop.sample()
    pin.value(0)  # a spike: it starts over
    assert not estop.sample()
    pin.value(1)
    assert [estop.sample() for _ in range(3)] == [False, False, True]
    assert estop.active


class Adc:
    def __init__(self, reading):
        self.reading = reading

    def read_u16(self):
        return self.reading


def test_the_ntc_reads_back_the_temperature_it_stands_for():
    for celsius in (-20, 0, 25, 70, 85, 120):
        assert abs(ntc_celsius(ntc_reading(celsius)) - celsius) < 0.5
    assert ntc_celsius(0) is None and ntc_celsius(65535) is None  # shorted, open


def test_derating_from_70_c_then_high_temperature_at_85_until_75():
    adc = Adc(ntc_reading(25))
    thermal = Thermal(adc=adc)
    assert not thermal.sample() and thermal.limit_w(30000) is None
    adc.reading = ntc_reading(77.5)  # half-way through the band
    thermal.sample()
    limit = thermal.limit_w(30000)
    assert type(limit) is int and 17000 <= limit <= 19000
    adc.reading = ntc_reading(86)
    assert thermal.sample() and thermal.over_temperature
    adc.reading = ntc_reading(80)  # cooler, but not cool enough
    assert not thermal.sample() and thermal.over_temperature
    adc.reading = ntc_reading(74)
    assert thermal.sample() and not thermal.over_temperature


def test_a_broken_sensor_is_over_temperature_with_no_power():
    adc = Adc(65535)
    thermal = Thermal(adc=adc)
    assert thermal.sample() and thermal.over_temperature
    assert thermal.limit_w(30000) == 0


class Pwm:
    def __init__(self):
        self.duties = []

    def duty_u16(self, value):
        self.duties.append(value)


def test_the_setpoint_is_the_share_of_the_rating_and_never_beyond_it():
    pwm = Pwm()
    setpoint = PowerSetpoint(pwm=pwm, rating_w=30000)
    setpoint.set(15000)
    setpoint.set(45000)
    setpoint.set(-5)
    assert pwm.duties == [0, 32767, 65535, 0]


def provisioning(settings):
    ensure_dir(SCRATCH)
    with open(SCRATCH + "/provision.json", "w") as f:
        json.dump(settings, f)
    return Provisioning(SCRATCH + "/provision.json", 8000)


def test_the_network_setting_is_dhcp_or_a_checked_static_address():
    base = {"identity": "CP1", "csms_url": "ws://h/ocpp/CP1"}
    assert provisioning(base).network is None
    base["network"] = "dhcp"
    assert provisioning(base).network is None
    base["network"] = {"ip": "10.1.2.3", "netmask": "255.255.255.0", "gateway": "10.1.2.1",
                       "dns": "10.1.2.1"}
    assert provisioning(base).network == ("10.1.2.3", "255.255.255.0", "10.1.2.1", "10.1.2.1")
    assert provisioning(base).watchdog_ms == 8000
    for bad in ({"ip": "10.1.2.300", "netmask": "255.255.255.0", "gateway": "10.1.2.1",
                 "dns": "10.1.2.1"}, {"ip": "10.1.2.3"}, "static", 7):
        base["network"] = bad
        try:
            provisioning(base)
        except ValueError as error:
            assert "network" in str(error)
        else:
            raise AssertionError("accepted %r" % (bad,))


def test_a_relative_certificate_path_is_beside_the_provisioning_file():
    ensure_dir(SCRATCH)
    with open(SCRATCH + "/ca_test.der", "wb") as f:
        f.write(b"\x30\x03\x02\x01\x01")
    p = provisioning({"identity": "CP1", "csms_url": "wss://h/ocpp/CP1", "ca": "ca_test.der"})
    assert p.ca_der() == [b"\x30\x03\x02\x01\x01"]


def test_the_rtc_takes_the_central_systems_time_and_gives_it_back():
    assert rtc_unix_s((2021, 1, 1, 4, 0, 0, 0, 0)) is None  # never set: before 2025
    # 2026-01-01T01:01:01Z, a Thursday (weekday 3: Monday is 0 on rp2 and esp32).
    assert rtc_datetime(1767225600 + 3661) == (2026, 1, 1, 3, 1, 1, 1, 0)
    assert rtc_unix_s((2026, 1, 1, 3, 1, 1, 1, 0)) == 1767225600 + 3661
    assert rtc_datetime(1709164800)[:4] == (2024, 2, 29, 3)  # a leap day, a Thursday
    assert rtc_unix_s(rtc_datetime(1709164800)) is None
