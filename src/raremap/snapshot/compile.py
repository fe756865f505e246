"""Compile release records into one consistent set of tables (the input of a snapshot).

Several releases may describe the same code (the Orphanet nomenclature pack, product1 and
ORDO all describe ORPHA:558). Records of one code are merged: names, synonyms and attributes
are united; scalar facts (label, status, kind, definition, replacements) come from the newest
release that states them. Readers marked ``partial`` (they state only some facts of a code,
e.g. the Orphanet linearisation) never decide status, kind or replacements.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..model import AddedTerm, Concept, Edge, Mapping, Record, Release, Replacement, Status, Term, TermKind
from ..release_input import BuildReport, ReadContext, ReleaseReader


@dataclass
class _Merged:
    code: str
    system: str
    label: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    synonyms: list[Term] = field(default_factory=list)
    seen_terms: set[tuple[str, str]] = field(default_factory=set)
    status: Status = Status.ACTIVE
    replaced_by: tuple[Replacement, ...] = ()
    kind: str = ""
    definition: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    release: str = ""
    rank: str = ""  # release date of the record that decided the scalar facts ("" = none yet)

    def add_term(self, term: Term) -> None:
        key = (term.text.casefold(), term.lang)
        if term.text and key not in self.seen_terms:
            self.seen_terms.add(key)
            self.synonyms.append(term)

    def freeze(self) -> Concept:
        # a release that renamed a code often keeps the old name as synonym; the current
        # preferred label of the term's own language is not repeated as a synonym (the same
        # spelling in another language is a term of that language: German "Kerion Celsi")
        labels = {(lang, text.casefold()) for lang, text in self.labels.items()}
        label = self.label.casefold() if not self.labels else None  # a label of no stated language
        synonyms = tuple(t for t in self.synonyms if t.kind is TermKind.FSN or not (
            (t.lang, t.text.casefold()) in labels or t.text.casefold() == label))
        return Concept(
            code=self.code,
            system=self.system,
            label=self.label or next(iter(self.labels.values()), ""),
            labels=dict(self.labels),
            synonyms=synonyms,
            status=self.status,
            replaced_by=self.replaced_by,
            kind=self.kind,
            definition=self.definition,
            attributes=dict(self.attributes),
            release=self.release,
        )


@dataclass
class Compiled:
    """Everything a snapshot holds, merged and deduplicated."""

    releases: list[Release]
    concepts: list[Concept]
    edges: list[Edge]
    mappings: list[Mapping]
    report: BuildReport
    inputs: list[dict[str, str]]


class Compiler:
    """Feeds reader outputs in, hands a :class:`Compiled` out."""

    def __init__(self, report: BuildReport | None = None) -> None:
        self.report = report or BuildReport()
        self._releases: dict[str, Release] = {}
        self._dates: dict[str, str] = {}
        self._concepts: dict[str, _Merged] = {}
        # (child, hierarchy) -> (date of the release stating them, parent -> edge)
        self._edges: dict[tuple[str, str], tuple[str, dict[str, Edge]]] = {}
        self._superseded_edges = 0
        self._mappings: dict[tuple[object, ...], Mapping] = {}
        self._added: list[AddedTerm] = []
        # system -> (date, release id, codes listed) of the newest release listing all its codes
        self._complete: dict[str, tuple[str, str, set[str]]] = {}
        self._inputs: list[dict[str, str]] = []

    def add(self, records: Iterable[Record], *, partial: bool = False, complete: bool = False,
            reader: str = "") -> None:
        """Consume the record stream of one reader input (``partial``/``complete``: see
        :class:`~raremap.release_input.ReleaseReader`)."""
        release: Release | None = None
        listed: set[str] | None = None
        for record in records:
            if isinstance(record, Concept):
                self._add_concept(record, partial)
                if listed is not None:
                    listed.add(record.code)
            elif isinstance(record, Edge):
                self._add_edge(record)
            elif isinstance(record, Mapping):
                key = (record.source, record.target, record.relation, record.icd_relation, record.qualifier,
                       record.provenance.release if record.provenance else "")
                self._mappings.setdefault(key, record)
            elif isinstance(record, AddedTerm):
                self._added.append(record)
            elif isinstance(record, Release):
                release = record
                self._releases[record.id] = record
                self._dates[record.id] = record.date or ""
                held = self._complete.get(record.system)
                if complete and (held is None or (record.date or "") > held[0]):
                    listed = set()
                    self._complete[record.system] = (record.date or "", record.id, listed)
                for f in record.files:
                    self._inputs.append({"reader": reader, "path": f.path, "sha256": f.sha256, "size": str(f.size), "release": record.id})
        if release is not None:
            self.report.count(f"releases: {release.id}")

    def _add_edge(self, edge: Edge) -> None:
        """The newest release stating parents of a code in a hierarchy decides them: a code a newer
        classification or edition moves keeps no parent from an older one."""
        key = (edge.child, edge.hierarchy)
        date = self._dates.get(edge.release, "")
        held = self._edges.get(key)
        if held is None or date > held[0]:
            if held is not None:
                self._superseded_edges += len(held[1])
            self._edges[key] = (date, {edge.parent: edge})
        elif date == held[0]:
            held[1].setdefault(edge.parent, edge)
        else:
            self._superseded_edges += edge.parent not in held[1]

    def _add_concept(self, c: Concept, partial: bool) -> None:
        merged = self._concepts.get(c.code)
        if merged is None:
            merged = self._concepts[c.code] = _Merged(c.code, c.system)
        date = self._dates.get(c.release, "")
        decides = not partial and (not merged.rank or date > merged.rank)
        if decides:
            merged.rank = date or "0"
            merged.label = c.label or merged.label
            merged.status = c.status
            merged.replaced_by = c.replaced_by
            merged.kind = c.kind or merged.kind
            merged.definition = c.definition or merged.definition
            merged.release = c.release
            merged.labels.update(c.labels)
        else:
            if not merged.label:
                merged.label = c.label
            for lang, text in c.labels.items():
                merged.labels.setdefault(lang, text)
            if not merged.release:
                merged.release = c.release
        for term in c.synonyms:
            merged.add_term(term)
        for key, value in c.attributes.items():
            if decides or key not in merged.attributes:
                merged.attributes[key] = value

    def _retire_unlisted(self) -> None:
        """A code that only releases older than the newest complete one of its system name, and
        that one lacks, has left the terminology: inactive, with ``absent_from`` naming it (the
        2021 MasterFile's ORPHA:398980 is not in the 2023 pack, which lists obsolete codes too)."""
        for system, (date, release, listed) in self._complete.items():
            for code, merged in self._concepts.items():
                if merged.system != system or code in listed:
                    continue
                if (merged.rank if merged.rank and merged.rank != "0" else self._dates.get(merged.release, "")) >= date:
                    continue
                merged.status = Status.INACTIVE
                merged.attributes["absent_from"] = release
                self.report.count(f"codes absent from {release} (newest complete release): marked inactive")

    def compile(self) -> Compiled:
        self._retire_unlisted()
        for added in self._added:
            merged = self._concepts.get(added.code)
            if merged is None:
                self.report.skip(added.release or "?", added.code, "term for a code the loaded releases do not define")
                continue
            merged.add_term(added.term)
        concepts = [m.freeze() for _, m in sorted(self._concepts.items())]
        known = self._concepts.keys()
        edges = [edge for _, parents in self._edges.values() for edge in parents.values()]
        for edge in edges:
            if edge.parent not in known or edge.child not in known:
                self.report.count("edges with an endpoint outside the loaded releases")
        if self._superseded_edges:
            self.report.count("parent links replaced by a newer release of the same hierarchy", self._superseded_edges)
        return Compiled(
            releases=sorted(self._releases.values(), key=lambda r: r.id),
            concepts=concepts,
            edges=sorted(edges, key=lambda e: (e.child, e.hierarchy, e.parent)),
            mappings=sorted(self._mappings.values(), key=lambda m: (m.source, m.target, m.relation.rank)),
            report=self.report,
            inputs=self._inputs,
        )


def compile_inputs(
    inputs: Iterable[tuple[ReleaseReader, tuple[Path, ...]]],
    root: Path,
    *,
    bundled_sample: bool = False,
    progress: Callable[[str], None] | None = None,
    report: BuildReport | None = None,
) -> Compiled:
    """Run every reader over its files and merge the records.

    ``progress`` is told which input is read, how many records it has given so far (every
    50,000) and, at its end, the total and the time taken.
    """
    report = report if report is not None else BuildReport()
    compiler = Compiler(report)
    for reader, files in inputs:
        label = f"{reader.name}: {', '.join(f.name for f in files[:3])}{' …' if len(files) > 3 else ''}"
        ctx = ReadContext(root=root, report=report, bundled_sample=bundled_sample)
        records = _checked(reader.read(files, ctx), label, progress)
        compiler.add(records, partial=getattr(reader, "partial", False), complete=getattr(reader, "complete", False),
                     reader=reader.name)
    return compiler.compile()


def _checked(records: Iterator[Record], label: str, progress: Callable[[str], None] | None) -> Iterator[Record]:
    started = time.perf_counter()
    n = 0
    for n, record in enumerate(records, start=1):
        if n == 1 and not isinstance(record, Release):
            raise TypeError("a reader must yield its Release first")  # programming error, not data
        if progress and n % 50_000 == 0:
            progress(f"{label} … {n:,} records")
        yield record
    if progress:
        progress(f"{label}: {n:,} records in {time.perf_counter() - started:.1f} s")
