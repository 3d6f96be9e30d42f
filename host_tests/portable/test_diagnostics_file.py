# firmware/firmware_management/diagnostics_file: the GetDiagnostics file, in pieces, with
# what a technician needs and without AuthorizationKey's value or a URL's password.
from firmware.clock import Clock
from firmware.config import INTEGER, STRING, Configuration, Key
from firmware.firmware_management.diagnostics_file import chunks, masked, taken_now
from logring import LogRing

SECRET = "0123456789abcdef0123456789abcdef"
NOW_S = 1767225600  # 2026-01-01T00:00:00Z
LOCATION = "ftp://station:hunter2@files.example/diag"


class Board:
    identity_name = "CP001"

    def __init__(self):
        self.log_ring = LogRing(4)
        self.log_ring.append("boot: Accepted")
        self.log_ring.append('CP001 <- [2,"1","GetDiagnostics",{"location":"%s"}]' % LOCATION)

    def boot_payload(self):
        return {"chargePointVendor": "OpenVolt", "firmwareVersion": "1.4.2"}

    def flash_usage(self):
        return 12000, 1000000


class Transaction:
    connector_id = 2
    transaction_id = 77
    started_s = NOW_S - 600
    meter_start = 1000
    last_wh = 4500
    id_tag = "CARD-SECRET-TAG"


class Transactions:
    active = {2: Transaction()}


class Station:
    def __init__(self, ticks):
        self.board = Board()
        self.clock = Clock(ticks_ms=lambda: ticks[0], ticks_diff=lambda a, b: a - b,
                           initial_unix_s=NOW_S - 3600)
        self.transactions = Transactions()
        self.messages = [1, 2, 3]  # three queued
        self.config = Configuration(path="/nonexistent-diagnostics-test/config.json",
                                    log=lambda line: None)
        for index in range(20):  # more than one piece of the listing
            self.config.declare(Key("Key%02d" % index, INTEGER, index))
        self.config.declare(Key("AuthorizationKey", STRING, SECRET, readable=False))
        self.config.declare(Key("NumberOfConnectors", INTEGER, 2, writable=False))


def station_an_hour_up():
    ticks = [0]
    station = Station(ticks)
    ticks[0] = 3600 * 1000
    return station


def test_the_file_tells_version_uptime_heap_flash_journal_configuration_and_log():
    station = station_an_hour_up()
    pieces = list(chunks(station, taken_now(station, (None, None))))
    assert all(type(piece) is bytes and len(piece) < 1024 for piece in pieces)
    text = b"".join(pieces).decode()
    for expected in ("# diagnostics of CP001 at 2026-01-01T00:00:00Z", "firmwareVersion 1.4.2",
                     "uptime_s 3600", "started 2025-12-31T23:00:00Z", "[flash]\nused 12000",
                     "queued 3\nrunning 1", "connector 2 transactionId 77 "
                     "started 2025-12-31T23:50:00Z meterStart 1000 lastWh 4500",
                     "Key00=0\n", "Key19=19\n", "NumberOfConnectors (read-only)=2\n",
                     "[log] 2 lines", "each with its UTC time",
                     "time unknown boot: Accepted\n"):
        assert expected in text, expected
    assert ("[heap]" in text) == hasattr(__import__("gc"), "mem_free")


def test_no_authorization_key_no_password_no_id_tag():
    station = station_an_hour_up()
    text = b"".join(chunks(station, taken_now(station, (None, None)))).decode()
    assert "AuthorizationKey" not in text and SECRET not in text
    assert "hunter2" not in text and "ftp://***@files.example/diag" in text
    assert "CARD-SECRET-TAG" not in text


def test_stamped_log_lines_carry_their_time_and_the_window_picks_them():
    """A ring that stamps its lines (the boards' do): each line with the UTC time it was
    logged, and only the lines within [startTime, stopTime]."""
    station = station_an_hour_up()
    ticks = [0]
    board = station.board
    board.ticks_ms, board.ticks_diff = (lambda: ticks[0]), (lambda a, b: a - b)
    board.log_ring = LogRing(4, ticks_ms=board.ticks_ms)
    for minute, line in ((10, "early"), (40, "middle"), (59, "late")):
        ticks[0] = minute * 60 * 1000
        board.log_ring.append(line)
    ticks[0] = 3600 * 1000  # now: NOW_S, the station an hour up
    text = b"".join(chunks(station, taken_now(station, (None, None)))).decode()
    for expected in ("2025-12-31T23:10:00Z early\n", "2025-12-31T23:40:00Z middle\n",
                     "2025-12-31T23:59:00Z late\n"):
        assert expected in text, expected
    window = (NOW_S - 30 * 60, NOW_S - 60 + 1)  # 23:30 to 23:59:01
    text = b"".join(chunks(station, taken_now(station, window))).decode()
    assert "[log] 2 lines" in text and "early" not in text and " late\n" in text


def test_log_lines_go_in_when_the_window_overlaps_the_time_since_the_start():
    """Lines without a time (a ring without stamps): all of them, when the window overlaps
    the time since the station started."""
    station = station_an_hour_up()
    for window, count in (((None, NOW_S - 7200), 0), ((NOW_S + 60, None), 0),
                          ((NOW_S - 7200, NOW_S - 1800), 2), ((None, None), 2)):
        text = b"".join(chunks(station, taken_now(station, window))).decode()
        assert ("[log] %d lines" % count) in text, window


def test_both_reads_of_one_attempt_give_the_same_bytes():
    station = station_an_hour_up()
    taken = taken_now(station, (None, None))
    first = b"".join(chunks(station, taken))
    station.board.log_ring.append("a line logged between the two reads")
    station.messages.append(4)
    assert b"".join(chunks(station, taken)) == first


def test_masked_hides_every_user_and_password_and_nothing_else():
    assert masked("a http://u:p@h:1/x and ftp://v@h2/ end") == \
        "a http://***@h:1/x and ftp://***@h2/ end"
    assert masked("no url, mail@example.com") == "no url, mail@example.com"
    assert masked("ftp://h/path@2 x") == "ftp://h/path@2 x"


def test_the_uptime_stays_right_when_the_central_system_sets_the_clock():
    station = station_an_hour_up()
    assert station.clock.set_iso8601("2026-01-01T00:10:00Z")  # 10 minutes ahead
    text = b"".join(chunks(station, taken_now(station, (None, None)))).decode()
    assert "uptime_s 3600\nstarted 2025-12-31T23:10:00Z" in text
