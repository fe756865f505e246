"""Orphanet XML releases: the nomenclature pack and Orphadata product1/3/7.

Readers (``READERS``), each yielding one :class:`~raremap.model.Release` first:

* ``orphanet-nomenclature`` — pack ``ORPHAnomenclature_<lang>_<year>.xml`` together with the
  pack's ``ORPHA_ICD10_mapping_*`` / ``ORPHA_ICD11_mapping_*`` files of the same language and
  year (one input, one release; the mapping files contribute mappings only).
* ``orphanet-product1`` — ``<lang>_product1.xml``: concepts and all ExternalReference mappings.
* ``orphanet-classifications`` (pack ``Classifications/ORPHAclassification_<id>_…``) and
  ``orphanet-product3`` (``<lang>_product3_<id>.xml``): every classification file of one
  release is one input; deduplicated :class:`Edge` records with hierarchy
  ``orphanet:<Classification/@id>``, plus one partial concept per classification head with
  attributes ``orphanet_classification`` / ``orphanet_classification_name``.
* ``orphanet-linearisation`` (pack) and ``orphanet-product7``: partial concepts carrying the
  attribute ``preferential_parent`` (association 21485, ``RootDisorder cycle="true"``).

Release ids are ``<reader>:<YYYY-MM-DD>`` (extraction day); a non-English file gets the
language on the reader name (``orphanet-product1-fr:2025-12-09``) so languages do not collide.
The Disorder element itself is parsed in :mod:`.disorder`; the pack's MasterFile (xlsx) is read
by :mod:`.masterfile`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from ...codes import System
from ...errors import ReleaseFormatError
from ...model import Concept, Edge, Record, Release
from ...release_input import ReadContext
from ..formats.files import stem
from ..formats.safe_xml import sniff_xml_root, text
from .disorder import PREFERENTIAL_PARENT, DisorderSource, associations, read_disorder
from .jdbor import Header, ROOT_TAG, elements, events, orpha, read_header, release_id, strip_inactive_prefix, year_of

_NOMENCLATURE = (
    re.compile(r"^ORPHAnomenclature_(?P<lang>[a-z]{2})(?:_(?P<rest>.*))?\.xml$"),
    re.compile(r"^(?P<lang>[a-z]{2})_ORPHAnomenclature(?:_(?P<rest>.*))?\.xml$"),
)
_ICD_MAPPING = (
    re.compile(r"^ORPHA_ICD1[01]_mapping_(?P<lang>[a-z]{2})(?:_(?P<rest>.*))?\.xml$"),
    re.compile(r"^(?P<lang>[a-z]{2})_ORPHA_ICD1[01]_mapping(?:_(?P<rest>.*))?\.xml$"),
)
_PRODUCT1 = (re.compile(r"^(?P<lang>[a-z]{2})_product1\.xml$"),)
_PACK_CLASSIFICATION = (
    re.compile(r"^ORPHAclassification_(?P<id>\d+)(?:_.*)?_(?P<lang>[a-z]{2})(?:_(?P<rest>\d{4}[\w-]*))?\.xml$"),
    re.compile(r"^(?P<lang>[a-z]{2})_ORPHAclassification_(?P<id>\d+)(?:_(?P<rest>.*))?\.xml$"),
)
_PRODUCT3 = (re.compile(r"^(?P<lang>[a-z]{2})_product3_(?P<id>\d+)\.xml$"),)
_PACK_LINEARISATION = (
    re.compile(r"^ORPHAlinearisation_(?P<lang>[a-z]{2})(?:_(?P<rest>.*))?\.xml$"),
    re.compile(r"^(?P<lang>[a-z]{2})_ORPHAlinearisation(?:_(?P<rest>.*))?\.xml$"),
)
_PRODUCT7 = (re.compile(r"^(?P<lang>[a-z]{2})_product7\.xml$"),)


def _match(path: Path, patterns: Sequence[re.Pattern[str]]) -> re.Match[str] | None:
    name = stem(path)
    for pattern in patterns:
        m = pattern.match(name)
        if m:
            return m
    return None


@dataclass
class _JdborReader:
    """Shared find/release logic of the Orphanet XML readers."""

    name: str
    title: str
    patterns: tuple[re.Pattern[str], ...]
    per_file: bool  # one input per file, else one input per (folder, language, year)
    partial: bool = False
    extra: tuple[re.Pattern[str], ...] = ()  # companion files grouped with the main ones
    complete: bool = False  # lists every ORPHA code, active or not (the pack's nomenclature)

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        groups: dict[tuple[object, ...], list[Path]] = {}
        for path in files:
            m = _match(path, self.patterns + self.extra)
            # a file named like an Orphanet release is claimed unless it is clearly another XML
            # document: an empty or unreadable one must fail loudly in read(), not be passed over
            if m is None or sniff_xml_root(path) not in (ROOT_TAG, None):
                continue
            key: tuple[object, ...] = (path,) if self.per_file else (path.parent, m.group("lang"), year_of(m.groupdict().get("rest")))
            groups.setdefault(key, []).append(path)
        return [tuple(sorted(group, key=self._order)) for group in groups.values()]

    def _order(self, path: Path) -> tuple[int, str]:
        return (0 if _match(path, self.patterns) else 1, path.name)

    def _lang(self, path: Path) -> str:
        m = _match(path, self.patterns + self.extra)
        return m.group("lang") if m else ""

    def _release(self, files: tuple[Path, ...], headers: list[Header], ctx: ReadContext) -> Release:
        lang = self._lang(files[0])
        date = max((h.date for h in headers), default="")
        return Release(
            id=release_id(self.name, date, lang),
            system=System.ORPHA.value,
            name=f"{self.title} ({lang})" if lang else self.title,
            version=headers[0].version,
            date=date,
            files=tuple(ctx.source_file(p) for p in files),
            licence=next((h.licence for h in headers if h.licence), ""),
            bundled_sample=ctx.bundled_sample,
        )


@dataclass
class DisorderListReader(_JdborReader):
    """Nomenclature pack (+ its ICD mapping files) and product1: Disorder elements."""
    discovery_order = 100  # sources.readers(): a file claimed earlier is not offered later

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        names = [ctx.relative(p) for p in files]
        headers = [read_header(p, n) for p, n in zip(files, names)]
        release = self._release(files, headers, ctx)
        yield release
        lang = self._lang(files[0])
        counts: Counter[str] = Counter()
        for path, name in zip(files, names):
            main = _match(path, self.patterns) is not None
            src = DisorderSource(release.id, name, lang, concepts=main)
            for elem in elements(path, name, "Disorder"):
                counts["disorders"] += 1
                for record in read_disorder(elem, src, ctx):
                    counts["concepts" if isinstance(record, Concept) else "mappings"] += 1
                    yield record
        for what, n in counts.items():
            ctx.report.count(f"{self.name}: {what}", n)


@dataclass
class _Node:
    code: str | None = None
    name: str = ""
    pending: list[_Node] = field(default_factory=list)


@dataclass
class _Head:
    name: str
    classifications: dict[str, str]  # id -> classification name


@dataclass
class ClassificationReader(_JdborReader):
    """Classification trees (product3 / pack ``Classifications/``) as deduplicated edges."""
    discovery_order = 110  # sources.readers(): a file claimed earlier is not offered later

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        names = [ctx.relative(p) for p in files]
        headers = [read_header(p, n) for p, n in zip(files, names)]
        release = self._release(files, headers, ctx)
        yield release
        seen: set[tuple[str, str, str]] = set()
        heads: dict[str, _Head] = {}
        ids: set[str] = set()
        for path, name in zip(files, names):
            yield from _classification_file(path, name, release.id, ctx, seen, heads, ids)
        lang = self._lang(files[0])
        for code, head in heads.items():
            order = sorted(head.classifications, key=int)
            yield Concept(
                code=code,
                system=System.ORPHA.value,
                label=head.name,
                labels={lang: head.name} if head.name else {},
                attributes={
                    "orphanet_classification": ";".join(order),
                    "orphanet_classification_name": ";".join(head.classifications[i] for i in order),
                },
                release=release.id,
            )
        ctx.report.count(f"{self.name}: classifications", len(ids))
        ctx.report.count(f"{self.name}: edges", len(seen))


def _classification_file(
    path: Path, name: str, release: str, ctx: ReadContext,
    seen: set[tuple[str, str, str]], heads: dict[str, _Head], ids: set[str],
) -> Iterator[Edge]:
    """Edges of one classification file; walks the recursive ClassificationNode tree."""
    tags: list[str] = []
    nodes: list[_Node] = []
    classification = ""
    class_names: dict[str, str] = {}

    def edge(child: _Node, parent: _Node) -> Iterator[Edge]:
        key = (child.code or "", parent.code or "", classification)
        if key not in seen:
            seen.add(key)
            yield Edge(key[0], key[1], f"orphanet:{classification}", release)

    def head(node: _Node) -> None:
        found = heads.setdefault(node.code or "", _Head(node.name, {}))
        found.classifications[classification] = class_names.get(classification, "")

    for event, elem in events(path, name, ("start", "end")):
        tag = elem.tag
        if event == "start":
            if tag == "Classification":
                classification = elem.get("id", "").strip()
                if not classification.isascii() or not classification.isdigit():
                    raise ReleaseFormatError(name, "Classification", f"Classification id {classification!r} is not a number")
                ids.add(classification)
            elif tag == "ClassificationNode":
                if not classification:
                    raise ReleaseFormatError(name, "ClassificationNode", "node outside a Classification")
                nodes.append(_Node())
            tags.append(tag)
            continue
        tags.pop()
        parent_tag = tags[-1] if tags else ""
        if tag == "Name" and parent_tag == "Classification":
            class_names[classification] = text(elem)
        elif tag == "Disorder" and parent_tag == "ClassificationNode" and nodes:
            node = nodes[-1]
            raw = text(elem, "OrphaCode")
            node.code = orpha(raw)
            node.name = strip_inactive_prefix(text(elem, "Name"), False)
            if node.code is None:
                ctx.report.skip(name, f"Classification {classification} Disorder id={elem.get('id', '?')}",
                                f"classification node without a valid OrphaCode ({raw!r})")
                continue
            for child in node.pending:
                yield from edge(child, node)
            node.pending.clear()
        elif tag == "ClassificationNode" and nodes:
            node = nodes.pop()
            parent = nodes[-1] if nodes else None
            if node.code is None:
                for child in node.pending:  # a node without Disorder (root of 235): children are heads
                    head(child)
            elif parent is None:
                head(node)
            elif parent.code is None:
                parent.pending.append(node)
            else:
                yield from edge(node, parent)
            elem.clear()


@dataclass
class LinearisationReader(_JdborReader):
    """product7 / pack linearisation: each entity's preferential parent, as an attribute."""
    discovery_order = 120  # sources.readers(): a file claimed earlier is not offered later

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        names = [ctx.relative(p) for p in files]
        headers = [read_header(p, n) for p, n in zip(files, names)]
        release = self._release(files, headers, ctx)
        yield release
        counts: Counter[str] = Counter()
        for path, name in zip(files, names):
            lang = self._lang(path)
            for elem in elements(path, name, "Disorder"):
                concept = _preferential_parent(elem, lang, release.id, name, ctx)
                counts["with preferential parent" if concept else "without preferential parent"] += 1
                if concept is not None:
                    yield concept
        for what, n in counts.items():
            ctx.report.count(f"{self.name}: disorders {what}", n)


