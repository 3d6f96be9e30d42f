"""ws.url: ws/wss URL parsing and the percent-encoded charge point identity (OCPP-J 3.1)."""
from ws.url import parse_url, path_with_identity, percent_decode, percent_encode


def _raises(text):
    try:
        parse_url(text).identity
    except ValueError as e:
        return str(e)
    return None


def test_defaults_ws_and_wss():
    url = parse_url("ws://cs.example")
    assert (url.secure, url.host, url.port, url.path) == (False, "cs.example", 80, "/")
    url = parse_url("WSS://cs.example/ocpp")
    assert (url.secure, url.port, url.path) == (True, 443, "/ocpp")


def test_port_path_query_identity():
    url = parse_url("wss://cs.example:8443/ocpp/CP%201?token=x")
    assert (url.host, url.port, url.path) == ("cs.example", 8443, "/ocpp/CP%201?token=x")
    assert url.identity == "CP 1"
    assert parse_url("ws://h?x").path == "/?x"


def test_identity_utf8_percent_decoded():
    assert parse_url("ws://h/ocpp/St%C3%A9-1").identity == "St\u00e9-1"


def test_ipv6_literal():
    url = parse_url("ws://[::1]:9000/ocpp/CP1")
    assert (url.host, url.port, url.identity) == ("::1", 9000, "CP1")
    assert url.host_header == "[::1]:9000"
    assert parse_url("wss://[fe80::2]/").host_header == "[fe80::2]"


def test_host_header_omits_default_port():
    assert parse_url("ws://h:80/").host_header == "h"
    assert parse_url("wss://h:443/").host_header == "h"
    assert parse_url("ws://h:443/").host_header == "h:443"


def test_bad_urls_are_value_errors_with_a_reason():
    for text in ("http://h/", "h/ocpp", "ws://", "ws://:80/", "ws://h:0/", "ws://h:65536/",
                 "ws://h:x/", "ws://[::1/", "ws://[::1]x/", "ws://u:p@h/", "ws://h/#frag",
                 "ws://h/a b", "ws://h/%zz", "ws://h/%2", "ws://h/%+1", "ws://h/%ff",
                 "ws://h/%ed%a0%80"):
        reason = _raises(text)
        assert reason and "\n" not in reason, text


def test_identity_encoding_round_trip():
    identity = "CP 1/\u00e9:#?%"
    path = path_with_identity("/ocpp", identity)
    assert path == "/ocpp/CP%201%2F%C3%A9%3A%23%3F%25"
    assert parse_url("ws://h" + path).identity == identity
    assert path_with_identity("/ocpp/", "A-b_c.d~") == "/ocpp/A-b_c.d~"
    assert percent_decode(percent_encode(identity)) == identity


def test_empty_identity_refused():
    try:
        path_with_identity("/ocpp", "")
    except ValueError:
        return
    raise AssertionError("empty identity accepted")
