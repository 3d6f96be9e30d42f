"""Whole-file persistence that survives power loss at any instant.

A file is replaced by writing a temporary file beside it and renaming it over the old one:
a reader sees the old content or the new, never a torn mix. A leftover temporary file from
a cut during the write is ignored and overwritten next time.
"""
import os

_TEMP_SUFFIX = ".tmp"


def write_atomic(path, data):
    temp = path + _TEMP_SUFFIX
    with open(temp, "wb") as f:
        f.write(data)
        f.flush()
    os.rename(temp, path)


def read_or_none(path):
    """The file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as f:
            return f.read()
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
