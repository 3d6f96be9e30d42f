"""End to end: the station process (MicroPython and CPython) against the bundled Central
System built on the PyPI `ocpp` package, schema validation on in both directions.
"""
import time

import pytest
from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import call
from ocpp.v16.enums import Action

from certs import issue, make_ca
from harness import CentralThread, StationProcess, wait_until
from tools.csms import StationLink

RUNTIMES = ["micropython", "cpython"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boot_accepted_then_heartbeats(runtime):
    with CentralThread(heartbeat_interval_s=1) as cs, StationProcess(cs.url(), runtime) as station:
        wait_until(lambda: len(cs.requests("Heartbeat")) >= 2, 15, "two heartbeats")
        boot = cs.requests("BootNotification")
        assert len(boot) == 1
        assert boot[0]["chargePointVendor"] and boot[0]["chargePointModel"]
        # Every answer was a CALLRESULT: the station's requests passed schema validation.
        assert [f[0] for f in cs.answers_to("BootNotification")] == [3]
        assert {f[0] for f in cs.answers_to("Heartbeat")} == {3}
        station.wait_for_line('"BootNotification"')  # the OCPP traffic is on the console
        assert station.alive


def test_callerror_from_station_for_unsupported_and_unknown_actions():
    with CentralThread(heartbeat_interval_s=60) as cs, StationProcess(cs.url()):
        wait_until(lambda: cs.answers_to("BootNotification"), 10, "boot")
        link = cs.link("CP001")
        # OCPP-J 4.2.3: a known action the station does not implement -> NotSupported.
        with pytest.raises(Exception) as raised:
            cs.run(link.call(call.UpdateFirmware(location="ftp://127.0.0.1/image.bin",
                                                 retrieve_date="2030-01-01T00:00:00Z"),
                             suppress=False))
        assert type(raised.value).__name__ == "NotSupportedError"
        # An action OCPP 1.6 does not define -> NotImplemented.
        cs.run(link._connection.send('[2,"u-1","Teleport",{}]'))
        wait_until(lambda: [f for f in cs.frames("<-") if f[:3] == [4, "u-1", "NotImplemented"]],
                   10, "NotImplemented CALLERROR")
        # A request that breaks the schema -> a payload error, and the station carries on.
        cs.run(link._connection.send('[2,"u-2","DataTransfer",{"vendorId":42}]'))
        wait_until(lambda: [f for f in cs.frames("<-") if f[:3] == [4, "u-2",
                                                                    "TypeConstraintViolation"]],
                   10, "TypeConstraintViolation CALLERROR")
        answer = cs.run(link.call(call.DataTransfer(vendor_id="x")))
        assert answer.status == "UnknownVendorId"


class HeartbeatFails(StationLink):
    @on(Action.heartbeat)
    def on_heartbeat(self):
        raise InternalError(description="heartbeat store down")


def test_callerror_from_central_system_is_survived():
    with CentralThread(heartbeat_interval_s=1, link_class=HeartbeatFails) as cs, \
            StationProcess(cs.url()) as station:
        wait_until(lambda: len(cs.answers_to("Heartbeat")) >= 2, 15, "two failed heartbeats")
        assert {f[0] for f in cs.answers_to("Heartbeat")} == {4}
        station.wait_for_line("InternalError")
        assert station.alive


# AuthorizationKeys (hex; the password sent is their bytes) and one the Central System
# does not know.
PASSWORDS = {"CP001": "00112233445566778899aabbccddeeff", "CP002": "5a" * 20}
WRONG = "a5" * 20


def test_basic_auth_right_password_accepted_wrong_refused():
    with CentralThread(passwords=PASSWORDS) as cs:
        with StationProcess(cs.url(), extra=["--password", PASSWORDS["CP001"]]):
            wait_until(lambda: cs.answers_to("BootNotification"), 10, "boot with Basic auth")
        with StationProcess(cs.url(), identity="CP002", extra=["--password", WRONG]) as bad:
            bad.wait_for_line("401")
            assert cs.central.rejected_auth >= 1
            assert bad.alive
        assert len(cs.requests("BootNotification")) == 1


def test_wss_with_basic_auth_right_and_wrong_password(tmp_path):
    # Security profile 2: TLS with the server certificate checked against the CA, plus Basic auth.
    ca = make_ca()
    ca_path, _ = ca.write(str(tmp_path), "ca")  # PEM: the station converts it to DER
    context = issue(ca, "localhost").server_context(str(tmp_path))
    with CentralThread(ssl_context=context, passwords=PASSWORDS) as cs:
        url = cs.url(host="localhost", scheme="wss")
        with StationProcess(url, extra=["--password", PASSWORDS["CP001"], "--ca", ca_path]):
            wait_until(lambda: cs.answers_to("BootNotification"), 15, "boot over wss")
        with StationProcess(url, identity="CP002",
                            extra=["--password", WRONG, "--ca", ca_path]) as bad:
            bad.wait_for_line("401", 15)
        assert len(cs.requests("BootNotification")) == 1


def test_boot_rejected_station_retries_after_interval_and_stays_silent():
    # OCPP 1.6 section 4.2: after Rejected, no request before the interval has passed, and
    # no answer to Central System requests; Pending keeps answering them.
    with CentralThread(heartbeat_interval_s=3, boot_status="Rejected",
                       response_timeout_s=1) as cs, StationProcess(cs.url()):
        wait_until(lambda: cs.answers_to("BootNotification"), 10, "rejected boot")
        link = cs.link("CP001")
        with pytest.raises(Exception) as raised:
            cs.run(link.call(call.DataTransfer(vendor_id="x")))
        assert type(raised.value).__name__ == "TimeoutError"
        wait_until(lambda: len(cs.requests("BootNotification")) >= 2, 10, "second boot")
        assert cs.requests("Heartbeat") == []
        cs.central.boot_status = "Accepted"
        wait_until(lambda: cs.requests("Heartbeat"), 10, "heartbeat after acceptance")
        assert cs.run(link.call(call.DataTransfer(vendor_id="x"))).status == "UnknownVendorId"


def test_boot_pending_station_answers_requests_and_sends_none():
    with CentralThread(heartbeat_interval_s=1, boot_status="Pending") as cs, \
            StationProcess(cs.url()):
        wait_until(lambda: cs.answers_to("BootNotification"), 10, "pending boot")
        link = cs.link("CP001")
        assert cs.run(link.call(call.DataTransfer(vendor_id="x"))).status == "UnknownVendorId"
        wait_until(lambda: len(cs.requests("BootNotification")) >= 2, 10, "second boot")
        assert cs.requests("Heartbeat") == []


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_reconnects_within_2_s_of_network_link_up(runtime):
    # Issue 15 part 5: the board tells the firmware its link came back; the station does not
    # wait out a backoff that grew while nothing could connect.
    with CentralThread(heartbeat_interval_s=60) as cs, \
            StationProcess(cs.url(), runtime, control=True) as station:
        def connection():
            return station.control("status")["connection"]

        wait_until(lambda: connection() == "online", 15, "online")
        outage_start = len(station.lines)
        station.control("net down")
        wait_until(lambda: connection() == "offline", 10, "offline")
        # Long enough for attempts over a dead link to have grown the backoff past 4 s.
        time.sleep(7)
        station.control("net up")
        up_at = time.monotonic()
        wait_until(lambda: connection() == "online", 2, "online within 2 s of net up")
        print("%s: online %.2f s after net up" % (runtime, time.monotonic() - up_at))
        # Nothing was tried over the dead link: one offline line, when it went down.
        outage = station.lines[outage_start:]
        offline = [line for line in outage if "link: offline" in line]
        assert len(offline) == 1, offline
        assert len(cs.requests("BootNotification")) == 1  # a reconnect, not a reboot
