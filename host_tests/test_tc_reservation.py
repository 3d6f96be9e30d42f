"""Compliance cases of the Reservation profile (OCTT TC_046_1 .. TC_053), the station running
as on a board (see host_tests/tc.py), and what the cases leave out: a reservation replaced,
ended by a fault, kept through a power cut, connector 0's reservation keeping the last free
connector, and bad requests. Each case checks what its tool validations check."""
import json
import time
from datetime import datetime, timedelta, timezone

from ocpp.v16 import call

from tc import CentralThread, charging, power_off, tc_station, wait_until
from test_tc_authorization import Answering, Session as AuthorizationSession

TAG = "CARD-RESERVED"
TAG_2 = "CARD-VALID-2"
OTHER = "CARD-OTHER"
PARENT = "FLEET-7"


def expiry(seconds):
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Session(AuthorizationSession):
    """The authorization cases' session (send, configure, authorized), with the steps of
    reservations."""

    def unavailable(self, connector_id):
        """Reusable state SetConnectorUnavailable (ChangeAvailability Inoperative)."""
        assert self.send(call.ChangeAvailability(connector_id=connector_id,
                                                 type="Inoperative")).status == "Accepted"
        if connector_id:
            self.cs.wait_status(connector_id, "Unavailable")

    def reserve(self, connector_id, reservation_id=1, id_tag=TAG, seconds=600, **extra):
        return self.send(call.ReserveNow(connector_id=connector_id, expiry_date=expiry(seconds),
                                         id_tag=id_tag, reservation_id=reservation_id,
                                         **extra)).status

    def cancel(self, reservation_id):
        return self.send(call.CancelReservation(reservation_id=reservation_id)).status

    def starts(self):
        return self.cs.requests("StartTransaction")

    def tap(self, id_tag):
        assert self.station.control("tap " + id_tag) == {"ok": True}


def reserved_session(cs, station, connector_id=1, **extra):
    """Reusable state Reserved: connector 2 unavailable, connector_id reserved for TAG."""
    session = Session(cs, station)
    session.unavailable(2)
    assert session.reserve(connector_id, **extra) == "Accepted"
    cs.wait_status(1, "Reserved")
    return session


def wait_refused(station, id_tag):
    station.wait_for_line("auth: %s refused" % id_tag)


