# Transactions (firmware/core/transactions.py): sampled and clock-aligned meter values, the
# StopTransaction transactionData, StopTransaction PowerLoss after a power cut (AQ-7.2),
# StartTransaction.conf not Accepted (errata 3.17, C-03), flash writes per session.
import asyncio

from firmware.core.tx_messages import STOP_TXN_MAX_METER_VALUES
from tx_fakes import START_S, Central, Rig, deliver, folder
from firmware.clock import format_iso8601


def queued(rig, action=None):
    return [m.payload for m in rig.messages if action is None or m.action == action]


def contexts(meter_value):
    return {v["context"] for v in meter_value["sampledValue"]}


def measurands(meter_value):
    return [v["measurand"] for v in meter_value["sampledValue"]]


def test_TC_070_sampled_values_every_interval_from_the_start():
    rig = Rig(folder("sampled"), settings={"MeterValueSampleInterval": "5"})
    rig.advance(1.5)
    rig.transactions.start(1, "TAG1")
    rig.advance(15.25)
    values = queued(rig, "MeterValues")
    stamps = [p["meterValue"][0]["timestamp"] for p in values]
    start_s = START_S + 1
    assert stamps == [format_iso8601(start_s + 5 * k) for k in (1, 2, 3)]
    for payload in values:
        value = payload["meterValue"][0]
        assert payload["connectorId"] == 1 and contexts(value) == {"Sample.Periodic"}
        assert measurands(value) == ["Energy.Active.Import.Register", "Power.Active.Import",
                                     "Voltage", "Current.Import", "SoC"]
        units = {v["measurand"]: (v["unit"], v.get("location")) for v in value["sampledValue"]}
        assert units["Energy.Active.Import.Register"] == ("Wh", "Outlet")
        assert units["SoC"] == ("Percent", "EV")


def test_TC_070_configured_measurands_and_energy_when_empty():
    rig = Rig(folder("configured"), settings={"MeterValueSampleInterval": "5",
                                              "MeterValuesSampledData": "SoC,Voltage"})
    rig.transactions.start(1, "TAG1")
    rig.advance(5)
    assert measurands(queued(rig, "MeterValues")[-1]["meterValue"][0]) == ["SoC", "Voltage"]
    assert rig.config.change("MeterValuesSampledData", "") == "Accepted"
    rig.advance(5)
    assert measurands(queued(rig, "MeterValues")[-1]["meterValue"][0]) == [
        "Energy.Active.Import.Register"]


def test_sampling_off_sends_nothing_but_keeps_the_reading_once_a_minute():
    rig = Rig(folder("off"), settings={"MeterValueSampleInterval": "0"})
    rig.transactions.start(1, "TAG1")
    writes = rig.messages.flash_writes
    rig.ios[0].wh += 500
    rig.advance(61)
    assert queued(rig, "MeterValues") == []
    assert rig.messages.flash_writes == writes + 1
    assert rig.reboot().messages.transactions[1].last_wh == 1500


def test_unsupported_measurands_are_rejected_and_max_lengths_read_only():
    rig = Rig(folder("keys"))
    for key in ("MeterValuesSampledData", "MeterValuesAlignedData", "StopTxnSampledData",
                "StopTxnAlignedData"):
        assert rig.config.change(key, "Energy.Active.Import.Register,Frequency") == "Rejected"
        assert rig.config.change(key, "Voltage,Voltage") == "Rejected"
        assert rig.config.change(key, "SoC,Current.Import") == "Accepted"
        assert rig.config.get(key) == ["SoC", "Current.Import"]
        assert rig.config.change(key + "MaxLength", "5") == "Rejected"
        assert rig.config.get(key + "MaxLength") == 10
    assert rig.config.change("StopTransactionMaxMeterValues", "20") == "Rejected"
    assert rig.config.get("StopTransactionMaxMeterValues") == 10
    for value in ("4", "61", "-1"):
        assert rig.config.change("MeterValueSampleInterval", value) == "Rejected"
    for value in ("0", "5", "60"):
        assert rig.config.change("MeterValueSampleInterval", value) == "Accepted"


