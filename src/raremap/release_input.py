"""What release readers and the snapshot compiler share: the reader contract and the build report.

A reader (:mod:`raremap.sources`) knows one release format and nothing else. It claims files in
a releases directory (:meth:`ReleaseReader.find`) and streams records from them
(:meth:`ReleaseReader.read`): first one :class:`~raremap.model.Release`, then concepts, edges,
mappings and added terms. The compiler (:mod:`raremap.snapshot.compile`) consumes those streams;
both sides note what they skipped or repaired in one :class:`BuildReport`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .model import Record, SourceFile

__all__ = ["BuildReport", "ReadContext", "ReleaseReader", "sha256_file"]


@dataclass
class BuildReport:
    """Counts of rows a reader skipped (and of rows kept after a repair), with reasons and the
    first examples of each."""

    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    repaired: Counter[tuple[str, str]] = field(default_factory=Counter)
    repair_examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def skip(self, file: str, position: str, reason: str) -> None:
        """Record that the row/element at ``position`` of ``file`` was skipped for ``reason``."""
        key = (file, reason)
        self.skipped[key] += 1
        shown = self.examples.setdefault(key, [])
        if len(shown) < 5:
            shown.append(position)

    def repair(self, file: str, position: str, reason: str) -> None:
        """Record that the row at ``position`` of ``file`` was kept after repairing it (``reason``)."""
        key = (file, reason)
        self.repaired[key] += 1
        shown = self.repair_examples.setdefault(key, [])
        if len(shown) < 5:
            shown.append(position)

    def count(self, what: str, n: int = 1) -> None:
        """Add ``n`` to the count named ``what`` (what a reader or the compiler found, e.g. terms read)."""
        self.counts[what] += n

    def as_dict(self) -> dict[str, object]:
        """The report as the snapshot manifest stores it: counts, skipped and repaired rows with examples."""
        data: dict[str, object] = {
            "counts": dict(sorted(self.counts.items())),
            "skipped": [
                {"file": f, "reason": r, "rows": n, "examples": self.examples.get((f, r), [])}
                for (f, r), n in sorted(self.skipped.items())
            ],
        }
        if self.repaired:
            data["repaired"] = [
                {"file": f, "reason": r, "rows": n, "examples": self.repair_examples.get((f, r), [])}
                for (f, r), n in sorted(self.repaired.items())
            ]
        return data


@dataclass
class ReadContext:
    """What a reader gets besides its files: where the release root is, and the report."""

    root: Path
    report: BuildReport
    bundled_sample: bool = False
    _checksums: dict[Path, SourceFile] = field(default_factory=dict)

    def relative(self, path: Path) -> str:
        """``path`` relative to the release root, as reports and provenance name files (else its name)."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.name

    def source_file(self, path: Path) -> SourceFile:
        """Checksum record of ``path`` (computed once per build)."""
        found = self._checksums.get(path)
        if found is None:
            found = SourceFile(self.relative(path), sha256_file(path), path.stat().st_size)
            self._checksums[path] = found
        return found


class ReleaseReader(Protocol):
    """One release format.

    Optional class attributes the compiler reads: ``partial = True`` (the format states no
    status, kind or preferred label: it never decides them), ``complete = True`` (a release
    lists every code of its system, active or not: a code an older release named that the
    newest complete one lacks is no longer in the terminology).
    """

    name: str

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        """Groups of ``files`` that form one input of this format (each file in one group)."""
        ...

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        """Stream the records of one input: a Release first, then the rest."""
        ...


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
