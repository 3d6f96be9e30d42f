"""Whole-file persistence that survives power loss at any instant.

A file is replaced by writing a temporary file beside it and renaming it over the old one:
a reader sees the old content or the new, never a torn mix. A leftover temporary file from
a cut during the write is ignored and overwritten next time.

On littlefs that rename is atomic. On FAT it is not: MicroPython's VfsFat renames over an
existing file by deleting it, then renaming, and a cut between the two leaves only the
temporary file, complete. So a temporary file without its target is always put in place
(by the next reader or writer), and for that rule to hold a first write creates an empty
target before its temporary file: a temporary file whose target never existed is never
taken, torn as it may be. An empty file therefore reads as no file.

Every write of the store to the flash is counted here (`writes`, `bytes_written`, since the
boot; tools/bench_flash.py reports them, docs/performance.md "Flash wear"): a journal's
append, a file put in place (its bytes), an empty file made, a file restored or removed.
"""
import json
import os

TEMP_SUFFIX = ".tmp"

writes = 0
bytes_written = 0


def counted(nbytes):
    """One more write to the flash, of `nbytes`."""
    global writes, bytes_written
    writes += 1
    bytes_written += nbytes


def _size_or_none(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return None


def restore(path):
    """Completes a replace a power cut interrupted between its two halves on FAT: the
    temporary file, when the target is missing, becomes the target. True when it did."""
    if _size_or_none(path) is not None:
        return False
    try:
        os.rename(path + TEMP_SUFFIX, path)
    except OSError:  # no temporary file either: there is nothing to restore
        return False
    counted(0)
    return True


def temp_for(path):
    """The temporary file to write the new content of `path` into, before replace(path)."""
    if _size_or_none(path) is None and not restore(path):
        open(path, "wb").close()  # the target exists before its temporary file (see above)
        counted(0)
    return path + TEMP_SUFFIX


def replace(path):
    temp = path + TEMP_SUFFIX
    counted(os.stat(temp)[6])
    os.rename(temp, path)


def remove(path):
    """No file any more. The temporary file goes first: left alone beside no target, it
    would be taken for the file by restore (the FAT rule above)."""
    for name in (path + TEMP_SUFFIX, path):
        try:
            os.remove(name)
        except OSError:  # not there
            continue
        counted(0)


def write_atomic(path, data):
    with open(temp_for(path), "wb") as f:
        f.write(data)
        f.flush()
    replace(path)


def write_json_atomic(path, value):
    """write_atomic of `value` as JSON, written straight to the file: the text of the whole
    document never needs one piece of a fragmented heap."""
    with open(temp_for(path), "w") as f:
        json.dump(value, f)
        f.flush()
    replace(path)


def _open_or_none(path, mode):
    """(the open file, its size), or (None, 0) when it is missing or empty."""
    size = _size_or_none(path)
    if size is None and restore(path):
        size = _size_or_none(path)
    if not size:
        return None, 0
    return open(path, mode), size


def read_json_or_none(path):
    """The JSON value in the file, read from the stream; None when there is no file.
    Raises ValueError when it is not JSON (e.g. written by hand, or damaged)."""
    f, _ = _open_or_none(path, "r")
    if f is None:
        return None
    with f:
        try:
            return json.load(f)
        except UnicodeError:  # CPython decodes while reading; MicroPython does not
            raise ValueError("%s is not UTF-8" % path)


def read_or_none(path):
    """The file's bytes, or None when it does not exist."""
    f, size = _open_or_none(path, "rb")
    if f is None:
        return None
    with f:
        # Read at its size: read() grows a buffer from 1 KB up, which a fragmented
        # heap may not have in one piece even for a file of a few hundred bytes.
        return f.read(size)


def ensure_dir(path):
    """Creates `path` and its missing parents (MicroPython has no os.makedirs)."""
    built = ""
    for part in path.split("/"):
        built = built + "/" + part if built or path.startswith("/") else part
        if not part:
            continue
        try:
            os.mkdir(built)
        except OSError:  # exists already (or a real failure, which the next write reports)
            pass
