# The Local Authorization List (OCPP 1.6 3.5.2, 3.5.3, 5.10, 5.15, errata 3.52): its file in
# flash, SendLocalList and GetLocalListVersion as the station answers them, power cuts during
# an update, a damaged file, its use by the authorization, and the heap it does not take.
import gc
import sys

from scratch import fresh_folder

NOW = "2026-06-01T12:00:00Z"
LIST_CODE = ("firmware.local_auth_list.keys", "firmware.local_auth_list.service",
             "firmware.local_auth_list.store", "firmware.local_auth_list.records",
             "firmware.local_auth_list.requests")


def station_in(folder, lines=None):
    """A station on the sim board whose flash is `folder`; its log lines go to `lines`."""
    import firmware.station
    from boards.sim.board import SimBoard

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, folder)
    if lines is not None:
        board.log = lines.append
    return firmware.station.Station(board)


def fresh_station(name, lines=None):
    return station_in(fresh_folder("test_local_list", name), lines)


def request(station, action, payload):
    from ocppj.rpc import ANY_ACTION

    handler = station.handlers.get(action) or station.handlers[ANY_ACTION](action)
    return handler(payload)


def send(station, update_type, version, entries=None):
    payload = {"listVersion": version, "updateType": update_type}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    return request(station, "SendLocalList", payload)["status"]


def version(station):
    return request(station, "GetLocalListVersion", {})["listVersion"]


def item(id_tag, status="Accepted", **info):
    info["status"] = status
    return {"idTag": id_tag, "idTagInfo": info}


def statuses(station, *id_tags):
    found = []
    for id_tag in id_tags:
        info = station.local_auth_list.lookup(id_tag)
        found.append(info["status"] if info else None)
    return found


def list_path(station):
    return station.board.state_dir + "/local_list.dat"


def list_file(station):
    with open(list_path(station), "rb") as f:
        return f.read()


# ---- the list and its versions ---------------------------------------------------------

def test_full_update_hits_misses_and_case_insensitive_ids():
    station = fresh_station("full")
    assert version(station) == 0  # section 5.10: no list
    assert send(station, "Full", 7, [item("tag-b"), item("TAG-A", "Blocked"),
                                     item("Tag-C", "Accepted", expiryDate="2030-01-01T00:00:00Z",
                                          parentIdTag="Group-1")]) == "Accepted"
    assert version(station) == 7
    assert statuses(station, "TAG-A", "tag-a", "TAG-B", "tag-c", "TAG-D", "", "TAG") == [
        "Blocked", "Blocked", "Accepted", "Accepted", None, None, None]
    assert station.local_auth_list.lookup("TAG-C") == {
        "status": "Accepted", "expiry_s": 1893456000, "parentIdTag": "Group-1"}
    # A second Full update replaces the list whole.
    assert send(station, "Full", 8, [item("TAG-D")]) == "Accepted"
    assert statuses(station, "TAG-A", "TAG-D") == [None, "Accepted"]


def test_TC_042_2_an_empty_full_update_leaves_version_0():
    station = fresh_station("empty")
    assert send(station, "Full", 3, [item("TAG-A")]) == "Accepted"
    assert send(station, "Full", 1) == "Accepted"  # no list: every id removed
    assert version(station) == 0
    assert statuses(station, "TAG-A") == [None]


def test_differential_adds_replaces_and_removes():
    station = fresh_station("differential")
    assert send(station, "Full", 2, [item("TAG-%02d" % i) for i in range(0, 20, 2)]) \
        == "Accepted"
    assert send(station, "Differential", 5, [
        item("tag-03", "Blocked"),  # added between two
        item("TAG-00", "Invalid"),  # replaced, first
        {"idTag": "TAG-18"},  # removed, last
        {"idTag": "TAG-19"},  # not there: nothing to remove
        item("TAG-99")]) == "Accepted"  # added after the last
    assert version(station) == 5
    assert statuses(station, "TAG-00", "TAG-02", "TAG-03", "TAG-16", "TAG-18", "TAG-99") == [
        "Invalid", "Accepted", "Blocked", "Accepted", None, "Accepted"]
    assert len(list_file(station)) == 16 + 11 * 49
    # 5.15: an empty Differential changes no entry; the version follows the request.
    assert send(station, "Differential", 6) == "Accepted" and version(station) == 6
    # Removing every entry leaves no list: version 0.
    assert send(station, "Differential", 9, [{"idTag": "TAG-%02d" % i} for i in range(20)] +
                [{"idTag": "TAG-99"}]) == "Accepted"
    assert version(station) == 0
    # A Differential update builds on no list too.
    assert send(station, "Differential", 1, [item("TAG-A")]) == "Accepted"
    assert version(station) == 1 and statuses(station, "TAG-A") == ["Accepted"]


