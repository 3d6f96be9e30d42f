"""Power cuts at many points of charging sessions, on both connectors, online and offline:
the station is killed (`power off`), started again on the same state folder, and in the end
the Central System has every session exactly once -- one StartTransaction (a resend of the
identical request after a cut while it was on the wire counts as the same), one
StopTransaction -- with meter values in order and energy registers that never go back.
"""
import time

from tc import CentralThread, booted, call, power_off, tc_station, wait_until

SAMPLE_S = 5


def session_key(start):
    return (start["connectorId"], start["idTag"], start["timestamp"], start["meterStart"])


def exchanges(cs, action):
    """(request payload, answer payload or None) of every `action` the station sent."""
    answers = {f[1]: f[2] for f in cs.frames("->") if f[0] == 3}
    return [(f[3], answers.get(f[1])) for f in cs.frames("<-") if f[0] == 2 and f[2] == action]


def plug_and_tap(cs, station, connector_id, tag):
    station.control("plug %d" % connector_id)
    station.control("tap " + tag)
    wait_until(lambda: station.control("status")["connectors"][connector_id]["idTag"] == tag,
               10, "a transaction on connector %d" % connector_id)


def settle(cs, station, timeout_s=30):
    wait_until(lambda: station.control("status")["queued"] == 0, timeout_s, "an empty queue")


def cut_and_restart(cs, station, state):
    power_off(station)
    return tc_station(cs, state=state)


def test_power_cuts_lose_no_session_and_duplicate_none(tmp_path):
    state = str(tmp_path)
    with CentralThread(heartbeat_interval_s=60) as cs:
        station = tc_station(cs, state=state)
        try:
            link = booted(cs)
            cs.run(link.call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                      value=str(SAMPLE_S))))
            # 1. Cut right after the tap: StartTransaction may be on the wire.
            plug_and_tap(cs, station, 1, "CUT-A")
            station = cut_and_restart(cs, station, state)
            settle(cs, station)
            # 2. Cut while both connectors charge, after meter values went out.
            station.control("unplug 1")
            plug_and_tap(cs, station, 1, "CUT-B")
            plug_and_tap(cs, station, 2, "CUT-C")
            settle(cs, station)
            wait_until(lambda: len(cs.requests("MeterValues")) >= 2, 3 * SAMPLE_S,
                       "meter values")
            station = cut_and_restart(cs, station, state)
            settle(cs, station)
            # 3. Offline: a session starts online, is metered offline, the power goes.
            station.control("unplug 1")
            station.control("unplug 2")
            plug_and_tap(cs, station, 2, "CUT-D")
            settle(cs, station)
            station.control("net down")
            wait_until(lambda: station.control("status")["queued"] >= 1, 2 * SAMPLE_S + 2,
                       "meter values queued offline")
            station = cut_and_restart(cs, station, state)
            settle(cs, station)
            # 4. Offline stop queued, then the power goes before it is delivered.
            station.control("unplug 2")
            plug_and_tap(cs, station, 1, "CUT-E")
            settle(cs, station)
            station.control("net down")
            time.sleep(0.5)
            station.control("tap CUT-E")
            wait_until(lambda: station.control("status")["connectors"][1]["idTag"] is None,
                       10, "the offline stop")
            station = cut_and_restart(cs, station, state)
            settle(cs, station)
            # 5. A cut in the middle of sampling, then a normal end.
            station.control("unplug 1")
            plug_and_tap(cs, station, 1, "CUT-F")
            time.sleep(SAMPLE_S + 1)
            station = cut_and_restart(cs, station, state)
            settle(cs, station)
            booted(cs)
        finally:
            station.stop()

    starts = exchanges(cs, "StartTransaction")
    sessions = {}
    for request, answer in starts:
        sessions.setdefault(session_key(request), []).append(answer["transactionId"])
    assert sorted(k[1] for k in sessions) == ["CUT-A", "CUT-B", "CUT-C", "CUT-D", "CUT-E",
                                               "CUT-F"]
    stops = [request for request, _ in exchanges(cs, "StopTransaction")]
    owner = {tid: key for key, tids in sessions.items() for tid in tids}
    assert all(stop["transactionId"] in owner for stop in stops), stops
    per_session = {}
    for stop in stops:
        per_session.setdefault(owner[stop["transactionId"]], []).append(stop)
    assert {k: len(v) for k, v in per_session.items()} == {k: 1 for k in sessions}
    reasons = {k[1]: v[0]["reason"] for k, v in per_session.items()}
    assert reasons == {"CUT-A": "PowerLoss", "CUT-B": "PowerLoss", "CUT-C": "PowerLoss",
                       "CUT-D": "PowerLoss", "CUT-E": "Local", "CUT-F": "PowerLoss"}
    # Energy: per connector, every register reading in the order sent never goes back, and
    # each session's values lie between its start and its stop.
    for connector_id in (1, 2):
        readings = []
        for frame in cs.frames("<-"):
            if frame[0] != 2:
                continue
            action, payload = frame[2], frame[3]
            if action == "StartTransaction" and payload["connectorId"] == connector_id:
                readings.append(payload["meterStart"])
            elif action == "StopTransaction" and owner[payload["transactionId"]][0] == \
                    connector_id:
                readings.append(payload["meterStop"])
            elif action == "MeterValues" and payload["connectorId"] == connector_id \
                    and "transactionId" in payload:
                readings += [int(v["value"]) for v in payload["meterValue"][0]["sampledValue"]
                             if v["measurand"] == "Energy.Active.Import.Register"]
        assert readings == sorted(readings), (connector_id, readings)
    for key, stop in ((k, v[0]) for k, v in per_session.items()):
        ids = sessions[key]
        values = [p for p in cs.requests("MeterValues") if p.get("transactionId") in ids]
        stamps = [p["meterValue"][0]["timestamp"] for p in values]
        assert stamps == sorted(stamps), key
        assert key[3] <= stop["meterStop"], key


