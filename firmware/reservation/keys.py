"""The Reservation profile's configuration keys (OCPP 1.6 section 9.3), made with the station's
own by its maker (firmware.station), at boot and whenever the configuration needs them."""
from firmware.config import BOOLEAN, Key


def keys(board):
    # ReserveConnectorZeroSupported is read-only (9.3.1): the board's, true unless it says
    # otherwise. ReservationEnabled is ours (OCPP 2.0.1's ReservationCtrlr.Enabled): false,
    # the station "is configured not to accept reservations" and answers Rejected (5.13).
    return (Key("ReserveConnectorZeroSupported", BOOLEAN,
                getattr(board, "reserve_connector_zero", True), writable=False),
            Key("ReservationEnabled", BOOLEAN, True))
