# lib/store/atomic: a file is either old or new content, never torn; temp leftovers ignored.
import os

from store.atomic import ensure_dir, read_json_or_none, read_or_none, write_atomic, \
    write_json_atomic

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


def test_a_replace_cut_between_delete_and_rename_on_fat_is_completed_by_the_reader():
    # MicroPython's VfsFat renames over a file by deleting it first: a cut between the two
    # leaves only the temporary file, complete (host_tests/test_flash_power_cut.py cuts a
    # real VfsFat there). The next reader puts it in place; an empty file reads as none.
    path = folder("fat_gap") + "/data.json"
    write_json_atomic(path, {"v": "old"})
    with open(path + ".tmp", "w") as f:
        f.write('{"v": "new"}')
    os.remove(path)
    assert read_json_or_none(path) == {"v": "new"}
    assert "data.json.tmp" not in os.listdir(folder("fat_gap"))
    with open(path, "wb"):
        pass
    assert read_json_or_none(path) is None and read_or_none(path) is None
