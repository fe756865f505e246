"""The attention-information (UMI) assessment.

Swedish records carry *uppmärksamhetsinformation* (UMI): what a clinician must see first. It
should name a rare disease at diagnosis level. Whether the ICD code does is three-valued, from
what the loaded releases state about each linked pair (one statement per pair and publisher: the
newest release decides):

* ``True`` — a release states an exact mapping and/or the ICD relation "specific code" (never on a
  mapping Orphanet marks wrong or undecided): the ICD code names the disease. ``needs_attention``
  is false; ``recommended`` = the ICD-10-SE own code(s), the ORPHA code, the SNOMED CT concept.
* ``False`` — every linked code has a stated relation that is not that (NTBT, BTNT, attributed,
  inclusion, index, wrong), or no code is linked to the disease itself (only its ancestor's
  codes, or none): ``needs_attention`` is true; ``recommended`` = the ORPHA code, the SNOMED CT
  concept; the reason names the codes that do not identify the disease.
* ``None`` — the releases link a code but state no relation (the 2021 MasterFile, Alpha-ID-SE,
  Orphanet ND, chains of statements): nobody says whether it is the disease's own code.
  ``needs_attention`` is true (the ORPHA code settles what the ICD code may not); ``recommended``
  = the ORPHA code first (it names the disease for certain), then the linked ICD-10-SE code(s) the
  record carries anyway (their titles quoted, so the coder can judge), then the SNOMED CT concept.

A code Orphanet marks non-rare in Europe never needs attention; an inactive code without
replacement is never recommended. Every reason names the releases its statements come from and
marks derived relations as derived. This module decides; :mod:`raremap.services.umi_reasons`
writes the Swedish and English sentences that say why.

``Assessor(terms).assess(code)`` answers for an ORPHA code, for a code that maps to exactly one ORPHA code
(SNOMED CT, Alpha-ID), and for an ICD code (how many rare diseases it covers, whether it is
the own code of one of them). ``umi_table(assessor)`` lists every active ORPHA disorder and subtype
with its flags (groups of disorders are left out: a group is a classification heading, not a
diagnosis a record names; pass ``kinds=None`` to include them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pyarrow as pa

from ..codes import system_of, value_of
from . import umi_reasons as say
from .crosswalk import EDITION, HIERARCHY, INVERSE, STATED, Crosswalker, statements_of
from .umi_reasons import Links, OrphaFacts, Reason
from ..errors import NoMatchError, UnknownCodeError
from ..model import DiseaseMatch, IcdRelation, Mapping, Relation, Status

if TYPE_CHECKING:
    from .terminology import Terminology

@dataclass(frozen=True, slots=True)
class UmiAssessment:
    """Whether a diagnosis has its own ICD code, and what UMI should carry.

    ``code`` is the assessed code: the ORPHA code, or the code asked about when it maps to no
    or several rare diseases. ``query`` is the code as asked (canonical). ``icd10`` holds WHO
    ICD-10 codes as Orphanet maps them; ``icd10se``/``icd11``/``snomed`` the candidates in those
    systems with their relations (hierarchy fallbacks marked ``basis="hierarchy"``).
    ``specific_icd10``/``specific_icd11``: True a release states exact and/or "specific code";
    False a release states a relation that is not that (or no code is linked to the disease
    itself); None the releases link a code but state no relation (see the module docstring).
    ``needs_attention``: the record needs more than its ICD code to name the rare disease
    (``specific_icd10`` is not True); false for a code Orphanet marks non-rare in Europe. ``recommended`` lists, in order, the codes UMI should carry (none for an inactive code
    without replacement: the reason names what Orphanet refers to); ``reason`` says why, in
    Swedish (``"sv"``) and English (``"en"``). For a code other than ORPHA, ``covers`` holds
    the rare diseases it maps to (for an ICD-10 category also those mapped only to its
    subdivisions, as ``basis="hierarchy"`` via the subdivision) and ``specific_to`` those for
    which it is the own code.
    """

    code: str
    label: str
    query: str
    specific_icd10: bool | None
    specific_icd11: bool | None
    needs_attention: bool
    icd10: tuple[Mapping, ...] = ()
    icd10se: tuple[Mapping, ...] = ()
    icd11: tuple[Mapping, ...] = ()
    snomed: tuple[Mapping, ...] = ()
    recommended: tuple[str, ...] = ()
    reason: dict[str, str] = field(default_factory=dict)
    covers: tuple[Mapping, ...] = ()
    specific_to: tuple[str, ...] = ()
    name: str = ""  # :meth:`RareMap.umi_by_name`: the name asked ...
    resolved: DiseaseMatch | None = None  # ... and the disease it was resolved to (lookup_diseases' best)

    @property
    def rare_diseases(self) -> int:
        """How many rare diseases (distinct ORPHA codes) the asked code covers."""
        return len({m.target for m in self.covers})

    @property
    def specific_to_one(self) -> bool:
        """True when the asked code is the own code of exactly one rare disease."""
        return len(self.specific_to) == 1


# a "specific code" ICD relation on a mapping Orphanet marks wrong (W) or not yet decided (ND)
# does not make the code the disease's own
_NOT_OWN = frozenset({Relation.WRONG, Relation.UNDECIDED})
_NOT_OWN_NAMES = frozenset(str(r) for r in _NOT_OWN)


def is_specific(m: Mapping) -> bool:
    """Orphanet says the ICD code is the disease's own: exact mapping and/or ICD relation specific
    (never on a mapping it marks wrong or undecided)."""
    return m.basis == STATED and (m.relation is Relation.EXACT or (
        m.icd_relation is IcdRelation.SPECIFIC and m.relation not in _NOT_OWN))


_UNSTATED = frozenset({Relation.UNSPECIFIED, Relation.UNDECIDED})


def states_relation(m: Mapping) -> bool:
    """``m`` rests on one release statement, and it says how the two codes relate: a relation other than
    unspecified (the release states none) or undecided (Orphanet ND), or an ICD relation other
    than "specific code" (attributed, inclusion, index say the code is not the disease's own)."""
    found = statements_of(m)
    if len(found) != 1:  # none, or a chain of statements: a derived relation is no release's word
        return False
    s = found[0]
    return s.relation not in _UNSTATED or (s.icd_relation is not None and s.icd_relation is not IcdRelation.SPECIFIC)


def partition(maps: tuple[Mapping, ...] | list[Mapping]) -> Links:
    """An ORPHA code's answers in one ICD system split into those a release states a relation for
    (``decided``), the other linked ones (``open``) and its ancestor's codes (``inherited``)."""
    links = [m for m in maps if m.basis != HIERARCHY]
    decided = {m.target for m in links if states_relation(m)}
    return Links(links, [m for m in links if m.target in decided], [m for m in links if m.target not in decided],
                 [m for m in maps if m.basis == HIERARCHY])


def specificity(maps: tuple[Mapping, ...] | list[Mapping]) -> bool | None:
    """Three-valued "own code" of an ORPHA code's answers in one ICD system (hierarchy fallbacks
    are its ancestor's codes and do not count): True when a release states exact and/or "specific
    code" (:func:`is_specific`); None when some linked code has no stated relation (no loaded release
    says whether it is the own code); False otherwise — every linked code has a stated relation that
    is not that (NTBT, BTNT, attributed, inclusion, index, wrong), or none is linked."""
    links = [m for m in maps if m.basis != HIERARCHY]
    if any(is_specific(m) for m in links):
        return True
    decided = {m.target for m in links if states_relation(m)}
    return None if any(m.target not in decided for m in links) else False


def _covers_specifically(m: Mapping) -> bool:
    """An ICD (or other) code → ORPHA answer saying the code is the disease's own code."""
    if m.relation in (Relation.EXACT, Relation.NARROWER):
        return True
    return m.icd_relation is IcdRelation.SPECIFIC and m.relation is Relation.BROADER


class Assessor:
    """UMI assessments over one :class:`Terminology` (through its crosswalker), cached per code."""

    def __init__(self, terms: Terminology, crosswalker: Crosswalker | None = None) -> None:
        self.terms = terms
        self.cw = crosswalker if crosswalker is not None else Crosswalker(terms)
        self._cache: dict[str, UmiAssessment] = {}
        self._release_system = {r.id: r.system for r in terms.releases}

    def assess(self, code: str) -> UmiAssessment:
        """The UMI assessment of ``code`` (any spelling of any system)."""
        source = self.cw.resolve(code)
        hit = self._cache.get(source)
        if hit is None:
            hit = self._cache[source] = self._assess(source)
        return hit

    def assess_name(self, text: str, *, lang: str | None = None) -> UmiAssessment:
        """The UMI assessment of the disease a diagnosis name (Swedish or English, typos, any word
        order) is resolved to: the best disease of :meth:`RareMap.lookup_diseases` (``lang``
        restricts the names searched, as there), assessed as its code; ``name`` and ``resolved``
        say what was asked and found, and the reason starts by saying which name it was read as.
        Raises :class:`NoMatchError` when no name matches."""
        from .disease_groups import lookup_diseases  # on first use: the name index needs rapidfuzz

        found = lookup_diseases(self.terms, self.cw, text, lang=lang, limit=1)
        if not found:
            raise NoMatchError(text)
        d = found[0]
        a = self.assess(d.code)
        named = f"{d.label} ({d.code})" if d.label else d.code
        where = d.matched_code if d.matched_code and d.matched_code != d.code else d.matched_source
        en = f"“{text}” is read as {named} (matched: “{d.matched_term}”{f', {where}' if where else ''})."
        sv = f"”{text}” tolkas som {named} (träff: ”{d.matched_term}”{f', {where}' if where else ''})."
        return replace(a, name=text, resolved=d, reason={"sv": f"{sv} {a.reason['sv']}", "en": f"{en} {a.reason['en']}"})

    def needs_attention(self, code: str, covers: list[Mapping] | None = None) -> bool:
        """``assess(code).needs_attention`` without building the assessment (for batch mapping);
        ``covers`` may pass the code's crosswalk to ORPHA when the caller has it already."""
        source = self.cw.resolve(code)
        hit = self._cache.get(source)
        if hit is not None:
            return hit.needs_attention
        system = system_of(source)
        if system == "ORPHA":
            return self._orpha_needs_attention(self._replacement(source))
        if covers is None:
            covers = self.cw.crosswalk(source, "ORPHA")
        covers = [m for m in covers if m.basis != HIERARCHY]
        diseases = list(dict.fromkeys(m.target for m in covers))
        if system in ("SCTID", "ALPHAID") and len(diseases) == 1:
            return self._orpha_needs_attention(self._replacement(diseases[0]))
        specific_to = list(dict.fromkeys(m.target for m in covers if _covers_specifically(m)))
        if len(specific_to) == 1:
            return self._orpha_needs_attention(self._replacement(specific_to[0]))
        return bool(diseases) or bool(self._subdivision_covers(source, covers))

    def _orpha_needs_attention(self, orpha: str) -> bool:
        return not self.has_specific_icd10(orpha) and not self._non_rare(orpha)

    def _non_rare(self, orpha: str) -> bool:
        concept = self._concept(orpha)
        return concept is not None and concept.status is Status.NON_RARE

    def _replacement(self, orpha: str) -> str:
        """An inactive ORPHA code's first strong replacement (the code itself otherwise)."""
        concept = self._concept(orpha)
        if concept is not None and not concept.active:
            strong = [r.target for r in concept.replaced_by if r.strong]
            if strong:
                return strong[0]
        return orpha

    def has_specific_icd10(self, orpha: str) -> bool:
        """Cheap check: does Orphanet state an exact or specific ICD-10 code for ``orpha``? (Only
        the newest release of a publisher stating a pair counts, as in the crosswalk.)"""
        column = self.terms.mapping_column
        targets, relations, icd = column("target"), column("relation"), column("icd_relation")
        return any(targets[j].startswith("ICD10:") and (relations[j] == "exact" or (
                       icd[j] == "specific" and relations[j] not in _NOT_OWN_NAMES))
                   for j in self.cw.current_rows(orpha))

    def _assess(self, source: str) -> UmiAssessment:
        system = system_of(source)
        if system == "ORPHA":
            return self._orpha(source, source)
        covers = tuple(m for m in self.cw.crosswalk(source, "ORPHA") if m.basis != HIERARCHY)
        diseases = list(dict.fromkeys(m.target for m in covers))
        if system in ("SCTID", "ALPHAID") and len(diseases) == 1:
            return self._orpha(diseases[0], source)
        return self._coverage(source, covers + self._subdivision_covers(source, covers))

    def _subdivision_covers(self, source: str, covers) -> tuple[Mapping, ...]:
        """The rare diseases an ICD-10(-SE) category covers through its subdivisions and not
        directly (A00 "Kolera": ORPHA:173 is mapped to A00.0/A00.1/A00.9), as ``basis="hierarchy"``
        with ``via`` naming the subdivision (:meth:`Crosswalker.subdivision_answers`)."""
        return tuple(self.cw.subdivision_answers(source, "ORPHA", covers))

    # --- an ORPHA code ---------------------------------------------------------------------

    def _orpha(self, orpha: str, query: str, announce: bool = True) -> UmiAssessment:
        concept = self._concept(orpha)
        pre = [say.maps_to(query, orpha)] if query != orpha and announce else []
        assessed, retired = orpha, None  # retired: an inactive code without replacement, the codes it refers to
        if concept is not None and not concept.active:
            strong = [r.target for r in concept.replaced_by if r.strong]
            if strong:
                assessed = strong[0]
            else:
                retired = tuple(r.target for r in concept.replaced_by)
            pre.append(say.inactive(orpha, concept.status, assessed if strong else None))
        f = self._facts(orpha, assessed, retired, concept is not None and concept.status is Status.NON_RARE)
        specific10, specific11 = specificity(f.icd10), specificity(f.icd11)
        reason = Reason()
        recommended: tuple[str, ...]
        if specific10:
            icd_codes = say.codes([m.target for m in f.se_own] or [m.target for m in f.own10])
            recommended = (*icd_codes, assessed, *f.concepts)
            reason.add(say.own_icd10(f, icd_codes))
        else:
            recommended = self._without_own_icd10(f, reason)
        reason.add(say.subdivisions(f, specific10, self._label))
        reason.add(say.icd11(f, specific11, partition(f.icd11)))
        if retired is not None:
            recommended = ()  # an inactive code is never what a record should carry
            reason.add(say.retired(f))
        return UmiAssessment(
            code=assessed, label=self._label(assessed), query=query, specific_icd10=specific10,
            specific_icd11=specific11,
            # a code Orphanet marks non-rare names no rare disease: no attention coding
            needs_attention=specific10 is not True and not self._non_rare(assessed),
            icd10=f.icd10, icd10se=f.icd10se, icd11=f.icd11, snomed=f.snomed,
            recommended=tuple(dict.fromkeys(recommended)),
            reason={"sv": " ".join([*(sv for _, sv in pre), reason.sv]), "en": " ".join([*(en for en, _ in pre), reason.en])},
        )

    def _facts(self, orpha: str, assessed: str, retired: tuple[str, ...] | None, non_rare: bool) -> OrphaFacts:
        """What the loaded releases say of ``assessed`` (``orpha`` or its replacement) in each system."""
        label = self._label(assessed)
        icd10 = tuple(self.cw.crosswalk(assessed, "ICD10"))
        icd10se = tuple(self.cw.crosswalk(assessed, "ICD10SE"))
        icd11 = tuple(self.cw.crosswalk(assessed, "ICD11"))
        snomed = tuple(self.cw.crosswalk(assessed, "SCTID"))
        own10 = [m for m in icd10 if is_specific(m)]
        own_keys = {_key(m.target) for m in own10}
        return OrphaFacts(
            orpha=orpha, assessed=assessed, name=f"{label} ({assessed})" if label else assessed,
            icd10=icd10, icd10se=icd10se, icd11=icd11, snomed=snomed, own10=own10,
            own11=[m for m in icd11 if is_specific(m)],
            se_own=[m for m in icd10se if _key(m.target) in own_keys and m.relation is not Relation.RELATED],
            concepts=[m.target for m in snomed
                      if m.basis in (STATED, INVERSE) and m.relation in (Relation.EXACT, Relation.UNSPECIFIED)],
            # ICD-10-SE codes whose own title names the disease (derived lexical evidence, never a release's word)
            named={m.target: m for m in self._lexical(assessed) if m.target.startswith("ICD10SE:")},
            retired=retired, non_rare=non_rare,
            subdivided=[(m.target, subs) for m in icd10se
                        if (subs := self.cw.subdivisions(m.target)) and m.relation is not Relation.RELATED],
        )

    def _without_own_icd10(self, f: OrphaFacts, reason: Reason) -> tuple[str, ...]:
        """The reason and the recommendation for an ORPHA code without an own ICD-10 code: the
        ORPHA code first, then the linked ICD-10-SE codes the record carries anyway."""
        icd10, se = partition(f.icd10), partition(f.icd10se)
        # the ICD-10-SE codes a coder is told do not identify the disease: those a release
        # relates to it by a relation that is not "own code", or an ancestor's codes
        se_not = se.decided or ([] if icd10.links else se.inherited)
        reason.add(say.icd10_links(f, icd10, self._by_orphanet))
        if icd10.open:
            reason.add(say.unstated_own(f, icd10.open, se.open, self._label))
        if f.retired is not None:
            return ()
        answered = {m.target for m in f.icd10se}
        below = [c for c in f.named if c not in answered]  # a fördjupningskod under a linked code
        se_rec = [*below, *(m.target for m in se.open if not any(c.startswith(m.target) for c in below))]
        reason.add(say.record(f, se_rec, se_not))
        return (f.assessed, *se_rec, *f.concepts)

    def _named_by_title(self, code: str) -> list[Mapping]:
        """The ORPHA diseases an ICD-10-SE code's own title names (lexical evidence), best first."""
        if not code.startswith("ICD10SE:"):
            return []
        return self._lexical(code)

    def _lexical(self, code: str) -> list[Mapping]:
        """:meth:`Terminology.lexical_mappings` (none for a code that is not a loaded concept)."""
        try:
            return self.terms.lexical_mappings(code)
        except UnknownCodeError:
            return []

    def _by_orphanet(self, m: Mapping) -> bool:
        """One of the statements ``m`` rests on is an Orphanet release's."""
        return any(s.provenance is not None and self._release_system.get(s.provenance.release) == "ORPHA"
                   for s in statements_of(m))

    # --- a code that is not ORPHA: which rare diseases it covers ---------------------------

    def _coverage(self, source: str, covers: tuple[Mapping, ...]) -> UmiAssessment:
        diseases = list(dict.fromkeys(m.target for m in covers))
        specific_to = tuple(dict.fromkeys(m.target for m in covers if m.basis != HIERARCHY and _covers_specifically(m)))
        n = len(diseases)
        label = self._label(source)
        if len(specific_to) == 1:
            base = self._orpha(specific_to[0], source, announce=False)
            en, sv = say.own_code_of_one(source, base.code, base.label, n)
            return replace(base, code=source, label=label, query=source, covers=covers, specific_to=specific_to,
                           reason={"sv": f"{sv} {base.reason['sv']}", "en": f"{en} {base.reason['en']}"})
        system = system_of(source)
        icd10 = tuple(self.cw.crosswalk(source, "ICD10")) if system != "ICD10" else ()
        icd10se = tuple(self.cw.crosswalk(source, "ICD10SE")) if system != "ICD10SE" else ()
        icd11 = tuple(self.cw.crosswalk(source, "ICD11")) if system != "ICD11" else ()
        value = say.value(source)
        # every rare disease behind the code is related to it by a stated relation (not own code);
        # otherwise some link states none and whether the code is a disease's own is open
        decided = all(states_relation(m) for m in covers)
        specific: bool | None = False if decided or len(specific_to) > 1 else None
        below_only = bool(system == "ICD10SE" and _is_fordjupningskod(value) and covers
                          and all(_joined_upward(m) for m in covers))
        if below_only:
            specific = None  # no release states what the fördjupningskod names
        reason = Reason()
        reason.add(self._covers(source, label, covers, diseases, specific_to, decided, below_only))
        below = list(dict.fromkeys(m.via[0] for m in covers if m.basis == HIERARCHY))
        if below:
            reason.add(say.mapped_below(value, below, len({m.target for m in covers if m.basis == HIERARCHY}), n))
        recommended: tuple[str, ...] = ()
        title_names = [e for e in self._named_by_title(source) if e.target in diseases]
        if title_names and not specific:
            e = title_names[0]
            reason.add(say.title_names(self._with_label(e.target), n > 1))
            recommended = (e.target, source)
        specific11 = self.assess(diseases[0]).specific_icd11 if n == 1 else False
        return UmiAssessment(
            code=source, label=label, query=source, specific_icd10=specific, specific_icd11=specific11,
            needs_attention=bool(n), icd10=icd10, icd10se=icd10se, icd11=icd11, snomed=(),
            recommended=recommended, reason={"sv": reason.sv, "en": reason.en}, covers=covers, specific_to=specific_to,
        )

    def _covers(self, source: str, label: str, covers: tuple[Mapping, ...], diseases: list[str],
                specific_to: tuple[str, ...], decided: bool, below_only: bool) -> tuple[str, str]:
        """The opening sentence on which rare diseases a code covers (``below_only``: a
        fördjupningskod whose diseases are mapped only to the code above it)."""
        value = say.value(source)
        named = f"{source} ({label})" if label else source
        n = len(diseases)
        one = self._with_label(diseases[0]) if n == 1 else ""
        if below_only:
            return say.fordjupningskod(named, value, value[:-1], diseases, one)
        if not n:
            return say.covers_none(named)
        if n == 1:
            return say.covers_one(named, value, diseases[0], one, decided, covers)
        return say.covers_many(named, n, specific_to, decided)

    def _with_label(self, code: str) -> str:
        """``ORPHA:355 (Gaucher disease)``; the code alone when it has no label."""
        label = self._label(code)
        return f"{code} ({label})" if label else code

    def _concept(self, code: str):
        try:
            return self.terms.concept(code)
        except UnknownCodeError:
            return None

    def _label(self, code: str) -> str:
        concept = self._concept(code)
        return concept.label if concept is not None else ""


def _is_fordjupningskod(value: str) -> bool:
    """An ICD-10-SE national fifth character (``E75.2A``)."""
    return len(value.replace(".", "")) == 5 and value[-1].isalpha()


def _joined_upward(m: Mapping) -> bool:
    """``m`` starts by joining its source upward to the code above it (a fördjupningskod's parent)."""
    first = m.steps[0] if m.steps else m
    return first.basis == EDITION and first.relation is Relation.NARROWER


def _key(code: str) -> str:
    return value_of(code).replace(".", "")


UMI_KINDS = ("disorder", "subtype")


def umi_table(assessor: Assessor, kinds: tuple[str, ...] | None = UMI_KINDS) -> pa.Table:
    """Every active ORPHA code of ``kinds`` (Orphanet classification level: ``disorder``,
    ``subtype``; ``group`` is left out by default — a group of disorders is a classification
    heading, not a diagnosis UMI names; None = every level) with its UMI flags (``specific_icd10``
    null where no release states the relation), ICD/SNOMED candidates and the recommendation, one
    row per ORPHA code. Inactive codes (obsolete, deprecated, non-rare) are left out: they are
    never recommended (:meth:`Assessor.assess` explains each)."""
    cols: dict[str, list] = {name: [] for name in (
        "orpha", "label", "kind", "specific_icd10", "specific_icd11", "needs_attention", "icd10", "icd10_relation",
        "icd10se", "icd11", "icd11_relation", "snomed", "recommended", "reason_sv", "reason_en")}
    for concept in assessor.terms.concepts("ORPHA", active_only=True):
        if kinds is not None and concept.kind and concept.kind not in kinds:
            continue
        a = assessor.assess(concept.code)
        cols["orpha"].append(concept.code)
        cols["label"].append(concept.label)
        cols["kind"].append(concept.kind)
        cols["specific_icd10"].append(a.specific_icd10)
        cols["specific_icd11"].append(a.specific_icd11)
        cols["needs_attention"].append(a.needs_attention)
        cols["icd10"].append([m.target for m in a.icd10])
        cols["icd10_relation"].append([_relation_text(m) for m in a.icd10])
        cols["icd10se"].append([m.target for m in a.icd10se])
        cols["icd11"].append([m.target for m in a.icd11])
        cols["icd11_relation"].append([_relation_text(m) for m in a.icd11])
        cols["snomed"].append([m.target for m in a.snomed])
        cols["recommended"].append(list(a.recommended))
        cols["reason_sv"].append(a.reason["sv"])
        cols["reason_en"].append(a.reason["en"])
    strings = pa.list_(pa.string())
    types = {"specific_icd10": pa.bool_(), "specific_icd11": pa.bool_(), "needs_attention": pa.bool_(),
             "icd10": strings, "icd10_relation": strings, "icd10se": strings, "icd11": strings,
             "icd11_relation": strings, "snomed": strings, "recommended": strings}
    return pa.table({name: pa.array(values, types.get(name, pa.string())) for name, values in cols.items()})


def _relation_text(m: Mapping) -> str:
    """``narrower/attributed`` (+ ``/hierarchy`` for an inherited code)."""
    parts = [str(m.relation)]
    if m.icd_relation is not None:
        parts.append(str(m.icd_relation))
    if m.basis == HIERARCHY:
        parts.append(HIERARCHY)
    return "/".join(parts)
