# A stand-in for MicroPython's `machine` module on a board (docs.micropython.org,
# library/machine.*.rst of MicroPython 1.25: Pin, SPI, I2C, UART, ADC, PWM, WDT, RTC), for
# running a board package on the unix port or CPython. Test code: never deployed. Buses reach
# the device models a test attaches (host_tests/portable/device_models); pins keep a level
# per pin number that the test's plant model reads and drives.
import errno
import time

from firmware.clock import civil_from_days, days_from_civil

PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET, SOFT_RESET = 1, 2, 3, 4, 5

levels = {}     # pin number -> 0/1
modes = {}      # pin number -> the mode it was last made with
watchers = {}   # pin number -> callback(level) on each write
adc_readings = {}  # pin number -> read_u16()
pwm_duty = {}   # pin number -> duty_u16
spi_devices = {}  # (bus, cs pin) -> device with exchange(out) -> bytes
i2c_devices = {}  # bus -> [devices with address, writeto, readfrom_into]
uart_devices = {}  # uart id -> device with write, flush, any, readinto
watchdogs = []
resets = []


def ticks_us():
    if hasattr(time, "ticks_us"):
        return time.ticks_us()
    return time.monotonic_ns() // 1000


def now_ms():
    return ticks_us() // 1000


class Pin:
    IN, OUT, OPEN_DRAIN = 0, 1, 2
    PULL_UP, PULL_DOWN = 1, 2

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        if type(id) is not int:
            raise ValueError("pin %r" % (id,))
        self.id = id
        if mode != -1:
            modes[id] = mode
        if value is not None:
            self.value(value)
        elif id not in levels:
            levels[id] = 1 if pull == Pin.PULL_UP else 0

    def value(self, level=None):
        if level is None:
            return levels.get(self.id, 0)
        level = 1 if level else 0
        levels[self.id] = level
        watcher = watchers.get(self.id)
        if watcher is not None:
            watcher(level)
        return None

    @property
    def level(self):  # what the device models read (device_models/pin.py)
        return levels.get(self.id, 0)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


def set_level(pin, level):
    """The outside world drives an input."""
    levels[pin] = level


class SPI:
    MSB, LSB = 0, 1

    def __init__(self, id, baudrate=1000000, *, polarity=0, phase=0, bits=8, firstbit=0,
                 sck=None, mosi=None, miso=None):
        self.id = id
        self.baudrate = baudrate

    def _selected(self):
        for (bus, cs), device in spi_devices.items():
            if bus == self.id and levels.get(cs, 1) == 0:
                return device
        return None

    def write_readinto(self, out, into):
        device = self._selected()
        answer = device.exchange(bytes(out)) if device is not None else b"\xff" * len(out)
        for i in range(len(out)):
            into[i] = answer[i]

    def write(self, data):
        device = self._selected()
        if device is not None:
            device.exchange(bytes(data))


class I2C:
    def __init__(self, id, *, scl=None, sda=None, freq=400000, timeout=50000):
        self.id = id

    def _device(self, address):
        for device in i2c_devices.get(self.id, ()):
            if device.address == address:
                return device
        raise OSError(errno.ENODEV)

    def writeto(self, address, data, stop=True):
        return self._device(address).writeto(address, data)

    def readfrom_into(self, address, buffer, stop=True):
        self._device(address).readfrom_into(address, buffer)


class UART:
    def __init__(self, id, baudrate=9600, bits=8, parity=None, stop=1, *, tx=None, rx=None,
                 timeout=0, timeout_char=0, rxbuf=256, txbuf=256):
        self.id = id
        self.settings = (baudrate, bits, parity, stop, timeout)

    def _device(self):
        device = uart_devices.get(self.id)
        if device is None:
            raise OSError(errno.EIO)
        return device

    def write(self, data):
        return self._device().write(data)

    def flush(self):
        self._device().flush()

    def any(self):
        return self._device().any()

    def readinto(self, buffer, nbytes=None):
        return self._device().readinto(buffer)


class ADC:
    ATTN_0DB, ATTN_2_5DB, ATTN_6DB, ATTN_11DB = 0, 1, 2, 3

    def __init__(self, pin, *, atten=None):
        self._pin = pin.id if isinstance(pin, Pin) else pin

    def read_u16(self):
        return adc_readings.get(self._pin, 32768)


class PWM:
    def __init__(self, pin, *, freq=1000, duty_u16=0):
        self._pin = pin.id
        self.freq = freq
        pwm_duty[self._pin] = duty_u16

    def duty_u16(self, value=None):
        if value is None:
            return pwm_duty[self._pin]
        if not 0 <= value <= 65535:
            raise ValueError("duty %r" % (value,))
        pwm_duty[self._pin] = value
        return None


class WDT:
    """Records its feeds; `starved_ms()` is how long it has gone unfed (past `timeout` the
    board would have reset)."""

    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.feeds = 0
        self.last_feed_ms = now_ms()
        watchdogs.append(self)

    def feed(self):
        self.feeds += 1
        self.last_feed_ms = now_ms()

    def starved_ms(self):
        return now_ms() - self.last_feed_ms


class RTC:
    """A clock that runs from the time it was set (2021-01-01 at power-on, as rp2's)."""
    _base = [days_from_civil(2021, 1, 1) * 86400, None]  # [Unix s at the mark, ticks ms]
    sets = []

    def __init__(self, id=0):
        if RTC._base[1] is None:
            RTC._base[1] = now_ms()

    def datetime(self, value=None):
        if value is not None:
            year, month, day, _, hours, minutes, seconds, _ = value
            RTC._base[0] = days_from_civil(year, month, day) * 86400 + hours * 3600 + \
                minutes * 60 + seconds
            RTC._base[1] = now_ms()
            RTC.sets.append(tuple(value))
            return None
        unix_s = RTC._base[0] + (now_ms() - RTC._base[1]) // 1000
        days = unix_s // 86400
        second = unix_s % 86400
        year, month, day = civil_from_days(days)
        return (year, month, day, (days + 3) % 7, second // 3600, second // 60 % 60,
                second % 60, 0)


def unique_id():
    return b"\xe6\x61\x41\x04\x03\x2a\x2b\x21"


def reset_cause():
    return PWRON_RESET


def reset():
    resets.append("hard")
    raise SystemExit(75)


def soft_reset():
    resets.append("soft")
    raise SystemExit(75)
