"""Small immutable records shared by every layer: concepts, terms, mappings, releases.

Codes inside records are always canonical CURIE strings (``ORPHA:558``, ``ICD10SE:Q87.4``),
as produced by :func:`raremap.codes.canonical`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Mapping as MappingType


class Status(StrEnum):
    """Life-cycle status of a concept."""

    ACTIVE = "active"
    OBSOLETE = "obsolete"  # Orphanet "Inactive: Obsolete" (no direct replacement, maybe referred to)
    DEPRECATED = "deprecated"  # Orphanet "Inactive: Deprecated" (moved to another code)
    NON_RARE = "non-rare"  # Orphanet "Inactive: Non rare disease in Europe"
    INACTIVE = "inactive"  # any other inactive code (SNOMED CT, retired ICD code)

    @property
    def is_active(self) -> bool:
        """True for :attr:`ACTIVE` only."""
        return self is Status.ACTIVE


class TermKind(StrEnum):
    """What a name is to its concept."""

    PREFERRED = "preferred"
    SYNONYM = "synonym"
    ABBREVIATION = "abbreviation"
    FSN = "fsn"  # SNOMED CT fully specified name
    INDEX = "index"  # index entry from another publisher (Alpha-ID-SE, KSH97-P)
    # a diagnosis a grouping code gathers, placed on the category that holds the grouping code
    # (a KSH97-P primary-care aggregate such as G98-P also gathers diagnoses ICD-10-SE codes
    # elsewhere: "Spinal muskelatrofi" is G12, not G98): weak evidence for lookup
    GROUPED = "grouped"


class Relation(StrEnum):
    """Mapping relation, always read from the source code's point of view.

    ``narrower`` means the source is narrower than the target (Orphanet NTBT, SKOS broadMatch).
    """

    EXACT = "exact"
    NARROWER = "narrower"
    BROADER = "broader"
    RELATED = "related"
    UNDECIDED = "undecided"  # Orphanet ND
    UNSPECIFIED = "unspecified"  # the source states no relation
    WRONG = "wrong"  # Orphanet W: the publisher says the two are different

    def inverse(self) -> Relation:
        """The relation read from the target's point of view."""
        return _INVERSE.get(self, self)

    def compose(self, other: Relation) -> Relation:
        """Relation of A→C given A→B (self) and B→C (other).

        exact is the identity; narrower∘narrower = narrower, broader∘broader = broader;
        narrower∘broader and broader∘narrower = related (the two may overlap, nothing more is
        known); anything composed with related/undecided/unspecified degrades to that weaker
        relation (unspecified < undecided < related in the order below); wrong never composes
        into anything but wrong.
        """
        if self is Relation.WRONG or other is Relation.WRONG:
            return Relation.WRONG
        if self is Relation.EXACT:
            return other
        if other is Relation.EXACT:
            return self
        weakest = max(self, other, key=_WEAKNESS.__getitem__)
        if _WEAKNESS[weakest] >= _WEAKNESS[Relation.RELATED]:
            return weakest
        if self is other:  # narrower∘narrower, broader∘broader
            return self
        return Relation.RELATED

    @property
    def rank(self) -> int:
        """Sort key: lower is more exact."""
        return _WEAKNESS[self]


_INVERSE = {Relation.NARROWER: Relation.BROADER, Relation.BROADER: Relation.NARROWER}
_WEAKNESS = {
    Relation.EXACT: 0,
    Relation.NARROWER: 1,
    Relation.BROADER: 2,
    Relation.RELATED: 3,
    Relation.UNDECIDED: 4,
    Relation.UNSPECIFIED: 5,
    Relation.WRONG: 6,
}


class IcdRelation(StrEnum):
    """Orphanet's DisorderMappingICDRelation: how the ORPHA code sits in the ICD."""

    SPECIFIC = "specific"  # the ORPHA entity has its own ICD code
    ATTRIBUTED = "attributed"  # the ICD code is attributed by Orphanet
    INCLUSION = "inclusion"  # included under an ICD category, no own code
    INDEX = "index"  # listed in the ICD index (ICD-11: in the Foundation)


@dataclass(frozen=True, slots=True)
class Term:
    """A name of a concept in one language (ISO 639-1 code, "" when unknown)."""

    text: str
    lang: str = ""
    kind: TermKind = TermKind.SYNONYM


@dataclass(frozen=True, slots=True)
class Replacement:
    """Where an inactive code points: Orphanet Moved to / Referred to, SNOMED CT associations."""

    target: str
    relation: str  # moved_to, referred_to, same_as, replaced_by, possibly_equivalent_to, ...

    @property
    def strong(self) -> bool:
        """The target takes the inactive code's place (Moved to, SAME AS, REPLACED BY), rather
        than being a related code to consider (Referred to, POSSIBLY EQUIVALENT TO ...)."""
        return self.relation in {"moved_to", "same_as", "replaced_by"}


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a statement comes from: the release, its file and the line or element."""

    release: str  # Release.id
    file: str  # file name inside the release
    position: str = ""  # line or element, where useful


@dataclass(frozen=True, slots=True)
class Concept:
    """A code of one code system with its names, status and hierarchy."""

    code: str
    system: str
    label: str
    labels: MappingType[str, str] = field(default_factory=dict)
    synonyms: tuple[Term, ...] = ()
    status: Status = Status.ACTIVE
    replaced_by: tuple[Replacement, ...] = ()
    parents: tuple[str, ...] = ()
    kind: str = ""
    definition: str | None = None
    attributes: MappingType[str, str] = field(default_factory=dict)
    release: str = ""

    @property
    def active(self) -> bool:
        """True when the concept's status is active."""
        return self.status is Status.ACTIVE


