"""raremap's mapping relation → FHIR R4 ConceptMap equivalence.

A raremap :class:`~raremap.model.Mapping` reads its relation from the source code's side
(``narrower``: the source is narrower than the target, Orphanet NTBT). A FHIR equivalence says
what the *target* is relative to the source (``wider``: the target is wider). So:

=============  ==========================================  =================================
relation       basis                                       equivalence
=============  ==========================================  =================================
exact          stated, inverse, edition (a release states  ``equivalent``
               it, read from either side, or the same code
               in another ICD-10 edition)
exact          replacement, transitive, hierarchy,         ``relatedto`` (derived: never
               lexical, anything else                      ``equivalent``)
narrower       any                                         ``wider``
broader        any                                         ``narrower``
related        any                                         ``relatedto``
undecided      any (Orphanet ND)                           ``relatedto``
unspecified    any (the release states no relation)        ``relatedto``
wrong          any (Orphanet W)                            ``disjoint``
=============  ==========================================  =================================

Translating ORPHA → ICD-10 where Orphanet says NTBT gives ``wider``; the same statement read
from the ICD-10 code (ICD-10 → ORPHA, or ``reverse=true``) gives ``narrower``.
"""

from __future__ import annotations

from ..model import Mapping, Relation

# bases under which an exact relation is what a release states (the answer may become ``equivalent``)
STATED_BASES = frozenset({"", "stated", "inverse", "edition"})

_BY_RELATION = {
    Relation.NARROWER: "wider",
    Relation.BROADER: "narrower",
    Relation.RELATED: "relatedto",
    Relation.UNDECIDED: "relatedto",
    Relation.UNSPECIFIED: "relatedto",
    Relation.WRONG: "disjoint",
}

# equivalences that do not translate the code (``$translate`` result false when all are so)
NOT_A_TRANSLATION = frozenset({"disjoint", "unmatched"})


def equivalence(relation: Relation | str, basis: str = "") -> str:
    """The ConceptMap equivalence of a mapping with ``relation`` found on ``basis``."""
    relation = Relation(relation)
    if relation is Relation.EXACT:
        return "equivalent" if basis in STATED_BASES else "relatedto"
    return _BY_RELATION[relation]


def of(mapping: Mapping) -> str:
    """The ConceptMap equivalence of ``mapping`` (target relative to source)."""
    return equivalence(mapping.relation, mapping.basis)
