"""The Local Authorization List as one file of the board's flash (format: records.py).

A lookup reads the header and one entry per step of a binary search: about 700 bytes at
10,000 entries, whatever the list's length, and nothing stays in RAM. An update writes the
whole new list beside the old one and renames it over it (store.atomic): a power cut at any
instant leaves the old list or the new one. A Differential update streams the old list
through, entry by entry, merging the changes in: flash written is the new list's size, RAM
used is a chunk of entries.
"""
import os

from firmware.local_auth_list.records import ENTRY_BYTES, HEADER_BYTES, TAG_BYTES, Damaged, \
    checked, header, read_header
from store.atomic import remove, replace, temp_for

# Entries read at once while a Differential update streams the old list through.
_CHUNK_ENTRIES = 8


class TooMany(Exception):
    """The update would leave more entries than the list may hold."""


def installed(path):
    """(listVersion, entries) of the list in `path`, (0, 0) when there is none (no file, or
    an empty one). Raises Damaged when the file is not a list this code wrote."""
    try:
        size = os.stat(path)[6]
    except OSError:
        return 0, 0
    if size == 0:
        return 0, 0
    with open(path, "rb") as f:
        version, count = read_header(f.read(HEADER_BYTES))
    if version < 1 or size != HEADER_BYTES + count * ENTRY_BYTES:
        raise Damaged("size")
    return version, count


def lookup(path, tag_key):
    """The entry of `tag_key` (records.key), or None. Raises Damaged, OSError."""
    with open(path, "rb") as f:
        _, count = read_header(f.read(HEADER_BYTES))
        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            f.seek(HEADER_BYTES + middle * ENTRY_BYTES)
            entry = checked(f.read(ENTRY_BYTES))
            found = entry[:TAG_BYTES]
            if found == tag_key:
                return entry
            if found < tag_key:
                low = middle + 1
            else:
                high = middle
    return None


def write(path, version, entries, count):
    """Replaces the list by `count` entries (bytes, sorted by key) from the iterable
    `entries`; flash bytes written."""
    if count == 0:
        remove(path)
        return 0
    with open(temp_for(path), "wb") as f:
        f.write(header(version, count))
        for entry in entries:
            f.write(entry)
        f.flush()
    replace(path)
    return HEADER_BYTES + count * ENTRY_BYTES


def _old_entries(path, count):
    if count == 0:
        return
    with open(path, "rb") as f:
        read_header(f.read(HEADER_BYTES))
        left = count
        while left:
            chunk = f.read(ENTRY_BYTES * min(left, _CHUNK_ENTRIES))
            if len(chunk) % ENTRY_BYTES or not chunk:
                raise Damaged("size")
            for at in range(0, len(chunk), ENTRY_BYTES):
                yield checked(chunk[at:at + ENTRY_BYTES])
            left -= len(chunk) // ENTRY_BYTES


def _count_after(path, old_count, changes):
    """The entries `changes` leave: each looked up in the old list (a binary search), so
    that the header is written once, with its count (on littlefs a write back at the start
    of a file rewrites all of it)."""
    count = old_count
    for tag_key, entry in changes:
        present = old_count > 0 and lookup(path, tag_key) is not None
        if present and entry is None:
            count -= 1
        elif not present and entry is not None:
            count += 1
    return count


def merge(path, version, old_count, changes, max_entries):
    """Applies a Differential update: `changes` sorted by key, each (key, the new entry or
    None to remove it), to the `old_count` entries in `path`. (entries now, flash bytes
    written). Raises TooMany (nothing changed) past `max_entries`; Damaged when an old entry
    is."""
    count = _count_after(path, old_count, changes)
    if count > max_entries:
        raise TooMany()
    if count == 0:
        remove(path)
        return 0, 0
    with open(temp_for(path), "wb") as f:
        f.write(header(version, count))
        i = 0
        for old in _old_entries(path, old_count):
            old_key = old[:TAG_BYTES]
            while i < len(changes) and changes[i][0] < old_key:
                _put(f, changes[i][1])
                i += 1
            if i < len(changes) and changes[i][0] == old_key:
                _put(f, changes[i][1])  # replaced, or removed
                i += 1
            else:
                _put(f, old)
        while i < len(changes):
            _put(f, changes[i][1])
            i += 1
        f.flush()
    replace(path)
    return count, HEADER_BYTES + count * ENTRY_BYTES


def _put(f, entry):
    if entry is not None:
        f.write(entry)
