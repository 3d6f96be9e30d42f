"""An append-only journal of CRC-framed records that survives power loss at any instant and
a damaged byte anywhere.

Each record is framed as
    MAGIC (2 bytes) | length (2 bytes, little-endian) | payload | CRC-32 of all before it (4)
and appended with one write. A cut during an append leaves a torn last frame: it fails its
CRC and is not read, so a torn write loses at most the record being written and never an
older one. A frame damaged in the middle (flash decay, a bit flipped) fails its CRC too;
reading then looks forward for the next MAGIC whose frame checks, and goes on from there:
damage within one frame loses that record only, and every record after it is read.

The bytes that are not records (a torn tail, a damaged frame) are dropped by rewriting the
valid records (write a temporary file, rename it over the journal) before the next append,
and the same atomic rewrite compacts the journal when its owner decides it holds too much
that is no longer needed.

MAGIC's bytes never occur in UTF-8 text, so a JSON payload holds no false start of a frame;
a payload of other bytes may, and a false start is then checked and passed over like
damage, unless the payload holds a whole frame, CRC included, which a damaged frame around
it would let be read as a record.

A journal written before this format (length (4 bytes) | payload | CRC-32, without MAGIC: a
board upgraded in the field) is read as it is, up to its first bad frame, and rewritten in
this format before the next append: its records are kept.

Reading goes frame by frame, and a frame over CHUNK_BYTES is checked by pieces before its
payload is read: a damaged length never makes the reader allocate what it claims.
"""
import binascii
import os
import struct

from store.atomic import counted, replace, restore, temp_for

MAGIC = b"\xf9\xfe"  # 0xF5-0xFF: bytes no UTF-8 text holds
HEADER_BYTES = 4  # MAGIC and the length (in the old format: the length alone)
CRC_BYTES = 4
# A length field above this is corruption, not a record: never allocate for it. At most
# 65535: the length field is 2 bytes.
MAX_RECORD_BYTES = 16384
# Read at a time while a long frame is checked or the next MAGIC looked for.
CHUNK_BYTES = 256


def _header_and_trailer(payload):
    header = MAGIC + struct.pack("<H", len(payload))
    crc = binascii.crc32(payload, binascii.crc32(header)) & 0xFFFFFFFF
    return header, struct.pack("<I", crc)


def frame(payload):
    header, trailer = _header_and_trailer(payload)
    return header + payload + trailer


def _file_size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return 0


def _frame_at(f, offset, legacy):
    """The payload of the frame at `offset` (of the old format when `legacy`), None when
    there is none that checks."""
    f.seek(offset)
    header = f.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        return None
    if legacy:
        length = struct.unpack("<I", header)[0]
    elif header.startswith(MAGIC):
        length = header[2] | header[3] << 8
    else:
        return None
    if length > MAX_RECORD_BYTES:
        return None
    if length > CHUNK_BYTES:
        # Checked before its length is allocated, by pieces into one buffer: not a piece
        # of garbage each, which scattered over a replay's heap left no room for a record.
        crc = binascii.crc32(header)
        buffer = bytearray(CHUNK_BYTES)
        left = length
        while left:
            piece = memoryview(buffer)[:min(left, CHUNK_BYTES)]
            read = f.readinto(piece)
            if not read:
                return None
            crc = binascii.crc32(piece[:read], crc)
            left -= read
        trailer = f.read(CRC_BYTES)
        if len(trailer) < CRC_BYTES or struct.unpack("<I", trailer)[0] != crc & 0xFFFFFFFF:
            return None
        f.seek(offset + HEADER_BYTES)
    payload = f.read(length)
    trailer = f.read(CRC_BYTES)
    if len(payload) < length or len(trailer) < CRC_BYTES:
        return None
    crc = binascii.crc32(payload, binascii.crc32(header)) & 0xFFFFFFFF
    if struct.unpack("<I", trailer)[0] != crc:
        return None
    return payload