def test_TC_071_clock_aligned_on_every_connector_and_connector_0():
    rig = Rig(folder("aligned"), settings={"MeterValueSampleInterval": "0",
                                           "ClockAlignedDataInterval": "20"})
    rig.advance(3)
    rig.transactions.start(2, "TAG2")
    rig.advance(42)
    values = queued(rig, "MeterValues")
    assert [p["connectorId"] for p in values] == [0, 1, 2, 0, 1, 2]
    for payload in values:
        value = payload["meterValue"][0]
        assert contexts(value) == {"Sample.Clock"}
        assert value["timestamp"][17:19] in ("00", "20", "40")
    assert values[0]["meterValue"][0]["timestamp"] == format_iso8601(START_S + 20)
    assert values[3]["meterValue"][0]["timestamp"] == format_iso8601(START_S + 40)
    station = values[0]["meterValue"][0]["sampledValue"][0]
    assert station["value"] == "3000"  # the sum of both meters
    # Errata 3.16: the transaction's values carry it; the others are no transaction's.
    transaction = rig.transactions.on_connector(2)
    assert [m.transaction for m in rig.messages._queue if m.action == "MeterValues"] == [
        None, None, transaction, None, None, transaction]


def test_stop_carries_begin_samples_and_end_bounded_by_max_meter_values():
    rig = Rig(folder("stopdata"), settings={"MeterValueSampleInterval": "5"})
    rig.transactions.start(1, "TAG1")
    for _ in range(40):
        rig.ios[0].wh += 100
        rig.advance(5)
    rig.transactions.stop(1, "Local", "TAG1")
    data = queued(rig, "StopTransaction")[0]["transactionData"]
    assert len(data) <= STOP_TXN_MAX_METER_VALUES
    assert contexts(data[0]) == {"Transaction.Begin"} and contexts(data[-1]) == {
        "Transaction.End"}
    assert {c for value in data[1:-1] for c in contexts(value)} == {"Sample.Periodic"}
    registers = [int(v["sampledValue"][0]["value"]) for v in data]
    assert registers == sorted(registers) and registers[0] == 1000 and registers[-1] == 5000
    stamps = [v["timestamp"] for v in data]
    assert stamps == sorted(stamps)


def test_no_stop_measurands_no_transaction_data():
    # Errata 3.14.5.
    rig = Rig(folder("nostopdata"), settings={"MeterValueSampleInterval": "5",
                                              "StopTxnSampledData": "",
                                              "StopTxnAlignedData": ""})
    rig.transactions.start(1, "TAG1")
    rig.advance(10)
    rig.transactions.stop(1, "Local", "TAG1")
    assert "transactionData" not in queued(rig, "StopTransaction")[0]


async def test_TC_032_2_power_cut_stops_with_power_loss_and_the_register_at_boot():
    # Issue 16: the meter keeps its register through the cut, so the energy up to the cut
    # is the register read at boot, not the last sample saved before it.
    path = folder("powerloss")
    rig = Rig(path, settings={"MeterValueSampleInterval": "5"})
    rig.transactions.start(1, "TAG1")
    central = Central()
    await deliver(rig, central)
    rig.ios[0].wh = 1700
    rig.advance(10)
    rig.ios[0].wh = 1800  # after the last sample, up to the cut
    rebooted = rig.reboot()
    assert rebooted.transactions.interrupted == [1]
    assert rebooted.transactions.on_connector(1) is None
    stop = queued(rebooted, "StopTransaction")[0]
    assert stop["reason"] == "PowerLoss" and stop["meterStop"] == 1800
    # The time of the cut is not known: the last one known before it.
    assert stop["timestamp"] == format_iso8601(START_S + 10)
    assert contexts(stop["transactionData"][0]) == {"Transaction.Begin"}
    end = stop["transactionData"][-1]
    assert contexts(end) == {"Transaction.End"} and end["sampledValue"][0]["value"] == "1800"
    await deliver(rebooted, central)
    assert central.actions() == ["StartTransaction", "MeterValues", "MeterValues",
                                 "StopTransaction"]
    assert central.sent[-1][1]["transactionId"] == 101
    assert rig.reboot().transactions.interrupted == []  # stopped once only


def test_power_cut_then_another_meter_or_a_lower_register_stops_at_the_last_saved_reading():
    # Issue 16: a register that is not this transaction's meter's, or went back, is not
    # billed; the last saved reading is, and the log says why.
    for name, change in (("replaced", lambda io: setattr(io, "serial", "DCM-9")),
                         ("went_back", lambda io: setattr(io, "wh", 1200)),
                         ("unreadable", lambda io: setattr(io, "failure", OSError(5)))):
        rig = Rig(folder("powerloss_" + name), settings={"MeterValueSampleInterval": "5"})
        rig.transactions.start(1, "TAG1")
        rig.ios[0].wh = 1700
        rig.advance(5)
        rig.ios[0].wh = 1800
        change(rig.ios[0])
        rebooted = rig.reboot()
        stop = queued(rebooted, "StopTransaction")[0]
        assert stop["reason"] == "PowerLoss" and stop["meterStop"] == 1700, name
        said = [line for line in rebooted.lines if "last saved reading" in line]
        assert len(said) == 1 and "connector 1" in said[0], (name, rebooted.lines)
        assert {"replaced": "DCM-9", "went_back": "1200", "unreadable": "OSError"}[name] \
            in said[0], said


