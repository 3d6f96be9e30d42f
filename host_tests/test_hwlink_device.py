"""The device side of the UART link (boards/uart_link/) under the unix MicroPython, 64-bit
and the 32-bit board interpreter in a 128 KB heap, against the sim board's hardware models
served by the bridge (boards/sim/uart_bridge.py) under CPython, over loopback TCP standing
for the UART (hwlink_bench.py): inputs, cards and readings reach the firmware's side, the
outputs reach the hardware and are confirmed, line noise is survived, and a lost link is a
fault (InternalError, readings that raise) until the link is back."""
import asyncio
import os
import statistics
import time

import pytest

from harness import wait_until
from hwlink.controller_end import MISSES_FOR_DOWN, POLL_INTERVAL_MS, RESPONSE_TIMEOUT_MS
from hwlink_bench import MICROPYTHON, MICROPYTHON32, HardwareThread, Probe

SILENCE_MS = 1500  # the bridge's fail-safe, shorter than its default to keep tests short
INTERPRETERS = {"micropython": MICROPYTHON, "micropython32": MICROPYTHON32}


@pytest.fixture
def hardware():
    bench = HardwareThread(silence_ms=SILENCE_MS)
    yield bench
    bench.stop()


@pytest.fixture(params=sorted(INTERPRETERS))
def device(request, hardware):
    probe = Probe(hardware.port, INTERPRETERS[request.param], heap="128k")
    yield probe
    probe.stop()


def connector(view, connector_id):
    return view["connectors"][connector_id - 1]


def plug(hardware, connector_id, plugged=True):
    hardware.change(lambda hw: setattr(hw.connector(connector_id), "is_plugged", plugged))


def test_link_comes_up_with_the_meters_and_first_readings(device):
    assert device.started["started"] is True
    view = device.started["view"]
    assert view["up"] and not view["estop"]
    assert [c["serial"] for c in view["connectors"]] == ["OVDCM-0001", "OVDCM-0002"]
    assert connector(view, 1) == dict(connector(view, 1), plugged=False, error="NoError",
                                      energyWh=0, powerW=0, soc=None, confirmed=True)


def test_a_plug_reaches_the_firmware_side_at_once_not_at_the_next_poll(hardware, device):
    latencies = []
    for connector_id, plugged in ((1, True), (2, True), (1, False), (2, False)) * 3:
        mark = device.mark()
        started = time.monotonic()
        plug(hardware, connector_id, plugged)
        arrived, view = device.wait_change(
            mark, lambda v: connector(v, connector_id)["plugged"] == plugged)
        latencies.append(arrived - started)
    # An EVENT, not the next POLL (up to 250 ms away).
    assert statistics.median(latencies) < POLL_INTERVAL_MS / 1000 / 2, latencies


def test_energize_is_confirmed_and_the_meter_readings_follow(hardware, device):
    plug(hardware, 1)
    reply = device.ask("energize 1 1")
    assert reply["confirmedMs"] < 100
    assert hardware.call(lambda: hardware.hardware.connector(1).energized)
    view = wait_until(lambda: (lambda v: v if connector(v, 1)["energyWh"] > 0 else None)(
        device.ask("view")), 5, "energy counted")
    one = connector(view, 1)
    assert one["powerW"] == 135000 and one["soc"] == 20 and one["demand"]
    assert 330 < one["voltageV"] < 410
    assert abs(one["currentA"] - one["powerW"] / one["voltageV"]) < 0.01
    assert device.ask("limit 1 50000")["confirmedMs"] < 100
    assert hardware.call(lambda: hardware.hardware.connector(1).limit_w) == 50000
    wait_until(lambda: connector(device.ask("view"), 1)["powerW"] == 50000, 3, "limited")
    device.ask("energize 1 0")
    wait_until(lambda: connector(device.ask("view"), 1)["currentA"] == 0, 3, "current stops")
    # Once the current reads zero, the register holds every Wh (boards/README.md).
    final = connector(device.ask("view"), 1)["energyWh"]
    assert final == hardware.call(lambda: hardware.hardware.connector(1).energy_wh())


def test_cards_reach_read_tag_in_order_and_the_reader_bounds_them(hardware, device):
    tags = ["CARD-%d" % i for i in range(8)]
    for tag in tags:  # 4 taken by the controller, 4 held by the reader
        assert hardware.call(lambda: hardware.bridge.ask("tap " + tag)) == {"ok": True}
        time.sleep(0.05)
    busy = hardware.call(lambda: hardware.bridge.ask("tap ONE-TOO-MANY"))
    assert busy == {"ok": False, "error": "reader busy: earlier cards not read yet"}
    read = []
    wait_until(lambda: read.append(device.ask("tag")) or len([t for t in read if t]) == 8,
               5, "every card read")
    assert [t for t in read if t] == tags


def test_faults_and_the_emergency_stop_are_inputs(hardware, device):
    mark = device.mark()
    hardware.change(lambda hw: setattr(hw.connector(2), "fault", "GroundFailure"))
    device.wait_change(mark, lambda v: connector(v, 2)["error"] == "GroundFailure")
    mark = device.mark()
    hardware.change(lambda hw: setattr(hw, "emergency_stop", True))
    device.wait_change(mark, lambda v: v["estop"])
    mark = device.mark()
    hardware.change(lambda hw: setattr(hw.connector(2), "fault", "NoError"))
    device.wait_change(mark, lambda v: connector(v, 2)["error"] == "NoError")


