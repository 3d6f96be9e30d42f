"""The import graph of the device tree, checked: lib/ imports neither firmware/ nor boards/,
firmware/ imports no board, no module reaches itself through its imports, and the feature
profiles keep to their rooms: a module directly in firmware/ (what every profile uses) imports
no profile package, and a profile package (firmware/security/, ...) imports no other one but
firmware/core/, which every station has. firmware.station, the composition root, may import
them all.

    python tools/import_graph.py [-q] [ROOT]

Prints each module of firmware/, lib/ and boards/ under ROOT (default: this repository)
with the modules of the tree it imports, then one line per problem, and exits 1 if there
is any (`-q`: only the problems and a summary). Modules are named as a board imports them:
the root is a path entry for firmware/ and boards/, lib/ is one of its own (`ws.client`
is lib/ws/client.py). Imports inside functions count, since that is how code loaded on
demand comes in (firmware.on_demand), and are marked `late`; those inside a module's
`__getattr__` forward the module's names to another, and are marked `forwards`. Modules
outside the tree (the standard library, micropython) are left out.
"""
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Folder, the path entry its modules are named from, and its rank: a module may import
# one of the same or a lower rank only.
LAYERS = (("lib", "lib", 0), ("firmware", "", 1), ("boards", "", 2))
RANK_NAMES = {0: "lib/", 1: "firmware/", 2: "boards/"}
TOP, LATE, FORWARDS = "", "late", "forwards"
COMPOSITION_ROOT = "firmware.station"
CORE, COMMON = "core", ""  # the rooms every profile may import from


def modules(root):
    """{module name: (path, rank)} of the tree under `root`."""
    found = {}
    for folder, entry, rank in LAYERS:
        base = os.path.join(root, entry) if entry else root
        for here, dirs, files in os.walk(os.path.join(root, folder)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(here, name)
                parts = os.path.relpath(path, base)[:-len(".py")].split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                found[".".join(parts)] = (path, rank)
    return found


class _Imports(ast.NodeVisitor):
    """The imports of one module: [(dotted name, names imported from it, kind)]."""

    def __init__(self, module, is_package):
        self.module = module
        self.is_package = is_package
        self.found = []
        self._kind = TOP

    def _function(self, node):
        outer, self._kind = self._kind, self._kind or LATE
        self.generic_visit(node)
        self._kind = outer

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Module(self, node):
        for child in node.body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    child.name == "__getattr__":  # the module's names, forwarded
                self._kind = FORWARDS
                self.generic_visit(child)
                self._kind = TOP
            else:
                self.visit(child)

    def visit_Import(self, node):
        for alias in node.names:
            self.found.append((alias.name, (), self._kind))

    def visit_ImportFrom(self, node):
        name = node.module or ""
        if node.level:
            package = self.module.split(".")
            if not self.is_package:
                package.pop()
            package = package[:len(package) - (node.level - 1)]
            name = ".".join(package + ([name] if name else []))
        self.found.append((name, tuple(alias.name for alias in node.names), self._kind))


def graph(root):
    """({module: {imported module: kind}}, {module: rank}); a module imported both at its
    top and late counts as imported at its top."""
    tree = modules(root)
    edges = {}
    for module, (path, _) in tree.items():
        with open(path) as f:
            source = f.read()
        visitor = _Imports(module, path.endswith("__init__.py"))
        visitor.visit(ast.parse(source, path))
        edges[module] = found = {}
        for name, names, kind in visitor.found:
            for target in _targets(name, names, tree):
                found[target] = min(found.get(target, kind), kind)
    return edges, {module: rank for module, (_, rank) in tree.items()}


def _targets(name, names, tree):
    """The modules of the tree an import loads: `from a import b` loads a.b when that is a
    module, else a; `import a.b.c` the longest of a.b.c, a.b, a that is in the tree."""
    submodules = [name + "." + child for child in names if name + "." + child in tree]
    if submodules:
        return submodules
    parts = name.split(".")
    while parts:
        if ".".join(parts) in tree:
            return [".".join(parts)]
        parts.pop()
    return []


def upward_imports(edges, ranks):
    return ["upward import: %s (%s) imports %s (%s)%s"
            % (module, RANK_NAMES[ranks[module]], target, RANK_NAMES[ranks[target]],
               _kind(kind))
            for module in sorted(edges) for target, kind in sorted(edges[module].items())
            if ranks[target] > ranks[module]]


def room(module, modules):
    """The profile package a module of firmware/ is in, COMMON for one directly in firmware/,
    None outside firmware/ and for the composition root."""
    parts = module.split(".")
    if parts[0] != "firmware" or module == COMPOSITION_ROOT:
        return None
    if len(parts) == 2 and not any(other.startswith(module + ".") for other in modules):
        return COMMON  # a module, not a package
    return parts[1] if len(parts) > 1 else COMMON


def profile_crossings(edges):
    lines = []
    for module in sorted(edges):
        here = room(module, edges)
        for target, kind in sorted(edges[module].items()):
            there = room(target, edges)
            if here is None or there in (None, here, COMMON) or \
                    (there == CORE and here != COMMON):
                continue
            lines.append("%s: %s imports %s%s" % (
                "common module imports a profile" if here == COMMON else
                "profile imports another profile", module, target, _kind(kind)))
    return lines


def circles(edges):
    """One line per circle: for each module on one, the shortest way back to it; a circle
    found from several of its modules is told once."""
    told, lines = set(), []
    for start in sorted(edges):
        path = _shortest_way_back(edges, start)
        if path is None:
            continue
        key = frozenset(zip(path, path[1:]))
        if key in told:
            continue
        told.add(key)
        lines.append("circle: " + path[0] + "".join(
            " ->%s %s" % (_kind(edges[a][b]), b) for a, b in zip(path, path[1:])))
    return lines


def _shortest_way_back(edges, start):
    came_from = {}
    frontier = [start]
    while frontier:
        after = []
        for module in frontier:
            for target in sorted(edges[module]):
                if target == start:
                    return _forward_path(start, module, came_from)
                if target not in came_from:
                    came_from[target] = module
                    after.append(target)
        frontier = after
    return None


def _forward_path(start, last, came_from):
    """start -> ... -> last -> start, from the breadth-first search's parents."""
    back = [last]
    while back[-1] != start:
        back.append(came_from[back[-1]])
    return back[::-1] + [start]


def _kind(kind):
    return " (%s)" % kind if kind else ""


def render(edges):
    lines = []
    for module in sorted(edges):
        kinds = {}
        for target, kind in edges[module].items():
            kinds.setdefault(kind, []).append(target)
        parts = [", ".join(sorted(kinds[TOP]))] if TOP in kinds else []
        parts += ["%s: %s" % (kind, ", ".join(sorted(kinds[kind])))
                  for kind in (LATE, FORWARDS) if kind in kinds]
        lines.append("%s -> %s" % (module, "; ".join(parts)) if parts else module)
    return lines


def main(argv):
    quiet = "-q" in argv
    args = [arg for arg in argv if arg != "-q"]
    edges, ranks = graph(args[0] if args else ROOT)
    problems = upward_imports(edges, ranks) + profile_crossings(edges) + circles(edges)
    if not quiet:
        print("\n".join(render(edges)))
    print("\n".join(problems) if problems else
          "import graph: %d modules, %d imports, no circle, no upward import, "
          "no import between profiles"
          % (len(edges), sum(len(targets) for targets in edges.values())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