def test_stop_ends_delivery_then_reads_meter_stop_once_the_current_has_stopped():
    # Issue 16: energy the power stage delivers while it ramps down belongs to the
    # transaction, not to the next one.
    rig = Rig(folder("stop_waits"))
    io = rig.ios[0]
    rig.transactions.start(1, "TAG1")
    assert io.energized
    io.power = 135000
    rig.transactions.stop(1, "Local", "TAG1")
    assert not io.energized  # delivery ends first
    assert queued(rig, "StopTransaction") == []  # the current still flows
    assert rig.transactions.on_connector(1) is not None  # no new start there meanwhile
    io.wh += 20
    io.power = 40000
    rig.advance(0.25)
    assert queued(rig, "StopTransaction") == []
    io.wh += 5
    io.power = 0
    rig.advance(0.25)
    stop = queued(rig, "StopTransaction")[0]
    assert stop["meterStop"] == 1025 and stop["reason"] == "Local"
    assert stop["transactionData"][-1]["sampledValue"][0]["value"] == "1025"
    assert rig.transactions.on_connector(1) is None
    assert rig.transactions.start(1, "TAG2") is not None
    assert queued(rig, "StartTransaction")[-1]["meterStart"] == 1025


def test_current_past_the_board_timeout_is_a_power_switch_failure():
    rig = Rig(folder("stuck_switch"))
    io = rig.ios[0]
    io.deenergize_timeout_ms = 1000
    rig.transactions.start(1, "TAG1")
    io.power = 50000
    rig.transactions.stop(1, "Local", "TAG1")
    rig.advance(0.75)
    io.wh += 14
    assert queued(rig, "StopTransaction") == []
    rig.advance(0.5)
    assert queued(rig, "StopTransaction")[0]["meterStop"] == 1014
    assert rig.transactions.switch_failed == [True, False]
    assert [line for line in rig.lines if "PowerSwitchFailure" in line] == [
        "output: connector 1: current flows though switched off: PowerSwitchFailure"]


async def test_a_meter_read_that_raises_at_a_stop_still_journals_the_stop():
    # Issue 16: the stop is kept, with the last good reading, flagged.
    rig = Rig(folder("meter_fails"), settings={"MeterValueSampleInterval": "5"})
    rig.transactions.start(1, "TAG1")
    rig.ios[0].wh = 1400
    rig.advance(5)
    rig.ios[0].failure = OSError(5)
    rig.advance(3)
    rig.transactions.stop(1, "Local", "TAG1")
    stop = queued(rig, "StopTransaction")[0]
    assert stop["meterStop"] == 1400 and stop["reason"] == "Local"
    assert stop["timestamp"] == format_iso8601(START_S + 8)
    end = stop["transactionData"][-1]
    # Its Transaction.End value is the last good reading, stamped when it was taken.
    assert contexts(end) == {"Transaction.End"} and end["timestamp"] == format_iso8601(
        START_S + 5)
    assert end["sampledValue"] == [{"value": "1400", "context": "Transaction.End",
                                    "measurand": "Energy.Active.Import.Register",
                                    "location": "Outlet", "unit": "Wh"}]
    assert any("meter read failed" in line and "OSError" in line for line in rig.lines)
    assert rig.transactions.on_connector(1) is None
    rebooted = rig.reboot()
    assert rebooted.transactions.interrupted == []  # stopped once, as Local
    assert [m.action for m in rebooted.messages] == ["StartTransaction", "MeterValues",
                                                     "StopTransaction"]
    await deliver(rebooted, Central())


def test_a_meter_lost_between_samples_bills_its_reading_of_a_second_before():
    # A meter (or the I/O controller it hangs on) that stops answering long after the last
    # reading kept in flash (sampling off: one a minute): meterStop is what it said a second
    # before, and the failure is told once, not at every tick.
    rig = Rig(folder("meter_lost"), settings={"MeterValueSampleInterval": "0"})
    rig.transactions.start(1, "TAG1")
    rig.advance(240)
    rig.ios[0].wh = 1000 + 2000  # 2 kWh since the reading kept at 240 s
    rig.advance(1)
    rig.ios[0].failure = OSError(5)
    rig.advance(10)
    rig.transactions.stop(1, "Local", "TAG1")
    stop = queued(rig, "StopTransaction")[0]
    assert stop["meterStop"] == 3000
    failed = [line for line in rig.lines if "meter read failed" in line]
    assert len(failed) == 2, rig.lines  # when it began, and the stop's own fallback
    assert not [line for line in rig.lines if "sampling failed" in line]


