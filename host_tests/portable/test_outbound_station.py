# The station's outbound queue against Central Systems that refuse some of its messages
# (issue 16): a notification refused for a reason retrying cannot cure is dropped, one the
# Central System may recover from is retried a bounded number of times, and nothing queued
# behind either waits; a board error code outside the OCPP list is sent as OtherError.
import asyncio

from scratch import fresh_folder

from ocppj.check import check_request
from ocppj.errors import CallErrorReceived

BOGUS = "VendorE42"  # a board's own error code, outside ChargePointErrorCode


class Central:
    """Answers the station's calls; `refuse[action]` is the CALLERROR code it answers that
    action with, every time. What it is given is checked as the link's session checks it."""

    def __init__(self, refuse=None):
        self.refuse = refuse or {}
        self.sent = []

    async def call(self, action, payload):
        check_request(action, payload)  # the RPC core refuses to send what fails its schema
        self.sent.append((action, payload))
        if action in self.refuse:
            raise CallErrorReceived(self.refuse[action], "refused by the test")
        return {}

    def payloads(self, action):
        return [p for a, p in self.sent if a == action]


def make_station(folder, settings=None):
    """A station on the simulated board, its flash in `folder`."""
    import firmware.station
    from boards.sim.board import SimBoard

    lines = []
    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, folder)
    board.log = lines.append
    station = firmware.station.Station(board)
    for key, value in (settings or {}).items():
        assert station.config.change(key, value) == "Accepted", key
    station.lines = lines
    return station


async def online(station, central):
    """The station as the link runs it once the boot is accepted; returns its sending task."""
    station.link.call = central.call
    station.online = lambda: True
    station.registration.status = "Accepted"
    await station.security.run("after_boot")  # StartupOfTheDevice, critical
    station.status.report_all()
    return asyncio.create_task(station._send_while_registered())


async def until(predicate, within_s):
    for _ in range(int(within_s * 100)):
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


async def stop(task):
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def types(central):
    return [p["type"] for p in central.payloads("SecurityEventNotification")]


async def test_a_notification_refused_as_not_implemented_is_dropped_at_once():
    folder = fresh_folder("test_outbound_station", "not_implemented")
    station = make_station(folder)
    central = Central({"SecurityEventNotification": "NotImplemented"})
    task = await online(station, central)
    try:
        assert await until(lambda: len(central.payloads("StatusNotification")) == 3, 2)
        station.security.call("record", "SettingSystemTime", "+3600 s")  # critical too
        assert await until(lambda: len(types(central)) == 2, 2)
        await asyncio.sleep(0.2)
        assert types(central) == ["StartupOfTheDevice", "SettingSystemTime"]  # once each
        assert not station.security.pending
    finally:
        await stop(task)
    # Kept in the security log, and not pending again after a reboot.
    rebooted = make_station(folder)
    kept = rebooted.security.call("security_log")
    assert rebooted.security.pending == []
    assert [e[2] for e in kept.events()] == ["StartupOfTheDevice", "SettingSystemTime"]
    logged = [line for line in station.lines if "SecurityEventNotification" in line]
    assert logged and all("NotImplemented" in line for line in logged)


async def test_a_generic_error_is_retried_a_bounded_number_of_times_and_blocks_nothing():
    station = make_station(fresh_folder("test_outbound_station", "generic"),
                           {"TransactionMessageAttempts": "2",
                            "TransactionMessageRetryInterval": "1"})
    central = Central({"SecurityEventNotification": "GenericError"})
    task = await online(station, central)
    try:
        # Meanwhile the status notifications go.
        assert await until(lambda: len(central.payloads("StatusNotification")) == 3, 0.5)
        assert types(central) == ["StartupOfTheDevice"]
        assert await until(lambda: len(types(central)) == 2, 1.5)  # after 1 s
        assert await until(lambda: not station.security.pending, 0.5)  # then given up
        await asyncio.sleep(0.3)
        assert types(central) == ["StartupOfTheDevice"] * 2
    finally:
        await stop(task)


async def test_a_board_error_code_outside_the_ocpp_list_goes_as_other_error():
    station = make_station(fresh_folder("test_outbound_station", "vendor_code"))
    central = Central()
    task = await online(station, central)
    try:
        assert await until(lambda: len(central.payloads("StatusNotification")) == 3, 1)
        io = station.board.connectors[0]
        io.io = [False, BOGUS, False, 0, 0, 0.0, 0.0, None]
        station._read_inputs()
        assert await until(lambda: len(central.payloads("StatusNotification")) == 4, 1)
        faulted = central.payloads("StatusNotification")[3]
        assert (faulted["status"], faulted["errorCode"], faulted["vendorErrorCode"]) == \
            ("Faulted", "OtherError", BOGUS)
        io.io = [False, "NoError", False, 0, 0, 0.0, 0.0, None]  # and what follows still goes
        station._read_inputs()
        assert await until(lambda: len(central.payloads("StatusNotification")) == 5, 1)
        assert central.payloads("StatusNotification")[4]["status"] == "Available"
    finally:
        await stop(task)
