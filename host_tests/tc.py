"""Set-up shared by the compliance end-to-end tests (test names carry the OCTT case, e.g.
test_TC_003): the station as it runs on a board -- MicroPython, the mpy-cross build, a
bounded GC heap -- driven through the launcher and the control port against the bundled
`ocpp`-based Central System with schema validation on.
"""
from ocpp.v16 import call  # noqa: F401 (re-exported for the tests)

from harness import CentralThread, StationProcess, wait_until  # noqa: F401

# The board's heap. The target of the Core issue is 128k; until the firmware fits it, the
# tests run with this and the gap is tracked in the README's known limits. (With the
# security extension, at 288k a wss:// station sometimes finds no free 3 KB piece.)
TC_HEAP = "320k"


def tc_station(cs, extra=(), url=None, **options):
    """The station under test, connected to `cs` (at `url` if given), control port open."""
    return StationProcess(url or cs.url(), "micropython", control=True,
                          extra=["--build", "mpy", "--heap", TC_HEAP] + list(extra), **options)


def booted(cs, timeout_s=20):
    """Waits for the boot to be accepted and the first status of connector 0, 1 and 2."""
    wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, timeout_s,
               "the three status notifications after boot")
    return cs.link("CP001")


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
