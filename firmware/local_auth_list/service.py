"""What the Local Authorization List does besides answering requests (requests.py): the list
found at boot, lookups, and dropping a damaged list. Loaded for each call of
firmware.local_auth_list.LocalAuthList and unloaded after."""
from firmware.core.authorization import EXPIRED, VALID
from firmware.local_auth_list import LIST_FILE, store
from firmware.local_auth_list.records import Damaged, id_tag_info, key


def path(lst):
    return lst.station.board.state_dir + LIST_FILE


def log(lst, text):
    lst.station.board.log("local list: " + text)


def load(lst):
    try:
        lst.version = store.installed(path(lst))[0]
    except (OSError, Damaged) as e:
        drop(lst, "%s unreadable (%s: %s)" % (path(lst), type(e).__name__, e))
        return
    log(lst, "version %d installed" % lst.version)


def drop(lst, why):
    """No list any more: the Central System, which finds version 0, sends a whole one."""
    log(lst, why + ": dropped, no list until the Central System sends one")
    lst.version = 0
    store.remove(path(lst))


def lookup(lst, id_tag, reported=None):
    tag_key = key(id_tag)
    if tag_key is None:  # no idTag the list can hold
        return None
    try:
        entry = store.lookup(path(lst), tag_key)
    except Damaged as e:
        drop(lst, "%s damaged (%s)" % (path(lst), e))
        return None
    except OSError as e:  # flash failing: this time the list knows nothing
        log(lst, "%s not read (OSError %s)" % (path(lst), e.errno))
        return None
    if entry is None:
        return None
    info = id_tag_info(entry)
    if reported is not None:
        _check(lst, id_tag, info, reported)
    return info


def _check(lst, id_tag, info, reported):
    """Section 3.5.2: an idTagInfo from the Central System whose status is not the list's
    (an entry whose expiryDate passed counting as Expired) is told to it by a
    StatusNotification of connector 0 with LocalListConflict; the list stays as it is."""
    clock = lst.station.clock
    status = info["status"]
    if "expiry_s" in info and status in VALID and \
            (not clock.synchronised or info["expiry_s"] <= clock.now_s()):
        status = EXPIRED
    if status == reported.get("status"):
        return
    text = "%s: %s in the list, %s from the Central System" % (id_tag, status,
                                                               reported.get("status"))
    log(lst, "LocalListConflict, " + text)
    lst.station.status.notify(0, "LocalListConflict", text[:50])  # info is a CiString50