def test_an_ev_reading_that_raises_at_a_stop_leaves_the_register_in_transaction_end():
    rig = Rig(folder("soc_fails"), settings={"StopTxnSampledData": "Energy.Active.Import."
                                             "Register,SoC"})
    rig.transactions.start(1, "TAG1")
    rig.ios[0].wh = 1300

    def no_soc():
        raise OSError(110)  # the EV stopped answering on its bus

    rig.ios[0].soc = no_soc
    rig.transactions.stop(1, "Local", "TAG1")
    stop = queued(rig, "StopTransaction")[0]
    assert stop["meterStop"] == 1300
    end = stop["transactionData"][-1]
    assert [v["measurand"] for v in end["sampledValue"]] == ["Energy.Active.Import.Register"]
    assert end["sampledValue"][0]["value"] == "1300"


def test_power_cut_before_any_answer_keeps_start_then_power_loss_stop():
    rig = Rig(folder("powerloss_offline"))
    rig.transactions.start(2, "TAG2")
    rebooted = rig.reboot()
    assert [m.action for m in rebooted.messages] == ["StartTransaction", "StopTransaction"]


async def test_invalid_id_with_stop_on_invalid_id_stops_deauthorized():
    rig = Rig(folder("invalid_stop"))
    rig.transactions.start(1, "BAD")
    central = Central()
    central.status = "Invalid"
    await deliver(rig, central)
    assert rig.transactions.on_connector(1) is None
    assert central.actions() == ["StartTransaction", "StopTransaction"]
    assert central.sent[1][1]["reason"] == "DeAuthorized" and not rig.ios[0].energized


async def test_invalid_id_without_stop_suspends_after_max_energy():
    rig = Rig(folder("invalid_suspend"), settings={"StopTransactionOnInvalidId": "false",
                                                   "MaxEnergyOnInvalidId": "300"})
    transaction = rig.transactions.start(1, "BAD")
    central = Central()
    central.status = "Blocked"
    await deliver(rig, central)
    assert rig.transactions.on_connector(1) is transaction and rig.ios[0].energized
    rig.ios[0].wh += 299
    rig.advance(1)
    assert rig.ios[0].energized and not transaction.suspended
    rig.ios[0].wh += 1
    rig.advance(1)
    assert not rig.ios[0].energized and transaction.suspended
    assert rig.transactions.on_connector(1) is transaction  # still running: SuspendedEVSE


async def test_id_tag_info_of_start_and_stop_reaches_the_authorization_cache():
    rig = Rig(folder("idtaginfo"))
    seen = []
    rig.transactions.on_id_tag_info = lambda tag, info: seen.append((tag, info["status"]))
    rig.transactions.start(1, "TAG1")
    rig.transactions.stop(1, "Local", "TAG1")
    await deliver(rig, Central())
    assert seen == [("TAG1", "Accepted")]


async def test_flash_writes_per_session_follow_the_samples_not_the_seconds():
    rig = Rig(folder("writes"), settings={"MeterValueSampleInterval": "60"})
    central = Central(keep=False)
    before = rig.messages.flash_writes
    rig.transactions.start(1, "TAG1")
    for _ in range(60):  # a one-hour session, delivered as it goes
        rig.advance(60)
        await deliver(rig, central)
    rig.transactions.stop(1, "Local", "TAG1")
    await deliver(rig, central)
    writes = rig.messages.flash_writes - before
    # start + its delivery, per sample one record and its delivery, stop + its delivery,
    # and compactions.
    assert writes <= 2 + 2 * 60 + 2 + 4, writes


async def test_a_failing_tick_is_logged_and_sampling_goes_on():
    rig = Rig(folder("tick_fails"))
    ticks = []

    def tick():
        ticks.append(1)
        if len(ticks) == 1:
            raise MemoryError("memory allocation failed, allocating 867 bytes")

    rig.transactions.tick = tick
    sampler = asyncio.create_task(rig.transactions.sample_forever())
    for _ in range(40):
        await asyncio.sleep(0.05)
        if len(ticks) >= 2:
            break
    sampler.cancel()
    assert len(ticks) >= 2
    assert any("sampling failed: MemoryError" in line for line in rig.lines)
