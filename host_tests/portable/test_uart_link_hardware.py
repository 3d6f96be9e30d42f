# boards/uart_link: the connectors and reader of a board over the I/O link, on fake streams
# wired to hwlink's hardware end in the same event loop. The firmware's side of the contract
# (boards/README.md) while the link is up, before it ever was, and after it was lost.
import asyncio
import time

from boards.uart_link.connector import LINK_FAULT
from boards.uart_link.hardware import LinkedHardware
from hwlink.hardware_end import HardwareEnd
from test_hwlink_ends import Model

if hasattr(time, "ticks_ms"):
    ticks_ms, ticks_diff = time.ticks_ms, time.ticks_diff
else:
    def ticks_ms():
        return time.monotonic_ns() // 1000000

    def ticks_diff(a, b):
        return a - b


class Pipe:
    """One direction of the wire: written by one side, read by the other."""

    def __init__(self):
        self.data = bytearray()
        self.ready = asyncio.Event()
        self.cut = False

    def write(self, data):
        if not self.cut:
            self.data += data
            self.ready.set()

    async def drain(self):
        pass

    async def read(self, count):
        while not self.data:
            self.ready.clear()
            await self.ready.wait()
        out = bytes(self.data[:count])
        self.data[:] = self.data[count:]
        return out


class Bench:
    def __init__(self):
        self.model = Model()
        self.end = HardwareEnd(self.model, ticks_diff, silence_ms=1000)
        self.to_controller = Pipe()
        self.to_hardware = Pipe()
        self.logs = []
        self.hw = LinkedHardware(2, ticks_ms, ticks_diff, self.logs.append,
                                 lambda command: {"ok": True, "did": command})
        self._task = None

    async def _serve(self):
        while True:
            data = await self.to_hardware.read(256)
            self.end.receive_data(data, ticks_ms())
            self.flush()

    def flush(self):
        self.end.poll(ticks_ms())
        out = self.end.data_to_send()
        if out:
            self.to_controller.write(out)

    async def start(self, attach_timeout_ms=2000):
        self._task = asyncio.create_task(self._serve())
        return await self.hw.start(self.to_controller, self.to_hardware, attach_timeout_ms)

    def stop(self):
        self._task.cancel()
        for task in self.hw._tasks:
            task.cancel()

    def set_cut(self, cut):
        self.to_controller.cut = self.to_hardware.cut = cut


async def wait_for(predicate, timeout_ms=3000):
    started = ticks_ms()
    while not predicate():
        assert ticks_diff(ticks_ms(), started) < timeout_ms, "timed out"
        await asyncio.sleep(0.01)


def _raises_oserror(read):
    try:
        read()
    except OSError:
        return True
    return False


async def test_before_the_link_is_up_every_connector_is_faulted_and_unreadable():
    bench = Bench()
    bench.set_cut(True)
    assert await bench.start(attach_timeout_ms=300) is False
    assert "no I/O controller yet" in bench.logs[0]
    one = bench.hw.connectors[0]
    assert one.error_code() == LINK_FAULT and not one.plugged() and not one.ev_demand()
    assert one.soc() is None and one.meter_serial() is None
    for read in (one.energy_wh, one.power_w, one.voltage_v, one.current_a):
        assert _raises_oserror(read)
    assert bench.hw.read_tag() is None and not bench.hw.emergency_stop()
    bench.stop()


async def test_readings_inputs_outputs_and_cards_while_up():
    bench = Bench()
    bench.model.connectors[0].plugged = True
    bench.model.connectors[0].voltage_mv = 400500
    bench.model.connectors[0].current_ma = -1500
    assert await bench.start() is True
    one, two = bench.hw.connectors
    assert one.plugged() and one.error_code() == "NoError" and one.energy_wh() == 10
    assert one.voltage_v() == 400.5 and one.current_a() == -1.5 and one.soc() is None
    assert one.meter_serial() == "OVDCM-0001" and two.meter_serial() is None
    bench.hw.changed.clear()
    one.set_energize(True)
    one.set_limit_w(11000.7)
    await wait_for(lambda: bench.hw.core.confirmed(1))
    assert bench.model.connectors[0].output_on and bench.model.connectors[0].limit_w == 11000
    assert not bench.hw.changed.is_set()  # an output is not an input
    bench.end.tap("CARD-7")
    bench.flush()
    await wait_for(bench.hw.changed.is_set)
    assert bench.hw.read_tag() == "CARD-7" and bench.hw.read_tag() is None
    bench.model.connectors[1].fault = "OverVoltage"
    bench.end.inputs_changed()
    bench.flush()
    await wait_for(lambda: two.error_code() == "OverVoltage")
    bench.stop()


async def test_a_loss_between_two_reads_is_still_reported_once():
    bench = Bench()
    await bench.start()
    one = bench.hw.connectors[0]
    assert one.error_code() == "NoError"
    bench.set_cut(True)
    await wait_for(lambda: not bench.hw.core.up)
    bench.set_cut(False)
    await wait_for(lambda: bench.hw.core.up)
    assert one.error_code() == LINK_FAULT  # never read while down: reported now
    assert one.error_code() == "NoError"
    assert [line for line in bench.logs if "link down" in line]
    bench.stop()


async def test_service_commands_are_carried_out_and_answered():
    bench = Bench()
    await bench.start()
    seq = bench.end.send_command("status")
    bench.flush()
    await wait_for(lambda: bench.end.answers.get(seq) is not None)
    assert bench.end.answers[seq] in ('{"ok": true, "did": "status"}',
                                      '{"did": "status", "ok": true}')
    bench.stop()


async def test_an_exception_in_the_core_is_logged_and_the_link_goes_on():
    bench = Bench()
    await bench.start()
    core = bench.hw.core
    receive = core.receive_data
    calls = []

    def failing_once(data, now_ms):
        if not calls:
            calls.append(1)
            raise MemoryError("memory allocation failed")
        receive(data, now_ms)

    core.receive_data = failing_once
    await wait_for(lambda: calls and core.counters()["frames"] > 3)
    assert bench.hw.failures == 1 and core.up
    assert [line for line in bench.logs if "MemoryError" in line]
    bench.stop()
