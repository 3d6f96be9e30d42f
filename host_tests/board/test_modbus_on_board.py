"""The DC meter's driver (lib/modbus) on the emulated Cortex-M3 board (issue 24: the board
packages' parts where they can be modelled over its UARTs): the firmware frozen for the board
reads a PZEM-017 map from pymodbus, a real Modbus RTU server, over the board's UART1 (QEMU's
serial line to a Unix socket, socat from there to a pty pymodbus opens), then finds it quiet. The readers need SPI
and I2C, which this board's firmware does not drive: they run on their models only
(host_tests/portable/test_rfid_*.py, host_tests/test_board_*.py).
"""
import ast
import asyncio
import os
import subprocess
import sys
import threading
import time

from emulator import ROOT, Board

sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import socat  # noqa: E402
from test_modbus_pymodbus import start_meter, stop_meter  # noqa: E402

# On the board: the master on UART1 (its direction pin a stand-in: this board has no RS-485
# transceiver, and QEMU's line is full duplex) and the meter, read three times.
SET_UP = """
import asyncio, machine, time
from modbus.meter import Meter
from modbus.pzem017 import PZEM017
from modbus.rtu import RtuMaster

class Pin:
    def value(self, level):
        pass

uart = machine.UART(1, 9600, rxbuf=256, timeout=0)
master = RtuMaster(uart=uart, direction_pin=Pin(), baudrate=9600, ticks_ms=time.ticks_ms,
                   ticks_diff=time.ticks_diff, sleep_ms=asyncio.sleep_ms,
                   response_timeout_ms=500, retries=1)
meter = Meter(master=master, register_map=PZEM017, fault_after=2)

async def readings(times):
    seen = []
    for _ in range(times):
        fresh = await meter.read()
        seen.append((fresh, meter.energy_wh, meter.voltage_v, meter.power_w, meter.failed))
    return seen
"""
READ = "print(repr(asyncio.run(readings(%d))))"


def test_the_meter_driver_reads_pymodbus_over_the_boards_uart(firmware, tmp_path):
    uart_socket, pty = str(tmp_path / "uart1"), str(tmp_path / "meter")
    bridge = subprocess.Popen([socat(), "UNIX-LISTEN:%s" % uart_socket,
                               "PTY,link=%s,raw,echo=0" % pty],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(uart_socket):
            assert time.monotonic() < deadline, "socat made no socket"
            time.sleep(0.02)
        with Board(firmware, uart_clients={1: uart_socket}) as board:
            while not os.path.exists(pty):  # socat makes the pty once QEMU connected
                assert time.monotonic() < deadline, "socat made no pty"
                time.sleep(0.02)
            thread.start()
            server, task = asyncio.run_coroutine_threadsafe(start_meter(pty), loop).result(10)
            try:
                board.exec(SET_UP)
                answered = ast.literal_eval(board.exec(READ % 3, timeout_s=30).strip())
            finally:
                asyncio.run_coroutine_threadsafe(stop_meter(server, task), loop).result(10)
            # The meter gone quiet (pymodbus stopped): no reading invented, a failure after
            # two reads without an answer, each tried twice.
            quiet = ast.literal_eval(board.exec(READ % 2, timeout_s=30).strip())
            timeouts = board.eval("master.timeouts")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        bridge.kill()
        bridge.wait(timeout=10)
    # 48.05 V, 592.9 W, 100000 Wh (test_modbus_pymodbus.PZEM_REGISTERS), each read whole.
    assert answered == [(True, 100000, 48.05, 592, False)] * 3, answered  # power in whole W
    assert quiet == [(False, None, None, None, False), (False, None, None, None, True)], quiet
    assert timeouts == 4