def test_TC_046_1_reservation_of_a_connector_local_start(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = reserved_session(cs, station)
        session.tap(OTHER)  # not the reservation's card: refused, and not even authorized
        wait_refused(station, OTHER)
        session.tap(TAG)
        cs.wait_status(1, "Preparing")
        assert session.authorized(TAG) and not session.authorized(OTHER)
        station.control("plug 1")
        cs.wait_status(1, "Charging")
        start = wait_until(session.starts, 10, "StartTransaction")
        assert len(start) == 1
        assert start[0]["idTag"] == TAG and start[0]["reservationId"] == 1


def test_TC_046_2_reservation_of_a_connector_remote_start(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = reserved_session(cs, station)
        assert session.send(call.RemoteStartTransaction(id_tag=OTHER, connector_id=1)) \
            .status == "Rejected"
        assert session.send(call.RemoteStartTransaction(id_tag=TAG, connector_id=1)) \
            .status == "Accepted"
        cs.wait_status(1, "Preparing")
        station.control("plug 1")
        cs.wait_status(1, "Charging")
        start = wait_until(session.starts, 10, "StartTransaction")
        assert [(s["idTag"], s["reservationId"]) for s in start] == [(TAG, 1)]


def test_TC_047_reservation_of_a_connector_expire(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = reserved_session(cs, station, seconds=4)
        cs.wait_status(1, "Available", timeout_s=10)
        start = charging(cs, station, tag=OTHER)  # the tool's check that it expired
        assert start["idTag"] == OTHER and "reservationId" not in start
        assert station.control("status")["connectors"][1]["status"] == "Charging"
        assert session.cancel(1) == "Rejected"  # nothing left to cancel


def test_TC_048_1_reservation_of_a_connector_faulted(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        station.control("fault 1 GroundFailure")
        cs.wait_status(1, "Faulted", "GroundFailure")
        assert session.reserve(1) == "Faulted"
        station.control("clear 1")
        cs.wait_status(1, "Available")


def test_TC_048_2_reservation_of_a_connector_occupied(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        charging(cs, station)
        assert session.reserve(1) == "Occupied"
        station.control("plug 2")  # an EV waiting for a card occupies its connector too
        cs.wait_status(2, "Preparing")
        assert session.reserve(2) == "Occupied"


def test_TC_048_3_reservation_of_a_connector_unavailable(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        session.unavailable(1)
        assert session.reserve(1) == "Unavailable"


def test_TC_048_4_reservation_of_a_connector_rejected(starter=tc_station):
    """A station configured not to accept reservations (ReservationEnabled false)."""
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        session.configure("ReservationEnabled", "false")
        assert session.reserve(1) == "Rejected"
        session.configure("ReservationEnabled", "true")
        assert session.reserve(1) == "Accepted"
        cs.wait_status(1, "Reserved")


def test_TC_049_reservation_of_a_charge_point_transaction(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        session.unavailable(2)
        assert session.reserve(0) == "Accepted"
        cs.wait_status(1, "Reserved")  # the one connector left is kept for it
        session.tap(OTHER)
        wait_refused(station, OTHER)
        start = charging(cs, station, tag=TAG)
        assert start["idTag"] == TAG and start["reservationId"] == 1


def test_connector_zero_keeps_the_last_free_connector():
    """While two connectors are free anyone may use one; the last is kept for the
    reservation, which may use either."""
    with CentralThread() as cs, tc_station(cs) as station:
        session = Session(cs, station)
        assert session.reserve(0) == "Accepted"
        assert session.reserve(0, reservation_id=2, id_tag=TAG_2) == "Occupied"
        first = charging(cs, station, connector_id=1, tag=OTHER)
        assert "reservationId" not in first
        cs.wait_status(2, "Reserved")
        assert session.reserve(2, reservation_id=3, id_tag=TAG_2) == "Occupied"
        station.control("plug 2")
        cs.wait_status(2, "Preparing")
        session.tap(TAG_2)
        wait_refused(station, TAG_2)
        session.tap(TAG)
        cs.wait_status(2, "Charging")
        start = [s for s in session.starts() if s["connectorId"] == 2]
        assert [(s["idTag"], s["reservationId"]) for s in start] == [(TAG, 1)]


def test_TC_050_1_reservation_of_a_charge_point_faulted(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        for connector_id in (1, 2):
            station.control("fault %d OverVoltage" % connector_id)
            cs.wait_status(connector_id, "Faulted", "OverVoltage")
        assert session.reserve(0) == "Faulted"


def test_TC_050_2_reservation_of_a_charge_point_occupied(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        charging(cs, station, connector_id=1, tag=OTHER)
        charging(cs, station, connector_id=2, tag=TAG_2)
        assert session.reserve(0) == "Occupied"


def test_TC_050_3_reservation_of_a_charge_point_unavailable(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        session.unavailable(0)
        cs.wait_status(1, "Unavailable")
        assert session.reserve(0) == "Unavailable"
        assert session.reserve(1) == "Unavailable"


def test_TC_050_4_reservation_of_a_charge_point_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = Session(cs, station)
        session.configure("ReservationEnabled", "false")
        assert session.reserve(0) == "Rejected"


def test_TC_051_cancel_reservation(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = reserved_session(cs, station)
        assert session.cancel(1) == "Accepted"
        cs.wait_status(1, "Available")
        start = charging(cs, station, tag=TAG_2)
        assert "reservationId" not in start


def test_TC_052_cancel_reservation_rejected(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        session = reserved_session(cs, station)
        assert session.cancel(2) == "Rejected"
        time.sleep(1)
        assert cs.statuses(1)[-1] == ("Reserved", "NoError")
        assert session.cancel(1) == "Accepted"


def test_TC_053_use_a_reserved_connector_with_parent_id_tag(starter=tc_station):
    with CentralThread(link_class=Answering) as cs, starter(cs) as station:
        cs.central.authorize_info = {TAG_2: {"status": "Accepted", "parentIdTag": PARENT},
                                     OTHER: {"status": "Accepted", "parentIdTag": "OTHERS"}}
        session = reserved_session(cs, station, parent_id_tag=PARENT)
        session.tap(OTHER)  # authorized to learn its parent, which is not the reservation's
        wait_refused(station, OTHER)
        session.tap(TAG_2)  # reusable state Authorized, with a card of the same parent
        cs.wait_status(1, "Preparing")
        station.control("plug 1")
        cs.wait_status(1, "Charging")
        start = wait_until(session.starts, 10, "StartTransaction")
        assert [(s["idTag"], s["reservationId"]) for s in start] == [(TAG_2, 1)]


def test_a_reservation_id_again_replaces_it_and_a_fault_ends_one():
    with CentralThread() as cs, tc_station(cs) as station:
        session = Session(cs, station)
        assert session.reserve(1) == "Accepted"
        cs.wait_status(1, "Reserved")
        assert session.reserve(2) == "Accepted"  # the same reservationId: moved
        cs.wait_status(2, "Reserved")
        cs.wait_status(1, "Available")
        station.control("fault 2 HighTemperature")
        cs.wait_status(2, "Faulted", "HighTemperature")
        station.control("clear 2")
        cs.wait_status(2, "Available")
        assert session.cancel(1) == "Rejected"  # the fault ended it (5.13)


def test_a_reservation_survives_a_power_cut(tmp_path):
    with CentralThread() as cs:
        with tc_station(cs, state=tmp_path) as station:
            session = Session(cs, station)
            assert session.reserve(2, reservation_id=9) == "Accepted"
            cs.wait_status(2, "Reserved")
            power_off(station)
        booted_before = len(cs.requests("StatusNotification"))
        with tc_station(cs, state=tmp_path) as station:
            wait_until(lambda: len(cs.requests("StatusNotification")) >= booted_before + 3, 20,
                       "the statuses after the boot")
            assert cs.statuses(2)[-1] == ("Reserved", "NoError")
            start = charging(cs, station, connector_id=2, tag=TAG)
            assert start["reservationId"] == 9


def test_bad_reservations_are_rejected_and_change_nothing():
    with CentralThread() as cs, tc_station(cs) as station:
        session = Session(cs, station)
        assert session.reserve(3) == "Rejected"  # no such connector
        assert session.reserve(-1) == "Rejected"
        assert session.reserve(1, seconds=-60) == "Rejected"  # already expired
        assert session.cancel(1) == "Rejected"
        # What the schema refuses is answered by the RPC layer, the station unchanged.
        for message_id, payload, error in (
                ("r-1", {"connectorId": 1, "expiryDate": "tomorrow", "idTag": TAG,
                         "reservationId": 5}, "PropertyConstraintViolation"),
                ("r-2", {"connectorId": "1", "expiryDate": expiry(60), "idTag": TAG,
                         "reservationId": 5}, "TypeConstraintViolation"),
                ("r-3", {"connectorId": 1, "expiryDate": expiry(60), "idTag": "X" * 21,
                         "reservationId": 5}, "PropertyConstraintViolation")):
            cs.run(session.link._connection.send(json.dumps([2, message_id, "ReserveNow",
                                                              payload])))
            answer = wait_until(lambda: [f for f in cs.frames("<-") if f[1] == message_id],
                                10, "the answer to " + message_id)[0]
            assert answer[:3] == [4, message_id, error], answer
        assert cs.statuses(1)[-1] == ("Available", "NoError")
        start = charging(cs, station, tag=OTHER)
        assert "reservationId" not in start
