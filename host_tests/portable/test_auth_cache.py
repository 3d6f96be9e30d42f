# The Authorization Cache (OCPP 1.6 3.5.1) and the authorization decision online and
# offline (3.5, 3.5.4, 4.1, 9.1 keys), on fake time and a fake Central System.
import json
import os

from firmware.core.authorization import CACHE_MAX_ENTRIES, Authorization, AuthorizationCache, \
    accepted
from firmware.clock import Clock
from firmware.config import Configuration
from store.atomic import ensure_dir, read_or_none

ROOT = "build/test_auth"
NOW = "2026-06-01T12:00:00Z"


def fresh(name):
    ensure_dir(ROOT)
    for suffix in (".cache.json", ".config.json"):
        try:
            os.remove(ROOT + "/" + name + suffix)
        except OSError:
            pass
    return ROOT + "/" + name


class Ticks:
    def __init__(self):
        self.ms = 0

    def __call__(self):
        return self.ms


class CentralSystem:
    """Answers Authorize.req with `answers[idTag]` (default Accepted); offline raises."""

    def __init__(self):
        self.online = True
        self.answers = {}
        self.asked = []

    async def call(self, action, payload):
        if not self.online:
            raise OSError(113)
        self.asked.append(payload["idTag"])
        return {"idTagInfo": self.answers.get(payload["idTag"], {"status": "Accepted"})}


class Rig:
    def __init__(self, name, clock_set=True, keep=False):
        base = ROOT + "/" + name if keep else fresh(name)
        self.base = base
        self.ticks = Ticks()
        self.clock = Clock(ticks_ms=self.ticks, ticks_diff=lambda a, b: a - b)
        if clock_set:
            self.clock.set_iso8601(NOW)
        self.cs = CentralSystem()
        self.lines = []
        self.config = Configuration(path=base + ".config.json", log=self.lines.append)
        self.auth = Authorization(config=self.config, cache_path=base + ".cache.json",
                                  call=self.cs.call, online=lambda: self.cs.online,
                                  clock=self.clock, log=self.lines.append)

    def set(self, key, text):
        assert self.config.change(key, text) == "Accepted"


def test_keys_declared_with_their_defaults():
    rig = Rig("keys")
    entries, unknown = rig.config.listing(["AuthorizeRemoteTxRequests", "LocalPreAuthorize",
                                           "LocalAuthorizeOffline", "AllowOfflineTxForUnknownId",
                                           "AuthorizationCacheEnabled"])
    assert unknown == []
    values = {}
    for entry in entries:
        assert entry["readonly"] is False
        values[entry["key"]] = entry["value"]
    assert values == {"AuthorizeRemoteTxRequests": "true", "LocalPreAuthorize": "false",
                      "LocalAuthorizeOffline": "true", "AllowOfflineTxForUnknownId": "false",
                      "AuthorizationCacheEnabled": "true"}


async def test_online_authorize_asks_the_central_system_and_caches_the_answer():
    rig = Rig("online")
    rig.cs.answers["BAD"] = {"status": "Blocked"}
    assert accepted(await rig.auth.authorize("GOOD"))
    assert not accepted(await rig.auth.authorize("BAD"))
    assert rig.cs.asked == ["GOOD", "BAD"]
    assert rig.auth.known("GOOD")["status"] == "Accepted"
    assert rig.auth.known("BAD")["status"] == "Blocked"  # NOT-valid ids are cached too


async def test_cached_valid_id_is_asked_again_unless_local_pre_authorize():
    # 4.1: a cached id MAY still be authorized online; LocalPreAuthorize starts at once.
    rig = Rig("preauth")
    await rig.auth.authorize("GOOD")
    await rig.auth.authorize("GOOD")
    assert rig.cs.asked == ["GOOD", "GOOD"]
    rig.set("LocalPreAuthorize", "true")
    assert accepted(await rig.auth.authorize("GOOD"))
    assert rig.cs.asked == ["GOOD", "GOOD"]
    # 3.5.1: an id cached as NOT-valid is checked with the Central System while online.
    rig.cs.answers["BAD"] = {"status": "Invalid"}
    await rig.auth.authorize("BAD")
    rig.cs.answers["BAD"] = {"status": "Accepted"}
    assert accepted(await rig.auth.authorize("BAD"))
    assert rig.cs.asked[-2:] == ["BAD", "BAD"]


