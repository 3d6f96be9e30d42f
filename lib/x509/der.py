"""A DER reader (X.690): the elements of a byte string, without copying it.

An element is (tag, start, end, at): its tag byte, where its value lies in the data and where
the element itself begins (data[at:end] is the whole element, tag and length included). Only
what X.509 uses is accepted -- one-byte tags, definite lengths of at most 4 bytes -- and
anything else, or an element running past its container, raises ValueError.
"""
SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OID = 0x06
BOOLEAN = 0x01
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18


def element(data, pos, limit=None):
    """(tag, start, end, at) of the element at data[pos], inside data[:limit]."""
    limit = len(data) if limit is None else limit
    at = pos
    if pos + 2 > limit:
        raise ValueError("DER: truncated at %d" % pos)
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if tag & 0x1F == 0x1F:
        raise ValueError("DER: multi-byte tag at %d" % (pos - 2))
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > limit:
            raise ValueError("DER: bad length at %d" % (pos - 1))
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > limit:
        raise ValueError("DER: element at %d runs past its end" % pos)
    return tag, pos, pos + length, at


def children(data, start, end):
    """The elements inside data[start:end], in order."""
    found = []
    while start < end:
        child = element(data, start, end)
        found.append(child)
        start = child[2]
    return found


def expect(child, tag, what):
    if child[0] != tag:
        raise ValueError("DER: %s: tag 0x%02x, expected 0x%02x" % (what, child[0], tag))
    return child
