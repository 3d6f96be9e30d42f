"""The ESP32-POE-ISO board package (boards/esp32_eth) on the machine/network stand-ins under
CPython (the device code runs unchanged on both interpreters), its PN532 and PZEM-017 meter
modelled (host_tests/board_rig.py), against the bundled Central System over loopback: a
session, and the station-wide faults of firmware/hardware_faults.py."""
from board_rig import BoardRig
from harness import CentralThread, wait_until

CARD = "04C0FFEE"


def test_a_card_on_the_pn532_starts_a_session_and_the_station_wide_faults_stop_it(tmp_path):
    with CentralThread() as cs, BoardRig(tmp_path, "esp32_eth", cs.url() + "/CP-ESP",
                                         runtime="cpython",
                                         network={"ip": "192.168.7.20",
                                                  "netmask": "255.255.255.0",
                                                  "gateway": "192.168.7.1",
                                                  "dns": "192.168.7.1"}) as rig:
        boot = wait_until(lambda: cs.requests("BootNotification"), 30, "BootNotification")[0]
        assert boot["chargePointModel"] == "DCW-30-ESP32"
        assert rig.logged("board: Ethernet static 192.168.7.20")
        cs.wait_status(1, "Available", timeout_s=15)
        rig("plug")
        rig("tap " + CARD)
        cs.wait_status(1, "Charging", timeout_s=15)
        assert cs.requests("StartTransaction")[-1]["idTag"] == CARD
        # Over-temperature: derated through the setpoint first, then HighTemperature, which
        # suspends the session with the output off until it has cooled.
        full = rig.wait(lambda s: s["setpoint_w"] > 0, 10, "the setpoint")["setpoint_w"]
        rig("temp 80")
        rig.wait(lambda s: 0 < s["setpoint_w"] < full, 10, "the derated setpoint")
        rig("temp 90")
        cs.wait_status(1, "Faulted", "HighTemperature", timeout_s=10)
        assert not rig("status")["contactor"]
        rig("temp 40")
        cs.wait_status(1, "Charging", timeout_s=10)
        # The insulation monitor trips: GroundFailure, and the transaction stops.
        rig("insulation on")
        cs.wait_status(1, "Faulted", "GroundFailure", timeout_s=10)
        stop = wait_until(lambda: cs.requests("StopTransaction"), 15, "StopTransaction")[0]
        assert stop["reason"] == "Other"
        rig("insulation off")
        # The emergency stop: the station Unavailable, the connector's vendor code.
        rig("estop on")
        wait_until(lambda: [p for p in cs.requests("StatusNotification")
                            if p["connectorId"] == 0 and p["status"] == "Unavailable"], 10,
                   "the station Unavailable")
        faulted = wait_until(lambda: [p for p in cs.requests("StatusNotification")
                                      if p.get("vendorErrorCode") == "EmergencyStop"], 10,
                             "the emergency stop's vendor code")[-1]
        assert faulted["errorCode"] == "OtherError"
        rig("estop off")
        rig("door open")
        wait_until(lambda: [p for p in cs.requests("StatusNotification")
                            if p.get("vendorErrorCode") == "DoorOpen"], 10, "DoorOpen")
        rig("door closed")
        # The reader stops answering: ReaderFailure after its 3 failed polls.
        rig("reader_dead")
        cs.wait_status(1, "Faulted", "ReaderFailure", timeout_s=10)