def test_TC_043_2_versions_of_differential_updates_and_errata_3_52():
    station = fresh_station("versions")
    assert send(station, "Full", 2, [item("TAG-A")]) == "Accepted"
    assert send(station, "Differential", 5, [item("TAG-B")]) == "Accepted"
    before = list_file(station)
    for stale in (5, 4, 0, -1):
        assert send(station, "Differential", stale, [item("TAG-C")]) == "VersionMismatch"
    for reserved in (0, -1):  # errata 3.52: 0 and -1 mean no list and no support
        assert send(station, "Full", reserved, [item("TAG-C")]) == "Failed"
    assert send(station, "Full", 2 ** 31, [item("TAG-C")]) == "Failed"
    assert version(station) == 5 and list_file(station) == before
    assert send(station, "Full", 3, [item("TAG-C")]) == "Accepted"  # a Full may go down
    assert version(station) == 3


def test_bad_updates_fail_and_change_nothing():
    station = fresh_station("bad")
    lines = []
    station.board.log = lines.append
    assert send(station, "Full", 4, [item("TAG-A"), item("TAG-B")]) == "Accepted"
    before = list_file(station)
    max_items = station.config.get("SendLocalListMaxLength")
    assert 30 <= max_items <= 50
    for update_type, entries in (
            ("Full", [item("T%d" % i) for i in range(max_items + 1)]),
            ("Differential", [item("T%d" % i) for i in range(max_items + 1)]),
            ("Full", [item("TAG-C"), item("tag-c")]),  # twice, case-insensitively
            ("Differential", [item("TAG-C"), {"idTag": "TAG-C"}]),
            ("Full", [item("TAG-C"), {"idTag": "TAG-D"}]),  # section 7.1: idTagInfo required
            ("Full", [item("TAG-C", expiryDate="2026-13-01T00:00:00Z")]),
            ("Differential", [item("TAG-C", expiryDate="not a date")]),
            ("Full", [item("\u00e9" * 11)]),  # 22 bytes of UTF-8: no room in an entry
            ("Full", [item("A\u0000")]),
            ("Full", [item("TAG-C", parentIdTag="\u00e9" * 11)])):
        assert send(station, update_type, 9, entries) == "Failed", entries
        assert version(station) == 4 and list_file(station) == before
    assert len([line for line in lines if "Failed" in line]) == 10
    assert send(station, "Full", max_items, [item("T%d" % i) for i in range(max_items)]) \
        == "Accepted"


def test_an_update_past_local_auth_list_max_length_fails():
    station = fresh_station("max_length")
    assert send(station, "Full", 1, [item("TAG-%d" % i) for i in range(5)]) == "Accepted"
    station.config.set("LocalAuthListMaxLength", 6)  # read-only to the Central System
    before = list_file(station)
    assert send(station, "Differential", 2, [item("TAG-A"), item("TAG-B")]) == "Failed"
    assert version(station) == 1 and list_file(station) == before
    assert send(station, "Differential", 2, [item("TAG-A"), {"idTag": "TAG-0"},
                                             item("TAG-1", "Blocked")]) == "Accepted"
    assert statuses(station, "TAG-0", "TAG-1", "TAG-A") == [None, "Blocked", "Accepted"]


def test_keys_and_TC_042_1_TC_043_1_while_disabled():
    from ocppj.errors import NotSupported

    station = fresh_station("keys")
    entries, _ = station.config.listing(["LocalAuthListEnabled", "LocalAuthListMaxLength",
                                         "SendLocalListMaxLength", "SupportedFeatureProfiles"])
    values = {e["key"]: (e["value"], e["readonly"]) for e in entries}
    assert values["LocalAuthListEnabled"] == ("true", False)
    assert int(values["LocalAuthListMaxLength"][0]) >= 10000
    assert values["LocalAuthListMaxLength"][1] and values["SendLocalListMaxLength"][1]
    assert "LocalAuthListManagement" in values["SupportedFeatureProfiles"][0].split(",")
    assert station.config.change("LocalAuthListMaxLength", "20000") == "Rejected"
    assert send(station, "Full", 3, [item("TAG-A")]) == "Accepted"
    assert station.config.change("LocalAuthListEnabled", "false") == "Accepted"
    try:
        version(station)
        raise AssertionError("GetLocalListVersion answered while disabled")
    except NotSupported:
        pass
    assert send(station, "Full", 4, [item("TAG-B")]) == "NotSupported"
    assert statuses(station, "TAG-A") == [None]  # kept, unused
    assert station.config.change("LocalAuthListEnabled", "true") == "Accepted"
    assert version(station) == 3 and statuses(station, "TAG-A", "TAG-B") == ["Accepted", None]


