"""Grouped lookup: one answer per disease instead of one row per code.

:func:`lookup_diseases` runs the ordinary lookup (:meth:`Terminology.lookup`) over a wider pool and
folds the hits that name one disease into one :class:`~raremap.model.DiseaseMatch`, in the order
of their best hit (so the disease whose name the query spells best comes first).

Which disease a hit belongs to (its *head*, the ORPHA code when there is one):

* an ORPHA hit is its own head;
* an ICD-10-SE or WHO ICD-10 code: the ORPHA code its ICD-10-SE title is bridged to
  (:meth:`Terminology.lexical_mappings`, the best score when it is the only one with it); a category
  whose own title names the disease one of its subdivisions is bridged to (E84 "Cystisk fibros"
  through E84.0 …);
* any code: the one ORPHA code a release maps it to as ``exact`` (Alpha-ID-SE entries, SNOMED CT,
  ICD-11), else the one ORPHA code among those :meth:`Crosswalker.crosswalk` links it to whose name
  its title names (ICD11:LD28.01 "Marfan syndrome" → ORPHA:558 of the three ORPHA codes behind
  Q87.4);
* otherwise the hit is a group of its own (with its WHO/Swedish ICD-10 twin of the same key).

The codes of an ORPHA disease, per system (ICD-10-SE, ICD-10, ICD-11, SNOMED CT): the crosswalk's
targets and the lexical pairs whose title names the disease (score ≥ 0.8, best first; the title
of E75.2A names Gaucher disease, E75.2 does not) when there are such codes, otherwise the
targets of single statements (stated, inverse, edition: the broad code a release gives); chained
(transitive) and hierarchy targets that name another disease are left to :meth:`crosswalk`.
Each code keeps the crosswalk's relation and basis (``lexical`` when only the name bridge links
it, ``hierarchy`` for a category through its bridged subdivision) and the release it rests on.

A code a hit joins an ORPHA disease through (an ICD-11 code whose title names the disease the
crosswalk links it to) is listed among the disease's codes too, with that mapping's relation
and basis read from the disease's side.

The group's label is in the language asked for (``lang``: a label, the Swedish name an ORPHA
concept borrows from its bridged ICD-10-SE titles, or a synonym in it); without ``lang``, the
Swedish name when the name that matched is Swedish, else the head's preferred label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import codes as codesys
from ..errors import RaremapError
from ..indexes.swedish import match_names
from ..model import DiseaseCode, DiseaseMatch, Mapping, Match, Relation, Status

from .terminology import SystemArg, Terminology, check_limit, check_text

if TYPE_CHECKING:
    from .crosswalk import Crosswalker

__all__ = ["GROUP_SYSTEMS", "group_matches", "lookup_diseases"]

GROUP_SYSTEMS = ("ICD10SE", "ICD10", "ICD11", "SCTID")
POOL = 4  # hits looked at per disease asked for ...
POOL_MIN = 24  # ... and never fewer
NAMED = 0.8  # a code whose title names the disease this well is one of its codes
HEAD_NAMED = 0.9  # a code joins an ORPHA disease through the crosswalk when its title names it this well
MAX_CANDIDATES = 256  # a code linked to more ORPHA codes than this is too broad to name one of them
_DIRECT = frozenset({"stated", "inverse", "edition", "replacement"})
_ICD10 = ("ICD10SE", "ICD10")


class _Groups:
    """The per-call state of one grouped lookup (caches of heads and names)."""

    def __init__(self, terms: Terminology, crosswalker: Crosswalker) -> None:
        self.terms = terms
        self.crosswalker = crosswalker
        self._names: dict[str, list[str]] = {}
        self._members: dict[str, tuple[DiseaseCode, ...]] = {}

    # --- which disease a hit names ----------------------------------------------------------

    def head(self, code: str) -> tuple[str | None, Mapping | None, float | None]:
        """The ORPHA code of the disease ``code`` names (None: none), the mapping from ``code``
        to it that says so when it is a release's, and how well ``code``'s title names it."""
        system = codesys.system_of(code)
        if system == "ORPHA":
            return code, None, None
        if system in _ICD10:
            found = self._bridged(f"ICD10SE:{codesys.value_of(code)}")
            if found:
                return found, None, None
        exact = {m.target: m for m in self._stated(code) if m.target.startswith("ORPHA:") and m.relation is Relation.EXACT}
        exact = {c: m for c, m in exact.items() if self._active(c)}
        if len(exact) == 1:
            [(target, m)] = exact.items()
            return target, m, None
        label = self._label(code)
        if not label:
            return None, None, None
        try:
            found_maps = self.crosswalker.crosswalk(code, to="ORPHA")
        except RaremapError:
            return None, None, None
        targets = list(dict.fromkeys(m.target for m in found_maps))
        if not targets or len(targets) > MAX_CANDIDATES:
            return None, None, None
        scores = {t: self.names_score(label, t) or 0.0 for t in targets}
        named = [t for t in targets if scores[t] >= HEAD_NAMED]
        if len(named) != 1:
            return None, None, None
        return named[0], next(m for m in found_maps if m.target == named[0]), scores[named[0]]

    def _bridged(self, se_code: str) -> str | None:
        """The ORPHA code an ICD-10-SE code's title (or, for a category, a subdivision's whose
        disease the category's title also names) is bridged to."""
        try:
            pairs = self.terms.lexical_mappings(se_code)
        except RaremapError:
            return None
        if pairs and (len(pairs) == 1 or (pairs[0].score or 0) > (pairs[1].score or 0)):
            return pairs[0].target
        if pairs:
            return None
        child = self._category_bridge(se_code)
        return child.target if child is not None else None

    def _category_bridge(self, se_code: str) -> Mapping | None:
        """A lexical pair of a subdivision of ``se_code`` whose disease ``se_code``'s own title
        names (E84 "Cystisk fibros" and E84.0 → ORPHA:586)."""
        body = codesys.value_of(se_code)
        if "." in body or "-" in body or len(body) != 3:
            return None
        label = self._label(se_code)
        for digit in "0123456789":
            try:
                pairs = self.terms.lexical_mappings(f"{se_code}.{digit}")
            except RaremapError:
                continue
            for m in pairs:
                if (self.names_score(label, m.target) or 0.0) >= HEAD_NAMED:
                    return m
        return None

    # --- the codes of one disease ------------------------------------------------------------

    def members(self, head: str) -> tuple[DiseaseCode, ...]:
        """The codes of the ORPHA disease ``head`` per system (see the module docstring)."""
        known = self._members.get(head)
        if known is None:
            known = self._members[head] = self._find_members(head)
        return known

    def _find_members(self, head: str) -> tuple[DiseaseCode, ...]:
        found: dict[str, DiseaseCode] = {}
        for m in self.crosswalker.crosswalk(head):
            system = codesys.system_of(m.target)
            if system in GROUP_SYSTEMS and m.target not in found:
                found[m.target] = self._code(m, self.names_score(self._label(m.target), head))
        for m in self.terms.lexical_mappings(head):
            old = found.get(m.target)
            if old is None:
                found[m.target] = self._code(m, m.score)
            elif old.score is None or (m.score or 0) > old.score:
                found[m.target] = _with_score(old, m.score)
            if m.target.count(".") == 1:  # the category above, when its own title names the disease
                category = m.target.split(".", 1)[0]
                if category not in found and category in self.terms:
                    score = self.names_score(self._label(category), head)
                    if score is not None and score >= HEAD_NAMED:
                        found[category] = DiseaseCode(category, "ICD10SE", self._label(category), Relation.UNSPECIFIED,
                                                      "hierarchy", m.provenance.release if m.provenance else "",
                                                      score, (m.target,))
        out: list[DiseaseCode] = []
        for system in GROUP_SYSTEMS:
            of_system = [c for c in found.values() if c.system == system]
            named = [c for c in of_system if c.score is not None and c.score >= NAMED]
            if named:
                out += sorted(named, key=lambda c: -(c.score or 0.0))  # stable: crosswalk order on ties
            else:
                out += [c for c in of_system if c.basis in _DIRECT]
        return tuple(out)

    def twins(self, code: str) -> tuple[DiseaseCode, ...]:
        """The WHO/Swedish ICD-10 code of the same key as ``code`` (a group without ORPHA code)."""
        system, body = codesys.split(code)
        if system not in _ICD10:
            return ()
        other = f"{'ICD10' if system == 'ICD10SE' else 'ICD10SE'}:{body}"
        if other not in self.terms:
            return ()
        release = self.terms.concept(other).release
        return (DiseaseCode(other, codesys.system_of(other), self._label(other), Relation.EXACT, "edition", release),)

    def _code(self, m: Mapping, score: float | None) -> DiseaseCode:
        return DiseaseCode(m.target, codesys.system_of(m.target), self._label(m.target), m.relation, m.basis,
                           m.provenance.release if m.provenance else "", score, m.via)

    # --- names --------------------------------------------------------------------------------

    def names(self, orpha: str) -> list[str]:
        """Every name of an ORPHA concept (labels and synonyms in every language)."""
        found = self._names.get(orpha)
        if found is None:
            c = self.terms.concept(orpha)
            found = self._names[orpha] = list(dict.fromkeys([*c.labels.values(), c.label, *(t.text for t in c.synonyms)]))
        return found

    def names_score(self, title: str, orpha: str) -> float | None:
        """How well ``title`` names the ORPHA disease ``orpha`` (best over its names), None: not."""
        if not title:
            return None
        best = None
        for name in self.names(orpha):
            hit = match_names(title, name)
            if hit is not None and (best is None or hit.score > best):
                best = hit.score
        return best

    def label(self, head: str, lang: str | None, *, asked: bool) -> tuple[str, str]:
        """(label, its language) of ``head``: its label in ``lang`` (for an ORPHA code and
        Swedish: the name it borrows from a bridged ICD-10-SE title, the part naming the disease,
        best first); when ``asked``, also a synonym in ``lang``; else its preferred label."""
        c = self.terms.concept(head)
        if lang:
            if lang in c.labels:
                return c.labels[lang], lang
            if lang == "sv" and c.system == "ORPHA":
                borrowed = self.swedish_name(head)
                if borrowed:
                    return borrowed, "sv"
            synonym = next((t.text for t in c.synonyms if t.lang == lang), None) if asked else None
            if synonym:
                return synonym, lang
        lang_of = next((k for k, v in c.labels.items() if v == c.label), "")
        return c.label, lang_of

    def swedish_name(self, orpha: str) -> str:
        """The Swedish name an ORPHA code borrows from its bridged ICD-10-SE titles: the part of a
        title naming the disease that names it best ("Cystisk fibros" from E84.0 rather than
        E84.9 "Cystisk fibros, ospecificerad"), the shortest on a tie; "" when none."""
        parts: dict[str, float] = {}
        for m in self.terms.lexical_mappings(orpha):
            title, name = m.matched
            hit = match_names(title, name)
            part = hit.title_part if hit is not None else title
            if part not in parts:
                parts[part] = self.names_score(part, orpha) or 0.0
        if not parts:
            return ""
        return min(parts, key=lambda p: (-parts[p], len(p), p))

    def _label(self, code: str) -> str:
        try:
            return self.terms.concept(code).label
        except RaremapError:
            return ""

    def _active(self, code: str) -> bool:
        try:
            return self.terms.concept(code).status is Status.ACTIVE
        except RaremapError:
            return False

    def _stated(self, code: str) -> list[Mapping]:
        try:
            return self.terms.mappings(code, direction="both")
        except RaremapError:
            return []


