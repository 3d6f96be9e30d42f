"""The committed lib/ocppj/schemas.py is what tools/gen_schemas.py makes from the installed
official OCPP 1.6 schemas, and the generator is deterministic."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import gen_schemas  # noqa: E402


def test_committed_schemas_module_is_fresh():
    for path, text in zip((gen_schemas.OUTPUT, gen_schemas.DATA_OUTPUT), gen_schemas.generate()):
        with open(path, encoding="utf-8") as f:
            committed = f.read()
        assert committed == text, "stale %s: run .venv/bin/python tools/gen_schemas.py" % path


def test_generator_is_deterministic():
    assert gen_schemas.generate() == gen_schemas.generate()


def test_every_official_schema_is_covered():
    from ocppj.check import is_action
    names = os.listdir(gen_schemas.schema_dir())
    actions = {n[:-5] for n in names if n.endswith(".json") and not n.endswith("Response.json")}
    assert len(names) == 78
    with open(gen_schemas.DATA_OUTPUT, encoding="utf-8") as f:
        index = f.read().splitlines()[-1]
    assert {entry.split(" ")[0] for entry in index.strip(",").split(",")} == actions
    assert all(is_action(action) for action in actions)
    assert not any(is_action(bad) for bad in ("", "Authorize 0", "Foo", "authorize", 5, None))
    for security_action in ("SignCertificate", "InstallCertificate", "SignedUpdateFirmware",
                            "SecurityEventNotification", "ExtendedTriggerMessage", "GetLog"):
        assert security_action in actions
