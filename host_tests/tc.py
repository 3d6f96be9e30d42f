"""Set-up shared by the compliance end-to-end tests (test names carry the OCTT case, e.g.
test_TC_003): the station as it runs on a board -- MicroPython, the mpy-cross build, a
bounded GC heap -- driven through the launcher and the control port against the bundled
`ocpp`-based Central System with schema validation on.
"""
import os

from ocpp.v16 import call  # noqa: F401 (re-exported for the tests)

from harness import CentralThread, StationProcess, wait_until  # noqa: F401

# The boards: a 32-bit MicroPython built as a board's firmware is (tools/build_micropython.sh
# board32), whose mbedTLS takes its buffers from the GC heap as on a board, running the
# mpy-cross build in place from its ROMFS image, as a board with a ROM partition does. On
# the 64-bit unix port every object takes twice the room, so only a 32-bit interpreter
# models a board's heap. The Core board has a 128 KB heap; the security extension's cases,
# TLS buffers (about 25 KB live) and 8 KB certificate chains among them, run in 192 KB.
MICROPYTHON32 = os.environ.get("MICROPYTHON32") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".venv", "bin", "micropython32")
CORE_HEAP = "128k"
SECURITY_HEAP = "192k"


def tc_station(cs, extra=(), url=None, **options):
    """The station under test on the Core board, connected to `cs` (at `url` if given),
    control port open."""
    return _station(cs, url, ["--build", "romfs", "--heap", CORE_HEAP], extra,
                    interpreter=MICROPYTHON32, **options)


def security_station(cs, extra=(), url=None, **options):
    """The station under test for the security extension's cases (see SECURITY_HEAP)."""
    return _station(cs, url, ["--build", "romfs", "--heap", SECURITY_HEAP], extra,
                    interpreter=MICROPYTHON32, **options)


def frozen_station(cs, extra=(), url=None, heap="96k", **options):
    """The station frozen into a 32-bit MicroPython firmware (the launcher's --build frozen
    builds it), with a `heap` KB heap."""
    return _station(cs, url, ["--build", "frozen", "--heap", heap], extra, **options)


def board_station(cs, extra=(), url=None, heap=CORE_HEAP, **options):
    """The station under test on the emulated Cortex-M3 board (boards/mps2_an385, QEMU): the
    firmware with the station frozen in, a `heap` (128k or 192k) GC heap, lwIP over the
    board's Ethernet with the Central System's loopback port forwarded. The board's
    firmware must have been built (`make board`); the launcher rebuilds it against the tree.
    A case takes it in place of tc_station (its `starter` parameter)."""
    return _station(cs, url, ["--board", "mps2_an385", "--build", "frozen", "--heap", heap],
                    extra, **options)


# How a board's restart shows in the launcher's output: the sim's launcher starts the
# device process again and says so; the emulated board resets inside QEMU (the launcher
# sees nothing), and its main.py starts the station and the field console again.
SIM_RESTART_LINE = "station: the board reset; starting it again"
BOARD_START_LINE = "field console of station "


def restarted(station):
    """Whether the board under `station` restarted since it was powered on."""
    if "mps2_an385" in station.process.args:
        return sum(BOARD_START_LINE in line for line in station.lines) >= 2
    return SIM_RESTART_LINE in station.lines


def _station(cs, url, board, extra, **options):
    return StationProcess(url or cs.url(), "micropython", control=True,
                          extra=board + list(extra), **options)


def booted(cs, timeout_s=20):
    """Waits for the boot to be accepted and the first status of connector 0, 1 and 2."""
    wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, timeout_s,
               "the three status notifications after boot")
    return cs.link("CP001")


def triggered(cs, link, requested, action):
    """ExtendedTriggerMessage(requested) is Accepted: the `action` request it brings."""
    sent = len(cs.requests(action))
    assert cs.run(link.call(call.ExtendedTriggerMessage(
        requested_message=requested))).status == "Accepted"
    return wait_until(lambda: cs.requests(action)[sent:], 10, "the triggered " + action)[0]


def power_off(station):
    """A power cut through the control port: the process is killed (SIGKILL) at once."""
    try:
        station.control("power off", timeout_s=2)
    except (OSError, ValueError):  # the process died before it could answer
        pass
    station.process.wait(5)
    assert station.process.returncode == -9


def charging(cs, station, connector_id=1, tag="CARD-0001"):
    """Plug, tap, wait for Charging; returns the StartTransaction request."""
    station.control("plug %d" % connector_id)
    cs.wait_status(connector_id, "Preparing")
    station.control("tap " + tag)
    cs.wait_status(connector_id, "Charging")
    return wait_until(lambda: [p for p in cs.requests("StartTransaction")
                               if p["connectorId"] == connector_id], 10, "StartTransaction")[-1]