async def test_offline_local_authorize_offline_and_unknown_ids():
    rig = Rig("offline")
    rig.cs.answers["BAD"] = {"status": "Blocked"}
    await rig.auth.authorize("GOOD")
    await rig.auth.authorize("BAD")
    rig.cs.online = False
    assert accepted(await rig.auth.authorize("GOOD"))          # C-01
    assert not accepted(await rig.auth.authorize("BAD"))
    assert await rig.auth.authorize("STRANGER") is None
    rig.set("AllowOfflineTxForUnknownId", "true")                # C-02
    assert accepted(await rig.auth.authorize("STRANGER"))
    assert not accepted(await rig.auth.authorize("BAD"))        # 3.5.4: known NOT-valid
    rig.set("AllowOfflineTxForUnknownId", "false")
    rig.set("LocalAuthorizeOffline", "false")
    assert not accepted(await rig.auth.authorize("GOOD"))
    assert rig.cs.asked == ["GOOD", "BAD"]
    assert "STRANGER" not in rig.auth.cache.entries  # only the Central System's answers are cached


async def test_no_answer_while_online_is_decided_as_offline():
    rig = Rig("timeout")
    await rig.auth.authorize("GOOD")

    async def silent(action, payload):
        raise OSError(110)
    rig.auth._call = silent
    assert accepted(await rig.auth.authorize("GOOD"))
    assert await rig.auth.authorize("STRANGER") is None


async def test_expiry_date_makes_the_entry_expired_when_it_passes():
    rig = Rig("expiry")
    rig.cs.answers["SOON"] = {"status": "Accepted", "expiryDate": "2026-06-01T12:01:00Z"}
    await rig.auth.authorize("SOON")
    rig.cs.online = False
    assert accepted(await rig.auth.authorize("SOON"))
    rig.ticks.ms = 61 * 1000
    assert rig.auth.known("SOON")["status"] == "Expired"
    rig.set("AllowOfflineTxForUnknownId", "true")
    assert not accepted(await rig.auth.authorize("SOON"))  # 3.5.4: apparently expired
    # 3.5.1: changed to expired in the cache itself, across a reboot too.
    again = AuthorizationCache(rig.base + ".cache.json", rig.lines.append)
    assert again.call("lookup", "SOON", None)["status"] == "Expired"


async def test_expiry_cannot_be_judged_before_the_clock_is_set():
    rig = Rig("noclock")
    rig.cs.answers["DATED"] = {"status": "Accepted", "expiryDate": "2099-01-01T00:00:00Z"}
    await rig.auth.authorize("DATED")
    await rig.auth.authorize("FOREVER")
    reboot = Rig("noclock", clock_set=False, keep=True)
    reboot.cs.online = False
    assert accepted(await reboot.auth.authorize("FOREVER"))
    assert not accepted(await reboot.auth.authorize("DATED"))
    reboot.clock.set_iso8601(NOW)
    assert accepted(await reboot.auth.authorize("DATED"))


def test_parent_id_tag_and_updates_from_transaction_answers():
    rig = Rig("parent")
    rig.auth.update("CHILD", {"status": "Accepted", "parentIdTag": "FAMILY"})
    assert rig.auth.known("CHILD") == {"status": "Accepted", "parentIdTag": "FAMILY"}
    rig.auth.update("CHILD", {"status": "Blocked"})  # e.g. a StopTransaction.conf
    assert rig.auth.known("CHILD") == {"status": "Blocked"}
    rig.auth.update("ODD", {"status": "Accepted", "expiryDate": "not a date"})
    assert rig.auth.known("ODD") is None