def test_service_commands_reach_the_device(hardware, device):
    assert hardware.call(lambda: hardware.bridge.ask("probe")) == {"ok": True, "probe": 1}
    assert hardware.call(lambda: hardware.bridge.ask("big")) == {
        "ok": False, "error": "reply too long"}


def test_line_noise_costs_frames_not_the_link(hardware, device):
    plug(hardware, 1)
    device.ask("energize 1 1")
    bursts = [os.urandom(n) for n in (1, 7, 40, 300)] * 10 + [b"\x00" * 20, b"\x00\x01\x00"]
    for burst in bursts:
        hardware.call(lambda: hardware.bridge.inject(burst))
        time.sleep(0.03)
    time.sleep(0.5)
    view = device.ask("view")
    assert view["up"] and connector(view, 1)["confirmed"], view
    assert view["counters"]["corrupt"] + view["counters"]["oversized"] > 0
    assert not [v for _, v in device.changes if not v["up"]]  # never down
    assert hardware.call(lambda: hardware.hardware.connector(1).energized)


def test_a_lost_link_is_a_fault_and_the_io_side_fails_safe_until_it_is_back(hardware, device):
    plug(hardware, 1)
    device.ask("energize 1 1")
    mark = device.mark()
    cut_at = time.monotonic()
    hardware.bridge.cut = True
    arrived, view = device.wait_change(mark, lambda v: not v["up"], what="link down")
    # Found within the poll interval and MISSES_FOR_DOWN unanswered requests.
    assert arrived - cut_at < (POLL_INTERVAL_MS + MISSES_FOR_DOWN * RESPONSE_TIMEOUT_MS
                               + 300) / 1000
    one = connector(view, 1)
    assert one["error"] == "InternalError" and one["plugged"]  # as last seen
    assert one["energyWh"] == one["currentA"] == one["powerW"] == "OSError"
    assert one["soc"] is None and not one["demand"]
    # The I/O controller heard nothing for SILENCE_MS: it switched the output off itself.
    wait_until(lambda: not hardware.call(lambda: hardware.hardware.connector(1).energized),
               SILENCE_MS / 1000 + 2, "the fail-safe")
    assert hardware.bridge.end.fail_safes == 1
    mark = device.mark()
    hardware.bridge.cut = False
    arrived, view = device.wait_change(mark, lambda v: v["up"], what="link up")
    assert connector(view, 1)["error"] == "NoError"  # reported already while down
    # The output the controller still wants is switched on again in the new session.
    wait_until(lambda: hardware.call(lambda: hardware.hardware.connector(1).energized), 3,
               "output restored")
    assert any("link down" in line for line in device.logs)


def test_a_session_the_io_side_ended_is_reported_even_if_the_link_is_back_at_once(
        hardware, device):
    """A restart of the I/O controller (its session gone, its outputs off) between two reads
    of the firmware is still seen as a fault once."""
    plug(hardware, 1)
    device.ask("energize 1 1")
    mark = device.mark()
    hardware.call(lambda: hardware.bridge.end.lost())  # the I/O controller's session ends
    arrived, view = device.wait_change(mark, lambda v: not v["up"])
    assert connector(view, 1)["error"] == "InternalError"
    wait_until(lambda: device.ask("view")["up"], 3, "link up again")
    wait_until(lambda: hardware.call(lambda: hardware.hardware.connector(1).energized), 3,
               "output restored")


def test_a_stream_that_ends_is_told_and_takes_the_link_down(hardware):
    probe = Probe(hardware.port, MICROPYTHON32)
    try:
        mark = probe.mark()
        hardware.call(lambda: hardware.bridge._writer.close())
        probe.wait_change(mark, lambda v: not v["up"], what="link down after close")
        assert "stream closed" in probe.logs  # boards/sim/main.py ends the device on it
    finally:
        probe.stop()


def test_round_trip_and_heap_figures_on_the_board_interpreter(hardware, capsys):
    probe = Probe(hardware.port, MICROPYTHON32, heap="128k")
    try:
        times = probe.ask("toggles 100", timeout_s=30)["confirmedMs"]
        heap = probe.ask("heap")
    finally:
        probe.stop()
    median = statistics.median(times)
    with capsys.disabled():
        print("\nhwlink on micropython32: output confirmed in %s ms median, %d ms max; "
              "heap: %d B code from source, %d B objects" % (median, max(times), heap["code"],
                                                              heap["objects"]))
    assert median < 20
    assert heap["objects"] < 8192


async def test_the_bridge_serves_a_unix_socket_as_qemu_connects_to_it(tmp_path):
    """`-serial unix:PATH` (QEMU connects to the bridge listening on PATH), the device side
    under CPython here."""
    from boards.sim.hardware import Hardware
    from boards.sim.uart_bridge import UartBridge
    from boards.uart_link.hardware import LinkedHardware

    hardware = Hardware()
    bridge = UartBridge(hardware)
    hardware.link = bridge
    path = str(tmp_path / "uart1")
    server = await bridge.serve_unix(path)
    reader, writer = await asyncio.open_unix_connection(path)
    linked = LinkedHardware(2, lambda: time.monotonic_ns() // 1000000, lambda a, b: a - b,
                            lambda line: None)
    try:
        assert await linked.start(reader, writer)
        assert linked.connectors[1].meter_serial() == "OVDCM-0002"
        linked.changed.clear()
        hardware.connector(2).is_plugged = True
        hardware.input_changed()
        await asyncio.wait_for(linked.changed.wait(), 1)
        assert linked.connectors[1].plugged()
    finally:
        for task in linked._tasks + [bridge._timer]:
            task.cancel()
        writer.close()
        server.close()
