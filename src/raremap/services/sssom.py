"""Export the mappings of a snapshot as SSSOM TSV (Simple Standard for Sharing Ontological Mappings).

One row per mapping a release states (no inverted rows), plus the edition bridges that put the
ICD-10-SE codes beside the WHO ICD-10 codes the releases map, and on request the derived
lexical pairs. Predicates read from the subject's side, so raremap's relations translate as

============  ====================  =====================================================
relation      predicate_id          why
============  ====================  =====================================================
exact         skos:exactMatch
narrower      skos:broadMatch       the subject is narrower: the object is broader (NTBT)
broader       skos:narrowMatch      the subject is broader: the object is narrower (BTNT)
related       skos:relatedMatch     the release states an association
undecided     oboInOwl:hasDbXref    Orphanet ND: a cross-reference whose relation is not decided
unspecified   oboInOwl:hasDbXref    the release states no relation (WHO tables, MasterFile …)
wrong         skos:exactMatch       with ``predicate_modifier`` ``Not`` (Orphanet W)
============  ====================  =====================================================

``skos:relatedMatch`` claims an association; a release that links two codes without saying how
claims only the link, which is what ``oboInOwl:hasDbXref`` says (and what ORDO itself writes).
The comment carries the relation as stated.

``mapping_justification`` tells where a row comes from:

* ``semapv:ManualMappingCuration``: stated by a curating publisher (Orphanet, SNOMED
  International's maps, BfArM's Alpha-ID-SE; the registry's ``sssom_justification``);
* ``semapv:UnspecifiedMatching``: WHO's ICD-10 ⇄ ICD-11 transition tables, which state pairs
  without saying how each was made;
* ``semapv:StructuralMatching``: edition bridges derived by raremap, an ICD-10-SE code to the
  WHO ICD-10 code of the same notation (or its nearest WHO ancestor, for a fördjupningskod),
  ``subject_match_field``/``object_match_field`` ``skos:notation``;
* ``semapv:LexicalMatching``: derived lexical pairs (``lexical=True``, CLI ``--lexical``,
  :meth:`RareMap.lexical_mappings`): an ICD-10-SE title naming an ORPHA disease a release links
  to the code; ``skos:relatedMatch``, ``confidence`` the name match's score, match fields
  ``rdfs:label``. They are never mixed in by default.

CURIE prefixes are the code-system registry's (:class:`raremap.codes.CodeSystem`
``sssom_prefix``/``iri_base``): the bioregistry names ``orphanet`` (ORDO IRIs), ``icd10``,
``icd11``, ``sctid``, and ``icd10se``, ``icd10gm``, ``alphaid`` for the systems no registry names
(``urn:raremap:`` IRIs: neither Socialstyrelsen nor BfArM publishes code IRIs, and WHO's
``id.who.int`` IRIs name ICD-11 entities by number, not by MMS code). Cross-referenced systems
raremap does not load take their bioregistry names (``omim``, ``mondo``, ``umls``, ``mesh`` …).

Licence: SSSOM gives one ``license`` per mapping set. :func:`write` with ``publisher=`` writes
one publisher's statements as a set under its licence (Orphadata CC BY 4.0, WHO CC BY-ND 3.0
IGO); :func:`write_sets` writes every publisher's set to a folder. A file mixing publishers
(the default) says "unspecified" and names each release's licence in ``mapping_set_description``.

A statement that several releases make (product1 and ORDO, or two WHO tables) is one row whose
comment names each source. The file follows the canonical SSSOM/TSV layout: a ``#``-prefixed
YAML block opening with the ``curie_map`` (exactly the prefixes the rows use), no empty columns,
and cells holding a tab, line break or double quote enclosed in double quotes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .. import codes
from ..codes import System, system_of
from ..model import Relation
from .crosswalk import Crosswalker

if TYPE_CHECKING:
    from .terminology import Terminology

HAS_DB_XREF = "oboInOwl:hasDbXref"
PREDICATES = {
    Relation.EXACT: "skos:exactMatch",
    Relation.NARROWER: "skos:broadMatch",
    Relation.BROADER: "skos:narrowMatch",
    Relation.RELATED: "skos:relatedMatch",
    Relation.UNDECIDED: HAS_DB_XREF,
    Relation.UNSPECIFIED: HAS_DB_XREF,
    Relation.WRONG: "skos:exactMatch",
}
CURATED = "semapv:ManualMappingCuration"
EDITION_BRIDGE = "semapv:StructuralMatching"
LEXICAL = "semapv:LexicalMatching"

# Systems the releases cross-reference but raremap does not load: raremap's prefix (upper case)
# -> bioregistry prefix and IRI base.
CROSS_REFERENCED = {
    "OMIM": ("omim", "https://omim.org/entry/"),
    "MONDO": ("mondo", "http://purl.obolibrary.org/obo/MONDO_"),
    "UMLS": ("umls", "https://uts.nlm.nih.gov/uts/umls/concept/"),
    "MESH": ("mesh", "http://id.nlm.nih.gov/mesh/"),
    "MEDDRA": ("meddra", "http://identifiers.org/meddra/"),
    "GARD": ("gard", "https://rarediseases.info.nih.gov/diseases/"),
}
VOCABULARIES = {
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "oboInOwl": "http://www.geneontology.org/formats/oboInOwl#",
}
UNSPECIFIED_LICENSE = "https://w3id.org/sssom/license/unspecified"
COLUMNS = ("subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id", "object_label",
           "mapping_justification", "confidence", "subject_match_field", "object_match_field", "comment")
REQUIRED = ("subject_id", "predicate_id", "object_id", "mapping_justification")
KEY = ("subject_id", "predicate_id", "predicate_modifier", "object_id", "mapping_justification")
CURIE_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "subject_match_field",
                 "object_match_field")


def prefix_of(code: str) -> tuple[str, str]:
    """SSSOM prefix and IRI base of a canonical code's system (``ORPHA:558`` → ``orphanet``,
    ``http://www.orpha.net/ORDO/Orphanet_``); an unknown prefix gets ``urn:raremap:<prefix>:``."""
    prefix = system_of(code)
    row = codes.find_system(prefix)
    if row is not None:
        return row.sssom_prefix, row.iri_base
    known = CROSS_REFERENCED.get(prefix.upper())
    if known is not None:
        return known
    return prefix.lower(), f"urn:raremap:{prefix.lower()}:"


