"""Whole-file persistence that survives power loss at any instant.

A file is replaced by writing a temporary file beside it and renaming it over the old one:
a reader sees the old content or the new, never a torn mix. A leftover temporary file from
a cut during the write is ignored and overwritten next time.
"""
import json
import os

_TEMP_SUFFIX = ".tmp"


def write_atomic(path, data):
    temp = path + _TEMP_SUFFIX
    with open(temp, "wb") as f:
        f.write(data)
        f.flush()
    os.rename(temp, path)


def write_json_atomic(path, value):
    """write_atomic of `value` as JSON, written straight to the file: the text of the whole
    document never needs one piece of a fragmented heap."""
    temp = path + _TEMP_SUFFIX
    with open(temp, "w") as f:
        json.dump(value, f)
        f.flush()
    os.rename(temp, path)


def read_json_or_none(path):
    """The JSON value in the file, read from the stream; None when there is no file.
    Raises ValueError when it is not JSON (e.g. written by hand, or damaged)."""
    try:
        f = open(path)
    except OSError:
        return None
    with f:
        try:
            return json.load(f)
        except UnicodeError:  # CPython decodes while reading; MicroPython does not
            raise ValueError("%s is not UTF-8" % path)


def read_or_none(path):
    """The file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as f:
            # Read at its size: read() grows a buffer from 1 KB up, which a fragmented
            # heap may not have in one piece even for a file of a few hundred bytes.
            return f.read(os.stat(path)[6])
    except OSError:
        return None


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
