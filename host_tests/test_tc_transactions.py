"""Compliance cases of transactions and metering (OCTT 1.6 TC_xxx_CS): the station as on a
board (MicroPython, mpy build, bounded heap) against the bundled Central System (schema
validation on), driven through the control port.
"""
import time

from tc import CentralThread, booted, call, charging, power_off, tc_station, wait_until

SAMPLE_S = 5  # MeterValueSampleInterval: the reference station's minimum


def change(cs, link, key, value):
    return cs.run(link.call(call.ChangeConfiguration(key=key, value=value))).status


def transaction_ids(cs):
    """transactionId the Central System assigned, in the order of the StartTransactions."""
    return [f[2]["transactionId"] for f in cs.answers_to("StartTransaction") if f[0] == 3]


def meter_values(cs, connector_id):
    return [p for p in cs.requests("MeterValues") if p["connectorId"] == connector_id]


def stamps(payloads):
    return [p["meterValue"][0]["timestamp"] for p in payloads]


def seconds(stamp):
    return time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def spacing(payloads):
    times = [seconds(s) for s in stamps(payloads)]
    return [b - a for a, b in zip(times, times[1:])]


def test_TC_070_sampled_meter_values(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert change(cs, link, "MeterValueSampleInterval", str(SAMPLE_S)) == "Accepted"
        assert change(cs, link, "ClockAlignedDataInterval", "0") == "Accepted"
        configured = cs.run(link.call(call.GetConfiguration(key=["MeterValuesSampledData"])))
        measurands = configured.configuration_key[0]["value"].split(",")
        charging(cs, station)
        values = wait_until(lambda: meter_values(cs, 1)[2:] and meter_values(cs, 1),
                            4 * SAMPLE_S, "three MeterValues")
        assert spacing(values[:3]) == [SAMPLE_S, SAMPLE_S]
        transaction_id = transaction_ids(cs)[0]
        for payload in values[:3]:
            assert payload["transactionId"] == transaction_id
            sampled = payload["meterValue"][0]["sampledValue"]
            assert {v["context"] for v in sampled} == {"Sample.Periodic"}
            assert [v["measurand"] for v in sampled] == measurands


def test_TC_071_clock_aligned_meter_values(starter=tc_station):
    interval_s = 5
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert change(cs, link, "MeterValueSampleInterval", "0") == "Accepted"
        assert change(cs, link, "ClockAlignedDataInterval", str(interval_s)) == "Accepted"
        configured = cs.run(link.call(call.GetConfiguration(key=["MeterValuesAlignedData"])))
        measurands = configured.configuration_key[0]["value"].split(",") or [
            "Energy.Active.Import.Register"]
        charging(cs, station)
        transaction_id = transaction_ids(cs)[0]

        def of_transaction():
            return [p for p in meter_values(cs, 1) if p.get("transactionId") == transaction_id]

        values = wait_until(lambda: of_transaction()[2:] and of_transaction(),
                            5 * interval_s, "three clock-aligned MeterValues")[:3]
        assert spacing(values) == [interval_s, interval_s]
        for payload in values:
            assert seconds(stamps([payload])[0]) % interval_s == 0
            sampled = payload["meterValue"][0]["sampledValue"]
            assert {v["context"] for v in sampled} == {"Sample.Clock"}
            assert [v["measurand"] for v in sampled] == measurands
        # Connector 0 and the idle connector too, without a transactionId (errata 3.16).
        for connector_id in (0, 2):
            idle = meter_values(cs, connector_id)
            assert idle and all("transactionId" not in p for p in idle)


def test_TC_036_connection_loss_during_transaction(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert change(cs, link, "MeterValueSampleInterval", str(SAMPLE_S)) == "Accepted"
        charging(cs, station)
        wait_until(lambda: meter_values(cs, 1), 2 * SAMPLE_S, "a first MeterValues")
        # Its confirmation received too: one the link lost would be sent again (at least
        # once), a second value with the same time.
        wait_until(lambda: station.control("status")["queued"] == 0, SAMPLE_S, "confirmed")
        station.control("net down")
        online = len(meter_values(cs, 1))
        wait_until(lambda: station.control("status")["queued"] >= 3, 5 * SAMPLE_S,
                   "three MeterValues queued offline")
        assert len(meter_values(cs, 1)) == online
        station.control("net up")
        values = wait_until(lambda: meter_values(cs, 1)[online + 3:] and meter_values(cs, 1),
                            30, "the queued MeterValues")
        # All in chronological order, SAMPLE_S apart, the queued ones before new ones.
        assert spacing(values) == [SAMPLE_S] * (len(values) - 1)
        assert {p["transactionId"] for p in values} == {transaction_ids(cs)[0]}


def test_TC_038_offline_stop_transaction(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        booted(cs)
        charging(cs, station, tag="CARD-0038")
        wait_until(lambda: station.control("status")["connectors"][1]["transactionId"], 10,
                   "the transactionId")
        station.control("net down")
        wait_until(lambda: station.control("status")["connection"] != "online", 10, "offline")
        station.control("tap CARD-0038")
        wait_until(lambda: station.control("status")["queued"] >= 1, 10, "the stop queued")
        assert cs.requests("StopTransaction") == []
        station.control("net up")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 30, "StopTransaction")[0]
        assert stop["reason"] == "Local" and stop["transactionId"] == transaction_ids(cs)[0]
        cs.wait_status(1, "Finishing", timeout_s=10)


def test_TC_039_offline_transaction(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert change(cs, link, "AllowOfflineTxForUnknownId", "true") == "Accepted"
        assert change(cs, link, "MeterValueSampleInterval", str(SAMPLE_S)) == "Accepted"
        station.control("net down")
        wait_until(lambda: station.control("status")["connection"] != "online", 10, "offline")
        station.control("plug 2")
        station.control("tap CARD-0039")
        wait_until(lambda: station.control("status")["connectors"][2]["idTag"], 10,
                   "an offline transaction")
        wait_until(lambda: station.control("status")["queued"] >= 2, 3 * SAMPLE_S,
                   "a MeterValues queued offline")
        station.control("tap CARD-0039")
        # Unplugged only once the tap stopped it: the control port's reply says the card was
        # read, not acted on, and an unplug first would stop it as EVDisconnected.
        wait_until(lambda: station.control("status")["connectors"][2]["transactionId"] is None,
                   10, "the offline stop")
        station.control("unplug 2")
        wait_until(lambda: station.control("status")["connectors"][2]["idTag"] is None, 10,
                   "the offline stop")
        assert cs.requests("StartTransaction") == []
        station.control("net up")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 30, "StopTransaction")[0]
        start = cs.requests("StartTransaction")[0]
        assert start["connectorId"] == 2 and start["idTag"] == "CARD-0039"
        assert stop["reason"] == "Local" and stop["transactionId"] == transaction_ids(cs)[0]
        assert stop["meterStop"] >= start["meterStart"]
        actions = [f[2] for f in cs.frames("<-") if f[0] == 2 and f[2] in (
            "StartTransaction", "MeterValues", "StopTransaction")]
        assert actions[0] == "StartTransaction" and actions[-1] == "StopTransaction"
        assert all(p.get("transactionId") == stop["transactionId"]
                   for p in meter_values(cs, 2))


def test_TC_032_2_power_failure_stops_the_transaction_after_power_returns(tmp_path,
                                                                         starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs:
        with starter(cs, state=tmp_path) as station:
            link = booted(cs)
            assert change(cs, link, "MeterValueSampleInterval", str(SAMPLE_S)) == "Accepted"
            start = charging(cs, station)
            last = wait_until(lambda: meter_values(cs, 1), 2 * SAMPLE_S, "MeterValues")[-1]
            power_off(station)
        booted_before = len(cs.requests("StatusNotification"))
        with starter(cs, state=tmp_path):
            stop = wait_until(lambda: cs.requests("StopTransaction"), 30, "StopTransaction")[0]
            wait_until(lambda: len(cs.requests("StatusNotification")) >= booted_before + 3, 10,
                       "the statuses after the boot")
            assert len(cs.requests("BootNotification")) == 2
            assert stop["reason"] == "PowerLoss"
            assert stop["transactionId"] == transaction_ids(cs)[0]
            energy = [v for v in last["meterValue"][0]["sampledValue"]
                      if v["measurand"] == "Energy.Active.Import.Register"][0]
            # The last known reading, not older than the last one the Central System saw.
            assert start["meterStart"] <= int(energy["value"]) <= stop["meterStop"]
            assert seconds(stop["timestamp"]) >= seconds(stamps([last])[0])
            data = stop["transactionData"]
            assert data[0]["sampledValue"][0]["context"] == "Transaction.Begin"
            assert data[-1]["sampledValue"][0]["context"] == "Transaction.End"
            after_boot = cs.requests("StatusNotification")[booted_before:]
            one = [p["status"] for p in after_boot if p["connectorId"] == 1]
            assert one[-1] in ("Preparing", "Finishing")
            assert [p["status"] for p in after_boot if p["connectorId"] == 2] == ["Available"]


def test_TC_005_2_ev_side_disconnected_stops_the_transaction(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert change(cs, link, "StopTransactionOnEVSideDisconnect", "true") == "Accepted"
        charging(cs, station)
        station.control("unplug 1")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 10, "StopTransaction")[0]
        assert stop["reason"] == "EVDisconnected"
        wait_until(lambda: cs.statuses(1)[-1][0] in ("Finishing", "Available"), 10,
                   "Finishing or Available")
        unlock = cs.run(link.call(call.UnlockConnector(connector_id=1)))
        assert unlock.status in ("Unlocked", "NotSupported")


def test_TC_005_3_ev_side_disconnected_keeps_the_transaction(starter=tc_station):
    with CentralThread(heartbeat_interval_s=60) as cs, starter(cs) as station:
        link = booted(cs)
        assert change(cs, link, "StopTransactionOnEVSideDisconnect", "false") == "Accepted"
        charging(cs, station)
        station.control("unplug 1")
        wait_until(lambda: [p for p in cs.requests("StatusNotification")
                            if p["connectorId"] == 1 and p.get("info") == "EV side disconnected"
                            and p["status"] in ("SuspendedEV", "SuspendedEVSE")], 10,
                   "SuspendedEV with info 'EV side disconnected'")
        assert cs.requests("StopTransaction") == []
        transaction_id = transaction_ids(cs)[0]
        answer = cs.run(link.call(call.RemoteStopTransaction(transaction_id=transaction_id)))
        assert answer.status == "Accepted"
        stop = wait_until(lambda: cs.requests("StopTransaction"), 10, "StopTransaction")[0]
        assert stop["reason"] == "Remote" and stop["transactionId"] == transaction_id
        wait_until(lambda: cs.statuses(1)[-1][0] in ("Finishing", "Available"), 10,
                   "Finishing or Available")
