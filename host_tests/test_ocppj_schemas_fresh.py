"""The committed lib/ocppj/schemas.py is what tools/gen_schemas.py makes from the installed
official OCPP 1.6 schemas, and the generator is deterministic."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import gen_schemas  # noqa: E402


def test_committed_schemas_module_is_fresh():
    with open(gen_schemas.OUTPUT, encoding="utf-8") as f:
        committed = f.read()
    assert committed == gen_schemas.generate(), "stale: run .venv/bin/python tools/gen_schemas.py"


def test_generator_is_deterministic():
    assert gen_schemas.generate() == gen_schemas.generate()


def test_every_official_schema_is_covered():
    import ocppj.schemas as schemas
    names = os.listdir(gen_schemas.schema_dir())
    actions = {n[:-5] for n in names if n.endswith(".json") and not n.endswith("Response.json")}
    assert len(names) == 78
    assert set(schemas.REQUESTS) == actions == set(schemas.RESPONSES)
    for security_action in ("SignCertificate", "InstallCertificate", "SignedUpdateFirmware",
                            "SecurityEventNotification", "ExtendedTriggerMessage", "GetLog"):
        assert security_action in actions
