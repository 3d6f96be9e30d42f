"""The station on the emulated board (boards/mps2_an385), launched as a user launches it:
`boards/sim/station --board mps2_an385`, QEMU running the frozen firmware, the sim's
hardware behind the board's UART1, its flash a file in the state folder.

It boots and logs on its console; plug and tap reach the firmware over the hardware link
and show in status() on the console (mpremote over the console's pty, and the field
console on the launcher's stdin) and on the control port; a power cut (QEMU killed) and a
restart on the same state folder keep what the station wrote to its flash."""
import os
import re
import subprocess
import sys

import pytest

from emulator import ROOT

sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from harness import StationProcess, control, wait_until  # noqa: E402

BOARD = ["--board", "mps2_an385"]
# Nothing listens there (the board reaches the port through the forward): offline.
CSMS_URL = "ws://127.0.0.1:9/ocpp"
MPREMOTE = os.path.join(ROOT, ".venv", "bin", "mpremote")
BOOT_TIMEOUT_S = 30


def board_station(state, **options):
    return StationProcess(CSMS_URL, extra=BOARD, control=True, state=state, **options)


def console_pty(station):
    line = station.wait_for_line("console: /dev/pts/", BOOT_TIMEOUT_S)
    return re.search(r"console: (/dev/pts/\d+)", line).group(1)


def mpremote(pty, code):
    """What `code` printed, run by mpremote on the running station's field console."""
    done = subprocess.run([MPREMOTE, "connect", pty, "resume", "exec", code],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def connector(status, connector_id):
    return next(c for c in status["connectors"] if c["id"] == connector_id)


@pytest.fixture
def state(tmp_path, firmware):  # firmware: the board's firmware is built (make board)
    return tmp_path / "state"


def test_boots_and_logs_on_the_console_and_answers_the_control_port(state):
    with board_station(state) as station:
        station.wait_for_line("hwlink: I/O controller up, meters OVDCM-0001, OVDCM-0002",
                              BOOT_TIMEOUT_S)
        station.wait_for_line("field console of station CP001")
        # The firmware runs and tries its Central System, which is not there.
        station.wait_for_line("link: offline")
        status = station.control("status")
        assert status["ok"] and status["registration"] == "None"
        assert [c["status"] for c in status["connectors"]] == ["Available"] * 3
        heap = station.control("heap")  # carried out on the board, over the hardware link
        assert heap["ok"] and heap["freeBytes"] + heap["allocBytes"] <= 128 * 1024
        print("board: heap free %d B with the station idle" % heap["freeBytes"])
        assert os.path.getsize(state / "board.flash") == 16 * 1024 * 1024


def test_plug_and_tap_reach_the_firmware_over_the_uart(state):
    with board_station(state) as station:
        pty = console_pty(station)
        station.wait_for_line("hwlink: I/O controller up", BOOT_TIMEOUT_S)
        assert station.control("plug 1")["ok"]
        wait_until(lambda: connector(station.control("status"), 1)["status"] == "Preparing",
                   10, "connector 1 Preparing")
        assert "[1] Preparing" in mpremote(pty, "status()")
        assert station.control("tap CARD-7")["ok"]
        # The card came through the I/O controller's reader; not registered, the station
        # does not start a transaction for it.
        station.wait_for_line("auth: CARD-7 ignored")
        assert "auth: CARD-7 ignored" in mpremote(pty, "log(5)")
        # The station goes on after mpremote left: the control port still reaches it.
        assert station.control("unplug 1")["ok"]
        wait_until(lambda: connector(station.control("status"), 1)["status"] == "Available",
                   10, "connector 1 Available")


def test_the_field_console_on_the_launchers_stdin(state):
    with board_station(state, console=True) as station:
        station.wait_for_line("field console of station CP001", BOOT_TIMEOUT_S)
        station.control("plug 2")
        wait_until(lambda: connector(station.control("status"), 2)["status"] == "Preparing",
                   10, "connector 2 Preparing")
        station.type("status()")
        station.wait_for_line("[2] Preparing")
        station.type("config('MeterValueSampleInterval')")
        station.wait_for_line("MeterValueSampleInterval = ")


def test_a_power_cut_and_a_restart_keep_the_flash(state):
    with board_station(state) as station:
        pty = console_pty(station)
        station.wait_for_line("hwlink: I/O controller up", BOOT_TIMEOUT_S)
        assert mpremote(pty, "print(station.config.change('HeartbeatInterval', '1234'))") \
            .strip() == "Accepted"
        port = station.control_port
        # The launcher dies with the board: no reply (an empty one, or the line cut).
        with pytest.raises((OSError, ValueError)):
            control(port, "power off", 5)
        station.process.wait(10)
    with board_station(state) as station:
        pty = console_pty(station)
        station.wait_for_line("hwlink: I/O controller up", BOOT_TIMEOUT_S)
        assert "HeartbeatInterval = 1234" in mpremote(pty, "config('HeartbeatInterval')")


def test_mpremote_without_resume_stops_the_station_for_a_deploy_and_reset_starts_it(state):
    # mpremote's soft reset (every command without `resume`) leaves main.py unrun on any
    # MicroPython board: here the station stops, so files can be copied, and a reset
    # starts it again.
    with board_station(state) as station:
        pty = console_pty(station)
        station.wait_for_line("hwlink: I/O controller up", BOOT_TIMEOUT_S)
        done = subprocess.run([MPREMOTE, "connect", pty, "ls", ":/"], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "provision.json" in done.stdout and "station/" in done.stdout
        assert station.control("status") == {"ok": False, "error": "the controller is gone"}
        subprocess.run([MPREMOTE, "connect", pty, "reset"], capture_output=True, timeout=30)
        wait_until(lambda: station.control("status")["ok"], 20, "the station back")
