# lib/store/atomic: a file is either old or new content, never torn; temp leftovers ignored.
import os

from store.atomic import ensure_dir, read_or_none, write_atomic

ROOT = "build/test_store"


def folder(name):
    path = ROOT + "/" + name + "/a/b"
    ensure_dir(path)
    return path


def test_write_then_read_and_replace():
    path = folder("replace") + "/data.json"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert read_or_none(path) == b"two"
    assert read_or_none(path + ".tmp") is None


def test_missing_file_reads_as_none():
    assert read_or_none(folder("missing") + "/nothing") is None


def test_torn_temp_file_from_a_power_cut_does_not_matter():
    path = folder("torn") + "/data.json"
    write_atomic(path, b"committed")
    with open(path + ".tmp", "wb") as f:
        f.write(b"half-writ")  # the cut came before the rename
    assert read_or_none(path) == b"committed"
    write_atomic(path, b"next")
    assert read_or_none(path) == b"next"
    assert "data.json.tmp" not in os.listdir(folder("torn"))