def _preferential_parent(elem: Element, lang: str, release: str, file: str, ctx: ReadContext) -> Concept | None:
    raw = text(elem, "OrphaCode")
    code = orpha(raw)
    if code is None:
        ctx.report.skip(file, f"Disorder id={elem.get('id', '?')}", f"Disorder without a valid OrphaCode ({raw!r})")
        return None
    parents = [orpha(text(target, "OrphaCode")) for kind, target in associations(elem) if kind == PREFERENTIAL_PARENT]
    valid = [p for p in parents if p]
    if len(valid) != len(parents):
        ctx.report.skip(file, f"Disorder {code}", "preferential parent without a valid OrphaCode")
    if not valid:
        return None
    if len(valid) > 1:
        ctx.report.skip(file, f"Disorder {code}", "more than one preferential parent; the first is kept")
    name = strip_inactive_prefix(text(elem, "Name"), False)
    return Concept(
        code=code,
        system=System.ORPHA.value,
        label=name,
        labels={lang: name} if name else {},
        attributes={"preferential_parent": valid[0]},
        release=release,
    )


NOMENCLATURE = DisorderListReader(
    "orphanet-nomenclature", "Orphanet nomenclature pack for coding", _NOMENCLATURE, per_file=False, extra=_ICD_MAPPING,
    complete=True,
)
PRODUCT1 = DisorderListReader(
    "orphanet-product1", "Orphadata product1: rare diseases and alignment with terminologies", _PRODUCT1, per_file=True,
)
PACK_CLASSIFICATIONS = ClassificationReader(
    "orphanet-classifications", "Orphanet classifications (nomenclature pack)", _PACK_CLASSIFICATION,
    per_file=False, partial=True,
)
PRODUCT3 = ClassificationReader(
    "orphanet-product3", "Orphadata product3: classifications", _PRODUCT3, per_file=False, partial=True,
)
PACK_LINEARISATION = LinearisationReader(
    "orphanet-linearisation", "Orphanet linearisation (nomenclature pack)", _PACK_LINEARISATION,
    per_file=True, partial=True,
)
PRODUCT7 = LinearisationReader(
    "orphanet-product7", "Orphadata product7: linearisation", _PRODUCT7, per_file=True, partial=True,
)

READERS = (NOMENCLATURE, PRODUCT1, PACK_CLASSIFICATIONS, PRODUCT3, PACK_LINEARISATION, PRODUCT7)

__all__ = [
    "READERS", "NOMENCLATURE", "PRODUCT1", "PACK_CLASSIFICATIONS", "PRODUCT3", "PACK_LINEARISATION", "PRODUCT7",
]
