"""Generates lib/ocppj/schemas.py from the official OCPP 1.6 JSON schemas shipped in the
PyPI `ocpp` package (ocpp/v16/schemas, security extension included). Host tool, CPython.

Usage: python tools/gen_schemas.py [--check]
  --check  exit 1 when the committed module differs from what would be generated.

The output is deterministic: fields are sorted by name, identical enums and identical
object specs are emitted once and shared, so the board holds each only once. The
format is described in the generated module's docstring.
Any schema keyword this generator does not understand stops it, so a constraint is
never dropped silently.
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "lib", "ocppj", "schemas.py")

# One letter per JSON type; upper case when the field is required; a leading "*" marks
# an array of that type, "+" a non-empty one (minItems 1). Read by ocppj.check.
_LETTER = {"string": "s", "enum": "e", "date-time": "d", "integer": "i", "number": "n",
           "boolean": "b", "object": "o"}

# Keywords with no effect on validation of a payload.
_IGNORED = {"$schema", "$id", "id", "title", "javaType", "definitions", "description"}


def schema_dir():
    import ocpp
    return os.path.join(os.path.dirname(ocpp.__file__), "v16", "schemas")


class _Builder:
    """Turns schemas into spec strings, sharing identical enums and objects."""

    def __init__(self):
        self.enums = []    # enum texts, index = position
        self.objects = []  # object spec texts, index = position

    def _resolve(self, node, root):
        ref = node.get("$ref")
        if ref is None:
            return node
        if not ref.startswith("#/definitions/") or len(node) != 1:
            raise ValueError("unsupported $ref %r" % (node,))
        return root["definitions"][ref[len("#/definitions/"):]]

    @staticmethod
    def _index(table, text):
        if text not in table:
            table.append(text)
        return table.index(text)

    def object_spec(self, node, root, where):
        """Returns the index of the object's spec in OBJECTS."""
        node = self._resolve(node, root)
        self._only(node, {"type", "properties", "required", "additionalProperties"}, where)
        if node.get("type") != "object" or node.get("additionalProperties") is not False:
            raise ValueError("%s: expected an object with additionalProperties false" % where)
        required = set(node.get("required", ()))
        properties = node.get("properties", {})
        unknown = required - set(properties)
        if unknown:
            raise ValueError("%s: required but not a property: %s" % (where, sorted(unknown)))
        fields = []
        for name in sorted(properties):
            if not name.isalnum():
                raise ValueError("%s: field name %r needs escaping" % (where, name))
            prefix, letter, arg = self.field(properties[name], root, where + "." + name)
            if name in required:
                letter = letter.upper()
            fields.append("%s=%s%s%s;" % (name, prefix, letter, arg))
        return self._index(self.objects, "".join(fields))

    def field(self, node, root, where):
        """Returns (array prefix, type letter, argument text) of one property."""
        node = self._resolve(node, root)
        kind = node.get("type")
        if kind == "array":
            self._only(node, {"type", "items", "minItems", "additionalItems"}, where)
            min_items = node.get("minItems", 0)
            if min_items not in (0, 1):
                raise ValueError("%s: minItems %r" % (where, min_items))
            prefix, letter, arg = self.field(node["items"], root, where + "[]")
            if prefix:
                raise ValueError("%s: nested arrays" % where)
            return "+" if min_items else "*", letter, arg
        if kind == "object":
            return "", _LETTER["object"], str(self.object_spec(node, root, where))
        if kind == "string":
            # additionalProperties on a string enum (errata 3.2) has no effect on a string.
            self._only(node, {"type", "enum", "maxLength", "format", "additionalProperties"}, where)
            if "enum" in node:
                if "maxLength" in node or "format" in node:
                    raise ValueError("%s: enum with other constraints" % where)
                for value in node["enum"]:
                    if "," in value or not value:
                        raise ValueError("%s: enum value %r needs escaping" % (where, value))
                return "", _LETTER["enum"], str(self._index(self.enums, ",".join(node["enum"])))
            fmt = node.get("format")
            if fmt == "date-time":
                if "maxLength" in node:
                    raise ValueError("%s: date-time with maxLength" % where)
                return "", _LETTER["date-time"], ""
            if fmt not in (None, "uri"):
                raise ValueError("%s: unsupported format %r" % (where, fmt))
            return "", _LETTER["string"], str(node.get("maxLength", ""))
        if kind == "integer":
            self._only(node, {"type"}, where)
            return "", _LETTER["integer"], ""
        if kind == "number":
            self._only(node, {"type", "multipleOf"}, where)
            arg = ""
            if "multipleOf" in node:
                # Stored as its reciprocal so the board multiplies by an integer.
                steps = round(1 / node["multipleOf"])
                if abs(steps * node["multipleOf"] - 1) > 1e-9:
                    raise ValueError("%s: multipleOf %r" % (where, node["multipleOf"]))
                arg = str(steps)
            return "", _LETTER["number"], arg
        if kind == "boolean":
            self._only(node, {"type"}, where)
            return "", _LETTER["boolean"], ""
        raise ValueError("%s: unsupported type %r" % (where, kind))

    def _only(self, node, allowed, where):
        extra = set(node) - allowed - _IGNORED
        if extra:
            raise ValueError("%s: unsupported keywords %s" % (where, sorted(extra)))


def generate(directory=None):
    """Returns the source text of lib/ocppj/schemas.py."""
    directory = directory or schema_dir()
    paths = sorted(glob.glob(os.path.join(directory, "*.json")))
    actions = sorted(os.path.basename(p)[:-5] for p in paths if not p.endswith("Response.json"))
    if len(actions) * 2 != len(paths):
        raise ValueError("every action needs a request and a Response schema")
    builder = _Builder()
    requests, responses = [], []
    for action in actions:
        for suffix, table in (("", requests), ("Response", responses)):
            path = os.path.join(directory, action + suffix + ".json")
            with open(path, encoding="utf-8") as f:
                root = json.load(f)
            table.append((action, builder.object_spec(root, root, action + suffix)))

    out = [
        '"""OCPP 1.6 payload tables, GENERATED by tools/gen_schemas.py from the official JSON',
        "schemas (ocpp/v16/schemas of the PyPI `ocpp` package). Do not edit; regenerate.",
        "",
        "Strings rather than tuples because they take half the heap (and none when the .mpy",
        "runs in place from ROMFS). An object spec lists its fields sorted by name, each as",
        "`name=<kind><arg>;`. kind: s string (arg: maxLength), e enum (arg: ENUMS index),",
        "d date-time string, i integer, n number (arg: 1/multipleOf), b boolean, o object",
        "(arg: OBJECTS index); upper case when required; a leading * marks an array of the",
        "kind, + a non-empty array. Every object forbids additional properties. REQUESTS and",
        'RESPONSES map each action to the OBJECTS index of its payload."""',
        "",
        "ENUMS = (",
    ]
    out.extend("    %r," % text for text in builder.enums)
    out.append(")")
    out.append("")
    out.append("OBJECTS = (")
    out.extend("    %r," % text for text in builder.objects)
    out.append(")")
    for table_name, table in (("REQUESTS", requests), ("RESPONSES", responses)):
        out.append("")
        out.append("%s = {" % table_name)
        out.extend("    %r: %d," % (action, index) for action, index in table)
        out.append("}")
    return "\n".join(out) + "\n"


def main(argv):
    text = generate()
    if "--check" in argv:
        with open(OUTPUT, encoding="utf-8") as f:
            if f.read() != text:
                print("%s is stale: run python tools/gen_schemas.py" % OUTPUT)
                return 1
        return 0
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s (%d bytes)" % (OUTPUT, len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