def curie(code: str) -> str:
    """The SSSOM CURIE of a canonical code (``ORPHA:558`` → ``orphanet:558``)."""
    return f"{prefix_of(code)[0]}:{codes.value_of(code)}"


def rows(rm: Terminology, systems: Iterable[str] | None = None, publisher: str | None = None) -> Iterator[dict[str, str]]:
    """One SSSOM row per stated mapping (subject system in ``systems``, statements of releases of
    ``publisher``'s system, when given)."""
    wanted = {rm.system_prefix(s) for s in systems} if systems is not None else None
    release_system = {r.id: r.system for r in rm.releases}
    cols = _stated(rm)
    for j in range(rm.mapping_count()):
        source, target = cols["source"][j], cols["target"][j]
        if wanted is not None and system_of(source) not in wanted:
            continue
        stated_by = release_system.get(cols["release"][j] or "", "")
        if publisher is not None and stated_by != publisher:
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
        row = codes.find_system(stated_by)
        yield {
            "subject_id": curie(source),
            "subject_label": rm.label_of(source) or "",
            "predicate_id": PREDICATES[relation],
            "predicate_modifier": "Not" if relation is Relation.WRONG else "",
            "object_id": curie(target),
            "object_label": rm.label_of(target) or "",
            "mapping_justification": row.sssom_justification if row is not None else CURATED,
            "confidence": "",
            "subject_match_field": "",
            "object_match_field": "",
            "comment": "; ".join(notes),
        }


