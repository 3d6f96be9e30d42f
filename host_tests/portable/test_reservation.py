# Reservations (OCPP 1.6 3.11, 5.1, 5.13) as the station keeps them, under both interpreters:
# who may start where, connector 0's last free connector, expiry, the board's
# ReserveConnectorZeroSupported, a reboot and a damaged file. The end-to-end cases are
# host_tests/test_tc_reservation.py.
import json

from scratch import fresh_folder

TAG = "CARD-R"
LATER = "2099-01-01T00:00:00Z"


def station_in(folder, lines=None, zero=None):
    import firmware.station
    from boards.sim.board import SimBoard

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, folder)
    if zero is not None:
        board.reserve_connector_zero = zero
    if lines is not None:
        board.log = lines.append
    return firmware.station.Station(board)


def request(station, action, payload):
    from ocppj.rpc import ANY_ACTION

    answer = station.handlers[ANY_ACTION](action)(payload)
    if type(answer) is tuple:  # (answer, what the station does once it is sent)
        answer[1]()
        answer = answer[0]
    return answer["status"]


def reserve(station, connector_id, reservation_id=1, id_tag=TAG, expiry=LATER, parent=None):
    payload = {"connectorId": connector_id, "expiryDate": expiry, "idTag": id_tag,
               "reservationId": reservation_id}
    if parent is not None:
        payload["parentIdTag"] = parent
    return request(station, "ReserveNow", payload)


def shown(station):
    station.refresh()
    return [station.status.status(c) for c in (1, 2)]


def rule(station, name, *args):
    return station.reservation_rule(name, *args) is not False


def test_a_reserved_connector_takes_its_idtag_or_parent_only():
    station = station_in(fresh_folder("test_reservation", "rules"))
    assert reserve(station, 1, parent="FLEET") == "Accepted"
    assert shown(station) == ["Reserved", "Available"]
    assert not rule(station, "admits", 1, "OTHER", None)
    assert rule(station, "admits", 2, "OTHER", None)
    assert rule(station, "admits", 1, "card-r", None)  # IdToken is case-insensitive
    assert rule(station, "admits", 1, "OTHER", {"status": "Accepted", "parentIdTag": "FLEET"})
    assert rule(station, "may_try", 1, "OTHER", None)  # its parent may let it in
    assert station.reservation_rule("take", 2, "OTHER", None) is None
    assert station.reservation_rule("take", 1, TAG, None) == 1
    assert station.reservations == [] and shown(station) == ["Available", "Available"]
    assert station.reservation_rule("admits", 1, "OTHER", None) is None  # none in force


def test_without_a_parent_a_stranger_is_not_worth_an_authorize():
    station = station_in(fresh_folder("test_reservation", "no_parent"))
    assert reserve(station, 2) == "Accepted"
    assert not rule(station, "may_try", 2, "OTHER", None)
    assert rule(station, "may_try", 1, "OTHER", None)


def test_connector_zero_keeps_the_last_usable_connector():
    station = station_in(fresh_folder("test_reservation", "zero"))
    assert reserve(station, 0) == "Accepted"
    assert shown(station) == ["Available", "Available"]
    assert rule(station, "admits", 1, "OTHER", None)
    station.transactions.start(1, "OTHER")
    assert shown(station)[1] == "Reserved"
    assert not rule(station, "admits", 2, "OTHER", None)
    assert station.reservation_rule("take", 2, TAG, None) == 1


def test_replaced_cancelled_and_rejected():
    station = station_in(fresh_folder("test_reservation", "replace"))
    assert reserve(station, 1) == "Accepted"
    assert reserve(station, 2) == "Accepted"  # the same reservationId moves
    assert shown(station) == ["Available", "Reserved"]
    assert reserve(station, 2, reservation_id=2) == "Occupied"
    assert reserve(station, 1, reservation_id=3, expiry="2001-01-01T00:00:00Z") == "Rejected"
    assert reserve(station, 3, reservation_id=4) == "Rejected"
    assert request(station, "CancelReservation", {"reservationId": 9}) == "Rejected"
    assert request(station, "CancelReservation", {"reservationId": 1}) == "Accepted"
    assert shown(station) == ["Available", "Available"]
    assert station.config.change("ReservationEnabled", "false") == "Accepted"
    assert reserve(station, 1) == "Rejected"


def test_the_board_may_not_support_connector_zero():
    station = station_in(fresh_folder("test_reservation", "zero_off"), zero=False)
    assert station.config.get("ReserveConnectorZeroSupported") is False
    assert station.config.change("ReserveConnectorZeroSupported", "true") == "Rejected"
    assert reserve(station, 0) == "Rejected"
    assert reserve(station, 1) == "Accepted"


def test_expiry_a_fault_and_a_reboot():
    folder = fresh_folder("test_reservation", "reboot")
    station = station_in(folder)
    assert reserve(station, 1) == "Accepted"
    assert reserve(station, 2, reservation_id=2) == "Accepted"
    lines = []
    again = station_in(folder, lines)  # the same flash: a reboot
    assert [e[0] for e in again.reservations] == [1, 2]
    assert shown(again) == ["Reserved", "Reserved"]
    again.inputs[1].error_code = "GroundFailure"  # as the board read it
    again.refresh()
    assert [e[0] for e in again.reservations] == [1]  # 5.13 (3): a fault ends it
    again.clock.set_iso8601("2099-01-01T00:00:01Z")  # past the expiry
    assert shown(again)[0] == "Available" and again.reservations == []
    assert [line for line in lines if "expired" in line]
    assert station_in(folder).reservations == []


def test_a_damaged_file_is_no_reservation():
    folder = fresh_folder("test_reservation", "damaged")
    path = station_in(folder).board.state_dir + "/reservations.json"
    for text in ("{not json", json.dumps([[1, 7, TAG, None, 0]]), json.dumps({"a": 1})):
        with open(path, "w") as f:
            f.write(text)
        lines = []
        station = station_in(folder, lines)
        assert station.reservations == [] and shown(station) == ["Available", "Available"]
        assert [line for line in lines if "damaged" in line], lines