def lookup_diseases(terms: Terminology, crosswalker: Crosswalker, text: str, system: SystemArg = None,
                    lang: str | Iterable[str] | None = None, limit: int = 10) -> list[DiseaseMatch]:
    """The diseases whose names match ``text``, best first, one :class:`DiseaseMatch` each
    (see the module docstring). ``system`` and ``lang`` restrict the names searched, as in
    :meth:`Terminology.lookup`; a disease still lists its codes in every system."""
    check_limit(limit)
    check_text(text, "lookup")
    if limit <= 0:
        return []
    hits = terms.lookup(text, system=system, lang=lang, limit=max(POOL_MIN, POOL * limit))
    return group_matches(terms, crosswalker, hits, lang if isinstance(lang, str) else None, limit)


def group_matches(terms: Terminology, crosswalker: Crosswalker, hits: list[Match], lang: str | None = None,
                  limit: int = 10) -> list[DiseaseMatch]:
    """``hits`` (of :meth:`Terminology.lookup` or :meth:`Terminology.complete`, best first) folded
    into one :class:`DiseaseMatch` per disease, in the order of each disease's best hit; at most ``limit``."""
    if limit <= 0:
        return []
    groups = _Groups(terms, crosswalker)
    one_lang = lang
    order: list[str] = []
    first: dict[str, Match] = {}
    joined: dict[str, list[DiseaseCode]] = {}  # codes a hit joins an ORPHA disease through (ICD-11 …)
    for hit in hits:
        orpha, via, score = groups.head(hit.code)
        head = orpha or _own_key(hit.code)
        if head not in first:
            first[head] = hit
            order.append(head)
        if via is not None and hit.system in GROUP_SYSTEMS:
            back = via.inverted()
            joined.setdefault(head, []).append(DiseaseCode(
                hit.code, hit.system, hit.label, back.relation, back.basis,
                back.provenance.release if back.provenance else "", score, back.via))
    # a group of its own (no ORPHA code) that another group already lists is that group's
    # (among the diseases that can be answered: the first ``limit`` ORPHA ones)
    orpha_heads = [head for head in order if head.startswith("ORPHA:")][:limit]
    listed = {c.code for head in orpha_heads for c in groups.members(head)}
    out: list[DiseaseMatch] = []
    for head in order:
        hit = first[head]
        if not head.startswith("ORPHA:") and hit.code in listed:
            continue
        code = head if head.startswith("ORPHA:") else hit.code
        members = groups.members(code) if code.startswith("ORPHA:") else groups.twins(code)
        have = {c.code for c in members}
        extra = [c for c in joined.get(head, []) if c.code not in have]
        if extra:
            members = tuple(sorted([*members, *extra], key=lambda c: GROUP_SYSTEMS.index(c.system)))
        if one_lang:
            label, label_lang = groups.label(code, one_lang, asked=True)
        else:
            label, label_lang = groups.label(code, "sv" if hit.matched_lang == "sv" else None, asked=False)
        out.append(DiseaseMatch(
            code=code, system=codesys.system_of(code), label=label, label_lang=label_lang, score=hit.score,
            matched_term=hit.matched_term, matched_code=hit.code, match=hit.match, matched_lang=hit.matched_lang,
            matched_source=hit.matched_source, codes=members, status=terms.concept(code).status,
        ))
        if len(out) == limit:
            break
    return out


def _own_key(code: str) -> str:
    """The group key of a code that names no ORPHA disease: WHO and Swedish ICD-10 codes of one
    key are one group."""
    system, body = codesys.split(code)
    return f"ICD10:{codesys.icd10_key(body)}" if system in _ICD10 else code


def _with_score(code: DiseaseCode, score: float | None) -> DiseaseCode:
    return DiseaseCode(code.code, code.system, code.label, code.relation, code.basis, code.release, score, code.via)
