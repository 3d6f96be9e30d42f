"""Compliance cases of the Remote Trigger profile (OCTT TC_054 trigger message, TC_055
rejected) and TriggerMessage(BootNotification) while Pending and once accepted (errata
3.35), the station running as on a board (see host_tests/tc.py)."""
from tc import CentralThread, booted, call, charging, tc_station, wait_until


def trigger(cs, link, requested, connector_id=None):
    return cs.run(link.call(call.TriggerMessage(requested_message=requested,
                                                connector_id=connector_id))).status


def next_request(cs, action, seen):
    """The first `action` request after the `seen` ones; checks it came after its trigger's
    answer (5.17: the TriggerMessage.conf goes first)."""
    payload = wait_until(lambda: cs.requests(action)[seen:], 10, action)[0]
    frames = [f for f in cs.central.traffic if f[0] == "CP001"]
    answered = max(i for i, f in enumerate(frames) if f[1] == "<-" and f[2].startswith("[3,"))
    asked = max(i for i, f in enumerate(frames) if f[1] == "<-" and '"%s"' % action in f[2])
    assert answered < asked
    return payload


def test_TC_054_trigger_message(starter=tc_station):
    with CentralThread(heartbeat_interval_s=300) as cs, starter(cs) as station:
        link = booted(cs)
        start = charging(cs, station, 1)
        transaction_id = cs.answers_to("StartTransaction")[-1][2]["transactionId"]

        seen = len(cs.requests("MeterValues"))
        assert trigger(cs, link, "MeterValues", 1) == "Accepted"
        values = next_request(cs, "MeterValues", seen)
        assert values["connectorId"] == 1 and values["transactionId"] == transaction_id
        sampled = values["meterValue"][0]["sampledValue"]
        assert {v["context"] for v in sampled} == {"Trigger"}
        assert {v["measurand"] for v in sampled} >= {"Energy.Active.Import.Register",
                                                     "Voltage", "Current.Import"}
        energy = [v for v in sampled if v["measurand"] == "Energy.Active.Import.Register"]
        assert int(energy[0]["value"]) >= start["meterStart"]

        seen = len(cs.requests("Heartbeat"))
        assert trigger(cs, link, "Heartbeat") == "Accepted"
        assert next_request(cs, "Heartbeat", seen) == {}

        seen = len(cs.requests("StatusNotification"))
        assert trigger(cs, link, "StatusNotification", 1) == "Accepted"
        status = next_request(cs, "StatusNotification", seen)
        assert (status["connectorId"], status["status"]) == (1, "Charging")

        seen = len(cs.requests("DiagnosticsStatusNotification"))
        assert trigger(cs, link, "DiagnosticsStatusNotification") == "Accepted"
        assert next_request(cs, "DiagnosticsStatusNotification", seen) == {"status": "Idle"}

        seen = len(cs.requests("FirmwareStatusNotification"))
        assert trigger(cs, link, "FirmwareStatusNotification") == "Accepted"
        assert next_request(cs, "FirmwareStatusNotification", seen) == {"status": "Idle"}

        # Without connectorId: connector 0 and each connector.
        seen = len(cs.requests("StatusNotification"))
        assert trigger(cs, link, "StatusNotification") == "Accepted"
        statuses = wait_until(lambda: cs.requests("StatusNotification")[seen:][2:] and
                              cs.requests("StatusNotification")[seen:], 10, "three statuses")
        assert [(s["connectorId"], s["status"]) for s in statuses] == \
            [(0, "Available"), (1, "Charging"), (2, "Available")]
        seen = len(cs.requests("MeterValues"))
        assert trigger(cs, link, "MeterValues") == "Accepted"
        values = wait_until(lambda: cs.requests("MeterValues")[seen:][2:] and
                            cs.requests("MeterValues")[seen:], 10, "three MeterValues")
        assert [v["connectorId"] for v in values[:3]] == [0, 1, 2]
        assert "transactionId" not in values[0] and "transactionId" not in values[2]
        assert station.control("status")["connectors"][1]["transactionId"] == transaction_id


def test_TC_055_trigger_message_rejected(starter=tc_station):
    with CentralThread(heartbeat_interval_s=300) as cs, starter(cs) as station:
        link = booted(cs)
        seen = len(cs.requests("MeterValues"))
        assert trigger(cs, link, "MeterValues", 3) == "Rejected"  # NumberOfConnectors + 1
        assert trigger(cs, link, "StatusNotification", 3) == "Rejected"
        # Accepted after the boot: errata 3.35 recommends Rejected.
        assert trigger(cs, link, "BootNotification") == "Rejected"
        assert trigger(cs, link, "Heartbeat") == "Accepted"  # still answering the rest
        wait_until(lambda: cs.requests("Heartbeat"), 10, "the triggered Heartbeat")
        assert cs.requests("MeterValues")[seen:] == []
        assert len(cs.requests("BootNotification")) == 1
        assert station.alive


