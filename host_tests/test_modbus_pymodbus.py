"""The Modbus RTU master (lib/modbus) against a real peer: pymodbus's serial server as a
PZEM-017 meter, over a socat pty pair (the serial line a board's UART would be). What the
model in host_tests/portable cannot show: that the frames, the CRC, the exception responses
and the timing suit a Modbus implementation by others. About 2 s."""
import asyncio
import fcntl
import os
import subprocess
import termios
import time

import pytest
from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

from harness import socat
from modbus.frames import ModbusException
from modbus.meter import Meter
from modbus.pzem017 import PZEM017
from modbus.rtu import RtuMaster

# 48.05 V, 12.34 A, 592.9 W, 100000 Wh: the energy past 65535 Wh shows the word order.
PZEM_REGISTERS = [4805, 1234, 5929, 0, 0x86A0, 0x0001, 0, 0]


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class PtyUart:
    """The master's side of the pty with the methods of MicroPython's machine.UART that
    lib/modbus uses, non-blocking as a UART made with timeout=0."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        attributes = termios.tcgetattr(self.fd)
        attributes[0] = attributes[1] = attributes[3] = 0  # raw: no echo, no line editing
        termios.tcsetattr(self.fd, termios.TCSANOW, attributes)

    def write(self, data):
        return os.write(self.fd, data)

    def flush(self):
        termios.tcdrain(self.fd)

    def any(self):
        count = bytearray(4)
        fcntl.ioctl(self.fd, termios.FIONREAD, count)
        return int.from_bytes(count, "little")

    def readinto(self, buffer):
        try:
            data = os.read(self.fd, len(buffer))
        except BlockingIOError:
            return None
        buffer[:len(data)] = data
        return len(data) or None

    def close(self):
        os.close(self.fd)


class Pin:
    def __init__(self):
        self.levels = []

    def value(self, level):
        self.levels.append(level)


async def sleep_ms(ms):
    await asyncio.sleep(ms / 1000)


def ticks_ms():
    return int(time.monotonic() * 1000)


def ticks_diff(a, b):
    return a - b


@pytest.fixture
def line(tmp_path):
    """Two ends of a serial line: (the master's, the meter's)."""
    master_end, meter_end = str(tmp_path / "master"), str(tmp_path / "meter")
    pair = subprocess.Popen([socat(), "PTY,link=%s,raw,echo=0" % master_end,
                             "PTY,link=%s,raw,echo=0" % meter_end],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not (os.path.exists(master_end) and os.path.exists(meter_end)):
        assert time.monotonic() < deadline, "socat made no ptys"
        time.sleep(0.02)
    yield master_end, meter_end
    pair.kill()
    pair.wait(timeout=10)


def meter_device():
    # Input registers (function 4) hold the readings, as on the PZEM-017; the other three
    # tables one value each (pymodbus wants every table of a device defined).
    bit = [SimData(0, values=False, datatype=DataType.BITS)]
    return SimDevice(1, simdata=(bit, bit, [SimData(0, values=0, datatype=DataType.REGISTERS)],
                                 [SimData(0, values=PZEM_REGISTERS,
                                          datatype=DataType.REGISTERS)]))


async def start_meter(port):
    server = ModbusSerialServer(meter_device(), port=port, baudrate=9600, stopbits=2)
    task = asyncio.ensure_future(server.serve_forever())
    for _ in range(100):  # until it has opened the port
        if server.transport is not None:
            break
        await asyncio.sleep(0.02)
    return server, task


async def stop_meter(server, task):
    await server.shutdown()
    task.cancel()


def master_on(uart, pin):
    return RtuMaster(uart=uart, direction_pin=pin, baudrate=9600, ticks_ms=ticks_ms,
                     ticks_diff=ticks_diff, sleep_ms=sleep_ms, response_timeout_ms=300,
                     retries=1)


def run(master_end, scenario):
    """Runs `scenario(uart)` with the master's end of the line opened as a UART."""
    uart = PtyUart(master_end)
    try:
        asyncio.run(scenario(uart))
    finally:
        uart.close()


def test_pzem017_map_read_from_pymodbus_and_its_exception_responses(line):
    master_end, meter_end = line
    pin = Pin()

    async def scenario(uart):
        server, task = await start_meter(meter_end)
        try:
            master = master_on(uart, pin)
            meter = Meter(master=master, register_map=PZEM017)
            assert await meter.read(), meter.error
            assert meter.energy_wh == 100000 and meter.power_w == 592
            assert abs(meter.voltage_v - 48.05) < 0.001 and abs(meter.current_a - 12.34) < 0.001
            assert pin.levels == [0, 1, 0]  # driven around the one write only
            # Registers the meter has not: pymodbus's exception response, not retried.
            try:
                await master.read_registers(unit=1, function=4, address=100, count=2)
                raise AssertionError("registers pymodbus does not have")
            except ModbusException as error:
                assert error.code == 2
            assert master.retried == 0
            assert await master.read_registers(unit=1, function=3, address=0, count=1) == [0]
        finally:
            await stop_meter(server, task)

    run(master_end, scenario)


def test_a_meter_that_stops_answering_fails_and_recovers(line):
    master_end, meter_end = line

    async def scenario(uart):
        server, task = await start_meter(meter_end)
        meter = Meter(master=master_on(uart, None), register_map=PZEM017, fault_after=2)
        assert await meter.read(), meter.error
        await stop_meter(server, task)
        assert not await meter.read() and meter.energy_wh is None and not meter.failed
        assert not await meter.read() and meter.failed and "ModbusTimeout" in meter.error
        server, task = await start_meter(meter_end)
        try:
            assert await meter.read(), meter.error
            assert not meter.failed and meter.energy_wh == 100000
        finally:
            await stop_meter(server, task)

    run(master_end, scenario)
