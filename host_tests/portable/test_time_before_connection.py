# Issue 16, time before the first connection (firmware/clock.py): a transaction started
# offline right after the boot is stamped with the board's RTC when it has one (utc_now()),
# else its timestamps are corrected once the Central System's time is known -- in the
# queue, in flash and when sent; never 1970.
import time

from firmware.clock import Clock, parse_iso8601
from firmware.security.log import SecurityLog, notification
from scratch import fresh_folder, fresh_path

CS_TIME = "2026-11-25T08:00:00Z"
CS_TIME_S = parse_iso8601(CS_TIME)


def station(folder, rtc):
    import firmware.station
    from boards.sim.board import SimBoard

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, folder, rtc=rtc)
    lines = []
    board.log = lines.append
    return firmware.station.Station(board), lines


def queued(station_, action):
    return [station_.messages._to_send(m) for m in station_.messages._queue
            if m.action == action]


def seconds_before_cs_time(text):
    return CS_TIME_S - parse_iso8601(text)


def test_with_an_rtc_an_offline_transaction_after_the_boot_has_the_rtc_time():
    node, _ = station(fresh_folder("test_time", "rtc"), True)
    assert node.clock.synchronised  # before any connection
    node.transactions.start(1, "TAG1")
    stamp = queued(node, "StartTransaction")[0]["timestamp"]
    assert abs(parse_iso8601(stamp) - int(time.time())) <= 2, stamp


def test_without_an_rtc_the_timestamps_are_corrected_once_the_time_is_known():
    folder = fresh_folder("test_time", "no_rtc")
    node, lines = station(folder, False)
    assert not node.clock.synchronised
    node.transactions.start(1, "TAG1")
    node.transactions.stop(1, "Local", "TAG1")
    assert node.clock.set_iso8601(CS_TIME)  # BootNotification.conf's currentTime
    for action in ("StartTransaction", "StopTransaction"):
        assert 0 <= seconds_before_cs_time(queued(node, action)[0]["timestamp"]) <= 2
    # In flash too: after a reboot that has not learned the time yet, they stay corrected.
    again, _ = station(folder, False)
    assert 0 <= seconds_before_cs_time(queued(again, "StartTransaction")[0]["timestamp"]) <= 2


def test_a_boot_that_never_learned_the_time_is_placed_just_before_the_next_one():
    folder = fresh_folder("test_time", "two_boots")
    first, _ = station(folder, False)
    first.transactions.start(2, "TAG2")  # then the power goes, before any connection
    second, _ = station(folder, False)  # stops it (PowerLoss) at its last known time
    assert second.clock.set_iso8601(CS_TIME)
    start = queued(second, "StartTransaction")[0]["timestamp"]
    stop = queued(second, "StopTransaction")[0]
    assert stop["reason"] == "PowerLoss"
    # The power-off time is not known: the session ends 1 s before this boot began.
    assert 1 <= seconds_before_cs_time(stop["timestamp"]) <= 3
    assert parse_iso8601(start) <= parse_iso8601(stop["timestamp"])


async def test_a_security_event_before_the_time_is_known_is_sent_with_the_corrected_time():
    now = [5000]
    clock = Clock(ticks_ms=lambda: now[0], ticks_diff=lambda a, b: a - b)
    log = SecurityLog(path=fresh_path("test_time", "security_log"), clock=clock,
                      log=lambda line: None)
    log.record("InvalidCentralSystemCertificate", "offline at boot")
    now[0] += 30000
    assert clock.set_iso8601(CS_TIME)
    sent = notification(log.pending[0], clock)  # what the outbound queue sends of it
    assert seconds_before_cs_time(sent["timestamp"]) == 30
