# The import-graph check (tools/import_graph.py, issue 17): the tree passes it, and it fails,
# with the reason, on a circle and on an upward import.
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "tools", "import_graph.py")


def check(root=None, *options):
    done = subprocess.run([sys.executable, TOOL] + list(options) + ([str(root)] if root else []),
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout.splitlines()


def tree(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_tree_has_no_circle_and_no_upward_import():
    code, lines = check()
    assert code == 0, lines
    assert lines[-1].endswith("no circle, no upward import, no import between profiles")
    assert "firmware.security -> firmware.on_demand; late: firmware.security.requests" in lines


def test_a_circle_through_a_late_import_fails(tmp_path):
    root = tree(tmp_path, {"firmware/__init__.py": "",
                           "firmware/a.py": "from firmware.b import f\n",
                           "firmware/b.py": "def f():\n    from firmware import a\n",
                           "firmware/c.py": "import firmware.a\n"})
    code, lines = check(root, "-q")
    assert code == 1
    assert lines == ["circle: firmware.a -> firmware.b -> (late) firmware.a"]


def test_a_module_getattr_forwarding_is_an_import(tmp_path):
    root = tree(tmp_path, {
        "firmware/__init__.py": "",
        "firmware/services.py": "def __getattr__(name):\n"
                                "    from firmware import requests\n"
                                "    return getattr(requests, name)\n",
        "firmware/requests.py": "from firmware.services import folder\n"})
    code, lines = check(root)
    assert code == 1
    assert "firmware.services -> forwards: firmware.requests" in lines
    assert lines[-1] == "circle: firmware.requests -> firmware.services -> (forwards) " \
                        "firmware.requests"


def test_relative_imports_in_lib_are_followed(tmp_path):
    root = tree(tmp_path, {"lib/ws/__init__.py": "",
                           "lib/ws/client.py": "from .frames import parse\n",
                           "lib/ws/frames.py": "from . import client\n",
                           "lib/store/atomic.py": "import os\nfrom ws import frames\n"})
    code, lines = check(root)
    assert code == 1
    assert "store.atomic -> ws.frames" in lines  # another lib package: fine
    assert lines[-1] == "circle: ws.client -> ws.frames -> ws.client"


def test_upward_imports_fail(tmp_path):
    root = tree(tmp_path, {"lib/ws/client.py": "def connect():\n"
                                               "    from firmware.config import Key\n",
                           "firmware/__init__.py": "",
                           "firmware/config.py": "",
                           "firmware/station.py": "from boards.sim.board import SimBoard\n",
                           "boards/sim/board.py": "import firmware.config\nimport ws.client\n"})
    code, lines = check(root, "-q")
    assert code == 1
    assert lines == [
        "upward import: firmware.station (firmware/) imports boards.sim.board (boards/)",
        "upward import: ws.client (lib/) imports firmware.config (firmware/) (late)"]


def test_common_modules_import_no_profile_and_profiles_only_core(tmp_path):
    root = tree(tmp_path, {
        "firmware/__init__.py": "",
        "firmware/config.py": "def load():\n    from firmware.security import log\n",
        "firmware/clock.py": "",
        "firmware/station.py": "import firmware.security\nimport firmware.core.status\n",
        "firmware/core/__init__.py": "",
        "firmware/core/status.py": "from firmware import clock\n",
        "firmware/security/__init__.py": "from firmware.core import status\n",
        "firmware/security/log.py": "from firmware.reservation.book import slots\n",
        "firmware/reservation/book.py": "import firmware.clock\n"})
    code, lines = check(root, "-q")
    assert code == 1
    assert lines == [
        "common module imports a profile: firmware.config imports firmware.security.log (late)",
        "profile imports another profile: firmware.security.log imports "
        "firmware.reservation.book"]
