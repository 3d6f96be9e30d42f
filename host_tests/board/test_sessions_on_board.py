"""Charging sessions with the station on the emulated board (boards/mps2_an385), over its
own network: lwIP on the board's LAN9118, QEMU's restricted user network, the launcher
forwarding the Central System's loopback port (`boards/sim/station --board mps2_an385`).
Against the bundled `ocpp` Central System (tools/csms.py), schema validation on.

One board boots for the first tests (boot, a local session, remote start and stop), each
leaving both connectors Available; the offline spell and the power cut start their own.
"""
import calendar
import os
import sys
import time

import pytest

from emulator import ROOT

sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from tc import CentralThread, StationProcess, call, power_off, wait_until  # noqa: E402

BOARD = ["--board", "mps2_an385"]
BOOT_TIMEOUT_S = 30
SAMPLE_S = 5  # MeterValueSampleInterval: the firmware's shortest, so sessions are short
SPEED = 15  # the simulated EVs charge this many times faster than real time


def board_station(cs, state=None, speed=1):
    return StationProcess(cs.url(), extra=BOARD + ["--speed", str(speed)], control=True,
                          state=state)


def booted(cs, timeout_s=BOOT_TIMEOUT_S):
    wait_until(lambda: len(cs.requests("StatusNotification")) >= 3, timeout_s,
               "the three status notifications after boot")
    return cs.link("CP001")


def sampled_every(cs, link, seconds):
    assert cs.run(link.call(call.ChangeConfiguration(
        key="MeterValueSampleInterval", value=str(seconds)))).status == "Accepted"


def tx_meter_values(cs, transaction_id):
    return [p for p in cs.requests("MeterValues") if p.get("transactionId") == transaction_id]


def energy_wh(meter_values):
    """The Energy.Active.Import.Register readings (Wh) of MeterValues payloads, in order."""
    return [float(v["value"]) for p in meter_values for mv in p["meterValue"]
            for v in mv["sampledValue"]
            if v.get("measurand", "Energy.Active.Import.Register")
            == "Energy.Active.Import.Register"]


def started_on(cs, connector_id):
    return wait_until(lambda: [p for p in cs.requests("StartTransaction")
                               if p["connectorId"] == connector_id], 15,
                      "StartTransaction on connector %d" % connector_id)[-1]


def transaction_id_of(cs, start):
    """The transactionId the Central System gave for the StartTransaction `start`. Its
    answer is logged a moment after the request: wait for it."""
    frames = cs.frames("<-")
    unique_id = next(f[1] for f in frames if f[0] == 2 and f[2] == "StartTransaction"
                     and f[3] == start)
    answers = wait_until(lambda: [f[2] for f in cs.frames("->")
                                  if f[0] == 3 and f[1] == unique_id], 5,
                         "the answer to StartTransaction %s" % unique_id)
    return answers[0]["transactionId"]


def stopped(cs, transaction_id, timeout_s=15):
    return wait_until(lambda: [p for p in cs.requests("StopTransaction")
                               if p["transactionId"] == transaction_id], timeout_s,
                      "StopTransaction of transaction %d" % transaction_id)[-1]


@pytest.fixture(scope="module")
def online(firmware):
    """(cs, station, link): one board, booted and registered, for the tests that leave its
    connectors Available."""
    with CentralThread(heartbeat_interval_s=60) as cs, \
            board_station(cs, speed=SPEED) as station:
        link = booted(cs)
        sampled_every(cs, link, SAMPLE_S)
        yield cs, station, link


def test_boot_notification_accepted_and_statuses_over_the_network(online):
    cs, station, _ = online
    assert cs.frames("<-")[0][2] == "BootNotification"
    boot = cs.requests("BootNotification")[0]
    assert boot["chargePointModel"] == "DCFC-240-2"
    assert cs.answers_to("BootNotification")[0][2]["status"] == "Accepted"
    first = cs.requests("StatusNotification")[:3]
    assert sorted(p["connectorId"] for p in first) == [0, 1, 2]
    assert all(p["status"] == "Available" for p in first)
    report = station.control("status")
    assert report["connection"] == "online" and report["registration"] == "Accepted"
    # The WebSocket client turned Nagle off with lwIP's own TCP_NODELAY (0x40): lwIP's
    # socket module warns on an option it does not know.
    assert not [line for line in station.lines if "setsockopt() not implemented" in line]
    heap = station.control("heap")
    print("board: heap free %d B, station idle and online over ws://" % heap["freeBytes"])


def test_local_session_with_meter_values(online):
    cs, station, _ = online
    assert station.control("plug 1")["ok"]
    cs.wait_status(1, "Preparing")
    assert station.control("tap LOCAL-01")["ok"]
    cs.wait_status(1, "Charging", timeout_s=15)
    start = started_on(cs, 1)
    assert start["idTag"] == "LOCAL-01"
    transaction_id = transaction_id_of(cs, start)
    wait_until(lambda: len(tx_meter_values(cs, transaction_id)) >= 2, 4 * SAMPLE_S + 5,
               "two MeterValues of the transaction")
    assert station.control("tap LOCAL-01")["ok"]
    stop = stopped(cs, transaction_id)
    assert stop["reason"] == "Local" and stop["idTag"] == "LOCAL-01"
    readings = energy_wh(tx_meter_values(cs, transaction_id))
    assert readings == sorted(readings) and readings[-1] > start["meterStart"]
    assert stop["meterStop"] >= readings[-1] > start["meterStart"]
    assert station.control("unplug 1")["ok"]
    cs.wait_status(1, "Available")


