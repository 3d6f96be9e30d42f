"""Whether an id tag may charge (OCPP 1.6 sections 3.5, 4.1 and 9.1), and the Authorization
Cache that decision is made from when the Central System is not asked or cannot answer.

What the station knows locally of a tag is the Local Authorization List's entry when the
station has one (a profile's lookup hook: 3.5.3, the list takes precedence), else the cache's.
Online, a tag is authorized by Authorize.req, unless LocalPreAuthorize lets a valid local
entry answer at once. Offline, a valid local entry authorizes when LocalAuthorizeOffline is
true, a tag known to neither is accepted when AllowOfflineTxForUnknownId is true, and a tag
known as not valid (or valid but apparently expired) is always rejected.

The cache keeps the idTagInfo of every tag the Central System answered for (Authorize.conf,
StartTransaction.conf, StopTransaction.conf), at most CACHE_MAX_ENTRIES of them, in one file
of the board's flash that is rewritten only when an entry actually changes.
"""
from firmware import on_demand
from firmware.clock import parse_iso8601
from firmware.config import BOOLEAN, Key

ACCEPTED = "Accepted"
BLOCKED = "Blocked"
EXPIRED = "Expired"
INVALID = "Invalid"
CONCURRENT_TX = "ConcurrentTx"
STATUSES = (ACCEPTED, BLOCKED, EXPIRED, INVALID, CONCURRENT_TX)
# Valid entries in the cache's sense (3.5.1 evicts NOT-valid ones first); only Accepted
# lets a transaction start.
VALID = (ACCEPTED, CONCURRENT_TX)

# Measured full, with 20-character tags and parents: 2.5 KB of flash and 7 KB of heap on the
# 64-bit unix port (about half on a 32-bit board), in a station whose heap target is 128 KB.
# Larger sets of cards belong in the Local Authorization List.
CACHE_MAX_ENTRIES = 32
# IdToken is CiString20.
MAX_ID_TAG_LENGTH = 20

def accepted(info):
    """True when an idTagInfo (or None: no authorization obtained) lets a transaction start."""
    return info is not None and info.get("status") == ACCEPTED


class AuthorizationCache:
    """id tag -> [status, expiry (Unix s) or None, parentIdTag or None, change number], as
    `entries`: the state; the code that keeps it (firmware.core.auth_cache: lookup, put,
    clear) is loaded for each use.

    The change number orders entries by their last change: the oldest valid entry is the
    one evicted when the cache is full and holds no NOT-valid entry.
    """

    def __init__(self, path, log):
        self.path = path
        self.log = log
        self.entries = {}
        self.changes = 0
        self.flash_writes = 0
        self.call("load")

    def call(self, name, *args):
        """firmware.core.auth_cache.<name>(self, *args)."""
        return on_demand.call("firmware.core.auth_cache", name, self, *args)


class Authorization:
    """`call(action, payload)` sends a request to the Central System; `online()` says whether
    one can be answered now; `clock` gives the time expiry dates are judged by;
    `local_list(id_tag, reported=None)`, when the station has a Local Authorization List,
    gives its idTagInfo for id_tag (expiry as expiry_s) or None; `reported`: the Central
    System's, to check the list's against."""

    def __init__(self, *, config, cache_path, call, online, clock, log, local_list=None):
        made_again = self._keys  # one maker for all: a listing makes them once
        for key in made_again():
            config.declare(key, made_again)
        self._config = config
        self._call = call
        self._online = online
        self._clock = clock
        self._log = log
        self._local_list = local_list
        self.cache = AuthorizationCache(cache_path, log)

    def _keys(self):
        """Its configuration keys, the configuration's maker of them: made at boot to declare
        them and again when the configuration needs them, so that in between only their
        values take heap."""
        return (Key("AuthorizeRemoteTxRequests", BOOLEAN, True),
                Key("LocalPreAuthorize", BOOLEAN, False),
                Key("LocalAuthorizeOffline", BOOLEAN, True),
                Key("AllowOfflineTxForUnknownId", BOOLEAN, False),
                Key("AuthorizationCacheEnabled", BOOLEAN, True, on_change=self._cache_switched))

    def register(self, handlers):
        handlers["ClearCache"] = self.clear_cache

    def clear_cache(self, payload):
        self.cache.call("clear")
        self._log("auth: cache cleared")
        return {"status": "Accepted"}

    def _cache_switched(self, enabled):
        # A cache that was not kept up to date while off must not authorize anyone later.
        if not enabled:
            self.cache.call("clear")

    def _now_s(self):
        # Before the clock is set, expiry dates cannot be judged: see known().
        return self._clock.now_s() if self._clock.synchronised else None

    def update(self, id_tag, info):
        """Keeps the cache in step with an idTagInfo the Central System sent for id_tag
        (Authorize.conf, StartTransaction.conf, StopTransaction.conf); the Local
        Authorization List checks it against its own (3.5.2, LocalListConflict)."""
        if type(info) is not dict:
            return
        if self._local_list is not None and self._local_list(id_tag, info) is not None:
            return  # 3.5.3: a listed id is never cached
        if not self._config.get("AuthorizationCacheEnabled"):
            return
        expiry_s = None
        if info.get("expiryDate") is not None:
            try:
                expiry_s = parse_iso8601(info["expiryDate"])
            except ValueError:
                self._log("auth: bad expiryDate for %s, not cached" % id_tag)
                return
        self.cache.call("put", id_tag, info["status"], expiry_s, info.get("parentIdTag"))

    def known(self, id_tag):
        """The idTagInfo the station holds for id_tag: the Local Authorization List's, which
        takes precedence (3.5.3), else the cache's when it is on; None when neither knows
        it. A valid entry whose expiry passed counts as Expired, as does one with an expiry
        while the clock is unknown: it may have passed (3.5.4: apparently expired ids are
        rejected)."""
        now_s = self._now_s()
        info = None if self._local_list is None else self._local_list(id_tag)
        if info is None and self._config.get("AuthorizationCacheEnabled"):
            info = self.cache.call("lookup", id_tag, now_s)
        if info is not None and "expiry_s" in info and info["status"] in VALID \
                and (now_s is None or info["expiry_s"] <= now_s):
            info["status"] = EXPIRED
        return info

    async def authorize(self, id_tag):
        """The idTagInfo this station goes by for id_tag now; None when nobody could
        authorize it. See accepted()."""
        local = self.known(id_tag)
        if self._online():
            if accepted(local) and self._config.get("LocalPreAuthorize"):
                self._log("auth: %s Accepted locally" % id_tag)
                return local
            try:
                conf = await self._call("Authorize", {"idTag": id_tag})
            except Exception as error:  # no answer: decide as an offline station does
                self._log("auth: %s no answer (%s: %s)" % (id_tag, type(error).__name__, error))
            else:
                info = conf["idTagInfo"]
                self.update(id_tag, info)
                self._log("auth: %s %s" % (id_tag, info["status"]))
                return info
        return self._offline(id_tag, local)

    def _offline(self, id_tag, local):
        if local is not None and not accepted(local):
            decision = local  # known as not valid: rejected whatever the settings
        elif local is not None and self._config.get("LocalAuthorizeOffline"):
            decision = local
        elif self._config.get("AllowOfflineTxForUnknownId"):
            decision = {"status": ACCEPTED}
        else:
            decision = None
        self._log("auth: %s offline, %s" % (id_tag, decision["status"] if decision
                                            else "not authorized"))
        return decision
