"""The security extension (OCPP 1.6 security whitepaper, edition 3) as an idle station holds
it: this object's state and nothing of its code. Every call goes to
firmware.security.services (what a boot and an idle station use), loaded for it and
unloaded after it (firmware.on_demand), or, for what that does not hold, to
firmware.security.requests, which imports firmware.security.changes. They import one way
(requests, changes, services); services reaches the others only through this object. Its
configuration keys, request handler and hooks are stand-ins here that do the same.
"""
import asyncio

from firmware import on_demand

SERVICES = "firmware.security.services"

# How often the station checks its own certificate (A03) and its flash (MemoryExhaustion).
DAILY_S = 24 * 3600


class Security:
    def __init__(self, *, station):
        self.station = station
        self.profile = None  # the SecurityProfile the link connects with
        self.pending = None  # security events to send, read from flash at boot (security/log.py)
        self.wake = None  # the outbound queue's Event (firmware.outbound), set by its add()
        self.uploads = []  # [task, requestId] of the GetLog upload running, if any
        self.updates = []  # the firmware update running, if any
        self.last_firmware_status = None  # the last SignedFirmwareStatusNotification sent
        self.last_connect_event = None  # (type, techInfo) of the last failed connection
        self.last_event_ms = {}  # source: board ticks of its last rate-limited event
        self.with_fallback_root = False  # M05.FR.13: the next TLS connection uses it
        self.call("declare")

    def call(self, name, *args):
        """firmware.security.services.<name>(self, *args), or firmware.security.requests'
        when services has none, the module loaded for the call."""
        with on_demand.loaded(SERVICES) as code:
            if not hasattr(code, name):
                from firmware.security import requests as code
            return getattr(code, name)(self, *args)

    async def run(self, name, *args):
        """The same for a coroutine: the module stays loaded until it ends."""
        with on_demand.loaded(SERVICES) as code:
            if not hasattr(code, name):
                from firmware.security import requests as code
            return await getattr(code, name)(self, *args)

    async def check_daily(self):
        """While the link is up, at once and each day: the station's own certificate is
        renewed when due, a flash getting full is told."""
        while True:
            await self.run("daily_checks")
            await asyncio.sleep(DAILY_S)

    def later(self, name, *bound):
        """A callable that does call(name, *bound, *its arguments): for the hooks its own
        code hands out while it runs."""
        return lambda *args: self.call(name, *(bound + args))

    # The hooks the idle station keeps, as bound methods: a closure from later() takes five
    # times their heap (about 100 bytes against 20 on a 32-bit board).
    def keys(self):  # the configuration's maker of the extension's Keys
        return self.call("keys")

    def handler(self, action):  # the station asks it for what its handlers do not list
        return self.call("handler", action)

    def connect_failed(self, error):  # the link's
        self.call("connect_failed", error)

    def record_limited(self, kind, info):  # the link's, for its RPC's problems
        self.call("record_limited", kind, info)

    # The outbound queue's lane of security events (firmware.outbound): `pending` is this
    # object's state, so finding the next event loads no code.
    def head(self):
        return self.pending[0] if self.pending else None

    def request(self, event):
        return self.call("request", event)

    def settle(self, event, answer):  # delivered or given up: no longer pending
        self.call("settle", event)

    def reset_accepted(self, kind):
        self.call("record", "ResetOrReboot", kind)

    def clock_jumped(self, seconds):
        self.call("record", "SettingSystemTime", "%+d s" % seconds)

