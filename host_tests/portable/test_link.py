# The link: WebSocketPingInterval (OCPP-J 1.6) is its key and a change reaches the live
# WebSocket at once; a MemoryError on one message does not drop the connection.
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
    config = Configuration(path=fresh_path("test_link_ping", name), log=lambda line: None)
    return Link(board=object(), config=config, handlers={}, on_online=None), config


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


class Board:
    identity_name = "CP001"

    def __init__(self):
        self.lines = []

    def log(self, line):
        self.lines.append(line)


class OutOfMemorySession:
    async def on_text(self, text):
        raise MemoryError("allocating 2000 bytes")


async def test_out_of_memory_on_one_message_keeps_the_connection():
    board = Board()
    config = Configuration(path=fresh_path("test_link_ping", "memory"), log=lambda line: None)
    station_link = Link(board=board, config=config, handlers={}, on_online=None)
    station_link._session = OutOfMemorySession()
    await station_link._receive('[2,"m1","GetConfiguration",{}]')  # does not raise
    assert board.lines[-1] == "link: out of memory handling a message; dropped"



class LoggingBoard:
    identity_name = "CP001"

    def __init__(self):
        self.lines = []

    def log(self, line):
        self.lines.append(line)


def test_a_urls_user_and_password_never_reach_the_traffic_log():
    board = LoggingBoard()
    config = Configuration(path=fresh_path("test_link_log", "credentials"), log=lambda line: None)
    Link(board=board, config=config, handlers={}, on_online=None)._log_frame(
        "<-", '[2,"1","GetLog",{"log":{"remoteLocation":"ftps://station:s3cret@h/"}}]')
    assert board.lines == ['CP001 <- [2,"1","GetLog",{"log":{"remoteLocation":'
                           '"ftps://***@h/"}}]']
