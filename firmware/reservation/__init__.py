"""The Reservation profile (OCPP 1.6 sections 3.11, 5.1, 5.13; docs/reservation.md). An idle
station holds only the reservations in force, `station.reservations`: nothing of this
package stays loaded. Its rules (service.py) are loaded while a reservation is in force, for
each refresh and each card; ReserveNow and CancelReservation (requests.py) for each request;
its keys (keys.py) when the configuration needs them, with the station's own.

An entry: [reservationId, connectorId (0: any), idTag, parentIdTag or None, expiry (Unix s)].
"""
RESERVATIONS_FILE = "/reservations.json"  # in the board's state_dir
