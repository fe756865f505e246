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
marks derived relations as derived.

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

from ..codes import system_of
from .crosswalk import EDITION, HIERARCHY, INVERSE, STATED, Crosswalker
from ..errors import NoMatchError, UnknownCodeError
from ..model import DiseaseMatch, IcdRelation, Mapping, Relation, Status

if TYPE_CHECKING:
    from .terminology import Terminology

_REL = {
    Relation.EXACT: ("exact", "exakt"),
    Relation.NARROWER: ("the ICD code is broader", "ICD-koden är bredare"),
    Relation.BROADER: ("the ICD code is narrower", "ICD-koden är smalare"),
    Relation.RELATED: ("related", "närliggande"),
    Relation.UNDECIDED: ("relation not decided by Orphanet", "relationen ej fastställd av Orphanet"),
    Relation.UNSPECIFIED: ("relation not stated", "relationen anges inte"),
    Relation.WRONG: ("marked wrong by Orphanet", "markerad som fel av Orphanet"),
}
_ICD_REL = {
    IcdRelation.SPECIFIC: ("specific code", "specifik kod"),
    IcdRelation.ATTRIBUTED: ("code attributed by Orphanet", "kod tilldelad av Orphanet"),
    IcdRelation.INCLUSION: ("inclusion term", "inklusionsterm"),
    IcdRelation.INDEX: ("index term", "indexterm"),
}
_STATUS_SV = {
    Status.OBSOLETE: "föråldrad",
    Status.DEPRECATED: "avvecklad",
    Status.NON_RARE: "inte sällsynt i Europa",
    Status.INACTIVE: "inaktiv",
}


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


def statements_of(m: Mapping) -> list[Mapping]:
    """The release statements a crosswalk answer rests on (itself when it is one)."""
    if m.basis in (STATED, INVERSE):
        return [m]
    return [s for step in m.steps for s in statements_of(step)]


def states_relation(m: Mapping) -> bool:
    """``m`` rests on one release statement, and it says how the two codes relate: a relation other than
    unspecified (the release states none) or undecided (Orphanet ND), or an ICD relation other
    than "specific code" (attributed, inclusion, index say the code is not the disease's own)."""
    found = statements_of(m)
    if len(found) != 1:  # none, or a chain of statements: a derived relation is no release's word
        return False
    s = found[0]
    return s.relation not in _UNSTATED or (s.icd_relation is not None and s.icd_relation is not IcdRelation.SPECIFIC)


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


