"""Cross-checks ocppj.check against the official OCPP 1.6 JSON schemas with jsonschema
(draft 4): for every action's request and response, a minimal and a full valid payload
pass both, and every single-fault mutation (missing required field, wrong type, too
long, value outside the enum, extra property, at any depth) fails both, with the code
OCPP-J 1.6 table 7 and errata 3.2 give."""
import copy
import json
import os
import sys

import jsonschema
import pytest

from ocppj import errors
from ocppj.check import check_request, check_response

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import gen_schemas  # noqa: E402

NOW = "2024-05-01T12:00:00Z"
WRONG_TYPE = {"string": 1, "integer": "1", "number": "1", "boolean": 1, "object": "x", "array": "x"}


def load(name):
    with open(os.path.join(gen_schemas.schema_dir(), name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def resolve(node, root):
    ref = node.get("$ref")
    return root["definitions"][ref.split("/")[-1]] if ref else node


def sample(node, root, full):
    node = resolve(node, root)
    kind = node["type"]
    if kind == "object":
        names = node.get("properties", {}) if full else node.get("required", [])
        return {n: sample(node["properties"][n], root, full) for n in names}
    if kind == "array":
        return [sample(node["items"], root, full)]
    if kind == "string":
        if "enum" in node:
            return node["enum"][-1]
        return NOW if node.get("format") == "date-time" else "x"
    return {"integer": 1, "number": 8, "boolean": True}[kind]


def mutations(node, root, value):
    """(mutated copy maker, expected code) for one fault at every reachable field."""
    node = resolve(node, root)
    if node["type"] == "array":
        for make, code in mutations(node["items"], root, value[0]):
            yield (lambda make=make: [make()]), code
        return
    if node["type"] != "object":
        return
    yield (lambda: dict(value, unexpectedField=1)), errors.FormationViolation
    for name, prop in node.get("properties", {}).items():
        prop = resolve(prop, root)
        def put(new, name=name):
            result = copy.deepcopy(value)
            result[name] = new
            return result
        if name in node.get("required", []):
            yield (lambda name=name: {k: v for k, v in value.items() if k != name}), \
                errors.OccurenceConstraintViolation
        yield (lambda prop=prop, put=put: put(WRONG_TYPE[prop["type"]])), errors.TypeConstraintViolation
        if "maxLength" in prop:
            yield (lambda prop=prop, put=put: put("x" * (prop["maxLength"] + 1))), \
                errors.PropertyConstraintViolation
        if "enum" in prop:
            yield (lambda put=put: put("NotInTheEnum")), errors.PropertyConstraintViolation
        for make, code in mutations(prop, root, value[name]) if name in value else ():
            yield (lambda make=make, put=put: put(make())), code


def schema_names():
    return sorted(n[:-5] for n in os.listdir(gen_schemas.schema_dir()) if n.endswith(".json"))


@pytest.mark.parametrize("name", schema_names())
def test_check_agrees_with_jsonschema(name):
    root = load(name)
    validator = jsonschema.Draft4Validator(root)
    if name.endswith("Response"):
        action, check = name[:-len("Response")], check_response
    else:
        action, check = name, check_request
    for full in (False, True):
        payload = sample(root, root, full)
        assert validator.is_valid(payload), (name, payload)
        check(action, payload)
        for make, code in mutations(root, root, payload):
            bad = make()
            assert not validator.is_valid(bad), (name, bad)
            with pytest.raises(code):
                check(action, bad)
