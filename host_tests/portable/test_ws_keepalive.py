"""ws.protocol keep-alive on fake time: a ping every ping_interval_s (OCPP
WebSocketPingInterval, 0 disables) and close code 1011 when no pong comes back in time."""
from test_ws_helpers import client_frames, feed, new_protocol, server_frame
from ws.frames import OP_CLOSE, OP_PING, OP_PONG
from ws.protocol import CLOSED, OPEN


def _pings(protocol):
    return [p for _, op, p, _ in client_frames(protocol.data_to_send()) if op == OP_PING]


def test_disabled_by_zero():
    protocol = new_protocol(ping_interval_s=0, now_ms=5)
    assert protocol.next_deadline_ms() is None
    protocol.tick(10 ** 9)
    assert protocol.data_to_send() == b"" and protocol.state == OPEN


def test_ping_due_every_interval_while_pongs_come_back():
    protocol = new_protocol(ping_interval_s=10, pong_timeout_s=3, now_ms=1000)
    assert protocol.next_deadline_ms() == 11000
    protocol.tick(10999)
    assert _pings(protocol) == []
    for round_start in (11000, 21000, 31000):
        protocol.tick(round_start)
        pings = _pings(protocol)
        assert len(pings) == 1
        assert protocol.next_deadline_ms() == round_start + 3000  # the pong deadline
        feed(protocol, server_frame(OP_PONG, pings[0]))
        assert protocol.next_deadline_ms() == round_start + 10000
    assert protocol.state == OPEN


def test_dead_link_closed_with_1011():
    protocol = new_protocol(ping_interval_s=10, pong_timeout_s=3, now_ms=0)
    protocol.tick(10000)
    assert len(_pings(protocol)) == 1
    protocol.tick(12999)
    assert protocol.state == OPEN
    protocol.tick(13000)
    assert (protocol.state, protocol.close_code) == (CLOSED, 1011)
    sent = client_frames(protocol.data_to_send())
    assert sent[0][1] == OP_CLOSE and sent[0][2][:2] == b"\x03\xf3"
    assert protocol.next_deadline_ms() is None


def test_pong_with_other_payload_does_not_count():
    protocol = new_protocol(ping_interval_s=10, pong_timeout_s=3, now_ms=0)
    protocol.tick(10000)
    ping = _pings(protocol)[0]
    feed(protocol, server_frame(OP_PONG, ping + b"x"))
    protocol.tick(13000)
    assert protocol.close_code == 1011


def test_pong_timeout_defaults_to_interval_capped_at_30_s():
    protocol = new_protocol(ping_interval_s=5, now_ms=0)
    protocol.tick(5000)
    assert protocol.next_deadline_ms() == 10000
    protocol = new_protocol(ping_interval_s=300, now_ms=0)
    protocol.tick(300000)
    assert protocol.next_deadline_ms() == 330000


def test_interval_changed_at_runtime():
    protocol = new_protocol(ping_interval_s=0, now_ms=0)
    protocol.set_ping_interval(2, 100)
    assert protocol.next_deadline_ms() == 2100
    protocol.set_ping_interval(0, 200)
    assert protocol.next_deadline_ms() is None
