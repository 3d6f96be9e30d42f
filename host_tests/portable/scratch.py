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
