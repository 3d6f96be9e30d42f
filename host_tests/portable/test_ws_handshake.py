"""ws.handshake: the upgrade request (RFC 6455 4.1) and response checks, OCPP-J subprotocol
selection (OCPP-J 3.2) and Basic authentication (security profiles 1 and 2)."""
import binascii

from test_ws_helpers import upgrade_response
from ws.errors import ConnectError, HandshakeError
from ws.handshake import ClientHandshake, accept_value, basic_authorization
from ws.url import parse_url


def _handshake(url="ws://cs.example:8080/ocpp/CP1", **kwargs):
    return ClientHandshake(parse_url(url), **kwargs)


def _headers(request):
    lines = request.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(": ")
            headers[name] = value
    return lines[0], headers, request.endswith(b"\r\n\r\n")


def _error(handshake, response):
    try:
        handshake.receive_data(response)
    except HandshakeError as e:
        return e
    raise AssertionError("no HandshakeError")


def test_request_contents():
    first, headers, terminated = _headers(_handshake().request())
    assert first == "GET /ocpp/CP1 HTTP/1.1" and terminated
    assert headers["Host"] == "cs.example:8080"
    assert headers["Upgrade"] == "websocket"
    assert headers["Connection"] == "Upgrade"
    assert headers["Sec-WebSocket-Version"] == "13"
    assert headers["Sec-WebSocket-Protocol"] == "ocpp1.6"
    assert "Authorization" not in headers
    assert len(binascii.a2b_base64(headers["Sec-WebSocket-Key"])) == 16


def test_key_is_fresh_per_handshake():
    assert _handshake().key != _handshake().key


def test_host_header_default_port_and_ipv6():
    assert _headers(_handshake("wss://cs.example/x").request())[1]["Host"] == "cs.example"
    assert _headers(_handshake("ws://[::1]:9/x").request())[1]["Host"] == "[::1]:9"


def test_accept_value_rfc6455_example():
    assert accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_basic_authorization_header_security_profile_1():
    _, headers, _ = _headers(_handshake("ws://h/ocpp/CP%201", password="s3cr:t").request())
    assert headers["Authorization"].startswith("Basic ")
    decoded = binascii.a2b_base64(headers["Authorization"][len("Basic "):])
    assert decoded == b"CP 1:s3cr:t"


def test_basic_password_bytes_used_as_is():
    value = basic_authorization("CP1", b"\x00\xff\x10")
    assert binascii.a2b_base64(value[6:]) == b"CP1:\x00\xff\x10"
    try:
        basic_authorization("C:P", "x")
    except ValueError:
        return
    raise AssertionError("colon in user id accepted")


def test_valid_response_byte_by_byte_keeps_extra_bytes():
    handshake = _handshake()
    response = upgrade_response(handshake.key) + b"\x81\x02hi"
    done = [handshake.receive_data(response[i:i + 1]) for i in range(len(response) - 5)]
    assert not any(done)
    assert handshake.receive_data(response[-5:]) is True
    assert handshake.extra == b"\x81\x02hi"
    assert handshake.status == 101


def test_header_names_case_insensitive():
    handshake = _handshake()
    response = upgrade_response(handshake.key).replace(b"Upgrade: websocket",
                                                       b"UPGRADE: WebSocket")
    response = response.replace(b"Connection: Upgrade", b"connection: keep-alive, upgrade")
    assert handshake.receive_data(response)


def test_wrong_accept_refused():
    handshake = _handshake()
    error = _error(handshake, upgrade_response(handshake.key, accept=accept_value("x")))
    assert "Accept" in error.reason and isinstance(error, ConnectError)


def test_no_subprotocol_selected_is_a_failure():
    handshake = _handshake()
    error = _error(handshake, upgrade_response(handshake.key, protocol=None))
    assert "did not select" in error.reason and "ocpp1.6" in error.reason


def test_other_subprotocol_refused():
    handshake = _handshake()
    error = _error(handshake, upgrade_response(handshake.key, protocol="ocpp2.0.1"))
    assert "ocpp2.0.1" in error.reason


def test_401_and_404_reported_with_status():
    for status in (401, 404, 500):
        handshake = _handshake(password="x")
        error = _error(handshake, upgrade_response(handshake.key, status=status))
        assert error.status == status and str(status) in error.reason


def test_missing_upgrade_or_connection_header():
    handshake = _handshake()
    good = upgrade_response(handshake.key)
    assert "Upgrade" in _error(handshake, good.replace(b"Upgrade: websocket\r\n", b"")).reason
    handshake = _handshake()
    good = upgrade_response(handshake.key)
    bad = good.replace(b"Connection: Upgrade", b"Connection: close")
    assert "Connection" in _error(handshake, bad).reason


def test_extension_not_offered_refused():
    handshake = _handshake()
    response = upgrade_response(handshake.key, extra=("Sec-WebSocket-Extensions: x",))
    assert "extension" in _error(handshake, response).reason


def test_bad_status_line_and_header_line():
    assert _error(_handshake(), b"SSH-2.0-x\r\n\r\n").status is None
    assert "header line" in _error(_handshake(), b"HTTP/1.1 101 OK\r\nnocolon\r\n\r\n").reason


def test_header_size_bounded():
    handshake = _handshake(max_header_bytes=256)
    assert handshake.receive_data(b"HTTP/1.1 101 OK\r\n") is False
    error = _error(handshake, b"X-Pad: " + b"a" * 300)
    assert "256" in error.reason
