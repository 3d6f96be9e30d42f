"""SendLocalList and GetLocalListVersion (OCPP 1.6 sections 5.10, 5.15, 6.27, 6.41, errata
3.52): loaded for each request and unloaded after (firmware.local_auth_list).

An update is applied whole or not at all: Failed, and the list unchanged, for more entries
than SendLocalListMaxLength, a list that would exceed LocalAuthListMaxLength, an idTag twice
(case-insensitively: IdToken is CiString20), a Full entry without idTagInfo, a listVersion
below 1 (errata 3.52: 0 and -1 mean no list and no support), or a list that cannot be
written. A Differential update whose listVersion is not above the installed one:
VersionMismatch. While LocalAuthListEnabled is false the station answers as one without the
profile: SendLocalList NotSupported, GetLocalListVersion a CALLERROR NotSupported (OCTT
TC_042_1, TC_043_1), and the list stays in flash, unused, until it is true again.
"""
from firmware.clock import parse_iso8601
from firmware.local_auth_list import store
from firmware.local_auth_list.records import TAG_BYTES, Damaged, entry, key
from firmware.local_auth_list.service import drop, log, path
from ocppj.errors import NotSupported

ACCEPTED = "Accepted"
FAILED = "Failed"
VERSION_MISMATCH = "VersionMismatch"
VERSION_MAX = 0x7FFFFFFF  # the header's int32


class Refused(Exception):
    pass


def answer(station, action, payload):
    """The station's handler of both requests (firmware.station ON_DEMAND)."""
    lst = station.local_auth_list
    enabled = station.config.get("LocalAuthListEnabled")
    if action == "GetLocalListVersion":
        if not enabled:
            raise NotSupported("LocalAuthListEnabled is false")
        return {"listVersion": lst.version}
    if not enabled:
        log(lst, "update NotSupported: LocalAuthListEnabled is false")
        return {"status": "NotSupported"}
    version = payload["listVersion"]
    full = payload["updateType"] == "Full"
    if not full and version <= lst.version:
        log(lst, "Differential update to version %d VersionMismatch: version %d installed"
            % (version, lst.version))
        return {"status": VERSION_MISMATCH}
    try:
        count, written = update(lst, version, full, payload.get("localAuthorizationList") or ())
    except Refused as e:
        log(lst, "%s update to version %d Failed: %s" % (payload["updateType"], version, e))
        return {"status": FAILED}
    lst.version = version if count else 0
    log(lst, "%s update: version %d, %d entries, %d bytes written" % (
        payload["updateType"], lst.version, count, written))
    return {"status": ACCEPTED}


def update(lst, version, full, items):
    """(entries now, flash bytes written); raises Refused, the list unchanged."""
    config = lst.station.config
    if not 1 <= version <= VERSION_MAX:
        raise Refused("listVersion %d (errata 3.52)" % version)
    if len(items) > config.get("SendLocalListMaxLength"):
        raise Refused("%d entries, SendLocalListMaxLength %d" % (
            len(items), config.get("SendLocalListMaxLength")))
    changes = _changes(items, full)
    try:
        if full:
            return len(changes), store.write(path(lst), version, [c[1] for c in changes],
                                             len(changes))
        old_count = store.installed(path(lst))[1] if lst.version else 0
        return store.merge(path(lst), version, old_count, changes,
                           config.get("LocalAuthListMaxLength"))
    except store.TooMany:
        raise Refused("more than LocalAuthListMaxLength entries")
    except Damaged as e:
        drop(lst, "%s damaged (%s)" % (path(lst), e))
        raise Refused("the installed list is damaged")
    except OSError as e:  # flash full or failing: the old list stays (store.atomic)
        raise Refused("not written (OSError %s)" % e.errno)


def _changes(items, full):
    """[(key, entry bytes, or None: remove it)] sorted by key; raises Refused."""
    changes = []
    for item in items:
        tag_key = key(item["idTag"])
        if tag_key is None:
            raise Refused("idTag %r cannot be stored" % item["idTag"])
        info = item.get("idTagInfo")
        if info is None:
            if full:  # section 7.1: required in a Full update
                raise Refused("idTag %s without idTagInfo" % item["idTag"])
            changes.append((tag_key, None))
            continue
        expiry_s = None
        if info.get("expiryDate") is not None:
            try:
                expiry_s = parse_iso8601(info["expiryDate"])
            except ValueError:
                raise Refused("expiryDate %r of %s" % (info["expiryDate"], item["idTag"]))
        parent = info.get("parentIdTag")
        if parent is not None and len(parent.encode()) > TAG_BYTES:
            raise Refused("parentIdTag of %s longer than %d bytes" % (item["idTag"],
                                                                   TAG_BYTES))
        changes.append((tag_key, entry(tag_key, info["status"], expiry_s, parent)))
    changes.sort(key=lambda change: change[0])
    for i in range(1, len(changes)):
        if changes[i][0] == changes[i - 1][0]:
            raise Refused("an idTag twice: %s" % changes[i][0].rstrip(b"\x00").decode())
    return changes
