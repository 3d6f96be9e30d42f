"""RemoteStartTransaction and RemoteStopTransaction (OCPP 1.6 sections 5.11, 5.12 and
errata 3.32/3.33): the answer says whether the station accepted the request; the work is
done right after the answer has been sent.

A remote start is Rejected for connector 0 or one the station does not have, for a connector
with a transaction, a fault, an inoperative state or another remote start waiting for its
plug, or reserved for another idTag (firmware.reservation), and while the station is not
accepted by the Central System. Without a connectorId the station takes the connector an EV
waits at, else the next one plugged. With
AuthorizeRemoteTxRequests true the idTag is authorized as for a card at the reader first.
A remote stop is Rejected unless a running transaction has the given transactionId.
"""
from firmware.core.identification import ANY_CONNECTOR
from firmware.core.reader import held_for

ACCEPTED = "Accepted"
REJECTED = "Rejected"


def answer(station, action, payload):
    """The station's handler of both requests, loaded for each (firmware.on_demand)."""
    handlers = {}
    Remote(config=station.config, identification=station.identification,
           transactions=station.transactions, connector_count=len(station.inputs),
           may_charge=station.may_charge, log=station.board.log,
           smart_charging=getattr(station, "smart_charging", None),
           reservation_rule=getattr(station, "reservation_rule", None)).register(handlers)
    return handlers[action](payload)


class Remote:
    def __init__(self, *, config, identification, transactions, connector_count, may_charge, log,
                 smart_charging=None, reservation_rule=None):
        self._smart_charging = smart_charging  # None: a station built without the profile
        self._reservation_rule = reservation_rule  # the same (firmware.station's)
        self._config = config
        self._identification = identification
        self._transactions = transactions
        self._connector_count = connector_count
        self._may_charge = may_charge
        self._log = log

    def register(self, handlers):
        handlers["RemoteStartTransaction"] = self.remote_start
        handlers["RemoteStopTransaction"] = self.remote_stop

    def _startable(self, connector_id, id_tag):
        identification = self._identification
        return (identification.waiting(connector_id) or identification.free(connector_id)) \
            and held_for(identification, connector_id) is None \
            and (self._reservation_rule is None or self._reservation_rule(
                "may_try", connector_id, id_tag, None) is not False)

    def remote_start(self, payload):
        id_tag = payload["idTag"]
        connector_id = payload.get("connectorId")
        if connector_id is None:
            connector_id = ANY_CONNECTOR
            possible = False
            for candidate in range(1, self._connector_count + 1):
                possible = possible or self._startable(candidate, id_tag)
        else:
            possible = 1 <= connector_id <= self._connector_count \
                and self._startable(connector_id, id_tag)
        if not possible or not self._may_charge() or not self._takes_profile(id_tag, payload):
            self._log("remote: start for %s on connector %s Rejected" % (id_tag, connector_id))
            return {"status": REJECTED}
        authorize_first = self._config.get("AuthorizeRemoteTxRequests")
        start = self._identification.remote_start
        return {"status": ACCEPTED}, lambda: start(id_tag, connector_id, authorize_first)

    def _takes_profile(self, id_tag, payload):
        """A chargingProfile (Smart Charging, section 5.16.2) the station will apply to the
        transaction, or none; without the profile the station ignores it."""
        profile = payload.get("chargingProfile")
        if profile is None or self._smart_charging is None:
            return True
        return self._smart_charging.call("take_remote_profile", id_tag,
                                         payload.get("connectorId"), profile)

    def remote_stop(self, payload):
        transaction_id = payload["transactionId"]
        for connector_id in range(1, self._connector_count + 1):
            transaction = self._transactions.on_connector(connector_id)
            if transaction is not None and transaction.transaction_id == transaction_id:
                stop = self._transactions.stop
                return {"status": ACCEPTED}, lambda: stop(connector_id, "Remote")
        self._log("remote: stop of unknown transaction %s Rejected" % transaction_id)
        return {"status": REJECTED}
