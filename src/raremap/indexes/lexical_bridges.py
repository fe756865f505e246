"""Lexical bridges: (ICD-10-SE code, ORPHA code) pairs whose names agree, derived at build time.

A pair is derived only where a loaded release already links the two codes — a stated mapping
(either direction) between the ORPHA code and the ICD-10-SE code, its WHO ICD-10 code (the same
undotted key) or, for a fördjupningskod, the code above it (E75.2A → E75.2) — and the ICD-10-SE
title names the same disease as one of the ORPHA code's names or synonyms in any language the
releases carry (:func:`raremap.indexes.swedish.match_names`). The pair is evidence, not a
release's statement:

* ``relation`` is ``unspecified`` (no release states a relation for this pair; the stated
  mapping it rests on is about another code or states none), ``basis`` is ``lexical``;
* ``score`` is the name match's (0.8–1.0), ``matched`` the ICD-10-SE title and the ORPHA name
  that matched, each as the releases write them, ``steps`` the stated mappings it rests on.

Lookup borrows the Swedish names: :func:`borrowed_terms` gives each ORPHA concept the part of
a bridged title that names it ("Gauchers sjukdom" from E75.2A, "Cystisk fibros" from E84.0 …
"Cystisk fibros med lungmanifestationer") as a Swedish synonym whose source is the ICD-10-SE
code — and, when that is only part of the title, the whole title of the subdivision as a weak
(``grouped``) term, ranked after every name starting with the query — and the Swedish
descriptions of a SNOMED CT concept a release maps exactly to it.

The pairs are stored as the snapshot table ``lexical_mappings`` (never among the stated
mappings), sorted by ICD-10-SE code then best score; ``steps`` holds rows of the ``mappings``
table. The build report counts them in total and per ICD-10-SE chapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa

from ..codes import icd10_key, system_of, value_of
from ..model import Concept, Mapping, Relation, TermKind
from ..snapshot.compile import Compiled
from ..release_input import BuildReport
from .search_index import GROUPED, SYNONYM, IndexTerm, is_acronym
from .swedish import match_names

__all__ = ["Bridge", "TABLE", "borrowed_terms", "bridges_table", "chapter_of", "derive_bridges", "report_bridges"]

TABLE = "lexical_mappings"
MIN_SCORE = 0.8
_ICD10_SYSTEMS = ("ICD10SE", "ICD10")


@dataclass(frozen=True, slots=True)
class Bridge:
    """One derived pair: the ICD-10-SE code, the ORPHA code, the score, the two names that
    matched (title, ORPHA name and its language), the part of the title naming the disease,
    and the rows of the stated mappings (in ``Compiled.mappings``) it rests on."""

    source: str
    target: str
    score: float
    title: str
    name: str
    name_lang: str
    title_part: str
    steps: tuple[int, ...]
    release: str


def _links(mappings: Sequence[Mapping]) -> dict[str, dict[str, list[int]]]:
    """Undotted ICD-10 key → ORPHA code → rows of the stated mappings linking them."""
    links: dict[str, dict[str, list[int]]] = {}
    for j, m in enumerate(mappings):
        for orpha, other in ((m.source, m.target), (m.target, m.source)):
            if orpha.startswith("ORPHA:") and system_of(other) in _ICD10_SYSTEMS:
                links.setdefault(icd10_key(other), {}).setdefault(orpha, []).append(j)
    return links


def _is_extension(code: str) -> bool:
    """A fördjupningskod: a letter 5th character (E75.2A)."""
    key = icd10_key(code)
    return len(key) == 5 and key[-1].isalpha()


def _names(c: Concept) -> Iterable[tuple[str, str]]:
    """(name, language) of every name of an ORPHA concept: labels and synonyms, not abbreviations."""
    seen: set[str] = set()
    items = [(text, lang) for lang, text in sorted(c.labels.items())]
    if c.label:
        items.append((c.label, ""))
    items += [(t.text, t.lang) for t in c.synonyms if t.kind is not TermKind.ABBREVIATION]
    for text, lang in items:
        if text and text not in seen and not is_acronym(text):
            seen.add(text)
            yield text, lang


def derive_bridges(compiled: Compiled) -> list[Bridge]:
    """Every lexical bridge of ``compiled`` (see the module docstring), by ICD-10-SE code, best first."""
    links = _links(compiled.mappings)
    by_code = {c.code: c for c in compiled.concepts if c.system == "ORPHA" and c.status.is_active}
    out: list[Bridge] = []
    for c in compiled.concepts:
        if c.system != "ICD10SE" or not c.status.is_active or not c.label:
            continue
        key = icd10_key(c.code)
        linked: dict[str, list[int]] = {}
        for k in (key, key[:4]) if _is_extension(c.code) else (key,):
            for orpha, rows in links.get(k, {}).items():
                linked.setdefault(orpha, []).extend(rows)
        found: list[Bridge] = []
        for orpha, rows in linked.items():
            target = by_code.get(orpha)
            if target is None:
                continue
            best = None
            for name, lang in _names(target):
                hit = match_names(c.label, name)
                if hit is not None and hit.score >= MIN_SCORE and (best is None or hit.score > best[0].score):
                    best = (hit, name, lang)
            if best is not None:
                hit, name, lang = best
                found.append(Bridge(c.code, orpha, hit.score, c.label, name, lang, hit.title_part,
                                    tuple(sorted(set(rows))), c.release))
        out.extend(sorted(found, key=lambda b: (-b.score, b.target)))
    return out


def chapter_of(code: str, parents: dict[str, tuple[str, ...]]) -> str:
    """The topmost ICD-10-SE ancestor of ``code`` (its chapter, e.g. ``ICD10SE:E00-E90``)."""
    seen = {code}
    while parents.get(code):
        code = parents[code][0]
        if code in seen:
            break
        seen.add(code)
    return code


def report_bridges(bridges: Sequence[Bridge], compiled: Compiled, report: BuildReport) -> None:
    """Count the bridges in the build report, in total and per ICD-10-SE chapter."""
    parents: dict[str, tuple[str, ...]] = {}
    for edge in compiled.edges:
        if edge.child.startswith("ICD10SE:") and edge.parent.startswith("ICD10SE:"):
            parents[edge.child] = parents.get(edge.child, ()) + (edge.parent,)
    report.count("lexical mappings (ICD-10-SE title names the ORPHA disease; derived, not stated)", len(bridges))
    for b in bridges:
        report.count(f"lexical mappings in chapter {value_of(chapter_of(b.source, parents))}")


def bridges_table(bridges: Sequence[Bridge]) -> pa.Table:
    """The snapshot table ``lexical_mappings``."""
    return pa.table({
        "source": pa.array([b.source for b in bridges], pa.string()),
        "target": pa.array([b.target for b in bridges], pa.string()),
        "relation": pa.array([str(Relation.UNSPECIFIED)] * len(bridges), pa.string()),
        "score": pa.array([b.score for b in bridges], pa.float32()),
        "title": pa.array([b.title for b in bridges], pa.string()),
        "name": pa.array([b.name for b in bridges], pa.string()),
        "name_lang": pa.array([b.name_lang for b in bridges], pa.string()),
        "title_part": pa.array([b.title_part for b in bridges], pa.string()),
        "steps": pa.array([list(b.steps) for b in bridges], pa.list_(pa.int32())),
        "release": pa.array([b.release for b in bridges], pa.string()),
    })


def borrowed_terms(compiled: Compiled, bridges: Sequence[Bridge]) -> Iterable[IndexTerm]:
    """Swedish index terms for ORPHA concepts: the part of each bridged ICD-10-SE title that names
    the disease, and the Swedish descriptions of SNOMED CT concepts a release maps exactly to the
    ORPHA code; each marked with the code it comes from."""
    rows = {c.code: i for i, c in enumerate(compiled.concepts)}
    active = {c.code: c.status.is_active for c in compiled.concepts}
    for b in bridges:
        row = rows.get(b.target)
        if row is not None:
            yield IndexTerm(row, b.title_part, "sv", SYNONYM, "ORPHA", active[b.target], source=b.source)
            if b.title_part != b.title:  # a subdivision's whole title: weak, ranked as a grouped term
                yield IndexTerm(row, b.title, "sv", GROUPED, "ORPHA", active[b.target], source=b.source)
    concepts = compiled.concepts
    for m in compiled.mappings:
        if m.relation is not Relation.EXACT:
            continue
        for orpha, sct in ((m.source, m.target), (m.target, m.source)):
            if orpha.startswith("ORPHA:") and sct.startswith("SCTID:") and orpha in rows and sct in rows:
                c = concepts[rows[sct]]
                names = [text for lang, text in c.labels.items() if lang == "sv"]
                names += [t.text for t in c.synonyms if t.lang == "sv" and t.kind is not TermKind.FSN]
                for text in dict.fromkeys(names):
                    yield IndexTerm(rows[orpha], text, "sv", SYNONYM, "ORPHA", active[orpha], source=sct)
