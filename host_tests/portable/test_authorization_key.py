# The AuthorizationKey on the wire (security profiles 1 and 2): the Basic-auth password is
# the bytes its hex digits stand for, whatever they are (':' and non-printable ones
# included), as OCTT's TC_085 (2025 edition), SteVe and libocpp read A00.FR.205.
import binascii

from scratch import fresh_folder

BOARD_KEY = "3a00ff0d0a7f80013a3a9bdeadbeef3a"
NEW_KEY = "C03A0001FE7F3A0D0AFF80DEADBEEF3A3A00AA55"


def station_with_key(key, name):
    import firmware.station
    from boards.sim.board import SimBoard

    folder = fresh_folder("test_authorization_key", name)
    return firmware.station.Station(SimBoard("CP001", "ws://127.0.0.1:9/ocpp", key, None,
                                             folder))


def authorization_sent(password):
    from ws.handshake import ClientHandshake
    from ws.url import parse_url

    request = ClientHandshake(parse_url("ws://127.0.0.1:9/ocpp/CP001"), password).request()
    line = [l for l in request.split(b"\r\n") if l.startswith(b"Authorization: Basic ")][0]
    return binascii.a2b_base64(line[len(b"Authorization: Basic "):])


def test_the_boards_key_travels_as_its_bytes():
    station = station_with_key(BOARD_KEY, "board_key")
    assert station.link.password == bytes.fromhex(BOARD_KEY)
    assert authorization_sent(station.link.password) == b"CP001:" + bytes.fromhex(BOARD_KEY)


def test_a_changed_key_travels_as_its_bytes_and_a_bad_one_is_refused():
    station = station_with_key(BOARD_KEY, "changed_key")
    change = station.handlers["ChangeConfiguration"]
    assert change({"key": "AuthorizationKey", "value": NEW_KEY}) == {"status": "Accepted"}
    assert station.link.password == bytes.fromhex(NEW_KEY)
    for refused in ("3a00ff0d0a7f80013a3a9bdeadbeef3", "zz" * 16, "00" * 21, "00" * 15):
        assert change({"key": "AuthorizationKey", "value": refused}) == \
            {"status": "Rejected"}, refused
    assert station.link.password == bytes.fromhex(NEW_KEY)


def test_no_key_no_password():
    assert station_with_key(None, "no_key").link.password is None
