"""UnlockConnector (OCPP 1.6 section 5.18): the station's cables are fixed, with no lock.

UnlockStatus NotSupported means "no connector lock, or ConnectorId unknown" (errata 3.87),
so every request gets it: TC_017_2 and TC_018_2 (fixed cable, with and without a
transaction, which goes on) and TC_031 (unknown connector). UnlockFailed is only for a lock
that failed to open, which this hardware cannot report. Its configuration key is the
station's (UnlockConnectorOnEVSideDisconnect, read-only false: errata 3.84).
"""


def answer(station, action, payload):
    """The station's handler, loaded for each request (firmware.on_demand)."""
    return {"status": "NotSupported"}
