"""UnlockConnector (OCPP 1.6 section 5.18): the station's cables are fixed, with no lock.

UnlockStatus NotSupported means "no connector lock, or ConnectorId unknown" (errata 3.87),
so every request gets it: TC_017_2 and TC_018_2 (fixed cable, with and without a
transaction, which goes on) and TC_031 (unknown connector). UnlockFailed is only for a lock
that failed to open, which this hardware cannot report.
"""
from firmware.config import BOOLEAN, Key


def unlock_connector(payload):
    return {"status": "NotSupported"}


def register(config, handlers):
    # Errata 3.84: a fixed cable reports false and does not allow it to change.
    config.declare(Key("UnlockConnectorOnEVSideDisconnect", BOOLEAN, False, writable=False))
    handlers["UnlockConnector"] = unlock_connector