def ledger(cs, connector_id):
    """[meterStart, meterStop, ...] of the connector's sessions, in the order they started."""
    stops = {request["transactionId"]: request for request, _ in exchanges(cs, "StopTransaction")}
    readings = []
    for request, answer in exchanges(cs, "StartTransaction"):
        if request["connectorId"] == connector_id:
            readings += [request["meterStart"], stops[answer["transactionId"]]["meterStop"]]
    return readings


def test_meter_ledger_is_continuous_across_stops_and_a_power_cut(tmp_path):
    # Issue 16: every Wh the meter counts belongs to exactly one transaction. No EV charges
    # between sessions here, so each meterStart is the meterStop before it, the PowerLoss
    # stop included (the register the meter kept through the cut), and the register after
    # the last stop is that stop's meterStop.
    state = str(tmp_path)
    with CentralThread(heartbeat_interval_s=60) as cs:
        station = tc_station(cs, state=state)
        try:
            link = booted(cs)
            cs.run(link.call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                      value=str(SAMPLE_S))))
            station.control("plug 1")
            for tag in ("LEDGER-A", "LEDGER-B"):  # stopped with the card at 135 kW
                plug_and_tap(cs, station, 1, tag)
                time.sleep(1.5)
                station.control("tap " + tag)
                wait_until(lambda: station.control("status")["connectors"][1]["idTag"] is None,
                           10, "the stop of " + tag)
            plug_and_tap(cs, station, 1, "LEDGER-C")
            wait_until(lambda: [p for p in cs.requests("MeterValues")
                                if p.get("transactionId") is not None], 2 * SAMPLE_S,
                       "a meter sample")
            time.sleep(2)  # energy beyond the last sample, up to the cut
            station = cut_and_restart(cs, station, state)
            settle(cs, station)
            station.control("unplug 1")
            plug_and_tap(cs, station, 1, "LEDGER-D")
            time.sleep(1.5)
            station.control("unplug 1")  # EVDisconnected
            wait_until(lambda: len(cs.requests("StopTransaction")) == 4, 10, "four stops")
            settle(cs, station)
            register = station.control("status")["connectors"][1]["energyWh"]
        finally:
            station.stop()
    readings = ledger(cs, 1)
    assert len(readings) == 8 and readings == sorted(readings), readings
    delivered = [readings[i + 1] - readings[i] for i in range(0, 8, 2)]
    gaps = [readings[i + 1] - readings[i] for i in range(1, 7, 2)]
    assert min(delivered) > 0 and gaps == [0, 0, 0], (readings, delivered, gaps)
    assert register == readings[-1], (register, readings)
    reasons = [r["reason"] for r in cs.requests("StopTransaction")]
    assert reasons == ["Local", "Local", "PowerLoss", "EVDisconnected"], reasons
