"""Release readers, one module per format, and discovery of release files in a directory."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from pathlib import Path

from ..release_input import BuildReport, ReleaseReader

# Order matters: a file claimed by an earlier reader is not offered to later ones.
READER_MODULES = ("orphanet.products", "orphanet.masterfile", "orphanet.ordo", "icd10se.code_lists", "icd10se.ksh97p",
                  "who.icd11_tabulation", "who.mapping_tables", "snomed.rf2_release", "bfarm.alpha_id")


def readers() -> list[ReleaseReader]:
    """Every release reader raremap has, in discovery order."""
    found: list[ReleaseReader] = []
    for name in READER_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        found.extend(module.READERS)
    return found


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