def bridge_rows(rm: Terminology, systems: Iterable[str] | None = None,
                crosswalker: Crosswalker | None = None) -> Iterator[dict[str, str]]:
    """One SSSOM row per edition bridge from an ICD-10-SE code to a WHO ICD-10 code the stated
    mappings use (``icd10se:Q87.4 skos:exactMatch icd10:Q87.4``; a WHO code ICD-10-SE lacks joins
    its nearest ICD-10-SE ancestor: ``skos:narrowMatch``). ``crosswalker`` (default: a new one
    over ``rm``) finds the bridges."""
    wanted = {rm.system_prefix(s) for s in systems} if systems is not None else None
    if wanted is not None and System.ICD10SE.value not in wanted:
        return
    crosswalker = crosswalker if crosswalker is not None else Crosswalker(rm)
    cols = _stated(rm)
    who = sorted({c for c in (*cols["source"], *cols["target"]) if system_of(c) == System.ICD10.value})
    for code in who:
        for m in crosswalker.crosswalk(code, to=System.ICD10SE, transitive=False, hierarchy=False):
            if m.basis != "edition":
                continue
            relation = m.relation.inverse()  # read from the ICD-10-SE code
            release = rm.concept(m.target).release
            note = f"edition bridge derived by raremap (same code in ICD-10-SE {release} and WHO ICD-10)"
            if relation is not Relation.EXACT:
                note = f"edition bridge derived by raremap: {m.note or 'nearest ICD-10-SE ancestor'} ({release})"
            yield {
                "subject_id": curie(m.target),
                "subject_label": rm.concept(m.target).label,
                "predicate_id": PREDICATES[relation],
                "predicate_modifier": "",
                "object_id": curie(code),
                "object_label": _who_label(rm, code),
                "mapping_justification": EDITION_BRIDGE,
                "confidence": "",
                "subject_match_field": "skos:notation",
                "object_match_field": "skos:notation",
                "comment": note,
            }


def _who_label(rm: Terminology, code: str) -> str:
    return rm.concept(code).label if code in rm else ""


