"""Modules talk through public APIs: no import circle among the modules of src/raremap, and no
module uses another module's private names.

Both checks read the sources with :mod:`ast` (no import is run). The import graph has every
``import``/``from ... import`` of a module, at module level, inside functions and under
``if TYPE_CHECKING:`` alike (a function-local import that steps around a circle still closes it).
An import of a module's own parent package (``from . import __version__``) is no edge: the parent
is initialised before its submodules run.

A private use is ``from x import _name``, ``x._name`` where ``x`` is an imported module, or any
``<expr>._name`` except on ``self``/``cls``/``super()`` and except where ``_name`` is defined by a
class of the same module (an object of that module's own class, such as ``other._key`` in an
``__eq__``) and ``<expr>`` is not a parameter annotated with another module's class (``rm:
RareMap``: ``rm._index`` is the facade's even where the module has an ``_index`` of its own).
Dunders and the public API of named tuples (``_replace``, ``_asdict`` ...) are not private.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable
from pathlib import Path

from paths import ROOT

PACKAGE = ROOT / "src" / "raremap"

# private uses tolerated while a change that removes them is under way, as "module: target" (none)
EXEMPT: set[str] = set()

# named-tuple methods and attributes are public API despite the underscore
NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})


# --- reading a package ---------------------------------------------------------------------

def package_sources(root: Path = PACKAGE, name: str = "raremap") -> dict[str, str]:
    """Module name → source text of every ``.py`` file under ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((name, *parts))] = path.read_text(encoding="utf-8")
    return found


def _is_package(module: str, sources: dict[str, str]) -> bool:
    return any(other.startswith(module + ".") for other in sources)


def _resolve(module: str, node: ast.ImportFrom, sources: dict[str, str]) -> str:
    """The absolute module a ``from ... import`` reads from (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module, sources) or module not in sources:  # a plain module: its package
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(module: str, tree: ast.AST, sources: dict[str, str]) -> Iterable[tuple[int, str, str | None]]:
    """(line, imported module, imported name or None) of every import in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            origin = _resolve(module, node, sources)
            for alias in node.names:
                yield node.lineno, origin, alias.name


def import_graph(sources: dict[str, str], package: str = "raremap") -> dict[str, dict[str, int]]:
    """Module → {module it imports: first line} among ``sources`` (see the module docstring)."""
    graph: dict[str, dict[str, int]] = {m: {} for m in sources}
    for module, text in sources.items():
        edges = graph[module]
        for line, origin, name in _imports(module, ast.parse(text), sources):
            if not (origin == package or origin.startswith(package + ".")):
                continue
            target = f"{origin}.{name}" if name and f"{origin}.{name}" in sources else origin
            # the packages on the way are initialised too (unless they are this module's parents)
            parts = target.split(".")
            for k in range(2, len(parts) + 1):
                step = ".".join(parts[:k])
                if step in sources and step != module and not module.startswith(step + "."):
                    edges.setdefault(step, line)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One import circle per strongly connected group of modules, as a path that returns to its
    start (``[a, b, a]``), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0

    def visit(start: str) -> None:  # Tarjan's algorithm, iterative (no recursion limit)
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(_circle(graph, group) for group in groups)