@dataclass(frozen=True, slots=True)
class Mapping:
    """A statement that ``source`` corresponds to ``target`` with ``relation``."""

    source: str
    target: str
    relation: Relation
    icd_relation: IcdRelation | None = None
    validated: bool | None = None
    via: tuple[str, ...] = ()
    provenance: Provenance | None = None
    published: str = ""  # the target code exactly as the release wrote it
    qualifier: str = ""  # e.g. SNOMED CT map rule/advice, Alpha-ID-SE code role
    # Filled by crosswalks (empty on mappings as the releases state them):
    basis: str = ""  # stated, inverse, edition, replacement, transitive, hierarchy, lexical
    note: str = ""  # e.g. "ICD-10-SE subdivides E75.2 into fördjupningskoder ..."
    steps: tuple[Mapping, ...] = ()  # the single mappings a derived mapping is composed of
    # Lexical evidence (basis "lexical", derived at build time, never a release's statement):
    score: float | None = None  # how closely the names agree (raremap.indexes.swedish: 0.8–1.0)
    matched: tuple[str, ...] = ()  # (ICD-10-SE title, ORPHA name or synonym) as the releases write them; () if not lexical
    # older statements of the same pair by the same publisher (an earlier release): this newer
    # statement decides the relation, the older ones are kept for provenance (not a second answer)
    superseded: tuple[Mapping, ...] = ()

    @property
    def provenances(self) -> tuple[Provenance, ...]:
        """Where the statement comes from: its own provenance, then those of the older releases
        that stated the same pair (``superseded``)."""
        own = (self.provenance,) if self.provenance is not None else ()
        return own + tuple(p for m in self.superseded for p in m.provenances)

    def inverted(self) -> Mapping:
        """The same statement read from the target's side (relation inverted, path reversed)."""
        return Mapping(
            source=self.target,
            target=self.source,
            relation=self.relation.inverse(),
            icd_relation=self.icd_relation,
            validated=self.validated,
            via=tuple(reversed(self.via)),
            provenance=self.provenance,
            published=self.published,
            qualifier=self.qualifier,
            basis=_INVERSE_BASIS.get(self.basis, self.basis),
            note=self.note,
            steps=tuple(step.inverted() for step in reversed(self.steps)),
            score=self.score,
            matched=self.matched,
            superseded=tuple(m.inverted() for m in self.superseded),
        )


_INVERSE_BASIS = {"stated": "inverse", "inverse": "stated"}


@dataclass(frozen=True, slots=True)
class Edge:
    """Hierarchy edge: ``child`` is-a (or part-of) ``parent`` in ``hierarchy``."""

    child: str
    parent: str
    hierarchy: str  # e.g. "orphanet:156" (classification id), "icd10se", "icd11", "snomed"
    release: str = ""


@dataclass(frozen=True, slots=True)
class AddedTerm:
    """An extra name for a concept defined elsewhere (KSH97-P synonym, Alpha-ID-SE text)."""

    code: str
    term: Term
    release: str = ""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input file of a release, with its checksum and size (bytes)."""

    path: str  # relative to the releases directory
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Release:
    """One loaded release: who published it, which version, which files."""

    id: str
    system: str
    name: str
    version: str = ""
    date: str = ""
    files: tuple[SourceFile, ...] = ()
    licence: str = ""
    bundled_sample: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    """One lookup hit."""

    code: str
    label: str
    matched_term: str
    score: float
    system: str
    status: Status = Status.ACTIVE
    replaced_by: tuple[str, ...] = ()
    match: str = ""  # how the name matched: exact, synonym, abbreviation, prefix, grouped, fuzzy
    matched_lang: str = ""  # language of matched_term ("" when the release states none)
    # the code a borrowed name comes from: an ORPHA concept's Swedish name taken from the title of
    # an ICD-10-SE code bridged to it ("ICD10SE:E75.2A"); "" for the concept's own names
    matched_source: str = ""


@dataclass(frozen=True, slots=True)
class DiseaseCode:
    """One code of a disease found by :meth:`RareMap.lookup_diseases`: how it relates to the
    group's head code (read from the head's side, as :meth:`RareMap.crosswalk` gives it)."""

    code: str
    system: str
    label: str
    relation: Relation
    basis: str  # stated, inverse, edition, transitive, hierarchy, lexical … (see Mapping.basis)
    release: str = ""  # the release the statement comes from (for lexical: the ICD-10-SE release)
    score: float | None = None  # how closely the code's title names the disease (raremap.indexes.swedish), None: it does not
    via: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DiseaseMatch:
    """One disease found by a grouped lookup: the head code (the ORPHA code when there is one)
    with its label in the language asked for, the best-matching name and the disease's codes."""

    code: str
    system: str
    label: str
    label_lang: str
    score: float
    matched_term: str
    matched_code: str  # the code whose name matched (the head or one of its codes)
    match: str = ""  # how the name matched (Match.match)
    matched_lang: str = ""
    matched_source: str = ""  # where a borrowed name came from (Match.matched_source)
    codes: tuple[DiseaseCode, ...] = ()  # the other codes of the disease, by system, best first
    status: Status = Status.ACTIVE


Record = Concept | Edge | Mapping | AddedTerm | Release