def test_remote_start_and_remote_stop(online):
    cs, station, link = online
    assert station.control("plug 2")["ok"]
    cs.wait_status(2, "Preparing")
    assert cs.run(link.call(call.RemoteStartTransaction(
        id_tag="REMOTE-02", connector_id=2))).status == "Accepted"
    cs.wait_status(2, "Charging", timeout_s=15)
    start = started_on(cs, 2)
    assert start["idTag"] == "REMOTE-02"
    transaction_id = transaction_id_of(cs, start)
    assert cs.run(link.call(call.RemoteStopTransaction(
        transaction_id=transaction_id))).status == "Accepted"
    assert stopped(cs, transaction_id)["reason"] == "Remote"
    assert station.control("unplug 2")["ok"]
    cs.wait_status(2, "Available")


def test_a_session_while_offline_is_delivered_after_reconnect(firmware):
    # The Central System stops, and another starts on the same port: every connection the
    # board opens goes through a new relay process (guestfwd), as after a network outage.
    with CentralThread(heartbeat_interval_s=60) as cs:
        port = cs.port
        station = board_station(cs)
        try:
            booted(cs)
            # Online: the card is accepted, and the station's authorization cache keeps it.
            station.control("plug 1")
            station.control("tap OFFLINE-1")
            first = transaction_id_of(cs, started_on(cs, 1))
        except BaseException:
            station.stop()
            raise
    with station:
        wait_until(lambda: station.control("status")["connection"] != "online", 15,
                   "the station offline")
        station.control("tap OFFLINE-1")  # ends the online session, offline
        wait_until(lambda: station.control("status")["connectors"][1]["transactionId"] is None,
                   10, "the first session stopped")
        station.control("unplug 1")
        station.control("plug 2")
        station.control("tap OFFLINE-1")  # a whole session offline: the cache accepts it
        wait_until(lambda: station.control("status")["connectors"][2]["status"] == "Charging",
                   15, "connector 2 Charging offline")
        time.sleep(2)  # charging offline a little
        station.control("tap OFFLINE-1")
        wait_until(lambda: station.control("status")["connectors"][2]["status"] == "Finishing",
                   10, "connector 2 Finishing")
        assert station.control("status")["queued"] >= 3  # Stop, Start, Stop
        back_at = time.time()
        with CentralThread(heartbeat_interval_s=60, port=port) as cs:
            wait_until(lambda: station.control("status")["queued"] == 0, 45,
                       "the queue delivered after reconnect")
            start = next(p for p in cs.requests("StartTransaction") if p["connectorId"] == 2)
            assert start["idTag"] == "OFFLINE-1"
            # Stamped when it happened, while offline, not when delivered.
            assert utc_s(start["timestamp"]) < back_at
            second = transaction_id_of(cs, start)
            stops = cs.requests("StopTransaction")
            assert [s["transactionId"] for s in stops] == [first, second]
            assert all(s["reason"] == "Local" for s in stops)
            station.control("unplug 2")
            cs.wait_status(2, "Available")


