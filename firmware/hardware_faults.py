"""The hardware faults a board package detects, and the code its connectors' `error_code()`
returns for each (boards/README.md): the OCPP 1.6 ChargePointErrorCode that section 7.6
lists for it, or, for a fault no code there names, a vendor code, which the station sends
as OtherError with that vendorErrorCode (firmware/core/status.py).

What the station then does follows from the code (firmware/connector.py): a transaction
stops (reason Other) at PowerSwitchFailure, GroundFailure, PowerMeterFailure and a vendor
code, and waits with its output off through HighTemperature and ReaderFailure. An emergency
stop is also the board's `emergency_stop()`, which stops every transaction with reason
EmergencyStop and makes the station Unavailable; its code here says why each connector is
Faulted meanwhile.

The faults in order of precedence: a connector with several reports the first, those that
end a transaction before those it outlives.
"""
NO_ERROR = "NoError"
FAULT_CODES = (
    ("emergency_stop", "EmergencyStop"),  # a vendor code: 7.6 has none for it
    # 7.6 "Failure to control power switch": the feedback contact shows the contactor
    # closed while the firmware opened it, or open while it closed it.
    ("contactor_welded", "PowerSwitchFailure"),
    ("contactor_failed_to_close", "PowerSwitchFailure"),
    # 7.6 "Ground fault circuit interrupter has been activated": on a DC output, the
    # insulation monitor (IEC 61851-23) is what trips on a fault to ground.
    ("insulation_fault", "GroundFailure"),
    ("door_open", "DoorOpen"),  # door or tamper switch: a vendor code
    ("meter_failure", "PowerMeterFailure"),  # "Failure to read ... meter" (lib/modbus)
    ("over_temperature", "HighTemperature"),  # "Temperature inside Charge Point is too high"
    ("reader_failure", "ReaderFailure"),  # "Failure with idTag reader" (lib/rfid)
)


def error_code(faults):
    """The code for a connector with the faults named in `faults` (a collection of the names
    above): the first by precedence, NoError for none. A name not in the table is a board's
    mistake: ValueError."""
    for fault in faults:
        if not any(name == fault for name, _ in FAULT_CODES):
            raise ValueError("hardware fault %r" % (fault,))
    for name, code in FAULT_CODES:
        if name in faults:
            return code
    return NO_ERROR
