"""The whole station with its hardware behind the UART link (docs/hwlink.md), against the
bundled Central System: the device process on the 32-bit board interpreter, the simulated
EVs, power stage, meters and reader served by the bridge (boards/sim/uart_bridge.py) over
loopback TCP standing for the UART -- as the emulated board will reach them over QEMU's.

A session through the launcher (`--hw-link uart`, the Core board: ROMFS, 128 KB heap), and
link losses with the bridge in this process: the connector is Faulted with InternalError
and its transaction stopped (reason Other); a loss shorter than the de-energize timeout
costs no Wh, a longer one stops at the last saved reading, saying why."""
import time

from harness import CentralThread, wait_until
from hwlink_bench import HardwareThread, StationDevice
from tc import booted, call, charging, tc_station

SILENCE_MS = 1500  # the I/O side's fail-safe, shorter than its default for the tests


def test_a_session_through_the_launcher_with_the_hardware_behind_the_uart():
    with CentralThread() as cs, tc_station(cs, extra=["--hw-link", "uart"]) as station:
        booted(cs)
        start = charging(cs, station)
        assert start["meterStart"] == 0
        wait_until(lambda: [v for p in cs.requests("MeterValues") for v in p["meterValue"]
                            if any(s.get("measurand", "Energy.Active.Import.Register")
                                   == "Energy.Active.Import.Register" and int(s["value"]) > 0
                                   for s in v["sampledValue"])], 20, "energy in MeterValues")
        status = station.control("status")
        assert status["ok"] and status["connectors"][1]["plugged"]
        assert status["connectors"][1]["status"] == "Charging"
        assert status["connectors"][1]["powerW"] > 0
        assert station.control("heap")["ok"]  # a service command the device carried out
        station.control("tap CARD-0001")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 10, "StopTransaction")[0]
        assert stop["reason"] == "Local" and stop["meterStop"] > 0
        station.control("unplug 1")
        cs.wait_status(1, "Available")
        assert station.control("status")["connectors"][1]["energyWh"] == stop["meterStop"]
        assert "hwlink: I/O controller up" in "\n".join(station.lines)
        # A reset: the device process starts again and opens a new session on a new stream.
        link = cs.link("CP001")
        assert cs.run(link.call(call.Reset(type="Hard"))).status == "Accepted"
        wait_until(lambda: len(cs.requests("BootNotification")) == 2, 30, "the second boot")
        station.control("plug 2")
        cs.wait_status(2, "Preparing")
        assert station.control("status")["connectors"][1]["energyWh"] == stop["meterStop"]


class LinkLoss:
    """A station charging on connector 1, its UART link in this process's hands."""

    def __init__(self, cs, tmp_path):
        self.cs = cs
        self.hardware = HardwareThread(silence_ms=SILENCE_MS)
        self.device = StationDevice(cs.url(), self.hardware.port, tmp_path)
        booted(cs, 30)
        self.hardware.change(lambda hw: setattr(hw.connector(1), "is_plugged", True))
        cs.wait_status(1, "Preparing")
        assert self.hardware.call(lambda: self.hardware.bridge.ask("tap CARD-1"))["ok"]
        cs.wait_status(1, "Charging")
        wait_until(lambda: self.register_wh() > 0, 10, "energy flowing")

    def register_wh(self):
        return self.hardware.call(lambda: self.hardware.hardware.connector(1).energy_wh())

    def cut(self, seconds):
        """The wire is cut for `seconds`; returns how long until the connector was Faulted."""
        cut_at = time.monotonic()
        self.hardware.bridge.cut = True
        self.cs.wait_status(1, "Faulted", "InternalError")
        faulted_s = time.monotonic() - cut_at
        # The I/O controller switched the output off by itself, hearing nothing.
        wait_until(lambda: self.hardware.bridge.end.fail_safes == 1, SILENCE_MS / 1000 + 2,
                   "the fail-safe")
        time.sleep(max(0, seconds - (time.monotonic() - cut_at)))
        self.hardware.bridge.cut = False
        return faulted_s

    def close(self):
        self.device.stop()
        self.hardware.stop()


def test_a_short_link_loss_faults_the_connector_and_loses_no_wh(tmp_path):
    with CentralThread() as cs:
        loss = LinkLoss(cs, tmp_path)
        try:
            faulted_s = loss.cut(2)  # back before the de-energize timeout (5 s) runs out
            assert faulted_s < 1.5
            stop = wait_until(lambda: cs.requests("StopTransaction"), 10, "StopTransaction")[0]
            assert stop["reason"] == "Other"
            # The stop waited for the link: the register read once the current had stopped.
            assert stop["meterStop"] == loss.register_wh() > 0
            cs.wait_status(1, "Finishing")
            assert not loss.hardware.call(lambda: loss.hardware.hardware.connector(1).energized)
        finally:
            loss.close()


def test_a_long_link_loss_stops_at_the_last_saved_reading_and_says_why(tmp_path):
    with CentralThread() as cs:
        loss = LinkLoss(cs, tmp_path)
        try:
            loss.cut(6.5)  # longer than the de-energize timeout: the register is not read
            stop = wait_until(lambda: cs.requests("StopTransaction"), 10, "StopTransaction")[0]
            assert stop["reason"] == "Other"
            assert stop["meterStop"] < loss.register_wh()
            loss.device.wait_for_line("meter read failed: OSError")
            cs.wait_status(1, "Finishing")
        finally:
            loss.close()