def _releases(maps) -> str:
    """The ids of the releases the statements behind ``maps`` come from (``orphanet-product1:2025-12-09``)."""
    ids = [s.provenance.release for m in maps for s in statements_of(m) if s.provenance is not None and s.provenance.release]
    return ", ".join(dict.fromkeys(ids))


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
        pre_en: list[str] = []
        pre_sv: list[str] = []
        if query != orpha and announce:
            pre_en.append(f"{query} maps to {orpha}.")
            pre_sv.append(f"{query} mappas till {orpha}.")
        concept = self._concept(orpha)
        assessed = orpha
        retired: tuple[str, ...] | None = None  # an inactive code without replacement: the codes it refers to
        if concept is not None and not concept.active:
            strong = [r.target for r in concept.replaced_by if r.strong]
            status_sv = _STATUS_SV.get(concept.status, "inaktiv")
            if strong:
                assessed = strong[0]
                pre_en.append(f"{orpha} is {concept.status}; assessed as its replacement {assessed}.")
                pre_sv.append(f"{orpha} är {status_sv}; bedöms som ersättaren {assessed}.")
            else:
                retired = tuple(r.target for r in concept.replaced_by)
                if concept.status is Status.NON_RARE:
                    pre_en.append(f"Orphanet marks {orpha} as not rare in Europe (an inactive ORPHA code).")
                    pre_sv.append(f"Orphanet anger att {orpha} inte är sällsynt i Europa (inaktiv ORPHA-kod).")
                else:
                    pre_en.append(f"{orpha} is {concept.status} and has no replacement.")
                    pre_sv.append(f"{orpha} är {status_sv} och saknar ersättare.")
        label = self._label(assessed)
        name = f"{label} ({assessed})" if label else assessed
        icd10 = tuple(self.cw.crosswalk(assessed, "ICD10"))
        icd10se = tuple(self.cw.crosswalk(assessed, "ICD10SE"))
        icd11 = tuple(self.cw.crosswalk(assessed, "ICD11"))
        snomed = tuple(self.cw.crosswalk(assessed, "SCTID"))
        specific10, specific11 = specificity(icd10), specificity(icd11)
        # ICD-10-SE codes whose own title names the disease (derived lexical evidence, never a release's word)
        named = {m.target: m for m in self._lexical(assessed) if m.target.startswith("ICD10SE:")}
        own10 = [m for m in icd10 if is_specific(m)]
        own11 = [m for m in icd11 if is_specific(m)]
        own_keys = {_key(m.target) for m in own10}
        se_own = [m for m in icd10se if _key(m.target) in own_keys and m.relation is not Relation.RELATED]
        concepts = [m.target for m in snomed
                    if m.basis in (STATED, INVERSE) and m.relation in (Relation.EXACT, Relation.UNSPECIFIED)]
        sct_en = "".join(f" and SNOMED CT {c}" for c in _codes(concepts))
        sct_sv = "".join(f" och SNOMED CT {c}" for c in _codes(concepts))
        se_open: list[Mapping] = []
        if specific10:
            icd_codes = _codes([m.target for m in se_own] or [m.target for m in own10])
            recommended = (*icd_codes, assessed, *concepts)
            shown = _list(_values(icd_codes))
            edition = "ICD-10-SE" if se_own else "ICD-10"
            several = len({m.target for m in own10}) > 1
            choose_en = choose_sv = ""
            if len(icd_codes) == 1:
                which_en, which_sv = f"{edition} {shown} identifies", f"{edition} {shown} identifierar"
            elif all(m.relation is Relation.BROADER for m in own10):
                # each ICD code is one form of the disease (cystic fibrosis: E84.0, E84.1 …)
                which_en = f"Each of {edition} {shown} identifies"
                which_sv = f"Var och en av {edition} {shown} identifierar"
                choose_en, choose_sv = " Record the one the patient's record supports.", " Ange den som stämmer med patientens journal."
            else:
                which_en, which_sv = f"{edition} {shown} identify", f"{edition} {shown} identifierar"
            src = _releases(own10)
            en = (f"Orphanet ({src}) names ICD-10 {_describe(own10, 0)} as {'own codes' if several else 'the own code'} "
                  f"of {name}. {which_en} the diagnosis.{choose_en} The attention information needs no other code "
                  f"(the ORPHA code may be added).")
            sv = (f"Orphanet ({src}) anger ICD-10 {_describe(own10, 1)} som {'egna koder' if several else 'egen kod'} "
                  f"för {name}. {which_sv} diagnosen.{choose_sv} Uppmärksamhetsinformationen behöver ingen annan kod "
                  f"(ORPHA-koden kan läggas till).")
        else:
            links = [m for m in icd10 if m.basis != HIERARCHY]
            decided_targets = {m.target for m in links if states_relation(m)}
            decided = [m for m in links if m.target in decided_targets]
            open10 = [m for m in links if m.target not in decided_targets]
            inherited = [m for m in icd10 if m.basis == HIERARCHY]
            se_links = [m for m in icd10se if m.basis != HIERARCHY]
            se_decided_targets = {m.target for m in se_links if states_relation(m)}
            se_decided = [m for m in se_links if m.target in se_decided_targets]
            se_open = [m for m in se_links if m.target not in se_decided_targets]
            # the ICD-10-SE codes a coder is told do not identify the disease: those a release
            # relates to it by a relation that is not "own code", or an ancestor's codes
            se_not = se_decided or ([] if links else [m for m in icd10se if m.basis == HIERARCHY])
            if decided:
                en = (f"Orphanet names no ICD-10 code as the own code of {name}; it maps it to "
                      f"{_describe(decided, 0)} ({_releases(decided)}).")
                sv = (f"Orphanet anger ingen ICD-10-kod som egen kod för {name}; den mappas till "
                      f"{_describe(decided, 1)} ({_releases(decided)}).")
                if open10:
                    en += f" The loaded releases also link it to ICD-10 {_describe(open10, 0)} ({_releases(open10)})."
                    sv += f" De inlästa utgåvorna kopplar den även till ICD-10 {_describe(open10, 1)} ({_releases(open10)})."
            elif open10:
                if all(self._by_orphanet(m) for m in open10):
                    en = f"Orphanet ({_releases(open10)}) links {name} to ICD-10 {_describe(open10, 0)}."
                    sv = f"Orphanet ({_releases(open10)}) kopplar {name} till ICD-10 {_describe(open10, 1)}."
                elif any(self._by_orphanet(m) for m in open10):
                    en = f"The loaded releases ({_releases(open10)}) link {name} to ICD-10 {_describe(open10, 0)}."
                    sv = f"De inlästa utgåvorna ({_releases(open10)}) kopplar {name} till ICD-10 {_describe(open10, 1)}."
                else:
                    en = (f"Orphanet gives no ICD-10 code for {name} in the loaded releases; {_releases(open10)} "
                          f"{'link' if ',' in _releases(open10) else 'links'} it to ICD-10 {_describe(open10, 0)}.")
                    sv = (f"Orphanet anger ingen ICD-10-kod för {name} i de inlästa utgåvorna; {_releases(open10)} "
                          f"kopplar den till ICD-10 {_describe(open10, 1)}.")
            elif inherited:
                ancestor = inherited[0].via[0]
                broader = all(m.relation is Relation.NARROWER for m in inherited)
                en = (f"{name} has no ICD-10 mapping of its own in the loaded releases; its nearest mapped ancestor "
                      f"{ancestor} is coded {_describe(inherited, 0, relation=False)}"
                      f"{', which is broader' if broader else ''} ({_releases(inherited)}).")
                sv = (f"{name} har ingen egen ICD-10-mappning i de inlästa utgåvorna; närmaste överordnade begrepp "
                      f"med kod, {ancestor}, kodas {_describe(inherited, 1, relation=False)}"
                      f"{', som är bredare' if broader else ''} ({_releases(inherited)}).")
            else:
                en = f"No ICD-10 code is known for {name} in the loaded releases."
                sv = f"Ingen ICD-10-kod är känd för {name} i de inlästa utgåvorna."
            if open10:
                own_en, own_sv = (("the codes are the disease's own", "koderna är sjukdomens egna")
                                  if len({m.target for m in (se_open or open10)}) > 1
                                  else ("the code is the disease's own", "koden är sjukdomens egen"))
                if se_open:
                    en += f" {self._titles(se_open, 0, named)}; no loaded release states whether {own_en}."
                    sv += f" {self._titles(se_open, 1, named)}; ingen inläst utgåva anger om {own_sv}."
                else:
                    en += f" No loaded release states whether {own_en}."
                    sv += f" Ingen inläst utgåva anger om {own_sv}."
            if retired is None:
                answered = {m.target for m in icd10se}
                below = [c for c in named if c not in answered]  # a fördjupningskod under a linked code
                se_rec = [*below, *(m.target for m in se_open if not any(c.startswith(m.target) for c in below))]
                recommended = (assessed, *se_rec, *concepts)
                en += f" Record {assessed}{sct_en} in the attention information"
                sv += f" Ange {assessed}{sct_sv} i uppmärksamhetsinformationen"
                if len(se_rec) == 1:
                    en += f" together with ICD-10-SE {_value(se_rec[0])}"
                    sv += f" tillsammans med ICD-10-SE {_value(se_rec[0])}"
                elif se_rec:
                    shown = _list(_values(_codes(se_rec)))
                    en += f" together with the one of ICD-10-SE {shown} that the patient's record supports"
                    sv += f" tillsammans med den av ICD-10-SE {shown} som stämmer med patientens journal"
                se = _list(_values(_codes([m.target for m in se_not])))
                if not se_not:
                    en += "."
                    sv += "."
                elif len({m.target for m in se_not}) > 1:
                    en += f"; ICD-10-SE {se} do not identify the disease, alone or together."
                    sv += f"; ICD-10-SE {se} identifierar inte sjukdomen, var för sig eller tillsammans."
                else:
                    en += f"; ICD-10-SE {se} alone does not identify the disease."
                    sv += f"; ICD-10-SE {se} ensam identifierar inte sjukdomen."
            else:
                recommended = ()
        subdivided = [(m.target, subs) for m in icd10se if (subs := self.cw.subdivisions(m.target))
                      and m.relation is not Relation.RELATED]
        for target, subs in subdivided[:3]:
            listed = _list(_values(subs))
            titled = [c for c in subs if c in named]
            if titled and not specific10:
                en += (f" ICD-10-SE subdivides {_value(target)} into {listed}; {self._titles(titled, 0, named)}; "
                       f"no loaded release maps the disease to {'it' if len(titled) == 1 else 'them'}.")
                sv += (f" ICD-10-SE delar upp {_value(target)} i {listed}; {self._titles(titled, 1, named)}; "
                       f"ingen inläst utgåva mappar sjukdomen dit.")
            elif specific10:
                en += f" ICD-10-SE subdivides {_value(target)} into {listed}; choose one only from the patient's record."
                sv += f" ICD-10-SE delar upp {_value(target)} i {listed}; välj en sådan endast utifrån patientens journal."
            else:
                en += f" ICD-10-SE subdivides {_value(target)} into {listed}; check whether one of them names the disease."
                sv += f" ICD-10-SE delar upp {_value(target)} i {listed}; kontrollera om någon av dem anger sjukdomen."
        if specific11:
            shown = _list(_values(_codes([m.target for m in own11])))
            en += f" In ICD-11, {shown} is its own code ({_releases(own11)})."
            sv += f" I ICD-11 är {shown} dess egen kod ({_releases(own11)})."
        elif icd11:
            links11 = [m for m in icd11 if m.basis != HIERARCHY]
            decided11_targets = {m.target for m in links11 if states_relation(m)}
            decided11 = [m for m in links11 if m.target in decided11_targets]
            open11 = [m for m in links11 if m.target not in decided11_targets]
            inherited11 = [m for m in icd11 if m.basis == HIERARCHY]
            if decided11:
                en += f" In ICD-11 Orphanet maps it to {_describe(decided11, 0)}, not as its own code."
                sv += f" I ICD-11 mappar Orphanet den till {_describe(decided11, 1)}, inte som egen kod."
            if open11:
                en += (f" In ICD-11 the loaded releases lead to {_describe(open11, 0)}; no loaded release states "
                       f"whether {'one of them' if len({m.target for m in open11}) > 1 else 'it'} is its own code.")
                sv += (f" I ICD-11 leder de inlästa utgåvorna till {_describe(open11, 1)}; ingen inläst utgåva anger "
                       f"om {'någon av dem' if len({m.target for m in open11}) > 1 else 'den'} är dess egen kod.")
            if inherited11 and not links11:
                en += f" In ICD-11 only its ancestor's codes are known: {_describe(inherited11, 0)}."
                sv += f" I ICD-11 är bara överordnade begrepps koder kända: {_describe(inherited11, 1)}."
        if retired is not None:
            # an inactive code is never what a record should carry
            recommended = ()
            refers = _list(list(retired))
            if concept is not None and concept.status is Status.NON_RARE and not retired:
                en += f" Do not record {orpha} in the attention information; code the diagnosis with ICD-10-SE as usual."
                sv += f" Ange inte {orpha} i uppmärksamhetsinformationen; koda diagnosen med ICD-10-SE som vanligt."
            else:
                en += (f" {orpha} is no longer a current Orphanet code: do not record it; choose a current code"
                       f"{f' (Orphanet refers to {refers})' if retired else ''}.")
                sv += (f" {orpha} är inte längre en aktuell Orphanet-kod: ange den inte; välj en aktuell kod"
                       f"{f' (Orphanet hänvisar till {refers})' if retired else ''}.")
        return UmiAssessment(
            code=assessed, label=label, query=query, specific_icd10=specific10, specific_icd11=specific11,
            # a code Orphanet marks non-rare names no rare disease: no attention coding
            needs_attention=specific10 is not True and not self._non_rare(assessed),
            icd10=icd10, icd10se=icd10se, icd11=icd11, snomed=snomed,
            recommended=tuple(dict.fromkeys(recommended)),
            reason={"sv": " ".join([*pre_sv, sv]), "en": " ".join([*pre_en, en])},
        )

    def _titles(self, maps: list[Mapping] | list[str], lang: int, named: dict[str, Mapping] | None = None,
                limit: int = 4) -> str:
        """``ICD-10-SE Q87.4 heter ”Marfans syndrom”`` for each code (the release's own title),
        marked where the title names the disease (lexical evidence: derived, not a release's word)."""
        found = _codes([m if isinstance(m, str) else m.target for m in maps])
        every = bool(named) and all(c in named for c in found)
        parts = []
        for code in found[:limit]:
            title = self._label(code)
            said = (f"ICD-10-SE {_value(code)} is titled “{title}”" if lang == 0 else
                    f"ICD-10-SE {_value(code)} heter ”{title}”") if title else f"ICD-10-SE {_value(code)}"
            if named and code in named and not every:
                said += (" (derived from the names: the title names the disease)" if lang == 0 else
                         " (härlett ur namnen: titeln anger sjukdomen)")
            parts.append(said)
        text = "; ".join(parts) + (" …" if len(found) > limit else "")
        if every and len(found) > 1:
            text += ("; each title names the disease (derived from the names)" if lang == 0 else
                     "; varje titel anger sjukdomen (härlett ur namnen)")
        elif every:
            text += (" (derived from the names: the title names the disease)" if lang == 0 else
                     " (härlett ur namnen: titeln anger sjukdomen)")
        return text

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
        below = list(dict.fromkeys(m.via[0] for m in covers if m.basis == HIERARCHY))
        label = self._label(source)
        if len(specific_to) == 1:
            base = self._orpha(specific_to[0], source, announce=False)
            en = (f"{source} is the own code of one rare disease, {base.code}"
                  f"{f' ({base.label})' if base.label else ''}; it covers {_n(n, 'rare disease', 'rare diseases')} in all.")
            sv = (f"{source} är egen kod för en sällsynt sjukdom, {base.code}"
                  f"{f' ({base.label})' if base.label else ''}; totalt omfattar koden {_n(n, 'sällsynt sjukdom', 'sällsynta sjukdomar')}.")
            return replace(base, code=source, label=label, query=source, covers=covers, specific_to=specific_to,
                           reason={"sv": f"{sv} {base.reason['sv']}", "en": f"{en} {base.reason['en']}"})
        system = system_of(source)
        icd10 = tuple(self.cw.crosswalk(source, "ICD10")) if system != "ICD10" else ()
        icd10se = tuple(self.cw.crosswalk(source, "ICD10SE")) if system != "ICD10SE" else ()
        icd11 = tuple(self.cw.crosswalk(source, "ICD11")) if system != "ICD11" else ()
        value = _value(source)
        named = f"{source} ({label})" if label else source
        # every rare disease behind the code is related to it by a stated relation (not own code);
        # otherwise some link states none and whether the code is a disease's own is open
        decided = all(states_relation(m) for m in covers)
        specific: bool | None = False if decided or len(specific_to) > 1 else None
        specific11: bool | None = False
        if system == "ICD10SE" and _is_fordjupningskod(value) and covers and all(_joined_upward(m) for m in covers):
            specific = None  # no release states what the fördjupningskod names
            # no release maps a rare disease to the fördjupningskod itself: only to the code above it
            parent = value[:-1]
            if n == 1:
                disease = diseases[0]
                label1 = self._label(disease)
                one = f"{disease} ({label1})" if label1 else disease
                en = (f"{named} is an ICD-10-SE fördjupningskod under {parent}. No loaded release maps a rare disease "
                      f"to {value} itself; one rare disease, {one}, is mapped to {parent}, and no loaded release says "
                      f"whether {value} names it. When the patient has it, record {disease} (and its SNOMED CT concept) "
                      f"in the attention information.")
                sv = (f"{named} är en fördjupningskod i ICD-10-SE under {parent}. Ingen inläst utgåva mappar någon "
                      f"sällsynt sjukdom till {value}; en sällsynt sjukdom, {one}, är mappad till {parent}, och ingen "
                      f"inläst utgåva anger om {value} avser den. Om patienten har den, ange {disease} (och dess "
                      f"SNOMED CT-begrepp) i uppmärksamhetsinformationen.")
            else:
                en = (f"{named} is an ICD-10-SE fördjupningskod under {parent}. No loaded release maps a rare disease "
                      f"to {value} itself; {n} rare diseases (ORPHA codes) are mapped to {parent}, and no loaded release "
                      f"says which of them {value} names. When the patient has one of them, record its ORPHA code "
                      f"(and SNOMED CT concept) in the attention information.")
                sv = (f"{named} är en fördjupningskod i ICD-10-SE under {parent}. Ingen inläst utgåva mappar någon "
                      f"sällsynt sjukdom till {value}; {n} sällsynta sjukdomar (ORPHA-koder) är mappade till {parent}, "
                      f"och ingen inläst utgåva anger vilken av dem {value} avser. Om patienten har någon av dem, ange "
                      f"dess ORPHA-kod (och SNOMED CT-begrepp) i uppmärksamhetsinformationen.")
        elif not n:
            en = (f"No rare disease (ORPHA code) is mapped to {named} in the loaded releases; "
                  f"it needs no rare-disease attention coding.")
            sv = (f"Ingen sällsynt sjukdom (ORPHA-kod) är mappad till {named} i de inlästa utgåvorna; "
                  f"koden behöver ingen kompletterande kodning för sällsynt sjukdom.")
        elif n == 1:
            disease = diseases[0]
            label1 = self._label(disease)
            one = f"{disease} ({label1})" if label1 else disease
            if decided:
                en = f"{named} covers one rare disease, {one}, and is not its own code (according to {_releases(covers)})."
                sv = f"{named} omfattar en sällsynt sjukdom, {one}, men är inte dess egen kod (enligt {_releases(covers)})."
            else:
                en = (f"{named} is linked to one rare disease, {one}, by {_releases(covers)}; no loaded release states "
                      f"whether {value} is its own code.")
                sv = (f"{named} är kopplad till en sällsynt sjukdom, {one}, av {_releases(covers)}; ingen inläst utgåva "
                      f"anger om {value} är dess egen kod.")
            en += f" When the patient has it, record {disease} (and its SNOMED CT concept) in the attention information."
            sv += f" Om patienten har den, ange {disease} (och dess SNOMED CT-begrepp) i uppmärksamhetsinformationen."
        else:
            en = f"{named} covers {n} rare diseases (ORPHA codes)"
            sv = f"{named} omfattar {n} sällsynta sjukdomar (ORPHA-koder)"
            if specific_to:
                shown = _list(_codes(list(specific_to)))
                en += f" and is the own code of {len(specific_to)} of them ({shown}), so it does not identify one disease."
                sv += f" och är egen kod för {len(specific_to)} av dem ({shown}), så den identifierar inte en sjukdom."
            elif decided:
                en += " and is the own code of none of them."
                sv += " och är inte egen kod för någon av dem."
            else:
                en += " and no loaded release names it the own code of any of them."
                sv += " och ingen inläst utgåva anger den som egen kod för någon av dem."
            en += (" When the patient has one of them, record its ORPHA code (and SNOMED CT concept) "
                   "in the attention information.")
            sv += (" Om patienten har någon av dem, ange dess ORPHA-kod (och SNOMED CT-begrepp) "
                   "i uppmärksamhetsinformationen.")
        if below:
            k = len({m.target for m in covers if m.basis == HIERARCHY})
            shown = _list(_values(below))
            if k == n:
                en += f" {'It is' if k == 1 else 'They are'} mapped to its subdivisions ({shown}), not to {value} itself."
                sv += f" {'Den är mappad' if k == 1 else 'De är mappade'} till dess underkoder ({shown}), inte till {value}."
            else:
                en += f" {k} of them are mapped only to its subdivisions ({shown}), not to {value} itself."
                sv += f" {k} av dem är mappade endast till dess underkoder ({shown}), inte till {value}."
        recommended: tuple[str, ...] = ()
        title_names = [e for e in self._named_by_title(source) if e.target in diseases]
        if title_names and not specific:
            e = title_names[0]
            label1 = self._label(e.target)
            one = f"{e.target} ({label1})" if label1 else e.target
            of_en, of_sv = ("one of them, ", "en av dem, ") if n > 1 else ("", "")
            en += f" Its title names {of_en}{one} (derived from the names, not a release's statement)."
            sv += f" Titeln anger {of_sv}{one} (härlett ur namnen, ingen utgåvas uppgift)."
            recommended = (e.target, source)
        if n == 1:
            specific11 = self.assess(diseases[0]).specific_icd11
        return UmiAssessment(
            code=source, label=label, query=source, specific_icd10=specific, specific_icd11=specific11,
            needs_attention=bool(n), icd10=icd10, icd10se=icd10se, icd11=icd11, snomed=(),
            recommended=recommended, reason={"sv": sv, "en": en}, covers=covers, specific_to=specific_to,
        )

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
    return code.partition(":")[2].replace(".", "")


def _codes(found: list[str]) -> list[str]:
    return list(dict.fromkeys(found))


def _value(code: str) -> str:
    """The code without its system prefix, for sentences that name the system."""
    return code.partition(":")[2] or code


def _values(found: list[str]) -> list[str]:
    return [_value(c) for c in found]


def _list(items: list[str], limit: int = 8) -> str:
    shown = items[:limit]
    more = f" (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(shown) + more


def _n(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _describe(maps: tuple[Mapping, ...] | list[Mapping], lang: int, *, relation: bool = True, limit: int = 6) -> str:
    """``Q77.3 (the ICD code is broader, code attributed by Orphanet)``, one entry per code."""
    parts = []
    seen: set[str] = set()
    for m in maps:
        if m.target in seen:
            continue
        seen.add(m.target)
        words = [_REL[m.relation][lang]] if relation else []
        if m.icd_relation is not None:
            words.append(_ICD_REL[m.icd_relation][lang])
        if m.basis not in (STATED, INVERSE, EDITION, HIERARCHY):
            words.append("derived" if lang == 0 else "härledd")
        value = m.target.partition(":")[2]
        parts.append(f"{value} ({', '.join(words)})" if words else value)
    more = f" (+{len(parts) - limit})" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


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