def _next_frame(f, start):
    """(offset, payload) of the first frame that checks at or after `start`, or None: the
    next MAGIC, read CHUNK_BYTES at a time, whose frame checks."""
    f.seek(start)
    window = b""
    base = start  # the offset of window[0]
    while True:
        found = window.find(MAGIC)
        if found < 0:
            chunk = f.read(CHUNK_BYTES)
            if not chunk:
                return None
            # The window's last byte may be MAGIC's first.
            base += len(window) - 1 if window else 0
            window = window[-1:] + chunk
            continue
        offset = base + found
        payload = _frame_at(f, offset, False)
        if payload is not None:
            return offset, payload
        # A false start: on from the byte after it.
        f.seek(offset + 1)
        base = offset + 1
        window = b""


class Journal:
    def __init__(self, path):
        restore(path)  # a rewrite a power cut interrupted on FAT (store.atomic)
        self.path = path
        self.writes = 0        # flash writes: appends and rewrites
        self.size = _file_size(path)
        # Known after scan(): where the readable records end, or -1 when the file is to be
        # rewritten even so (it had damage in the middle, or the old format).
        self._valid_size = None

    def scan(self):
        """Yields (offset, payload) of every readable record, oldest first, reading frame by
        frame (never the whole file at once)."""
        try:
            f = open(self.path, "rb")
        except OSError:  # no journal yet
            self._valid_size = self.size = 0
            return
        with f:
            # Of the old format when its first frame checks as one (a frame of this format
            # never does: MAGIC read as a length is over MAX_RECORD_BYTES).
            legacy = _frame_at(f, 0, True) is not None
            offset = end = 0
            rewrite = legacy
            while True:
                payload = _frame_at(f, offset, legacy)
                if payload is None:
                    found = None if legacy else _next_frame(f, offset + 1)
                    if found is None:
                        break
                    offset, payload = found
                    rewrite = True
                yield offset, payload
                offset += HEADER_BYTES + len(payload) + CRC_BYTES
                end = offset
        self._valid_size = -1 if rewrite else end

    def torn(self):
        """True when the file holds more than its readable records (a torn tail, a damaged
        frame) or is of the old format: it is rewritten before the next append."""
        if self._valid_size is None:
            self.size = _file_size(self.path)
            for _ in self.scan():
                pass
        return self.size != self._valid_size

    def read_at(self, offset):
        """The payload of the record at `offset`, or None when it is not readable there."""
        try:
            with open(self.path, "rb") as f:
                payload = _frame_at(f, offset, False)
                # Until the boot's rewrite, a journal of the old format (its frames and
                # this format's never read as each other).
                return payload if payload is not None else _frame_at(f, offset, True)
        except OSError:
            return None

    def append(self, payload, before=()):
        """Appends one record, after the records `before` (payloads), with one write;
        returns its offset. A torn tail left by an earlier cut (or a failed append), a
        damaged frame or the old format is rewritten first. Raises OSError."""
        records = list(before) + [payload]
        for record in records:
            if len(record) > MAX_RECORD_BYTES:
                raise ValueError("journal record of %d bytes" % len(record))
        if self.torn():
            self._cut_tail()
        data = b"".join([frame(record) for record in records])
        start = self.size
        self._valid_size = None  # unknown until the write is complete
        self.writes += 1
        counted(len(data))
        with open(self.path, "ab") as f:
            f.write(data)
            f.flush()
        self.size = start + len(data)
        self._valid_size = self.size
        return self.size - len(payload) - HEADER_BYTES - CRC_BYTES

    def rewrite(self, payloads):
        """Replaces the journal by these records at once (temporary file renamed over it);
        `payloads` may be a generator reading the old journal. Returns the new offsets."""
        offsets = []
        size = 0
        self.writes += 1
        with open(temp_for(self.path), "wb") as f:
            for payload in payloads:
                # In three writes, not one framed copy: a compaction writes hundreds of
                # records, on a heap already holding the queue (a temporary file: no tear).
                header, trailer = _header_and_trailer(payload)
                f.write(header)
                f.write(payload)
                f.write(trailer)
                offsets.append(size)
                size += HEADER_BYTES + len(payload) + CRC_BYTES
            f.flush()
        replace(self.path)  # counted there (store.atomic)
        self.size = size
        self._valid_size = size
        return offsets

    def _cut_tail(self):
        """Keeps only the readable records (atomic), in this format: a torn tail and damaged
        frames dropped."""
        self.rewrite(payload for _, payload in self.scan())
