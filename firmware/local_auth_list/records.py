"""The Local Authorization List's file format, without I/O (store.py reads and writes it).

    header: b"OLL1" | listVersion (int32) | entries (uint32) | CRC-32 of those 12 bytes
    entry:  idTag key (20 bytes) | parentIdTag (20) | expiry (uint32) | status (1) | CRC-32

All little-endian; entries sorted by key, no two alike. The key is the idTag's UTF-8 with
ASCII letters upper-cased (IdToken is CiString20, case-insensitive) and NUL-padded: the
same bytes on MicroPython and CPython, whose str.upper() differ beyond ASCII. The expiry is
Unix seconds, 0 for none; parentIdTag is kept as sent. Fixed-size entries let a lookup
seek straight to the middle of what is left (binary search), and each entry's own CRC
tells a damaged one where it is read.
"""
import binascii
import struct

from firmware.core.authorization import STATUSES

MAGIC = b"OLL1"
HEADER_BYTES = 16
ENTRY_BYTES = 49
TAG_BYTES = 20  # IdToken: CiString20
_HEADER = "<4siI"
_ENTRY = "<20s20sIB"
_FIELDS_BYTES = 45
_NO_EXPIRY = 0
_LAST_S = 0xFFFFFFFF  # later expiries are kept as this one (the year 2106)


class Damaged(ValueError):
    """A header or entry whose CRC or layout is wrong: the file is not the list written."""


def _crc(data):
    return struct.pack("<I", binascii.crc32(data) & 0xFFFFFFFF)


def key(id_tag):
    """The key of an idTag, or None when it cannot be one: longer than 20 bytes of UTF-8
    (possible beyond ASCII), or holding a NUL, which the padding would hide."""
    data = id_tag.encode()
    if len(data) > TAG_BYTES or b"\x00" in data:
        return None
    return bytes(c - 32 if 97 <= c <= 122 else c for c in data) + \
        b"\x00" * (TAG_BYTES - len(data))


def header(version, count):
    fields = struct.pack(_HEADER, MAGIC, version, count)
    return fields + _crc(fields)


def read_header(data):
    """(listVersion, entries) of a header; raises Damaged."""
    if len(data) != HEADER_BYTES or _crc(data[:12]) != data[12:]:
        raise Damaged("header")
    magic, version, count = struct.unpack(_HEADER, data[:12])
    if magic != MAGIC:
        raise Damaged("header")
    return version, count


def entry(tag_key, status, expiry_s, parent):
    """An entry's bytes. `expiry_s` None: none; `parent` None or a str of at most 20 bytes
    of UTF-8 (the caller checks)."""
    if expiry_s is None:
        expiry = _NO_EXPIRY
    else:  # before 1970: expired as surely as a second after it
        expiry = min(max(expiry_s, 1), _LAST_S)
    fields = struct.pack(_ENTRY, tag_key, (parent or "").encode(), expiry,
                         STATUSES.index(status))
    return fields + _crc(fields)


def checked(data):
    """`data` when it is a whole entry whose CRC holds; raises Damaged."""
    if len(data) != ENTRY_BYTES or _crc(data[:_FIELDS_BYTES]) != data[_FIELDS_BYTES:] \
            or data[_FIELDS_BYTES - 1] >= len(STATUSES):
        raise Damaged("entry")
    return data


def id_tag_info(data):
    """The idTagInfo an entry holds, as firmware.core.authorization uses it: status, and
    expiry_s (Unix seconds) and parentIdTag when it has them."""
    _, parent, expiry, status = struct.unpack(_ENTRY, data[:_FIELDS_BYTES])
    info = {"status": STATUSES[status]}
    if expiry != _NO_EXPIRY:
        info["expiry_s"] = expiry
    parent = parent.rstrip(b"\x00")
    if parent:
        info["parentIdTag"] = parent.decode()
    return info
