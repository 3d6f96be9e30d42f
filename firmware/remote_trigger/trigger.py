"""TriggerMessage (OCPP 1.6 section 5.17, errata 3.35 and 3.46) and ExtendedTriggerMessage
(security whitepaper F06): the Central System asks for a message the station otherwise
sends on its own. The answer goes out first, the message right after it (the handler's
follow-up).

- BootNotification: Accepted while the station waits for acceptance (Pending), which asks
  again at once, and on a new connection until a BootNotification is accepted on it;
  Rejected after that, as errata 3.35 recommends (firmware.core.registration).
- Heartbeat, now.
- StatusNotification: the present status of the given connector, or of connector 0 and every
  connector without one; queued behind the notifications not yet delivered, so the Central
  System never sees an older status after the present one.
- MeterValues: the present readings of MeterValuesSampledData (context Trigger) of the given
  connector, or of connector 0 and every connector; with the transactionId of a transaction
  running there. Sent at once and not kept in flash: it is not transaction history.
- DiagnosticsStatusNotification: Uploading while a GetDiagnostics upload runs
  (firmware.firmware_management keeps its task in `station.diagnostics`), else Idle (4.4).
- FirmwareStatusNotification: the status of the UpdateFirmware running (Downloading,
  Downloaded, Installing: `station.firmware_status`, firmware.firmware_management.update),
  else Idle.
- From ExtendedTriggerMessage, FirmwareStatusNotification means
  SignedFirmwareStatusNotification, with the last status a signed update sent and its
  requestId, or Idle before any and once Installed (L01.FR.28, L01.FR.29);
  LogStatusNotification is Uploading, with its requestId, while a GetLog upload runs, else
  Idle.
- SignChargePointCertificate (extended only): a new key pair and its CSR in
  SignCertificate.req (firmware.security.charge_point_certificate); Rejected while CpoName is empty.
A connectorId the station does not have is Rejected (TC_055); so is every message but
BootNotification before the station is accepted (4.2: nothing else is sent until then).
"""
from firmware.core.heartbeat import beat
from firmware.core.metering import meter_value, station_meter_value

ACCEPTED = {"status": "Accepted"}
REJECTED = {"status": "Rejected"}
TRIGGER = "Trigger"
IDLE = {"status": "Idle"}
# What ExtendedTriggerMessage's names stand for where they differ from TriggerMessage's.
EXTENDED_AS = {"FirmwareStatusNotification": "SignedFirmwareStatusNotification"}
UPLOADING = {"status": "Uploading"}
# The security extension's notifications: what its service says they carry now.
SECURITY_STATUS = {"SignedFirmwareStatusNotification": "firmware_status",
                   "LogStatusNotification": "log_status"}


def answer(station, action, payload):
    """The station's handler of both requests, loaded for each (firmware.on_demand)."""
    requested = payload["requestedMessage"]
    if action == "ExtendedTriggerMessage":
        if requested == "SignChargePointCertificate":
            start = station.security.call("certificate_request")
            return REJECTED if start is None else (ACCEPTED, start)
        requested = EXTENDED_AS.get(requested, requested)
    connector_id = payload.get("connectorId")
    count = len(station.inputs)
    if connector_id is not None and not 0 <= connector_id <= count:
        return REJECTED
    connector_ids = range(count + 1) if connector_id is None else (connector_id,)
    if requested == "BootNotification":
        if station.registration.accepted_on_connection:
            return REJECTED
        return ACCEPTED, station.registration.ask_again
    if not station.registration.accepted:
        return REJECTED
    call = station.link.call
    if requested == "Heartbeat":
        return ACCEPTED, lambda: beat(call, station.clock, station.board.log)
    if requested == "StatusNotification":
        return ACCEPTED, lambda: _report_status(station.status, connector_ids)
    if requested == "MeterValues":
        return ACCEPTED, lambda: _send_meter_values(station, call, connector_ids)
    if requested in SECURITY_STATUS:
        status = station.security.call(SECURITY_STATUS[requested])
        return ACCEPTED, lambda: call(requested, status)
    # Diagnostics- or FirmwareStatusNotification (the schemas allow nothing else)
    status = FIRMWARE_MANAGEMENT_STATUS[requested](station)
    return ACCEPTED, lambda: call(requested, status)


def _diagnostics_status(station):
    upload = station.diagnostics  # the holder of the running upload's task, if any
    return UPLOADING if upload and not upload[0].done() else IDLE


def _firmware_status(station):
    status = getattr(station, "firmware_status", None)  # set while an update runs
    return {"status": status} if status else IDLE


# The Firmware Management profile's notifications: what they carry now, read from the
# station (profile packages do not import one another).
FIRMWARE_MANAGEMENT_STATUS = {"DiagnosticsStatusNotification": _diagnostics_status,
                              "FirmwareStatusNotification": _firmware_status}


async def _send_meter_values(station, call, connector_ids):
    ios = station.board.connectors
    measurands = station.transactions.metering.sampled()
    timestamp = station.clock.now_iso8601()
    for connector_id in connector_ids:
        if connector_id == 0:
            value = station_meter_value(timestamp, ios, measurands, TRIGGER)
        else:
            value = meter_value(timestamp, ios[connector_id - 1], measurands, TRIGGER)
        if value is None:  # e.g. only SoC configured and no EV there to tell it
            continue
        payload = {"connectorId": connector_id, "meterValue": [value]}
        transaction = station.transactions.on_connector(connector_id)
        if transaction is not None and transaction.transaction_id is not None:
            payload["transactionId"] = transaction.transaction_id
        await call("MeterValues", payload)


def _report_status(status, connector_ids):
    for connector_id in connector_ids:
        status.report(connector_id)