def test_the_list_survives_a_reboot():
    folder = fresh_folder("test_local_list", "reboot")
    station = station_in(folder)
    assert send(station, "Full", 12, [item("TAG-A", "Blocked")]) == "Accepted"
    station = station_in(folder)
    assert version(station) == 12 and statuses(station, "tag-a") == ["Blocked"]


# ---- power cuts and damage -------------------------------------------------------------

class Cut(OSError):
    pass


class CutFile:
    """A file whose writes stop for good after `budget[0]` bytes, as at a power cut."""

    def __init__(self, f, budget):
        self._f = f
        self._budget = budget

    def write(self, data):
        if self._budget[0] < len(data):
            self._f.write(data[:self._budget[0]])
            self._budget[0] = 0
            raise Cut()
        self._budget[0] -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def test_a_power_cut_during_a_full_update_leaves_the_old_list_or_the_new():
    from firmware.local_auth_list import store

    folder = fresh_folder("test_local_list", "cut")
    station = station_in(folder)
    assert send(station, "Full", 1, [item("OLD-%d" % i) for i in range(3)]) == "Accepted"
    new = [item("NEW-%d" % i) for i in range(4)]
    new_bytes = 16 + 4 * 49
    real_open, real_replace = store.open if hasattr(store, "open") else open, store.replace
    try:
        for budget in (0, 10, 16, 16 + 49 + 20, new_bytes - 1, new_bytes):
            left = [budget]
            store.open = lambda path, mode="r": CutFile(real_open(path, mode), left) \
                if "w" in mode else real_open(path, mode)
            store.replace = real_replace
            if budget == new_bytes:  # every byte written, cut before the rename
                def cut(path):
                    raise Cut()
                store.replace = cut
            assert send(station, "Full", 2, new) == "Failed"
            store.open, store.replace = real_open, real_replace
            rebooted = station_in(folder)
            assert version(rebooted) == 1
            assert statuses(rebooted, "OLD-0", "OLD-2", "NEW-0") == ["Accepted", "Accepted", None]
    finally:
        store.replace = real_replace
        del store.open
    # A cut after the rename: the new list, whole.
    assert send(station, "Full", 2, new) == "Accepted"
    rebooted = station_in(folder)
    assert version(rebooted) == 2 and statuses(rebooted, "OLD-0", "NEW-3") == [None, "Accepted"]


def test_a_damaged_file_is_no_list_and_says_so():
    folder = fresh_folder("test_local_list", "damaged")
    station = station_in(folder)
    assert send(station, "Full", 5, [item("TAG-%d" % i) for i in range(9)]) == "Accepted"
    path = list_path(station)
    whole = list_file(station)
    for damaged in (whole[:16 + 49 * 3 + 7],  # torn
                    b"garbage" * 40,
                    whole[:2] + b"X" + whole[3:]):  # the header
        with open(path, "wb") as f:
            f.write(damaged)
        lines = []
        rebooted = station_in(folder, lines)
        assert version(rebooted) == 0 and statuses(rebooted, "TAG-0") == [None]
        assert [line for line in lines if "local list:" in line and "unreadable" in line
                and "dropped" in line], lines
    # An entry damaged after boot: found by the lookup that reads it.
    with open(path, "wb") as f:
        f.write(whole[:16 + 49 * 4 + 3] + b"\xff" + whole[16 + 49 * 4 + 4:])
    lines = []
    rebooted = station_in(folder, lines)
    assert version(rebooted) == 5
    assert statuses(rebooted, "TAG-4") == [None]
    assert version(rebooted) == 0
    assert [line for line in lines if "damaged" in line and "dropped" in line], lines
    assert send(rebooted, "Full", 6, [item("TAG-4")]) == "Accepted"  # the next list is fine
    assert statuses(rebooted, "TAG-4") == ["Accepted"]


# ---- the authorization -----------------------------------------------------------------

class CentralSystem:
    def __init__(self):
        self.online = True
        self.asked = []

    async def call(self, action, payload):
        if not self.online:
            raise OSError(113)
        self.asked.append(payload["idTag"])
        return {"idTagInfo": {"status": "Accepted"}}


def authorizing_station(name):
    station = fresh_station(name)
    station.clock.set_iso8601(NOW)
    central = CentralSystem()
    station.authorization._call = central.call
    station.authorization._online = lambda: central.online
    return station, central


