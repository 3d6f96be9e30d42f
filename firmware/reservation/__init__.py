"""The Reservation profile (OCPP 1.6 sections 3.11, 5.1, 5.13; docs/reservation.md) as an
idle station holds it: the reservations in force, and nothing of their code. The rules
(service.py) are loaded when a reservation is in force, for each refresh and each card;
ReserveNow and CancelReservation (requests.py) for each request.

The station asks `reserved()` at each refresh (which connectors show Reserved, and the
reservations that expired or whose connector faulted end there); Identification asks the
service whether a card may start on a connector, and takes the reservation a start ends.
"""
from firmware import on_demand

RESERVATIONS_FILE = "/reservations.json"  # in the board's state_dir
SERVICE = "firmware.reservation.service"
# An entry: [reservationId, connectorId (0: any), idTag, parentIdTag or None, expiry (Unix s)]


class Reservations:
    def __init__(self, *, station):
        self.station = station  # its board (log, state_dir), configuration, connectors
        self.entries = []
        made_again = self.keys
        for key in made_again():
            station.config.declare(key, made_again)
        try:
            open(station.board.state_dir + RESERVATIONS_FILE).close()
        except OSError:  # none in force
            return
        self.call("load")

    def keys(self):
        """Makes its configuration keys (the configuration's maker of them)."""
        return on_demand.call("firmware.reservation.keys", "keys", self.station.board)

    def call(self, name, *args):
        """firmware.reservation.service.<name>(self, *args), its code loaded for the call."""
        return on_demand.call(SERVICE, name, self, *args)

    def reserved(self):
        """The connectors that show Reserved now; ends the reservations that expired or whose
        connector can no longer be used."""
        return self.call("update") if self.entries else ()
