# The sim board's control port: every command, bad input answered, the TCP side bounded.
# The hardware (boards/sim/hardware.py) and the controller's board (boards/sim/board.py)
# run here on one event loop, joined by their real link on loopback.
import asyncio
import json
import sys

from boards.sim.board import READER_BOUND, SimBoard
from boards.sim.control import MAX_CLIENTS, MAX_LINE_BYTES, Control
from boards.sim.hardware import Hardware
from boards.sim.network import Network


class StandInStation:
    """Only what the control port uses: the firmware's snapshot() shape."""

    def __init__(self):
        self.fail = False

    def snapshot(self):
        if self.fail:
            raise KeyError("boom")
        return {"connection": "online", "registration": "Accepted", "queued": 2,
                "connectors": [{"id": 0, "status": "Available"},
                               {"id": 1, "status": "Charging", "errorCode": "NoError",
                                "transactionId": 7, "idTag": "TAG1"},
                               {"id": 2, "status": "Available", "errorCode": "NoError",
                                "transactionId": None, "idTag": None}]}


class Rig:
    async def start(self):
        self.hardware = Hardware()
        self.powered_off = 0
        self.control = Control(self.hardware, self._power_off)
        self.hardware.link.control = self.control
        for port in range(21600, 21700):
            try:
                self._server = await self.hardware.link.serve("127.0.0.1", port)
                break
            except OSError:
                continue
        self.board = SimBoard("CP1", "ws://h/ocpp/CP1")
        self.station = StandInStation()
        self.board.station = self.station
        self._link = asyncio.create_task(self.board.run_link(
            await self.board.attach("127.0.0.1", port)))
        return self

    def stop(self):
        self._link.cancel()
        self.board._writer.close()
        self._server.close()

    def _power_off(self):
        self.powered_off += 1

    async def settle(self):
        for _ in range(5):  # what the hardware sent has reached the board
            await asyncio.sleep(0.01)

    async def until(self, predicate, timeout_ms=5000):
        """Waits for what the hardware or the board sent to have reached the other end: a
        fixed settle() can be too short on a loaded machine (pytest -n)."""
        for _ in range(timeout_ms // 10):
            if predicate():
                return
            await asyncio.sleep(0.01)
        assert predicate()

    async def ok(self, line):
        reply = await self.control.execute(line)
        assert reply == {"ok": True}, (line, reply)
        await self.settle()

    async def refused(self, line, text=None):
        reply = await self.control.execute(line)
        assert reply["ok"] is False and type(reply["error"]) is str, (line, reply)
        assert len(reply) == 2
        if text is not None:
            assert text in reply["error"], (line, reply)


async def test_status_merges_the_firmware_view_with_the_hardware():
    rig = await Rig().start()
    try:
        await rig.ok("plug 1")
        reply = await rig.control.execute("status")
        assert reply["ok"] is True
        assert reply["connection"] == "online" and reply["registration"] == "Accepted"
        assert reply["queued"] == 2
        zero, one, two = reply["connectors"]
        assert zero == {"id": 0, "status": "Available"}
        assert one == {"id": 1, "status": "Charging", "errorCode": "NoError",
                       "transactionId": 7, "idTag": "TAG1", "plugged": True, "energyWh": 0,
                       "powerW": 0, "soc": 20}
        assert two["plugged"] is False and two["soc"] is None and two["transactionId"] is None
        assert json.loads(json.dumps(reply)) == reply
        await rig.refused("status now", "usage")
        rig.station.fail = True
        await rig.refused("status", "KeyError")
    finally:
        rig.stop()


async def test_plug_unplug_set_the_cable_and_signal_the_firmware():
    rig = await Rig().start()
    try:
        rig.board.changed.clear()
        await rig.ok("plug 2")
        assert rig.board.connector(2).plugged() and rig.board.changed.is_set()
        assert rig.board.connector(2).ev_demand() and rig.hardware.connector(2).plugged()
        rig.board.changed.clear()
        await rig.ok("unplug 2")
        assert not rig.board.connector(2).plugged() and rig.board.changed.is_set()
        for line in ("plug", "plug 0", "plug 3", "plug x", "plug -1", "plug 1 2",
                     "unplug 1.0"):
            await rig.refused(line)
    finally:
        rig.stop()


async def test_outputs_reach_the_hardware_and_readings_come_back():
    rig = await Rig().start()
    try:
        await rig.ok("plug 1")
        one = rig.board.connector(1)
        one.set_energize(True)
        one.set_limit_w(36000)
        await rig.until(lambda: rig.hardware.connector(1).limit_w == 36000)
        assert rig.hardware.connector(1).energized
        rig.hardware.step(250, 250)
        await rig.until(lambda: one.power_w() == 36000)
        assert 86 < one.current_a() < 110
        assert one.soc() == 20 and one.voltage_v() > 300
        one.set_energize(False)
        assert one.power_w() == 36000  # what the meter measures, until the ramp has ended
        await rig.until(lambda: not rig.hardware.connector(1).energized)
        rig.hardware.step(250, 500)
        await rig.until(lambda: one.power_w() == 0)
        assert one.current_a() == 0.0
    finally:
        rig.stop()


async def test_the_meters_serial_numbers_reach_the_board():
    rig = await Rig().start()
    try:
        assert [c.meter_serial() for c in rig.board.connectors] == ["OVDCM-0001",
                                                                    "OVDCM-0002"]
    finally:
        rig.stop()


async def test_switch_stuck_keeps_the_output_on_until_ok():
    rig = await Rig().start()
    try:
        await rig.ok("plug 1")
        await rig.ok("switch 1 stuck")
        hardware_one = rig.hardware.connector(1)
        assert hardware_one.switch_stuck
        rig.hardware.step(250, 250)
        assert hardware_one.power_w() == 135000  # never switched on, and yet
        await rig.ok("switch 1 ok")
        rig.hardware.step(250, 500)
        rig.hardware.step(250, 750)
        assert hardware_one.power_w() == 0
        for line in ("switch 1", "switch 1 welded", "switch 3 stuck", "switch"):
            await rig.refused(line)
    finally:
        rig.stop()


async def test_tap_presents_a_card_at_the_single_reader():
    rig = await Rig().start()
    try:
        rig.board.changed.clear()
        await rig.ok("tap 04A2B3C4D5E6F7")
        assert rig.board.changed.is_set()
        assert rig.board.read_tag() == "04A2B3C4D5E6F7" and rig.board.read_tag() is None
        await rig.refused("tap " + "A" * 21, "20")
        await rig.refused("tap", "usage")
        await rig.refused("tap A B", "usage")
        await rig.refused("tap caf\u00e9")
        for i in range(READER_BOUND):
            await rig.ok("tap T%d" % i)
        await rig.refused("tap LATE", "busy")
    finally:
        rig.stop()


async def test_ev_commands():
    rig = await Rig().start()
    try:
        ev = rig.hardware.connector(1).ev
        await rig.ok("ev 1 suspend")
        assert ev.suspended
        await rig.ok("ev 1 resume")
        assert not ev.suspended
        await rig.ok("ev 1 capacity 60")
        assert ev.capacity_wh == 60000
        await rig.ok("ev 1 capacity 77.5")
        assert ev.capacity_wh == 77500
        await rig.ok("ev 1 soc 100")
        assert ev.full() and ev.soc() == 100
        await rig.ok("ev 1 soc 0")
        assert ev.soc() == 0
        await rig.ok("ev 1 maxpower 50")
        assert ev.max_power_w == 50000
        await rig.ok("ev 1 maxpower 7.4")
        assert ev.max_power_w == 7400
        for line in ("ev", "ev 1", "ev 3 suspend", "ev 1 fly", "ev 1 suspend now", "ev 1 soc",
                     "ev 1 soc 101", "ev 1 soc -5", "ev 1 soc 50.5", "ev 1 soc abc",
                     "ev 1 capacity 0", "ev 1 capacity 1e3", "ev 1 capacity 5000",
                     "ev 1 capacity 1.2345", "ev 1 maxpower 0", "ev 1 maxpower 2000",
                     "ev 1 maxpower nan", "ev 1 soc 1_0"):
            await rig.refused(line)
        assert ev.max_power_w == 7400 and ev.capacity_wh == 77500
    finally:
        rig.stop()


async def test_fault_and_clear_take_any_charge_point_error_code():
    rig = await Rig().start()
    try:
        await rig.ok("fault 2 GroundFailure")
        assert rig.board.connector(2).error_code() == "GroundFailure"
        await rig.ok("fault 2 PowerMeterFailure")
        assert rig.board.connector(2).error_code() == "PowerMeterFailure"
        await rig.ok("clear 2")
        assert rig.board.connector(2).error_code() == "NoError"
        await rig.refused("fault 2 NoError", "ChargePointErrorCode")
        await rig.refused("fault 2 groundfailure")
        await rig.refused("fault 2")
        await rig.refused("clear")
    finally:
        rig.stop()


async def test_net_heap_and_power_off():
    rig = await Rig().start()
    try:
        await rig.ok("net down")
        assert not rig.board.network.up
        await rig.ok("net up")
        assert rig.board.network.up
        await rig.refused("net sideways")
        await rig.refused("net")
        await rig.refused("power on")
        await rig.refused("power")
        await rig.refused("heap now", "usage")
        heap = await rig.control.execute("heap")
        if heap["ok"]:  # MicroPython
            assert heap["allocBytes"] > 0 and heap["freeBytes"] > 0
        assert rig.powered_off == 0
        await rig.control.execute("power off")
        assert rig.powered_off == 1
    finally:
        rig.stop()


async def test_console_hw_runs_any_command_at_once():
    rig = await Rig().start()
    try:
        # hw() blocks the controller's loop: here the hardware shares that loop, so the
        # console runs on a thread (CPython only; the end-to-end tests run both runtimes).
        if sys.implementation.name != "cpython":
            return
        import _thread
        replies = []

        def console():
            replies.append(rig.board.hw("plug 2"))
            replies.append(rig.board.hw("tap CARD"))
            replies.append(rig.board.hw("bogus"))
        _thread.start_new_thread(console, ())
        for _ in range(200):
            await asyncio.sleep(0.01)
            if len(replies) == 3:
                break
        assert replies[0] == {"ok": True} and replies[1] == {"ok": True}
        assert replies[2]["ok"] is False
        assert rig.hardware.connector(2).plugged() and rig.board.read_tag() == "CARD"
    finally:
        rig.stop()


async def test_garbage_is_answered_and_changes_nothing():
    rig = await Rig().start()
    try:
        before = await rig.control.execute("status")
        for line in ("", "   ", "bogus", "STATUS", "plug\x001", "\x00\x01\x02",
                     "{\"cmd\": 1}", "x" * 600, b"\xff\xfe\xfd", b"plug \xc3",
                     bytearray(b"\x80")):
            reply = await rig.control.execute(line)
            assert reply["ok"] is False and reply["error"], (line, reply)
            assert len(reply["error"]) < 120
        assert await rig.control.execute("status") == before
    finally:
        rig.stop()


async def exchange(port, payload, replies):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    lines = []
    for _ in range(replies):
        line = await asyncio.wait_for(reader.readline(), 5)
        lines.append(json.loads(line))
    writer.close()
    await writer.wait_closed()
    return lines


async def test_tcp_one_json_line_per_command_line():
    rig = await Rig().start()
    port = await rig.control.serve("127.0.0.1", 0)
    try:
        lines = await exchange(port, b"plug 1\r\nstatus\nnope\n\xff\xff\n", 4)
        assert lines[0] == {"ok": True}
        assert lines[1]["ok"] is True and lines[1]["connectors"][1]["plugged"] is True
        assert lines[2]["ok"] is False and lines[3]["ok"] is False
        # A line over the bound is answered once and skipped, however long it goes on.
        long_line = b"plug 2 " + b"9" * (4 * MAX_LINE_BYTES)
        lines = await exchange(port, long_line + b"\nunplug 1\n", 2)
        assert lines == [{"ok": False, "error": "line too long"}, {"ok": True}]
        assert not rig.board.connector(2).plugged() and not rig.board.connector(1).plugged()
    finally:
        rig.control._server.close()
        rig.stop()


async def test_tcp_clients_are_bounded_and_freed_when_they_leave():
    rig = await Rig().start()
    port = await rig.control.serve("127.0.0.1", 0)
    try:
        held = []
        for _ in range(MAX_CLIENTS):
            held.append(await asyncio.open_connection("127.0.0.1", port))
        await asyncio.sleep(0.1)
        lines = await exchange(port, b"status\n", 1)
        assert lines == [{"ok": False, "error": "too many control clients"}]
        for reader, writer in held:
            writer.close()
            await writer.wait_closed()
        for _ in range(50):
            await asyncio.sleep(0.02)
            if rig.control.clients == 0:
                break
        assert rig.control.clients == 0
        assert (await exchange(port, b"plug 1\n", 1)) == [{"ok": True}]
    finally:
        rig.control._server.close()
        rig.stop()


async def echo_server():
    async def serve(reader, writer):
        while True:
            data = await reader.read(100)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    for port in range(21500, 21600):
        try:
            return await asyncio.start_server(serve, "127.0.0.1", port), port
        except OSError:
            continue
    raise AssertionError("no free port")


async def test_network_down_cuts_open_connections_and_refuses_new_ones():
    server, port = await echo_server()
    try:
        network = Network()
        reader, writer = await network.open_connection("127.0.0.1", port)
        writer.write(b"ping")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(10), 5) == b"ping"
        outcome = []

        async def pending_read():
            try:
                outcome.append(await reader.read(10))
            except OSError as e:  # MicroPython: the closed socket wakes the read with EBADF
                outcome.append(e)

        task = asyncio.create_task(pending_read())
        await asyncio.sleep(0.05)
        network.set_up(False)
        await asyncio.wait_for(task, 5)
        assert outcome[0] == b"" or isinstance(outcome[0], OSError)
        try:
            await network.open_connection("127.0.0.1", port)
            raise AssertionError("connected while the link is down")
        except OSError:
            pass
        network.set_up(True)
        reader, writer = await network.open_connection("127.0.0.1", port)
        writer.write(b"back")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(10), 5) == b"back"
        writer.close()
        await writer.wait_closed()
    finally:
        server.close()
