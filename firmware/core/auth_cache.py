"""The Authorization Cache's code (OCPP 1.6 section 3.5.1), loaded for each use and unloaded
after: its entries stay in firmware.core.authorization.AuthorizationCache, which keeps at
most CACHE_MAX_ENTRIES of them in one file of the board's flash, rewritten only when an
entry actually changes."""
from firmware.core.authorization import CACHE_MAX_ENTRIES, EXPIRED, MAX_ID_TAG_LENGTH, \
    STATUSES, VALID
from store.atomic import read_json_or_none, write_json_atomic

_STATUS, _EXPIRY_S, _PARENT, _CHANGE = 0, 1, 2, 3


def _is_int(value):
    return type(value) is int  # bool is not int here: MicroPython and CPython agree


def _well_formed(id_tag, entry):
    return type(id_tag) is str and 0 < len(id_tag) <= MAX_ID_TAG_LENGTH \
        and type(entry) is list and len(entry) == 4 and entry[_STATUS] in STATUSES \
        and (entry[_EXPIRY_S] is None or _is_int(entry[_EXPIRY_S])) \
        and (entry[_PARENT] is None or (type(entry[_PARENT]) is str
                                         and len(entry[_PARENT]) <= MAX_ID_TAG_LENGTH)) \
        and _is_int(entry[_CHANGE])


def load(cache):
    try:
        stored = read_json_or_none(cache.path)
    except ValueError:
        cache.log("auth: cache %s unreadable, starting empty" % cache.path)
        return
    if stored is None:
        return
    tags = stored.get("tags") if type(stored) is dict else None
    if type(tags) is not dict:
        cache.log("auth: cache %s malformed, starting empty" % cache.path)
        return
    dropped = 0
    for id_tag in tags:
        entry = tags[id_tag]
        if _well_formed(id_tag, entry):
            cache.entries[id_tag] = entry
            cache.changes = max(cache.changes, entry[_CHANGE])
        else:
            dropped += 1
    while len(cache.entries) > CACHE_MAX_ENTRIES:
        _evict(cache)
    if dropped:
        cache.log("auth: %d malformed cache entries dropped" % dropped)


def lookup(cache, id_tag, now_s):
    """The entry's idTagInfo, or None. A valid entry whose expiry has passed is changed
    to Expired first (3.5.1); `now_s` None (clock unknown) decides no expiry."""
    entry = cache.entries.get(id_tag)
    if entry is None:
        return None
    expiry_s = entry[_EXPIRY_S]
    if now_s is not None and expiry_s is not None and expiry_s <= now_s \
            and entry[_STATUS] in VALID:
        entry[_STATUS] = EXPIRED
        cache.changes += 1
        entry[_CHANGE] = cache.changes
        _save(cache)
    info = {"status": entry[_STATUS]}
    if expiry_s is not None:
        info["expiry_s"] = expiry_s
    if entry[_PARENT] is not None:
        info["parentIdTag"] = entry[_PARENT]
    return info


def put(cache, id_tag, status, expiry_s, parent):
    """Stores what the Central System said about id_tag; writes flash only on a change."""
    entry = cache.entries.get(id_tag)
    if entry is not None and entry[_STATUS] == status and entry[_EXPIRY_S] == expiry_s \
            and entry[_PARENT] == parent:
        return
    if entry is None and len(cache.entries) >= CACHE_MAX_ENTRIES:
        _evict(cache)
    cache.changes += 1
    cache.entries[id_tag] = [status, expiry_s, parent, cache.changes]
    _save(cache)


def clear(cache):
    cache.entries = {}
    _save(cache)


def _evict(cache):
    # 3.5.1: remove the NOT-valid entries, then, if necessary, the oldest valid one.
    invalid = [t for t in cache.entries if cache.entries[t][_STATUS] not in VALID]
    for id_tag in invalid:
        del cache.entries[id_tag]
    if invalid and len(cache.entries) < CACHE_MAX_ENTRIES:
        return
    oldest = None
    for id_tag in cache.entries:
        if oldest is None or cache.entries[id_tag][_CHANGE] < cache.entries[oldest][_CHANGE]:
            oldest = id_tag
    if oldest is not None:
        del cache.entries[oldest]


def _save(cache):
    try:
        write_json_atomic(cache.path, {"tags": cache.entries})
    except OSError as error:  # flash full or failing: the cache in RAM still serves
        cache.log("auth: cache not saved (OSError %s)" % error.errno)
        return
    cache.flash_writes += 1
