"""The W5500-EVB-Pico board package (boards/w5500_evb_pico) run as the board runs it -- the
32-bit MicroPython, the device code in place from its ROMFS image, the RP2040's order of
heap (192 KB) -- on the machine/network stand-ins, its MFRC522 and PZEM-017 meter modelled
(host_tests/board_rig.py), against the bundled Central System over the host's loopback."""
from ocpp.v16 import call

from board_rig import BoardRig
from harness import CentralThread, wait_until

CARD = "04A1B2C3"


def booted(cs, identity):
    boot = wait_until(lambda: cs.requests("BootNotification"), 30, "BootNotification")[0]
    cs.wait_status(1, "Available", timeout_s=15)
    return boot, cs.link(identity)


def charging(cs, rig, link):
    assert cs.run(link.call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                     value="5"))).status == "Accepted"
    rig("plug")
    cs.wait_status(1, "Preparing")
    rig("tap " + CARD)
    cs.wait_status(1, "Charging", timeout_s=15)
    return cs.requests("StartTransaction")[-1]


def energy_values(cs):
    return [int(v["value"]) for p in cs.requests("MeterValues") for mv in p["meterValue"]
            for v in mv["sampledValue"]
            if v.get("measurand", "Energy.Active.Import.Register") ==
            "Energy.Active.Import.Register"]


def test_a_card_on_the_mfrc522_starts_a_session_the_modbus_meter_counts(tmp_path):
    with CentralThread() as cs, BoardRig(tmp_path, "w5500_evb_pico",
                                         cs.url() + "/CP-PICO") as rig:
        boot, link = booted(cs, "CP-PICO")
        assert boot["chargePointModel"] == "DCW-30-PICO"
        assert boot["meterType"] == "Peacefair PZEM-017"
        assert boot["chargePointSerialNumber"].startswith("W55-")
        # The RTC follows the Central System's time (BootNotification.conf).
        status = rig.wait(lambda s: s["rtc_sets"] >= 1, 10, "the RTC set")
        assert status["rtc"][0] >= 2025
        start = charging(cs, rig, link)
        assert start["idTag"] == CARD  # the UID as the idTag, upper-case hex
        rig.wait(lambda s: s["energy_wh"] >= start["meterStart"] + 15, 30, "15 Wh delivered")
        wait_until(lambda: [v for v in energy_values(cs) if v > start["meterStart"]], 15,
                   "a MeterValues with energy counted")
        rig("unplug")
        stop = wait_until(lambda: cs.requests("StopTransaction"), 15, "StopTransaction")[0]
        final = rig("status")
        assert stop["reason"] == "EVDisconnected"
        # What the meter counted, read from its registers over Modbus: never more.
        assert start["meterStart"] < stop["meterStop"] <= final["energy_wh"]
        assert all(start["meterStart"] <= v <= stop["meterStop"] for v in energy_values(cs))
        assert not final["contactor"] and final["setpoint_w"] == 0
        # Fed through the session, within the RP2040's longest watchdog timeout.
        watchdog = final["watchdog"]
        assert watchdog["timeout"] <= 8388 and watchdog["feeds"] >= 5
        assert watchdog["starved_ms"] < 3000


def test_a_meter_that_stops_answering_is_a_power_meter_failure_not_invented_values(tmp_path):
    with CentralThread() as cs, BoardRig(tmp_path, "w5500_evb_pico",
                                         cs.url() + "/CP-PICO") as rig:
        _, link = booted(cs, "CP-PICO")
        start = charging(cs, rig, link)
        rig.wait(lambda s: s["energy_wh"] >= start["meterStart"] + 5, 30, "5 Wh delivered")
        silenced_at_wh = rig("meter silent")["energy_wh"]
        cs.wait_status(1, "Faulted", "PowerMeterFailure", timeout_s=20)
        stop = wait_until(lambda: cs.requests("StopTransaction"), 15, "StopTransaction")[0]
        assert stop["reason"] == "Other"
        # Nothing the meter did not say: every value the station sent was read before it
        # fell silent, meterStop the last of them.
        assert start["meterStart"] <= stop["meterStop"] <= silenced_at_wh
        assert all(v <= silenced_at_wh for v in energy_values(cs))
        assert rig.logged("meter read failed")
        assert not rig("status")["contactor"]
        # It answers again: the fault clears.
        rig("meter answer")
        wait_until(lambda: cs.statuses(1)[-1][1] == "NoError", 20, "the fault cleared")
