"""Griffe extension for the API reference: the Sphinx roles of raremap's docstrings as links.

``:class:`~raremap.model.Release``` becomes ``Release`` linked to its entry; a relative name
(``:meth:`ReleaseReader.find```, ``:mod:`.masterfile```) is looked up from the object's class and
module. The links are optional ones: a name the reference does not render (a private helper, a
module outside it) stays plain code instead of a warning.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|attr|data|mod|exc|obj):`(?P<short>~?)(?P<name>\.?[\w.]+)(?:\(\))?`")


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)  # type: ignore[arg-type]


def _exists(root: griffe.Module, path: str) -> bool:
    head, _, rest = path.partition(".")
    if head != root.name:
        return False
    try:
        return bool(root[rest]) if rest else True
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False


def _target(root: griffe.Module, obj: griffe.Object, name: str) -> str:
    module = obj if obj.is_module else obj.module
    if name.startswith("."):  # relative to the module's package
        package = module.path if module.is_package else module.path.rpartition(".")[0]
        return f"{package}{name}"
    scopes = [o.path for o in (obj, obj.parent) if o is not None and o.is_class]
    scopes += [module.path, root.name]
    for scope in scopes:
        if _exists(root, f"{scope}.{name}"):
            return f"{scope}.{name}"
    return name


class SphinxRoles(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is None:
                continue

            def link(m: re.Match[str], obj: griffe.Object = obj) -> str:
                name = m["name"]
                shown = name.lstrip(".").rpartition(".")[2] if m["short"] else name.lstrip(".")
                target = name if _exists(pkg, name) else _target(pkg, obj, name)
                return f'<autoref identifier="{html.escape(target)}" optional><code>{html.escape(shown)}</code></autoref>'

            obj.docstring.value = _ROLE.sub(link, obj.docstring.value)