def _circle(graph: dict[str, dict[str, int]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child == start:
                    return [*paths[node], start]
                if child in group and child not in paths:
                    paths[child] = [*paths[node], child]
                    nxt.append(child)
        frontier = nxt
    return [start, start]


# --- private names -------------------------------------------------------------------------

def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in NAMEDTUPLE_API


def _own_names(tree: ast.AST) -> set[str]:
    """Names a module's classes define: methods, class attributes and ``self.x``/``cls.x`` targets."""
    found: set[str] = set()
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found.add(node.target.id)
            elif isinstance(node, ast.Assign):
                found.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                found.add(node.attr)
    return found


def _module_aliases(module: str, tree: ast.AST, sources: dict[str, str], package: str) -> set[str]:
    """Local names bound to modules of the package (``from .. import codes``, ``import raremap.x as y``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package:
                    found.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            origin = _resolve(module, node, sources)
            for alias in node.names:
                if f"{origin}.{alias.name}" in sources:
                    found.add(alias.asname or alias.name)
    return found


def _exempt_call(node: ast.expr) -> bool:
    """``self``, ``cls`` and ``super()``: an object's own attributes."""
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls", "mcs")
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _foreign_parameters(tree: ast.AST) -> set[str]:
    """Parameters annotated with a class the module does not define (``rm: RareMap`` in the
    crosswalk): their private attributes are never the module's own, whatever names it defines."""
    classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    found = set()
    for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        for arg in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs):
            if arg.annotation is None or arg.arg in ("self", "cls"):
                continue
            named = {n.id for n in ast.walk(arg.annotation) if isinstance(n, ast.Name)}
            named |= {n.value.split("[")[0].split(".")[-1].strip() for n in ast.walk(arg.annotation)
                      if isinstance(n, ast.Constant) and isinstance(n.value, str)}  # "RareMap" in quotes
            capitalised = {n for n in named if n[:1].isupper()}
            if capitalised and not capitalised & classes:
                found.add(arg.arg)
    return found


def private_uses(sources: dict[str, str], package: str = "raremap") -> list[str]:
    """``module:line: what`` for every use of another module's private name (module docstring)."""
    found = []
    for module, text in sources.items():
        tree = ast.parse(text)
        own = _own_names(tree)
        foreign = _foreign_parameters(tree)
        modules = _module_aliases(module, tree, sources, package)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                origin = _resolve(module, node, sources)
                if origin == package or origin.startswith(package + "."):
                    for alias in node.names:
                        if _private(alias.name) and f"{origin}.{alias.name}" not in sources:
                            found.append((module, node.lineno, f"from {origin} import {alias.name}"))
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                owner = node.value
                if _exempt_call(owner):
                    continue
                if isinstance(owner, ast.Name) and owner.id in modules:
                    found.append((module, node.lineno, f"{owner.id}.{node.attr}"))
                elif node.attr not in own or (isinstance(owner, ast.Name) and owner.id in foreign):
                    found.append((module, node.lineno, f"{ast.unparse(owner)}.{node.attr}"))
    return [f"{m}:{line}: {what}" for m, line, what in sorted(found)]


def _unexempted(uses: list[str]) -> list[str]:
    return [u for u in uses if f"{u.split(':')[0]}: {u.split(': ', 1)[1]}" not in EXEMPT]


# --- the checks on src/raremap -------------------------------------------------------------

def test_no_import_circle_among_raremap_modules() -> None:
    found = cycles(import_graph(package_sources()))
    assert not found, "import circles: " + "; ".join(" -> ".join(c) for c in found)


def test_no_module_uses_another_modules_private_names() -> None:
    found = _unexempted(private_uses(package_sources()))
    assert not found, "private names used across modules:\n" + "\n".join(found)


def test_every_exemption_is_still_needed() -> None:
    """An exemption whose use is gone is taken out (the set only shrinks)."""
    used = {f"{u.split(':')[0]}: {u.split(': ', 1)[1]}" for u in private_uses(package_sources())}
    assert EXEMPT <= used, sorted(EXEMPT - used)


# --- the checker finds what it is for ------------------------------------------------------

def _synthetic(**modules: str) -> dict[str, str]:
    return {name.replace("__", "."): textwrap.dedent(text) for name, text in modules.items()}


def test_checker_reports_a_circle_through_a_function_local_import() -> None:
    sources = _synthetic(
        pkg="",
        pkg__loader="from .services.facade import Facade\n",
        pkg__services="",
        pkg__services__facade="def batch():\n    from .batch import run\n    return run\n",
        pkg__services__batch="def run():\n    from ..loader import load\n",
        pkg__services__leaf="from .. import __version__\nfrom . import facade\n",
    )
    graph = import_graph(sources, package="pkg")
    assert cycles(graph) == [["pkg.loader", "pkg.services.facade", "pkg.services.batch", "pkg.loader"]]
    assert "pkg" not in graph["pkg.services.leaf"]  # the parent package is no edge
    del sources["pkg.services.batch"]
    assert cycles(import_graph(sources, package="pkg")) == []


def test_checker_reports_a_circle_under_type_checking_and_through_a_package() -> None:
    sources = _synthetic(
        pkg="",
        pkg__a="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
        pkg__b="import pkg.sub.c\n",
        pkg__sub="from .. import a\n",
        pkg__sub__c="",
    )
    assert cycles(import_graph(sources, package="pkg")) == [["pkg.a", "pkg.b", "pkg.sub", "pkg.a"]]


def test_checker_reports_private_names_of_other_modules() -> None:
    sources = _synthetic(
        pkg="",
        pkg__codes="def _system(x):\n    return x\n\ndef _split_prefix(x):\n    return x\n",
        pkg__cli="def _load(args):\n    return args\n",
        pkg__facade=(
            "class Facade:\n"
            "    def __init__(self):\n        self._mappings = {}\n        self._index = {}\n"
            "    def __eq__(self, other):\n        return self._index == other._index\n"
        ),
        pkg__crosswalk=(
            "from . import codes\n"
            "from .codes import _split_prefix\n"
            "def _cli():\n    from . import cli\n    return cli\n"
            "class Crosswalker:\n"
            "    def __init__(self, rm):\n        self._rows = rm._mappings\n        self._own = 1\n"
            "    def system(self, to, other):\n"
            "        super()._hook()\n        other._own\n        row = self._rows._asdict()\n"
            "        return codes._system(to), _cli()._load(to), rm.__dict__, row\n"
            "    def adopt(self, facade: \"Facade\", other: Crosswalker):\n"
            "        self._index = {}\n        return facade._index, other._rows\n"
        ),
    )
    assert private_uses(sources, package="pkg") == [
        "pkg.crosswalk:2: from pkg.codes import _split_prefix",
        "pkg.crosswalk:8: rm._mappings",
        "pkg.crosswalk:14: _cli()._load",
        "pkg.crosswalk:14: codes._system",
        "pkg.crosswalk:17: facade._index",  # the module has an _index too, but this is the facade's
    ]  # not: other._index in the facade's own __eq__, self/super()/other._own, _asdict, __dict__
