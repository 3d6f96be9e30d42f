# Scratch files for the portable tests: a missing path in a folder of build/ per test module.
import os

from store.atomic import ensure_dir


def fresh_path(folder, name):
    """build/<folder>/<name>.json, made sure not to exist (its folder does)."""
    root = "build/" + folder
    ensure_dir(root)
    path = root + "/" + name + ".json"
    try:
        os.remove(path)
    except OSError:
        pass
    return path


def fresh_folder(folder, name):
    """build/<folder>/<name>, emptied of what an earlier run left (a station's flash)."""
    path = "build/" + folder + "/" + name
    _remove_tree(path)
    ensure_dir(path)
    return path


def _remove_tree(path):
    try:
        is_folder = os.stat(path)[0] & 0x4000  # S_IFDIR: no os.path on MicroPython
    except OSError:
        return
    if is_folder:
        for entry in os.listdir(path):
            _remove_tree(path + "/" + entry)
        os.rmdir(path)
    else:
        os.remove(path)