def test_triggered_boot_notification_while_pending_asks_again_at_once():
    with CentralThread(boot_status="Pending", heartbeat_interval_s=300) as cs, \
            tc_station(cs):
        wait_until(lambda: cs.answers_to("BootNotification"), 20, "pending boot")
        link = cs.link("CP001")
        assert trigger(cs, link, "Heartbeat") == "Rejected"  # nothing else before acceptance
        cs.central.boot_status = "Accepted"
        assert trigger(cs, link, "BootNotification") == "Accepted"
        # Pending told it to wait 300 s: the trigger cuts that short.
        wait_until(lambda: len(cs.requests("BootNotification")) == 2, 5, "the second boot")
        booted(cs)
        assert cs.requests("Heartbeat") == []


def extended(cs, link, requested, connector_id=None):
    return cs.run(link.call(call.ExtendedTriggerMessage(requested_message=requested,
                                                        connector_id=connector_id))).status


def test_extended_trigger_message():
    """Security whitepaper F06: the same messages, plus the security extension's own."""
    with CentralThread(heartbeat_interval_s=300) as cs, tc_station(cs):
        link = booted(cs)
        for requested, action in (("LogStatusNotification", "LogStatusNotification"),
                                  ("FirmwareStatusNotification",
                                   "SignedFirmwareStatusNotification")):
            seen = len(cs.requests(action))
            assert extended(cs, link, requested) == "Accepted"
            assert next_request(cs, action, seen) == {"status": "Idle"}
        seen = len(cs.requests("StatusNotification"))
        assert extended(cs, link, "StatusNotification", 2) == "Accepted"
        assert next_request(cs, "StatusNotification", seen)["connectorId"] == 2
        seen = len(cs.requests("Heartbeat"))
        assert extended(cs, link, "Heartbeat") == "Accepted"
        next_request(cs, "Heartbeat", seen)
        assert extended(cs, link, "MeterValues", 3) == "Rejected"
        assert extended(cs, link, "BootNotification") == "Rejected"  # accepted already
        assert extended(cs, link, "SignChargePointCertificate") == "Rejected"  # no CpoName


def reconnected(cs, link):
    """The Central System drops the connection; the station's next one (no reboot)."""
    cs.run(link._connection.close())
    return wait_until(lambda: cs.central.links.get("CP001") not in (None, link) and
                      cs.central.links["CP001"], 10, "the station's new connection")


def test_triggered_boot_notification_after_a_reconnect_until_accepted_on_it():
    # Errata 3.35: Rejected only from an accepted BootNotification "until the next
    # reset/reboot/reconnect" (Home Assistant asks on each restart of its own).
    with CentralThread(heartbeat_interval_s=300) as cs, tc_station(cs) as station:
        link = reconnected(cs, booted(cs))
        assert len(cs.requests("BootNotification")) == 1  # a reconnect sends none itself
        cs.central.heartbeat_interval_s = 120
        assert trigger(cs, link, "BootNotification") == "Accepted"
        boot = next_request(cs, "BootNotification", 1)
        assert boot["chargePointVendor"] and boot["chargePointModel"]
        wait_until(lambda: len(cs.answers_to("BootNotification")) == 2, 5, "its answer")
        assert trigger(cs, link, "BootNotification") == "Rejected"  # accepted on this one
        answer = cs.run(link.call(call.GetConfiguration(key=["HeartbeatInterval"])))
        assert answer.configuration_key[0]["value"] == "120"  # the new conf's interval
        assert station.alive


def test_triggered_boot_answered_pending_after_a_reconnect_holds_everything_but_charging():
    # Section 4.2 again: no new transaction and nothing sent but BootNotification until
    # accepted; the running transaction goes on, its messages queued and delivered after.
    with CentralThread(heartbeat_interval_s=300) as cs, tc_station(cs) as station:
        link = booted(cs)
        assert cs.run(link.call(call.ChangeConfiguration(
            key="MeterValueSampleInterval", value="5"))).status == "Accepted"
        charging(cs, station, 1)
        link = reconnected(cs, link)
        cs.central.boot_status = "Pending"
        assert trigger(cs, link, "BootNotification") == "Accepted"
        wait_until(lambda: len(cs.answers_to("BootNotification")) == 2, 5, "Pending")
        wait_until(lambda: station.control("status")["registration"] == "Pending", 5,
                   "the station pending")
        sent = len(cs.frames("<-"))
        station.control("plug 2")
        station.control("tap CARD-0002")
        assert trigger(cs, link, "Heartbeat") == "Rejected"
        wait_until(lambda: station.control("status")["queued"] >= 1, 7,
                   "a meter sample of the running transaction, queued")
        assert [f for f in cs.frames("<-")[sent:] if f[0] == 2] == []
        status = station.control("status")
        assert status["connectors"][1]["status"] == "Charging"
        assert status["connectors"][2]["transactionId"] is None

        cs.central.boot_status = "Accepted"
        assert trigger(cs, link, "BootNotification") == "Accepted"
        wait_until(lambda: len(cs.requests("BootNotification")) == 3, 5, "the third boot")
        transaction_id = cs.answers_to("StartTransaction")[-1][2]["transactionId"]
        wait_until(lambda: [m for m in cs.requests("MeterValues")
                            if m.get("transactionId") == transaction_id], 10,
                   "the queued MeterValues")
        assert len(cs.requests("StartTransaction")) == 1
        assert station.alive
