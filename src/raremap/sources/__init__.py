"""Release readers, one module per format, and discovery of release files in a directory.

The readers are found, not listed: every module under this package that has ``READERS`` (a
sequence of readers) contributes them, and :func:`register_reader` adds one from outside.
Order matters, since a file claimed by an earlier reader is not offered to later ones: readers
run by their ``discovery_order`` attribute (publisher order: Orphanet 100s, ORDO 200, ICD-10-SE
300s, ICD-11 and the WHO tables 400s, SNOMED CT 500, Alpha-ID-SE 600; a reader without one
counts as 1000), then by their place in their module's ``READERS``. Nothing here is imported
until a build asks for the readers.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterable
from pathlib import Path

from ..release_input import BuildReport, ReleaseReader

DEFAULT_ORDER = 1000  # discovery_order of a reader that states none
_registered: list[ReleaseReader] = []
_built_in: list[ReleaseReader] | None = None


def readers() -> list[ReleaseReader]:
    """Every release reader raremap has (built in, then registered), in discovery order."""
    found: list[tuple[int, int, ReleaseReader]] = []
    seen: set[int] = set()
    for rank, reader in enumerate([*_discovered(), *_registered]):
        if id(reader) not in seen:
            seen.add(id(reader))
            found.append((getattr(reader, "discovery_order", DEFAULT_ORDER), rank, reader))
    return [reader for *_, reader in sorted(found, key=lambda f: (f[0], f[1]))]


def register_reader(reader: ReleaseReader) -> ReleaseReader:
    """Add a reader from outside raremap (placed by its ``discovery_order``); returns it."""
    if not callable(getattr(reader, "find", None)) or not callable(getattr(reader, "read", None)) \
            or not isinstance(getattr(reader, "name", None), str):
        raise TypeError(f"{reader!r} is not a release reader (it needs name, find() and read())")
    if any(r.name == reader.name for r in readers()):
        raise ValueError(f"a reader named {reader.name!r} is known already")
    _registered.append(reader)
    return reader


def unregister_reader(reader: ReleaseReader) -> None:
    """Remove a reader added with :func:`register_reader`."""
    _registered.remove(reader)


def _discovered() -> list[ReleaseReader]:
    """The built-in readers: ``READERS`` of every module in this package (and its subpackages),
    each module's in its own order, modules by name."""
    global _built_in
    if _built_in is None:
        found: list[ReleaseReader] = []
        for info in sorted(pkgutil.walk_packages(__path__, f"{__name__}."), key=lambda m: m.name):
            module = importlib.import_module(info.name)
            found.extend(getattr(module, "READERS", ()))
        _built_in = found
    return _built_in


def discover(root: Path, available: Iterable[ReleaseReader] | None = None,
             report: BuildReport | None = None) -> list[tuple[ReleaseReader, tuple[Path, ...]]]:
    """The release inputs under ``root`` (searched recursively) that a reader recognises.

    A reader may name readers that supersede it (``superseded_by``: the same release in a
    preferred form, e.g. the ICD-11 tabulation as txt rather than xlsx); its inputs are then
    left out, and the report says so.
    """
    root = Path(root)
    files = sorted(
        Path(folder) / name
        for folder, dirs, names in os.walk(root, followlinks=True)  # release folders are often symlinked
        if not any(part.startswith(".") for part in Path(folder).relative_to(root).parts)
        for name in names
        if not name.startswith(".")
    )
    inputs: list[tuple[ReleaseReader, tuple[Path, ...]]] = []
    claimed: set[Path] = set()
    for reader in available if available is not None else readers():
        offer = [f for f in files if f not in claimed]
        for group in reader.find(offer):
            group = tuple(group)
            if group:
                claimed.update(group)
                inputs.append((reader, group))
    if report is not None:
        for f in files:
            if f not in claimed and not _is_documentation(f):
                report.skip(f.relative_to(root).as_posix(), "file", "not a release file raremap recognises")
    present = {reader.name for reader, _ in inputs}
    kept = []
    for reader, group in inputs:
        better = [name for name in getattr(reader, "superseded_by", ()) if name in present]
        if better:
            if report is not None:
                for f in group:
                    report.skip(f.relative_to(root).as_posix(), "file", f"not loaded: the same release is read from {better[0]}")
            continue
        kept.append((reader, group))
    return kept


def _is_documentation(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith("readme") or name == "fetch-manifest.json" or name.endswith((".py", ".pyc"))
