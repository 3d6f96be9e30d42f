# The hardware-fault table (firmware/hardware_faults.py) against OCPP 1.6 section 7.6 and
# what the station does with each code (firmware/connector.py, firmware/core/status.py).
from firmware.connector import ERROR_CODES, FAULTS_THAT_SUSPEND, Inputs, stop_reason
from firmware.core.status import StatusService
from firmware.hardware_faults import FAULT_CODES, error_code

# What issue 24 lists, with the code the specification has for it (None: it has none).
SPECIFIED = {"reader_failure": "ReaderFailure", "meter_failure": "PowerMeterFailure",
             "contactor_welded": "PowerSwitchFailure",
             "contactor_failed_to_close": "PowerSwitchFailure", "emergency_stop": None,
             "door_open": None, "insulation_fault": "GroundFailure",
             "over_temperature": "HighTemperature"}


class Clock:
    def now_iso8601(self):
        return "2025-01-01T00:00:00Z"


def test_every_fault_has_its_specified_code_or_a_vendor_code():
    table = dict(FAULT_CODES)
    assert sorted(table) == sorted(SPECIFIED)
    for fault, code in SPECIFIED.items():
        if code is not None:
            assert table[fault] == code, fault
        else:
            assert table[fault] not in ERROR_CODES and 0 < len(table[fault]) <= 50, fault


def test_a_vendor_code_goes_as_other_error_with_it():
    status = StatusService(connector_count=1, clock=Clock(), ticks_ms=lambda: 0,
                           log=lambda line: None)
    for fault in ("emergency_stop", "door_open"):
        notification = status._notification(1, "Faulted", error_code((fault,)), None)
        assert notification["errorCode"] == "OtherError"
        assert notification["vendorErrorCode"] == dict(FAULT_CODES)[fault]


def test_what_each_fault_does_to_a_transaction():
    stops = ("contactor_welded", "contactor_failed_to_close", "insulation_fault",
             "meter_failure", "door_open", "emergency_stop")
    for fault, code in FAULT_CODES:
        inputs = Inputs()
        inputs.error_code = code
        assert (stop_reason(inputs) == "Other") == (fault in stops), fault
        assert (code in FAULTS_THAT_SUSPEND) == (fault not in stops), fault


def test_the_first_fault_by_precedence_is_reported():
    assert error_code(()) == "NoError"
    assert error_code(("reader_failure",)) == "ReaderFailure"
    assert error_code(["over_temperature", "contactor_welded"]) == "PowerSwitchFailure"
    assert error_code({"reader_failure", "meter_failure"}) == "PowerMeterFailure"
    try:
        error_code(("smoke",))
        raise AssertionError("an unknown fault was taken")
    except ValueError:
        pass
