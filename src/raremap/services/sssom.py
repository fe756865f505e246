"""Export the mappings of a snapshot as SSSOM TSV (Simple Standard for Sharing Ontological Mappings).

One row per mapping exactly as a release states it (no derived or inverted rows). Predicates
read from the subject's side, so raremap's relations translate as

============  ====================  =====================================================
relation      predicate_id          why
============  ====================  =====================================================
exact         skos:exactMatch
narrower      skos:broadMatch       the subject is narrower: the object is broader (NTBT)
broader       skos:narrowMatch      the subject is broader: the object is narrower (BTNT)
related       skos:relatedMatch
undecided     skos:relatedMatch     Orphanet ND; the comment says so
unspecified   skos:relatedMatch     the release states no relation; the comment says so
wrong         skos:exactMatch       with ``predicate_modifier`` ``Not`` (Orphanet W)
============  ====================  =====================================================

Undecided and unstated relations use ``skos:relatedMatch``, which the SSSOM schema describes as
"associated in some unspecified way"; the comment says which it was. ``mapping_justification`` is
``semapv:ManualMappingCuration`` (every source is a curated release); the ``comment`` carries the
relation as stated, the Orphanet ICD relation, the validation status, the qualifier (SNOMED CT
map rule …) and the release, file and position. A statement that several releases make (product1
and ORDO, or two WHO tables) is one row whose comment names each source. The set's ``license``
is SSSOM's "unspecified": the rows come from releases under different terms (see the releases
listed in ``mapping_set_description``).

With ``lexical=True`` (CLI ``--lexical``) the derived lexical pairs of the snapshot are added
(:meth:`RareMap.lexical_mappings`: an ICD-10-SE title naming an ORPHA disease that a release
links to the code): ``skos:relatedMatch`` (no release states their relation),
``mapping_justification`` ``semapv:LexicalMatching``, ``confidence`` the name match's score,
``subject_match_field``/``object_match_field`` ``rdfs:label`` and the comment naming the two
names and the stated mappings the pair rests on. They are never mixed in by default.

The file follows the canonical SSSOM/TSV layout: a ``#``-prefixed YAML block opening with the
``curie_map`` (exactly the prefixes the rows use), no empty columns, and cells holding a tab,
line break or double quote enclosed in double quotes. ICD-11 MMS and ICD-10-SE codes have no
code-based public IRI (WHO's ``id.who.int`` IRIs name entities by number), hence ``urn:raremap:``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from ..codes import system_of
from ..model import Relation

if TYPE_CHECKING:
    from .rare_map import RareMap

PREDICATES = {
    Relation.EXACT: "skos:exactMatch",
    Relation.NARROWER: "skos:broadMatch",
    Relation.BROADER: "skos:narrowMatch",
    Relation.RELATED: "skos:relatedMatch",
    Relation.UNDECIDED: "skos:relatedMatch",
    Relation.UNSPECIFIED: "skos:relatedMatch",
    Relation.WRONG: "skos:exactMatch",
}

# IRI prefixes. Code systems without a public IRI scheme for their codes get an urn:raremap:
# namespace; pass curie_map= to use your own.
CURIE_MAP = {
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "SCTID": "http://snomed.info/id/",
    "ICD10": "https://icd.who.int/browse10/2019/en#/",
    "ICD10SE": "urn:raremap:ICD10SE:",
    "ICD10GM": "urn:raremap:ICD10GM:",
    "ICD11": "urn:raremap:ICD11:",
    "ALPHAID": "urn:raremap:ALPHAID:",
    "OMIM": "https://omim.org/entry/",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "UMLS": "https://uts.nlm.nih.gov/uts/umls/concept/",
    "MeSH": "http://id.nlm.nih.gov/mesh/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}
UNSPECIFIED_LICENSE = "https://w3id.org/sssom/license/unspecified"
COLUMNS = ("subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id", "object_label",
           "mapping_justification", "confidence", "subject_match_field", "object_match_field", "comment")
REQUIRED = ("subject_id", "predicate_id", "object_id", "mapping_justification")
KEY = ("subject_id", "predicate_id", "predicate_modifier", "object_id", "mapping_justification")


def rows(rm: RareMap, systems: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
    """One SSSOM row per stated mapping (subject system in ``systems`` when given)."""
    wanted = {rm.crosswalker.target_system(s) for s in systems} if systems is not None else None
    cols = rm._mappings
    labels = rm._concepts["label"]
    index = rm._index
    for j in range(len(cols["source"])):
        source, target = cols["source"][j], cols["target"][j]
        if wanted is not None and system_of(source) not in wanted:
            continue
        relation = Relation(cols["relation"][j])
        notes = [f"relation as stated: {relation}"]
        if relation is Relation.UNSPECIFIED:
            notes[0] += " (the release states none)"
        if cols["icd_relation"][j]:
            notes.append(f"Orphanet ICD relation: {cols['icd_relation'][j]}")
        if cols["validated"][j] is not None:
            notes.append("validated" if cols["validated"][j] else "not validated")
        if cols["qualifier"][j]:
            notes.append(cols["qualifier"][j])
        where = ", ".join(x for x in (cols["file"][j], cols["position"][j]) if x)
        notes.append(f"source: {cols['release'][j]}" + (f" ({where})" if where else ""))
        yield {
            "subject_id": source,
            "subject_label": _label(labels, index, source),
            "predicate_id": PREDICATES[relation],
            "predicate_modifier": "Not" if relation is Relation.WRONG else "",
            "object_id": target,
            "object_label": _label(labels, index, target),
            "mapping_justification": "semapv:ManualMappingCuration",
            "confidence": "",
            "subject_match_field": "",
            "object_match_field": "",
            "comment": "; ".join(notes),
        }


def lexical_rows(rm: RareMap, systems: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
    """One SSSOM row per derived lexical pair (ICD-10-SE code → ORPHA code)."""
    wanted = {rm.crosswalker.target_system(s) for s in systems} if systems is not None else None
    for m in rm.all_lexical_mappings():
        if wanted is not None and system_of(m.source) not in wanted:
            continue
        title, name = m.matched
        rests = ", ".join(f"{s.source} → {s.target} ({s.provenance.release if s.provenance else '?'})" for s in m.steps)
        yield {
            "subject_id": m.source,
            "subject_label": title,
            "predicate_id": PREDICATES[m.relation],
            "predicate_modifier": "",
            "object_id": m.target,
            "object_label": rm.concept(m.target).label,
            "mapping_justification": "semapv:LexicalMatching",
            "confidence": f"{m.score:.2f}" if m.score is not None else "",
            "subject_match_field": "rdfs:label",
            "object_match_field": "rdfs:label",
            "comment": f"derived by raremap, not stated by a release: the title {title!r} names {name!r}; "
                       f"the codes are linked by {rests}",
        }


def _label(labels: list[str], index: dict[str, int], code: str) -> str:
    i = index.get(code)
    return (labels[i] or "") if i is not None else ""


def write(rm: RareMap, out: TextIO | None = None, *, systems: Iterable[str] | None = None,
          mapping_set_id: str | None = None, curie_map: dict[str, str] | None = None, lexical: bool = False) -> int:
    """Write every stated mapping as SSSOM TSV (metadata header + rows) to ``out``; returns the row count.
    ``lexical=True`` adds the derived lexical pairs (``semapv:LexicalMatching`` with a confidence).

    Statements that agree on subject, predicate and object (e.g. one WHO 10→11 pair listed in
    two tables) become one row whose comment names every source. Optional columns no row fills
    are left out, and the CURIE map declares exactly the prefixes the rows use.
    """
    from .. import __version__

    out = out if out is not None else sys.stdout
    merged = _merge(rows(rm, systems))
    if lexical:
        merged += list(lexical_rows(rm, systems))
    columns = [c for c in COLUMNS if c in REQUIRED or any(r[c] for r in merged)]
    prefixes = dict(CURIE_MAP)
    prefixes.update(curie_map or {})
    used = {r[c].split(":", 1)[0] for r in merged for c in ("subject_id", "predicate_id", "object_id",
                                                              "mapping_justification", "subject_match_field",
                                                              "object_match_field") if r[c]}
    used |= {"semapv", "skos"}
    for prefix in used - prefixes.keys():
        prefixes[prefix] = f"urn:raremap:{prefix}:"
    key = rm.snapshot.manifest.get("key") or "snapshot"
    releases = ", ".join(r.id for r in rm.releases)
    header = ["curie_map:"]
    header += [f"  {p}: {json.dumps(prefixes[p])}" for p in sorted(used)]
    header += [
        f"mapping_set_id: {json.dumps(mapping_set_id or f'urn:raremap:mappings:{key}')}",
        f"mapping_set_version: {json.dumps(key)}",
        ("mapping_set_title: \"raremap: mappings as stated by the loaded releases, and lexical matches derived "
         "from them\"") if lexical else "mapping_set_title: \"raremap: mappings as stated by the loaded releases\"",
        f"mapping_set_description: {json.dumps('Mappings stated by ' + releases)}",
        f"license: {json.dumps(UNSPECIFIED_LICENSE)}",
        f"mapping_tool: {json.dumps(f'raremap {__version__}')}",
        f"publication_date: {json.dumps(time.strftime('%Y-%m-%d'))}",
    ]
    # Canonical SSSOM/TSV: no space between '#' and the YAML, so nesting survives any parser.
    for line in header:
        out.write(f"#{line}\n")
    out.write("\t".join(columns) + "\n")
    for row in merged:
        out.write("\t".join(_cell(row[c]) for c in columns) + "\n")
    return len(merged)


def _merge(stream: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """One row per (subject, predicate, modifier, object, justification); comments of repeats joined."""
    by_key: dict[tuple[str, ...], dict[str, str]] = {}
    for row in stream:
        key = tuple(row[c] for c in KEY)
        seen = by_key.get(key)
        if seen is None:
            by_key[key] = row
        elif row["comment"] not in seen["comment"].split(" | "):
            seen["comment"] += " | " + row["comment"]
    return list(by_key.values())


def _cell(value: str) -> str:
    """A TSV cell quoted as SSSOM/TSV requires (RFC 4180 style) when it holds a tab, line break or quote."""
    if any(ch in value for ch in '\t\n\r"'):
        return '"' + value.replace('"', '""') + '"'
    return value