async def test_the_list_takes_precedence_over_the_cache_and_is_never_cached():
    station, central = authorizing_station("precedence")
    authorization = station.authorization
    authorization.cache.call("put", "TAG-A", "Accepted", None, None)
    assert send(station, "Full", 1, [item("TAG-A", "Blocked"), item("TAG-B"),
                                     item("TAG-C", expiryDate="2026-05-01T00:00:00Z")]) \
        == "Accepted"
    assert authorization.known("TAG-A")["status"] == "Blocked"
    assert authorization.known("TAG-C")["status"] == "Expired"  # its expiry passed
    assert (await authorization.authorize("TAG-B"))["status"] == "Accepted"
    assert (await authorization.authorize("TAG-D"))["status"] == "Accepted"
    assert central.asked == ["TAG-B", "TAG-D"]
    assert "TAG-B" not in authorization.cache.entries and "TAG-D" in authorization.cache.entries
    authorization.update("TAG-C", {"status": "Accepted"})  # StartTransaction.conf
    assert "TAG-C" not in authorization.cache.entries
    # LocalPreAuthorize: an Accepted entry answers at once.
    station.config.set("LocalPreAuthorize", True)
    assert (await authorization.authorize("tag-b"))["status"] == "Accepted"
    assert central.asked == ["TAG-B", "TAG-D"]


async def test_offline_the_list_authorizes_and_its_blocked_and_invalid_are_honoured():
    station, central = authorizing_station("offline")
    authorization = station.authorization
    central.online = False
    station.config.set("AllowOfflineTxForUnknownId", True)
    authorization.cache.call("put", "TAG-I", "Accepted", None, None)
    assert send(station, "Full", 1, [item("TAG-A"), item("TAG-B", "Blocked"),
                                     item("TAG-I", "Invalid"),
                                     item("TAG-E", expiryDate="2026-05-01T00:00:00Z")]) \
        == "Accepted"
    decided = []
    for id_tag in ("TAG-A", "TAG-B", "TAG-I", "TAG-E", "TAG-U"):
        info = await authorization.authorize(id_tag)
        decided.append(info["status"] if info else None)
    assert decided == ["Accepted", "Blocked", "Invalid", "Expired", "Accepted"]
    station.config.set("LocalAuthorizeOffline", False)
    assert (await authorization.authorize("TAG-A"))["status"] == "Accepted"  # unknown now
    station.config.set("AllowOfflineTxForUnknownId", False)
    assert await authorization.authorize("TAG-A") is None


# ---- what it costs an idle station -----------------------------------------------------

def list_code():
    return sorted(name for name in sys.modules if name in LIST_CODE)


def test_without_a_list_nothing_of_its_code_stays_loaded():
    for name in LIST_CODE:
        sys.modules.pop(name, None)
    station = fresh_station("idle")
    assert list_code() == []
    assert statuses(station, "TAG-A") == [None]
    assert list_code() == []
    assert send(station, "Full", 1, [item("TAG-A")]) == "Accepted"
    assert statuses(station, "TAG-A") == ["Accepted"] and version(station) == 1
    assert list_code() == []


def heap_in_use():
    gc.collect()
    if hasattr(gc, "mem_alloc"):
        return gc.mem_alloc()
    import tracemalloc

    return tracemalloc.get_traced_memory()[0]


def write_list(folder, count):
    """A list of `count` entries written as a Full update writes one, streamed."""
    from firmware.on_demand import loaded
    from store.atomic import ensure_dir

    ensure_dir(folder + "/flash")
    with loaded("firmware.local_auth_list.records") as records, \
            loaded("firmware.local_auth_list.store") as store:
        store.write(folder + "/flash/local_list.dat", 1,
                    (records.entry(records.key("TAG%07d" % i), "Accepted", None, None)
                     for i in range(count)), count)


def test_an_idle_station_holds_as_much_heap_with_10000_entries_as_without():
    tracing = not hasattr(gc, "mem_alloc")
    if tracing:  # CPython: its allocations, counted while this test runs
        import tracemalloc

        tracemalloc.start()
    try:
        idle_heap_figures()
    finally:
        if tracing:
            tracemalloc.stop()


def idle_heap_figures():
    for name in LIST_CODE:
        sys.modules.pop(name, None)
    empty = fresh_folder("test_local_list", "heap_empty")
    full = fresh_folder("test_local_list", "heap_full")
    write_list(full, 10000)
    station = station_in(full)  # what a first station imports and grows stays for both
    assert station.local_auth_list.lookup("TAG0004711")["status"] == "Accepted"
    assert station.local_auth_list.lookup("TAG0010000") is None
    station = None
    figures = {empty: [], full: []}
    for folder in (empty, full) * 4:
        before = heap_in_use()
        station = station_in(folder)
        figures[folder].append(heap_in_use() - before)
        station = None
    # The least of the last three: CPython's own tables settle over the first rounds, and
    # another thread of the process may allocate while one is taken.
    without, with_list = min(figures[empty][1:]), min(figures[full][1:])
    print("idle station heap: %d B without a list, %d B with 10,000 entries" % (without,
                                                                             with_list))
    assert abs(with_list - without) <= 1024, figures
    assert list_code() == []
