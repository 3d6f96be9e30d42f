"""An append-only journal of CRC-framed records that survives power loss at any instant.

Each record is framed as
    length (4 bytes, little-endian) | payload (length bytes) | CRC-32 of length+payload (4 bytes)
and appended with one write. A cut during an append leaves a torn last frame: reading stops
at the first frame that is incomplete or fails its CRC, so a torn write loses at most the
record being written and never an older one. The torn tail is cut off by rewriting the
valid records (write a temporary file, rename it over the journal) before the next append,
and the same atomic rewrite compacts the journal when its owner decides it holds too much
that is no longer needed.

A bad frame in the middle (flash decay, not a torn write) ends the readable part there:
frames have no resynchronisation marker, so what follows is dropped rather than guessed.
"""
import binascii
import os
import struct

from store.atomic import replace, restore, temp_for

HEADER_BYTES = 4
CRC_BYTES = 4
# A length field above this is corruption, not a record: never allocate for it.
MAX_RECORD_BYTES = 16384


def _header_and_trailer(payload):
    header = struct.pack("<I", len(payload))
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


class Journal:
    def __init__(self, path):
        restore(path)  # a rewrite a power cut interrupted on FAT (store.atomic)
        self.path = path
        self.writes = 0        # flash writes: appends and rewrites
        self.size = _file_size(path)
        self._valid_size = None  # known after scan(): where the readable records end

    def scan(self):
        """Yields (offset, payload) of every readable record, oldest first, reading frame by
        frame (never the whole file at once)."""
        offset = 0
        try:
            f = open(self.path, "rb")
        except OSError:  # no journal yet
            self._valid_size = self.size = 0
            return
        with f:
            while True:
                payload = self._read_frame(f)
                if payload is None:
                    break
                yield offset, payload
                offset += HEADER_BYTES + len(payload) + CRC_BYTES
        self._valid_size = offset

    def torn(self):
        """True when bytes after the last readable record must be cut before appending."""
        if self._valid_size is None:
            self.size = _file_size(self.path)
            for _ in self.scan():
                pass
        return self.size != self._valid_size

    def read_at(self, offset):
        """The payload of the record at `offset`, or None when it is not readable there."""
        try:
            with open(self.path, "rb") as f:
                f.seek(offset)
                return self._read_frame(f)
        except OSError:
            return None

    @staticmethod
    def _read_frame(f):
        header = f.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES:
            return None
        length = struct.unpack("<I", header)[0]
        if length > MAX_RECORD_BYTES:
            return None
        payload = f.read(length)
        trailer = f.read(CRC_BYTES)
        if len(payload) < length or len(trailer) < CRC_BYTES:
            return None
        crc = binascii.crc32(payload, binascii.crc32(header)) & 0xFFFFFFFF
        if struct.unpack("<I", trailer)[0] != crc:
            return None
        return payload

    def append(self, payload):
        """Appends one record with one write; returns its offset. A torn tail left by an
        earlier cut (or a failed append) is cut off first. Raises OSError."""
        if len(payload) > MAX_RECORD_BYTES:
            raise ValueError("journal record of %d bytes" % len(payload))
        if self.torn():
            self._cut_tail()
        data = frame(payload)
        offset = self.size
        self._valid_size = None  # unknown until the write is complete
        self.writes += 1
        with open(self.path, "ab") as f:
            f.write(data)
            f.flush()
        self.size = offset + len(data)
        self._valid_size = self.size
        return offset

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
        replace(self.path)
        self.size = size
        self._valid_size = size
        return offsets

    def _cut_tail(self):
        """Keeps only the readable records (atomic), dropping a torn tail."""
        self.rewrite(payload for _, payload in self.scan())