def test_cache_persists_and_writes_flash_only_on_change():
    rig = Rig("persist")
    cache = rig.auth.cache
    rig.auth.update("A", {"status": "Accepted"})
    rig.auth.update("A", {"status": "Accepted"})
    rig.auth.update("A", {"status": "Accepted"})
    assert cache.flash_writes == 1
    rig.auth.update("A", {"status": "Accepted", "parentIdTag": "P"})
    assert cache.flash_writes == 2
    reboot = Rig("persist", keep=True)
    assert reboot.auth.known("A") == {"status": "Accepted", "parentIdTag": "P"}


def test_cache_bound_evicts_not_valid_entries_then_the_oldest_valid():
    rig = Rig("bound")
    for i in range(CACHE_MAX_ENTRIES - 2):
        rig.auth.update("V%d" % i, {"status": "Accepted"})
    rig.auth.update("X1", {"status": "Invalid"})
    rig.auth.update("X2", {"status": "Blocked"})
    assert len(rig.auth.cache.entries) == CACHE_MAX_ENTRIES
    rig.auth.update("NEW1", {"status": "Accepted"})
    # 3.5.1: full -> every NOT-valid entry goes, the valid ones stay.
    assert "X1" not in rig.auth.cache.entries and "X2" not in rig.auth.cache.entries
    assert "V0" in rig.auth.cache.entries and len(rig.auth.cache.entries) == CACHE_MAX_ENTRIES - 1
    rig.auth.update("NEW2", {"status": "Accepted"})
    rig.auth.update("V0", {"status": "ConcurrentTx"})  # a change makes V0 the newest
    rig.auth.update("NEW3", {"status": "Accepted"})
    assert len(rig.auth.cache.entries) == CACHE_MAX_ENTRIES
    # the oldest valid went
    assert "V0" in rig.auth.cache.entries and "V1" not in rig.auth.cache.entries


def test_clear_cache_and_switching_the_cache_off():
    rig = Rig("clear")
    rig.auth.update("A", {"status": "Accepted"})
    handlers = {}
    rig.auth.register(handlers)
    assert handlers["ClearCache"]({}) == {"status": "Accepted"}
    assert rig.auth.known("A") is None
    assert Rig("clear", keep=True).auth.known("A") is None  # cleared in flash too
    rig.auth.update("A", {"status": "Accepted"})
    rig.set("AuthorizationCacheEnabled", "false")
    rig.auth.update("B", {"status": "Accepted"})
    assert rig.auth.known("A") is None and len(rig.auth.cache.entries) == 0
    rig.set("AuthorizationCacheEnabled", "true")
    assert rig.auth.known("B") is None


def test_damaged_cache_file_is_survived():
    base = fresh("damaged")
    path = base + ".cache.json"
    with open(path, "w") as f:
        f.write("{not json")
    assert len(AuthorizationCache(path, lambda line: None).entries) == 0
    tags = {"OK": ["Accepted", None, None, 1], "BAD1": ["Maybe", None, None, 2],
            "BAD2": ["Accepted", True, None, 3], "BAD3": ["Accepted", None], "": [
                "Accepted", None, None, 4], "X" * 21: ["Accepted", None, None, 5]}
    with open(path, "w") as f:
        f.write(json.dumps({"tags": tags}))
    cache = AuthorizationCache(path, lambda line: None)
    assert len(cache.entries) == 1 and cache.call("lookup", "OK", None) == {"status": "Accepted"}
    with open(path, "w") as f:
        f.write(json.dumps([1, 2]))
    assert len(AuthorizationCache(path, lambda line: None).entries) == 0
    assert read_or_none(path) is not None


def test_flash_failure_keeps_the_cache_in_ram():
    rig = Rig("flash_fail")
    rig.auth.cache.path = ROOT + "/no/such/folder/cache.json"
    rig.auth.update("A", {"status": "Accepted"})
    assert rig.auth.known("A") == {"status": "Accepted"}
    assert rig.auth.cache.flash_writes == 0
    assert [line for line in rig.lines if "not saved" in line]
