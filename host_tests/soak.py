"""A compressed day of a station's life (issue 22, "Soak"): the station as a board runs it
(tc.tc_station: 32-bit MicroPython, ROMFS, a 128 KB heap) against the bundled Central System,
with the intervals shortened so that one simulated hour takes `hour_s` real seconds.

The first hour begins with more drivers than the authorization cache holds, each tapping a
card; every session after is a new driver's. Each simulated hour: heartbeats (HeartbeatInterval 5 s), clock-aligned meter values (one per
hour), a charging session on both connectors at once with sampled meter values every 5 s,
and every third hour from the first the Ethernet link lost for a while during the sessions
(their messages queued, delivered when it returns). At the end of each hour, with both connectors idle and
the queue delivered, a sample: the heap in use after a collection, the queue's length, the
transaction journal's size. Used by host_tests/test_soak.py (a few hours, in `make test`)
and tools/bench_soak.py (the whole day, `make bench`).
"""
import os
import time

from ocpp.v16 import call

from firmware.core.authorization import CACHE_MAX_ENTRIES

from tc import CentralThread, booted, tc_station, wait_until

HEARTBEAT_S = 5  # the station's minimum
SAMPLE_S = 5  # MeterValueSampleInterval: the station's minimum but 0
LINK_LOSS_EVERY_HOURS = 3
LINK_LOSS_S = 3
SPEED = 100  # the simulated EVs charge this many times faster


def soak(hours, hour_s, state, on_sample=None):
    """The samples of `hours` simulated hours, one dict per hour: hour, allocBytes, queued,
    journalBytes, and the Central System's counts so far."""
    samples = []
    with CentralThread(heartbeat_interval_s=HEARTBEAT_S) as cs, \
            tc_station(cs, ["--speed", str(SPEED)], state=state) as station:
        link = booted(cs)
        for key, value in (("MeterValueSampleInterval", SAMPLE_S),
                           ("ClockAlignedDataInterval", hour_s)):
            assert cs.run(link.call(call.ChangeConfiguration(key=key, value=str(value)))) \
                .status == "Accepted"
        for hour in range(1, hours + 1):
            started = time.monotonic()
            if hour == 1:
                drivers(cs, station)
            # The first hour loses the link too: whatever that loads, it loads there.
            session(cs, station, hour, link_loss=hour % LINK_LOSS_EVERY_HOURS == 1,
                    hour_s=hour_s)
            # The rest of the hour idle: heartbeats and the aligned sample go on.
            time.sleep(max(0.0, hour_s - (time.monotonic() - started)))
            sample = measure(cs, station, hour)
            samples.append(sample)
            if on_sample is not None:
                on_sample(sample)
        assert station.alive, "the station ended:\n" + "\n".join(station.lines[-20:])
    return samples


def drivers(cs, station):
    """More drivers than the authorization cache holds tap their cards (no EV plugged:
    each an Authorize, then again to cancel it): from the first hour on, the cache is as full as it gets, and every
    later session's new card takes the place of an old one."""
    for number in range(CACHE_MAX_ENTRIES + 1):
        asked = len(cs.requests("Authorize"))
        assert station.control("tap DRIVER-%d" % number) == {"ok": True}
        wait_until(lambda: len(cs.requests("Authorize")) > asked, 10, "an Authorize")
        # The driver walks away: the card again cancels what it authorized.
        assert station.control("tap DRIVER-%d" % number) == {"ok": True}
        station.wait_for_line("auth: DRIVER-%d presented again" % number)


def session(cs, station, hour, link_loss, hour_s):
    """Plug and tap on both connectors, charge for half the hour (with the link lost
    meanwhile, if asked), tap, unplug: both StopTransactions answered before it returns."""
    stops = len(cs.requests("StopTransaction"))
    tags = {connector_id: "SOAK-%d-%d" % (hour, connector_id) for connector_id in (1, 2)}
    for connector_id, tag in tags.items():
        assert station.control("plug %d" % connector_id) == {"ok": True}
        assert station.control("tap " + tag) == {"ok": True}
    wait_until(lambda: all(c["transactionId"] for c in
                           station.control("status")["connectors"][1:]), 20,
               "both sessions of hour %d" % hour)
    charging_s = hour_s / 2
    if link_loss:
        time.sleep(charging_s / 4)
        assert station.control("net down") == {"ok": True}
        time.sleep(LINK_LOSS_S)
        assert station.control("net up") == {"ok": True}
        time.sleep(max(0.0, charging_s * 3 / 4 - LINK_LOSS_S))
    else:
        time.sleep(charging_s)
    for connector_id, tag in tags.items():
        assert station.control("tap " + tag) == {"ok": True}
    wait_until(lambda: len(cs.requests("StopTransaction")) >= stops + 2, 30,
               "the StopTransactions of hour %d" % hour)
    for connector_id in tags:
        assert station.control("unplug %d" % connector_id) == {"ok": True}


def measure(cs, station, hour):
    """The hour's sample, once the station is idle: online, nothing queued."""
    def idle():
        status = station.control("status")
        return status["connection"] == "online" and status["queued"] == 0 and all(
            c["transactionId"] is None for c in status["connectors"][1:]) and status
    status = wait_until(idle, 30, "an idle station with its queue delivered")
    heap = station.control("heap")
    journal = os.path.join(station.state, "flash", "tx.journal")
    return {"hour": hour, "allocBytes": heap["allocBytes"], "queued": status["queued"],
            "journalBytes": os.path.getsize(journal) if os.path.exists(journal) else 0,
            "sessions": len(cs.requests("StopTransaction")),
            "heartbeats": len(cs.requests("Heartbeat")),
            "meterValues": len(cs.requests("MeterValues"))}
