"""The single RFID reader shared by both connectors: where a presented card goes.

1. To the connector waiting for identification (EV plugged, no transaction): authorize,
   then start a transaction there.
2. Else, if this tag started a running transaction, stop that transaction.
3. Else, authorize and hold the authorization for the next connector plugged within
   ConnectionTimeOut seconds.
"""
import asyncio

from firmware.config import INTEGER, Key


class Identification:
    def __init__(self, config, call, transactions, waiting_connector, may_charge, ticks_ms,
                 ticks_diff, log):
        config.declare(Key("ConnectionTimeOut", INTEGER, 60, minimum=1, maximum=3600))
        self._config = config
        self._call = call
        self._transactions = transactions
        self._waiting_connector = waiting_connector
        self._may_charge = may_charge
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._log = log
        self._lock = asyncio.Lock()
        self.held_tag = None
        self._held_ms = 0

    async def authorize(self, id_tag):
        """True when the Central System accepts id_tag now."""
        try:
            conf = await self._call("Authorize", {"idTag": id_tag})
        except Exception as error:  # offline authorization comes with the Core work
            self._log("auth: %s not authorized (%s: %s)" % (id_tag, type(error).__name__, error))
            return False
        status = conf["idTagInfo"]["status"]
        self._log("auth: %s %s" % (id_tag, status))
        return status == "Accepted"

    async def tap(self, id_tag):
        async with self._lock:  # one card at a time: each outcome changes the next one's
            await self._route(id_tag)

    async def _route(self, id_tag):
        connector_id = self._waiting_connector()
        if connector_id is not None:
            if self._may_charge() and await self.authorize(id_tag):
                if self._waiting_connector() == connector_id:
                    self._transactions.start(connector_id, id_tag)
            return
        running = self._transactions.of_tag(id_tag)
        if running is not None:
            self._transactions.stop(running.connector_id, "Local", id_tag)
            return
        if self._may_charge() and await self.authorize(id_tag):
            self.held_tag = id_tag
            self._held_ms = self._ticks_ms()

    def take_held_tag(self):
        """The authorization held for the next plug, if it is still within ConnectionTimeOut."""
        tag = self.held_tag
        self.held_tag = None
        if tag is None:
            return None
        timeout_ms = self._config.get("ConnectionTimeOut") * 1000
        if self._ticks_diff(self._ticks_ms(), self._held_ms) > timeout_ms:
            self._log("auth: %s expired before a connector was plugged" % tag)
            return None
        return tag
