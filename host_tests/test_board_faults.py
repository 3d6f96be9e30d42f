"""A board package's contactor feedback, watchdog and Ethernet link (boards/common) as the
W5500-EVB-Pico runs them, on the stand-ins at its heap (host_tests/board_rig.py)."""
from board_rig import BoardRig
from harness import CentralThread, wait_until
from test_board_w5500 import booted, charging


def test_a_welded_contactor_is_a_power_switch_failure(tmp_path):
    with CentralThread() as cs, BoardRig(tmp_path, "w5500_evb_pico",
                                         cs.url() + "/CP-PICO") as rig:
        booted(cs, "CP-PICO")
        rig("weld")  # the feedback says closed; the drive is off
        cs.wait_status(1, "Faulted", "PowerSwitchFailure", timeout_s=10)
        assert rig.logged("PowerSwitchFailure")
        # The drive stays off; no session starts on it.
        rig("plug")
        cs.wait_status(1, "Faulted", "PowerSwitchFailure")
        status = rig("status")
        assert status["setpoint_w"] == 0 and status["connectors"][1]["transactionId"] is None


def test_a_contactor_that_does_not_close_stops_the_transaction(tmp_path):
    with CentralThread() as cs, BoardRig(tmp_path, "w5500_evb_pico",
                                         cs.url() + "/CP-PICO") as rig:
        _, link = booted(cs, "CP-PICO")
        rig("stuck_open")
        start = charging(cs, rig, link)
        cs.wait_status(1, "Faulted", "PowerSwitchFailure", timeout_s=10)
        stop = wait_until(lambda: cs.requests("StopTransaction"), 15, "StopTransaction")[0]
        assert stop["reason"] == "Other" and stop["meterStop"] == start["meterStart"]
        status = rig("status")
        assert status["energy_wh"] == start["meterStart"] and status["setpoint_w"] == 0


def test_the_link_comes_back_at_once_and_a_stuck_link_watch_starves_the_watchdog(tmp_path):
    with CentralThread() as cs, BoardRig(tmp_path, "w5500_evb_pico",
                                         cs.url() + "/CP-PICO") as rig:
        booted(cs, "CP-PICO")
        fed = rig.wait(lambda s: s["watchdog"]["feeds"] >= 3, 10, "the watchdog fed")
        assert fed["unhealthy"] is None
        # The cable out: the connection ends; back in: the station connects at once,
        # without waiting out a backoff (firmware/link.py).
        connections = len(cs.requests("BootNotification")) + 1
        rig("link down")
        wait_until(lambda: rig.logged("link: waiting for the network link") or
                   rig.logged("link: offline (network link down)"), 10, "the link down")
        rig("link up")
        wait_until(lambda: sum("link: online" in line for line in rig.lines) >= connections,
                   10, "connected again")
        assert not rig.logged("retry in")
        # The board's link watch stops passing while the event loop runs on: the board
        # feeds no more, and the watchdog (8 s on the RP2040) would reset it.
        rig("stick")
        # 5 s to find the watch stalled, 8 s unfed: 13 s, with room for a loaded host.
        status = rig.wait(lambda s: s["watchdog"]["starved_ms"] > s["watchdog"]["timeout"],
                          60, "the watchdog starved")
        assert status["unhealthy"] == "link watch"
        assert rig.logged("board: link watch stalled")
        assert status["connection"] == "online"  # the station itself went on