def lexical_rows(rm: Terminology, systems: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
    """One SSSOM row per derived lexical pair (ICD-10-SE code → ORPHA code)."""
    wanted = {rm.system_prefix(s) for s in systems} if systems is not None else None
    for m in rm.all_lexical_mappings():
        if wanted is not None and system_of(m.source) not in wanted:
            continue
        title, name = m.matched
        rests = ", ".join(f"{s.source} → {s.target} ({s.provenance.release if s.provenance else '?'})" for s in m.steps)
        yield {
            "subject_id": curie(m.source),
            "subject_label": title,
            "predicate_id": "skos:relatedMatch",  # raremap's claim: the title names the disease
            "predicate_modifier": "",
            "object_id": curie(m.target),
            "object_label": rm.concept(m.target).label,
            "mapping_justification": LEXICAL,
            "confidence": f"{m.score:.2f}" if m.score is not None else "",
            "subject_match_field": "rdfs:label",
            "object_match_field": "rdfs:label",
            "comment": f"derived by raremap, not stated by a release: the title {title!r} names {name!r}; "
                       f"the codes are linked by {rests}",
        }


def _stated(rm: Terminology) -> dict[str, Sequence[Any]]:
    """The mappings table's columns (source, target, release …), one entry per stated mapping."""
    return {name: rm.mapping_column(name) for name in _STATED_COLUMNS}


_STATED_COLUMNS = ("source", "target", "relation", "icd_relation", "validated", "qualifier", "file", "position", "release")


def publishers(rm: Terminology) -> list[str]:
    """The systems whose releases state mappings in ``rm`` (each one SSSOM mapping set of
    :func:`write_sets`), in registry order."""
    stating = set(_stated(rm)["release"])
    found = {r.system for r in rm.releases if r.id in stating}
    order = {row.prefix: row.order for row in codes.code_systems()}
    return sorted(found, key=lambda s: (order.get(s, len(order) + 1), s))


def write(rm: Terminology, out: TextIO | None = None, *, systems: Iterable[str] | None = None,
          mapping_set_id: str | None = None, curie_map: dict[str, str] | None = None, lexical: bool = False,
          publisher: str | None = None, crosswalker: Crosswalker | None = None) -> int:
    """Write every stated mapping as SSSOM TSV (metadata header + rows) to ``out``; returns the row count.

    Every statement and the ICD-10-SE edition bridges; ``lexical=True`` adds the derived lexical
    pairs (``semapv:LexicalMatching`` with a confidence). ``publisher`` (a system, e.g.
    ``"ORPHA"``) writes only the statements of that publisher's releases, as one mapping set
    under its licence. Statements that agree on subject, predicate and object (e.g. one WHO
    10→11 pair listed in two tables) become one row whose comment names every source. Optional
    columns no row fills are left out, and the CURIE map declares exactly the prefixes the rows use.
    """
    out = out if out is not None else sys.stdout
    owner = codes.code_system(publisher) if publisher is not None else None
    merged = _merge(rows(rm, systems, owner.prefix if owner is not None else None))
    if owner is None:
        merged += list(bridge_rows(rm, systems, crosswalker))
        if lexical:
            merged += list(lexical_rows(rm, systems))
    columns = [c for c in COLUMNS if c in REQUIRED or any(r[c] for r in merged)]
    prefixes = dict(VOCABULARIES)
    for name in {r[c].split(":", 1)[0] for r in merged for c in ("subject_id", "object_id")}:
        prefixes.setdefault(name, _expansion(name))
    prefixes.update(curie_map or {})
    used = {r[c].split(":", 1)[0] for r in merged for c in CURIE_COLUMNS if r[c]}
    header = ["curie_map:"]
    header += [f"  {p}: {json.dumps(prefixes[p])}" for p in sorted(used)]
    header += [f"{name}: {json.dumps(value, ensure_ascii=False)}"
               for name, value in _metadata(rm, owner, lexical, mapping_set_id).items()]
    # Canonical SSSOM/TSV: no space between '#' and the YAML, so nesting survives any parser.
    for line in header:
        out.write(f"#{line}\n")
    out.write("\t".join(columns) + "\n")
    for row in merged:
        out.write("\t".join(_cell(row[c]) for c in columns) + "\n")
    return len(merged)


def _metadata(rm: Terminology, owner: codes.CodeSystem | None, lexical: bool, mapping_set_id: str | None) -> dict[str, str]:
    """The mapping set's metadata: id, version, title, description, licence, tool, date."""
    from ..version import __version__

    key = rm.snapshot.manifest.get("key") or "snapshot"
    if owner is None:
        title = "raremap: mappings as stated by the loaded releases, the ICD-10-SE edition bridges" + \
            (", and lexical matches derived from them" if lexical else "")
        licences = "; ".join(f"{row.prefix} releases {row.licence_iri or 'no licence IRI (see the release)'}"
                             for row in (codes.find_system(s) for s in publishers(rm)) if row is not None)
        described = "Mappings stated by " + ", ".join(r.id for r in rm.releases) + "; licences: " + licences
    else:
        title = f"raremap: mappings as stated by the {owner.title} releases"
        stating = set(_stated(rm)["release"])
        described = "Mappings stated by " + ", ".join(r.id for r in rm.releases
                                                     if r.id in stating and r.system == owner.prefix)
    return {
        "mapping_set_id": mapping_set_id or f"urn:raremap:mappings:{key}" + (f":{owner.sssom_prefix}" if owner else ""),
        "mapping_set_version": key,
        "mapping_set_title": title,
        "mapping_set_description": described,
        "license": owner.licence_iri if owner is not None and owner.licence_iri else UNSPECIFIED_LICENSE,
        "mapping_tool": f"raremap {__version__}",
        "publication_date": time.strftime("%Y-%m-%d"),
    }


def write_sets(rm: Terminology, folder: str | Path) -> dict[Path, int]:
    """One SSSOM file per publisher (``orphanet.sssom.tsv``, ``icd11.sssom.tsv`` …), each a mapping
    set under that publisher's licence; returns the row count of each file written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for system in publishers(rm):
        path = folder / f"{codes.code_system(system).sssom_prefix}.sssom.tsv"
        with path.open("w", encoding="utf-8", newline="\n") as out:
            written[path] = write(rm, out, publisher=system)
    return written


def _expansion(name: str) -> str:
    """The IRI base of a CURIE prefix :func:`curie` writes."""
    for row in codes.code_systems():
        if row.sssom_prefix == name:
            return row.iri_base
    return next((base for n, base in CROSS_REFERENCED.values() if n == name), f"urn:raremap:{name}:")


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
