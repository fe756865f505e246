"""What the ICD-10-SE readers share: their files grouped by folder, the id of an undated release,
title clean-up and the check that a file held rows of its format."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path

from ...codes import System
from ...errors import ReleaseFormatError
from ...model import Release
from ...release_input import ReadContext
from ..formats.files import stem

SYSTEM = System.ICD10SE.value


def clean_title(text: str) -> str:
    """Title text with runs of whitespace collapsed (files carry trailing and double spaces)."""
    return " ".join(text.split())


def files_by_folder(files: Sequence[Path], names: Collection[str]) -> dict[Path, list[Path]]:
    """The files named one of ``names`` (case-insensitive, ``.gz`` allowed), grouped by folder."""
    by_dir: dict[Path, list[Path]] = {}
    for path in files:
        if stem(path).lower() in names:
            by_dir.setdefault(path.parent, []).append(path)
    return by_dir


def combined_id(files: Sequence[Path], ctx: ReadContext) -> str:
    """``unversioned-<first 12 hex of a sha256 over the files' sha256s>``: stable for identical files."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(f"{stem(path)}:{ctx.source_file(path).sha256}\n".encode())
    return f"unversioned-{digest.hexdigest()[:12]}"


def undated_release(reader: str, title: str, files: Sequence[Path], ctx: ReadContext) -> Release:
    """The Release of Inera files, which state no edition: identified by their checksums."""
    return Release(id=f"{reader}:{combined_id(files, ctx)}", system=SYSTEM, name=title,
                   files=tuple(ctx.source_file(p) for p in files), bundled_sample=ctx.bundled_sample)


def require_rows(name: str, rows: int, valid: int) -> None:
    """Refuse a file with no rows, or none in the expected format (``name``: the file as shown)."""
    if rows == 0:
        raise ReleaseFormatError(name, "line 1", "empty file")
    if valid == 0:
        raise ReleaseFormatError(name, "line 1", "no row of this file is in the expected format")
