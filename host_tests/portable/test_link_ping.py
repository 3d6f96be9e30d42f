# WebSocketPingInterval (OCPP-J 1.6 section 5, errata): the link owns the key; a change
# reaches the live WebSocket at once, 0 switches client pings off.
from firmware.config import Configuration
from firmware.link import Link
from scratch import fresh_path


class Protocol:
    def __init__(self):
        self.intervals = []

    def set_ping_interval(self, interval_s, now_ms):
        self.intervals.append(interval_s)


class Connection:
    closed = False

    def __init__(self):
        self.protocol = Protocol()


def link(name):
    config = Configuration(fresh_path("test_link_ping", name), lambda line: None)
    return Link(object(), config, {}, None), config


def test_default_is_the_reference_stations_10_s():
    _, config = link("default")
    entries, _ = config.listing(["WebSocketPingInterval"])
    assert entries == [{"key": "WebSocketPingInterval", "readonly": False, "value": "10"}]
    assert config.change("WebSocketPingInterval", "-1") == "Rejected"


def test_change_applies_to_the_open_connection():
    station_link, config = link("change")
    station_link._connection = Connection()
    assert config.change("WebSocketPingInterval", "0") == "Accepted"
    assert config.change("WebSocketPingInterval", "25") == "Accepted"
    assert station_link._connection.protocol.intervals == [0, 25]