def utc_s(timestamp):
    return calendar.timegm(time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S"))


def test_power_cut_mid_transaction_then_power_loss_stop_after_restart(firmware, tmp_path):
    state = tmp_path / "state"
    with CentralThread(heartbeat_interval_s=60) as cs:
        station = board_station(cs, state=state)
        try:
            link = booted(cs)
            sampled_every(cs, link, SAMPLE_S)
            station.control("plug 1")
            station.control("tap CUT-01")
            transaction_id = transaction_id_of(cs, started_on(cs, 1))
            wait_until(lambda: tx_meter_values(cs, transaction_id), 3 * SAMPLE_S + 5,
                       "a MeterValues of the transaction")
            power_off(station)  # QEMU killed: the flash file keeps what the board wrote
        finally:
            station.stop()
        with board_station(cs, state=state) as station:
            stop = stopped(cs, transaction_id, BOOT_TIMEOUT_S)
            assert stop["reason"] == "PowerLoss"
            readings = energy_wh(tx_meter_values(cs, transaction_id))
            assert stop["meterStop"] >= readings[-1]
            assert len(cs.requests("BootNotification")) == 2


KEY = "0123456789abcdef0123456789abcdef"
# A00.FR.318: at SecurityProfile 2 and 3 over TLS 1.2 the station offers these; the server
# takes nothing else, so the session shows the board speaks them.
A00_FR_318_SUITES = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"
HEAP_BYTES = 128 * 1024


def test_wss_session_at_security_profile_2_both_connectors_charging(firmware, tmp_path):
    import ssl

    import certs

    ca = certs.make_ca()
    ca_path, _ = ca.write(str(tmp_path), "ca")
    context = certs.issue(ca, "localhost").server_context(str(tmp_path))
    context.set_ciphers(A00_FR_318_SUITES)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with CentralThread(ssl_context=context, passwords={"CP001": KEY},
                       heartbeat_interval_s=60) as cs, \
            StationProcess(cs.url(host="localhost", scheme="wss"), extra=BOARD + [
                "--password", KEY, "--ca", ca_path], control=True) as station:
        link = booted(cs)
        station.wait_for_line("link: online wss://localhost:")
        answer = cs.run(link.call(call.GetConfiguration(key=["SecurityProfile"])))
        assert answer.configuration_key[0]["value"] == "2"
        idle = station.control("heap")["freeBytes"]
        sampled_every(cs, link, SAMPLE_S)
        for connector_id in (1, 2):
            station.control("plug %d" % connector_id)
            station.control("tap TLS-0%d" % connector_id)
        ids = [transaction_id_of(cs, started_on(cs, c)) for c in (1, 2)]
        wait_until(lambda: all(len(tx_meter_values(cs, i)) >= 2 for i in ids),
                   3 * SAMPLE_S + 5, "MeterValues of both transactions")
        charging = station.control("heap")["freeBytes"]
        print("board: heap free over wss:// (SecurityProfile 2): %d B idle, %d B with both "
              "connectors charging" % (idle, charging))
        # The issue's budget: a quarter of the 128 KB heap free while both charge.
        assert charging >= HEAP_BYTES // 4
        for connector_id, transaction_id in zip((1, 2), ids):
            station.control("tap TLS-0%d" % connector_id)
            assert stopped(cs, transaction_id)["reason"] == "Local"


SOAK_S = 60
WARM_UP_S = 20  # the first sessions load what is imported on demand and fill the caches
HEAP_SLACK_BYTES = 1024  # where the collector leaves a fragment: not growth
SIMULATED_MINUTES = 10  # of charging on each connector, within SOAK_S


def test_both_connectors_charging_ten_minutes_in_one_the_heap_does_not_grow(online):
    """Ten minutes of charging on both connectors in one: the EVs charge SPEED times faster
    than real time (the launcher's --speed), and the minute is dense: both connectors cycle
    through whole sessions, each with its MeterValues. The firmware's own clock runs at its
    real pace (it samples no faster than every 5 s). The heap is sampled (after a
    collection) at every step."""
    cs, station, _ = online
    samples = []  # (seconds since the start, free bytes)
    charging_s = {1: 0.0, 2: 0.0}
    started = time.monotonic()

    def sample():
        samples.append((time.monotonic() - started, station.control("heap")["freeBytes"]))

    def status_of(connector_id):
        return station.control("status")["connectors"][connector_id]["status"]

    sessions = 0
    while time.monotonic() - started < SOAK_S:
        charging_since = {}
        for c in (1, 2):
            station.control("plug %d" % c)
            station.control("tap SOAK-%d" % c)
            wait_until(lambda: status_of(c) == "Charging", 15, "connector %d Charging" % c)
            charging_since[c] = time.monotonic()
        time.sleep(SAMPLE_S + 0.5)  # a MeterValues of each
        sample()
        for c in (1, 2):
            charging_s[c] += time.monotonic() - charging_since[c]
            station.control("tap SOAK-%d" % c)
            # Unplugged only once stopped: a card read after the unplug would wait for the
            # next connector plugged.
            wait_until(lambda: status_of(c) == "Finishing", 15, "connector %d Finishing" % c)
            station.control("unplug %d" % c)
        wait_until(lambda: status_of(1) == status_of(2) == "Available", 15, "both Available")
        sessions += 2
        sample()
    wait_until(lambda: station.control("status")["queued"] == 0, 15, "everything delivered")
    stops = [p for p in cs.requests("StopTransaction") if p.get("idTag", "").startswith("SOAK-")]
    assert len(stops) == sessions and {p["reason"] for p in stops} == {"Local"}
    simulated_minutes = [charging_s[c] * SPEED / 60 for c in (1, 2)]
    assert min(simulated_minutes) >= SIMULATED_MINUTES, simulated_minutes
    starts = [p for p in cs.requests("StartTransaction") if p["idTag"].startswith("SOAK-")]
    delivered_wh = sum(p["meterStop"] for p in stops) - sum(p["meterStart"] for p in starts)
    # Each connector draws well above 50 kW once ramped up: the energy of the ten minutes.
    assert delivered_wh >= 2 * 50000 * SIMULATED_MINUTES // 60, delivered_wh
    print("board: %d sessions in %.0f s, %.1f and %.1f minutes of charging, %d Wh; "
          "heap free (s, B): %s" % (sessions, samples[-1][0], simulated_minutes[0],
                                    simulated_minutes[1], delivered_wh,
                                    " ".join("%.0f:%d" % s for s in samples)))
    settled = [free for at, free in samples if at >= WARM_UP_S]
    halfway = len(settled) // 2
    assert min(settled[halfway:]) >= min(settled[:halfway]) - HEAP_SLACK_BYTES, samples
