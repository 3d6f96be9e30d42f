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
DATA_OUTPUT = os.path.join(ROOT, "lib", "ocppj", "schemas.dat")

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
    """Returns the source text of lib/ocppj/schemas.py and of the data file beside it."""
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

    lines = list(builder.enums) + list(builder.objects)
    lines.append("," + ",".join("%s %d %d" % (action, request, response) for
                                (action, request), (_, response) in zip(requests, responses))
                 + ",")
    data = "".join(line + "\n" for line in lines)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    if offsets[-1] > 0xFFFF or not data.isascii():
        raise ValueError("the tables no longer fit 16-bit offsets of ASCII text")
    packed = bytes(b for offset in offsets for b in (offset & 0xFF, offset >> 8))
    out = [
        '"""OCPP 1.6 payload tables, GENERATED by tools/gen_schemas.py from the official JSON',
        "schemas (ocpp/v16/schemas of the PyPI `ocpp` package). Do not edit; regenerate.",
        "",
        "The tables are lines of `schemas.dat` beside this module, read when needed (in",
        "place from flash where the firmware or a ROMFS partition holds them, else from the",
        "file, the few a station uses cached: ocppj.check), so they take no heap until then. An",
        "object spec lists its fields sorted by name, each as `name=<kind><arg>;`. kind: s",
        "string (arg: maxLength), e enum (arg: enum index), d date-time string, i integer, n",
        "number (arg: 1/multipleOf), b boolean, o object (arg: object index); upper case when",
        "required; a leading * marks an array of the kind, + a non-empty array. Every object",
        "forbids additional properties. Lines: the enums (comma-separated values), then the",
        "objects from OBJECTS_AT, then at ACTIONS_LINE `,Action request response,...` with",
        "the object index of each action's request and response payload. OFFSETS holds the",
        'start of every line and the end of the file, 16-bit little-endian."""',
        "",
        "OBJECTS_AT = %d" % len(builder.enums),
        "ACTIONS_LINE = %d" % (len(lines) - 1),
        "OFFSETS = (",
    ]
    for start in range(0, len(packed), 24):
        out.append("    %r" % packed[start:start + 24])
    out.append(")")
    return "\n".join(out) + "\n", data


def main(argv):
    outputs = zip((OUTPUT, DATA_OUTPUT), generate())
    if "--check" in argv:
        for path, text in outputs:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    print("%s is stale: run python tools/gen_schemas.py" % path)
                    return 1
        return 0
    for path, text in outputs:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        print("wrote %s (%d bytes)" % (path, len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
