"""Crosswalks: what a code is called in the other systems, and how exactly.

An answer is built from three kinds of step:

* a statement of a release, read forwards (``basis="stated"``) or from the target's side
  (``"inverse"``, relation inverted: ICD-10 Q87.8 → the ORPHA codes mapped to it, each broader);
* an edition bridge inside the ICD-10 family (formats.md §8 rule 1, ``"edition"``): WHO ICD-10,
  ICD-10-SE and ICD-10-GM join on the undotted key where the code exists in the target edition
  (``exact``); a code the target edition lacks (an ICD-10-SE fördjupningskod, any GM
  5-character code) joins upward to the nearest code that exists, as ``narrower``, never
  ``exact``; a WHO code that ICD-10-SE subdivides is kept, with a note naming the subdivisions;
* the replacement of an inactive code (``"replacement"``: Orphanet moved to = narrower, referred
  to = related, SNOMED CT SAME AS / REPLACED BY = exact), formats.md §8 rule 6.

Chains compose relations with :meth:`Relation.compose` (``basis="transitive"`` once two
statements are chained). ``max_hops`` counts statements; bridges and replacements are free but
recorded in ``via`` and ``steps``. Rules that keep answers honest and fast:

* a path never re-enters a code system it has left (no ORPHA → ICD-10 → another ORPHA);
* a path never passes through an inactive code unless ``include_inactive``; an inactive code is
  followed only to its strong replacement and is not itself an answer;
* a path whose relation has become related, undecided or wrong is not extended by statements;
* a path fans out from a broad code (one mapped to more than ``MAX_FANOUT`` codes of a system,
  such as Q87.8) only as its first statement, never later (no sibling hopping); exact
  statements are exempt;
* per target system only the most direct answers are kept: one statement (possibly moved to
  another ICD-10 edition) beats the hierarchy fallback, which beats chains of two or more
  statements (rule 4: Orphanet's own ORPHA → ICD-11 beats ORPHA → ICD-10 → ICD-11);
* SNOMED CT extended-map rules other than map group 1 with rule ``TRUE``/``OTHERWISE TRUE`` are
  skipped unless ``conditional``;
* an ORPHA code without a direct answer in a system gets the direct answers of its nearest
  mapped ancestor (Orphanet preferential parent first), relation composed with ``narrower``,
  ``basis="hierarchy"``, ``via`` starting with the ancestor.

Answers come best first: exact before narrower before broader before related …, validated
before not, direct before transitive, shorter paths first.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa

from .. import codes
from ..codes import ICD10_FAMILY, icd10_display, system_of
from ..errors import InvalidCodeError, UnknownCodeError, UsageError
from ..model import Mapping, Relation
from .reachability import Reachability, system_group

if TYPE_CHECKING:
    from .terminology import Terminology

STATED, INVERSE, EDITION, REPLACEMENT, TRANSITIVE, HIERARCHY = (
    "stated", "inverse", "edition", "replacement", "transitive", "hierarchy")
_BASIS_ORDER = {STATED: 0, INVERSE: 1, EDITION: 2, REPLACEMENT: 3, HIERARCHY: 4, TRANSITIVE: 5}
_FAMILY = frozenset(s.value for s in ICD10_FAMILY)
_WHO, _SE, _GM = "ICD10", "ICD10SE", "ICD10GM"
_EDITION_NAMES = {_WHO: "WHO ICD-10", _SE: "ICD-10-SE", _GM: "ICD-10-GM"}
FALLBACK_SYSTEMS = ("ICD10", "ICD10SE", "ICD10GM", "ICD11", "SCTID")
_NOT_EXTENDED = frozenset({Relation.RELATED, Relation.UNDECIDED, Relation.WRONG})
_UNCONDITIONAL_RULES = frozenset({"TRUE", "OTHERWISE TRUE"})
# Orphanet "Moved to" folds an entity into its target (narrower); "Referred to" only points at a
# related entity, so nothing is chained behind it (related is not extended by statements).
_REPLACEMENT_RELATION = {"same_as": Relation.EXACT, "replaced_by": Relation.EXACT, "moved_to": Relation.NARROWER,
                         "referred_to": Relation.RELATED}
_HIERARCHY_TIER = 3  # between one statement (tier 2) and two chained statements (tier 4)
# A code mapped to more than this many codes of one system is a broad code (Q87.8): a path may
# start by fanning out from it, but never passes through it later (that would reach the
# siblings of where it came from, not mappings of it).
MAX_FANOUT = 10
# searches a crosswalker runs before it builds the reachability graph (~25 ms) to skip hopeless ones
_SEARCHES_BEFORE_PROOF = 64
_RELATIONS = {str(r): r for r in Relation}
_COMPOSE = {a: {b: a.compose(b) for b in Relation} for a in Relation}  # relation algebra as a table
_RANK = {r: r.rank for r in Relation}
_INVERSE_RELATIONS = {str(r): r.inverse() for r in Relation}
_RULE = re.compile(r"(?:^|;)\s*rule=([^;]*)")
_GROUP = re.compile(r"(?:^|;)\s*group=(\d+)")


class Hop(NamedTuple):
    """One step out of a code."""

    target: str
    relation: Relation
    basis: str
    row: int = -1  # mappings-table row of a statement; -1 for bridges and replacements
    note: str = ""
    conditional: bool = False  # a conditional SNOMED CT extended-map rule
    group: str = ""  # system group of the target (the ICD-10 editions are one group)
    fanout: int = 0  # statements: how many codes of the target's system this code maps to (either way)


class _Found(NamedTuple):
    target: str
    relation: Relation
    statements: int
    steps: tuple[tuple[str, Hop], ...]


class _Limits(NamedTuple):
    """What bounds one path search (:meth:`Crosswalker._search`)."""

    source: str
    want: str | None
    want_group: str | None
    max_statements: int
    include_inactive: bool
    conditional: bool
    no_statements: bool  # a question inside the source's own system group: bridges and replacements only


_group = system_group


def is_conditional(qualifier: str) -> bool:
    """True for a SNOMED CT extended-map row other than map group 1 with rule TRUE / OTHERWISE TRUE."""
    if "rule=" not in qualifier:
        return False
    rule = _RULE.search(qualifier)
    group = _GROUP.search(qualifier)
    if group is not None and group.group(1) != "1":
        return True
    return rule is not None and rule.group(1).strip().upper() not in _UNCONDITIONAL_RULES


class Crosswalker:
    """Direct and transitive mappings over one loaded :class:`Terminology`."""

    def __init__(self, terms: Terminology, cache_size: int = 16384, prune: bool = True,
                 prove_after: int = _SEARCHES_BEFORE_PROOF) -> None:
        """``prune=False`` searches every code (the reference for :meth:`reaches_nothing`);
        ``prove_after``: searches run before the reachability proof is built and used."""
        self.terms = terms
        column = terms.mapping_column
        self._source, self._target = column("source"), column("target")
        self._relation, self._qualifier = column("relation"), column("qualifier")
        self._release = column("release")
        self._publisher = {r.id: (r.system, r.date) for r in terms.releases}
        self._current_cache: dict[tuple[str, bool], list[int]] = {}
        self._older: dict[int, tuple[int, ...]] = {}
        self._by_source, self._by_target = terms.mapping_rows_by_source(), terms.mapping_rows_by_target()
        self._status = terms.concept_column("status")
        self._index = terms.concept_rows()
        self._adjacent_cache: dict[str, tuple[Hop, ...]] = {}
        self._bridge_cache: dict[str, tuple[Hop, ...]] = {}
        self._parents_cache: dict[str, list[str]] = {}
        self._rows: dict[tuple[int, bool], Mapping] = {}
        self._notes: dict[str, str] = {}
        self._mapped: dict[str, frozenset[str]] = {}
        self._who_children: dict[str, list[str]] | None = None
        self._answers = lru_cache(maxsize=cache_size)(self._compute)
        self._reach = Reachability(terms, is_conditional) if prune else None
        self._unproved, self._prove_after = 0, prove_after

    # --- public ---------------------------------------------------------------------------

    def crosswalk(self, code: str, to: str | None = None, *, transitive: bool = True, max_hops: int = 3,
                  include_inactive: bool = False, conditional: bool = False, hierarchy: bool = True,
                  subdivisions: bool = False, best_evidence: bool = False) -> list[Mapping]:
        """Mappings of ``code`` (any spelling) into system ``to`` (all systems when None), best first.

        ``transitive=False`` keeps single statements (moved across ICD-10 editions where
        needed); ``max_hops`` bounds the number of chained statements. ``subdivisions=True`` lets
        an ICD-10(-SE) category look through its subdivisions (:meth:`subdivision_answers`).
        An answer whose target the ICD-10-SE code's own title names (lexical evidence: ``score``,
        ``matched``, a note) comes first, the rest in their order; ``best_evidence=True`` keeps
        only that best-evidenced answer where there is one (all answers where there is none).
        """
        return self.crosswalk_resolved(self.resolve(code), self.target_system(to), transitive=transitive,
                                       max_hops=max_hops, include_inactive=include_inactive,
                                       conditional=conditional, hierarchy=hierarchy, subdivisions=subdivisions,
                                       best_evidence=best_evidence)

    def crosswalk_resolved(self, source: str, want: str | None, *, transitive: bool = True, max_hops: int = 3,
                           include_inactive: bool = False, conditional: bool = False,
                           hierarchy: bool = True, subdivisions: bool = False,
                           best_evidence: bool = False) -> list[Mapping]:
        """:meth:`crosswalk` of a code already given by :meth:`resolve` into a system already given by
        :meth:`target_system` (batch mapping resolves each distinct value once)."""
        hops = max(1, max_hops) if transitive else 1
        found = list(self._answers(source, want, hops, include_inactive, conditional, hierarchy, subdivisions))
        if best_evidence and found and found[0].score is not None:
            return found[:1]
        return found

    def subdivision_answers(self, source: str, want: str | None, direct: list[Mapping] | tuple[Mapping, ...], *,
                            max_statements: int = 3, include_inactive: bool = False, conditional: bool = False,
                            hierarchy: bool = True) -> list[Mapping]:
        """What an ICD-10(-SE) category (``E84`` Cystisk fibros) reaches through its subdivisions and
        not directly (``direct``: its own answers): each subdivision's answers outside the ICD-10
        family, as ``basis="hierarchy"`` with ``via`` starting with the subdivision, relation
        broader∘(the subdivision's), one per (target, subdivision). Empty for any other code."""
        system, value = codes.split(source)
        if system not in (_SE, _WHO) or "-" in value or len(value) != 3 or (want is not None and want in _FAMILY):
            return []
        reached = {m.target for m in direct}
        out: list[Mapping] = []
        for child in (self.subdivisions(source) if system == _SE else self._who_subdivisions(source)):
            for m in self._answers(child, want, max_statements, include_inactive, conditional, hierarchy, False):
                if m.basis == HIERARCHY or m.target in reached or system_of(m.target) in _FAMILY:
                    continue
                out.append(Mapping(source=source, target=m.target, relation=_COMPOSE[Relation.BROADER][m.relation],
                                   validated=m.validated, via=(child, *m.via), provenance=m.provenance,
                                   published=m.published, qualifier=m.qualifier, basis=HIERARCHY,
                                   note=f"{m.target} is mapped to {child}, a subdivision of {source}", steps=(m,)))
        return out

    def _who_subdivisions(self, code: str) -> list[str]:
        """The WHO ICD-10 codes one level below a category (concepts or codes the mappings mention)."""
        if self._who_children is None:
            children: dict[str, list[str]] = {}
            for key in self.terms.icd10_keys(_WHO, mapped=True):
                if len(key) == 4 and "-" not in key:
                    children.setdefault(f"{_WHO}:{key[:3]}", []).append(f"{_WHO}:{icd10_display(key)}")
            self._who_children = {k: sorted(v) for k, v in children.items()}
        return list(self._who_children.get(code, ()))

    def resolve(self, code: str, system: str | None = None) -> str:
        """Canonical code for ``code``: a loaded concept, or a code the mappings mention
        (ICD-10-GM, WHO ICD-10 codes without a concept). Raises Invalid/UnknownCodeError."""
        if system is None and (code in self._index or code in self._by_source or code in self._by_target):
            return code
        try:
            return self.terms.resolve(code, system)
        except UnknownCodeError:
            found = codes.candidates(code, system)
            for candidate in found:
                canonical = str(candidate)
                if canonical in self._by_source or canonical in self._by_target:
                    return canonical
            for candidate in found:  # an ICD-10 code another loaded edition knows
                canonical = str(candidate)
                if candidate.system.value in _FAMILY and self._bridges(canonical):
                    return canonical
            raise

    def target_system(self, to: str | None) -> str | None:
        """Canonical prefix for ``to`` (``"icd-10-se"`` → ``ICD10SE``); prefixes the releases use
        for other systems (``OMIM``, ``MONDO``) are accepted as written."""
        if to is None:
            return None
        return self.terms.system_prefix(to)

    def is_active(self, code: str) -> bool:
        """False for a loaded concept with an inactive status; codes without a concept count as active."""
        i = self._index.get(code)
        return i is None or self._status[i] == "active"

    # --- search ---------------------------------------------------------------------------

    def _compute(self, source: str, want: str | None, max_statements: int, include_inactive: bool,
                 conditional: bool, hierarchy: bool, subdivisions: bool = False) -> tuple[Mapping, ...]:
        fallback_systems: tuple[str, ...] = ()
        if hierarchy and system_of(source) == "ORPHA" and (want is None or want in FALLBACK_SYSTEMS):
            fallback_systems = (want,) if want is not None else FALLBACK_SYSTEMS
        if fallback_systems and want is not None and max_statements > 1:
            # direct answers first: a hierarchy fallback outranks chains, so chains are only
            # searched when neither exists
            found = self._search(source, want, 1, include_inactive, conditional)
            if not found:
                fallback = self._fallbacks(source, fallback_systems, include_inactive, conditional)
                if fallback:
                    return tuple(_ranked(fallback))
                found = self._search(source, want, max_statements, include_inactive, conditional)
        else:
            found = self._search(source, want, max_statements, include_inactive, conditional)
        answers = [(self._answer(source, f), 2 * f.statements) for f in found]
        best_tier: dict[str, int] = {}
        for m, tier in answers:
            s = system_of(m.target)
            best_tier[s] = min(tier, best_tier.get(s, tier))
        lacking = [s for s in fallback_systems if best_tier.get(s, 99) > 2]
        if lacking:
            for m in self._fallbacks(source, lacking, include_inactive, conditional):
                s = system_of(m.target)
                best_tier[s] = min(_HIERARCHY_TIER, best_tier.get(s, 99))
                answers.append((m, _HIERARCHY_TIER))
        kept = _ranked([m for m, tier in answers if tier == best_tier[system_of(m.target)]])
        if subdivisions:
            kept += _ranked(self.subdivision_answers(source, want, kept, max_statements=max_statements,
                                                     include_inactive=include_inactive, conditional=conditional,
                                                     hierarchy=hierarchy))
        return tuple(self._by_evidence(source, kept))

    def _by_evidence(self, source: str, answers: list[Mapping]) -> list[Mapping]:
        """Answers whose target the ICD-10-SE source's own title names (lexical evidence of the
        snapshot) first, best score first, with the evidence on the mapping; the rest in order."""
        if not answers or not source.startswith(_SE + ":"):
            return answers
        try:
            evidence = {e.target: e for e in self.terms.lexical_mappings(source)}
        except UnknownCodeError:
            return answers
        if not evidence:
            return answers
        out = []
        for m in answers:
            e = evidence.get(m.target)
            if e is not None and e.matched:
                said = (f"the ICD-10-SE title “{e.matched[0]}” names {m.target} “{e.matched[1]}” "
                        f"(lexical evidence, derived, score {e.score:.2f}; no release states it)")
                m = replace(m, score=e.score, matched=e.matched, note="; ".join(x for x in (said, m.note) if x))
            out.append(m)
        return sorted(out, key=lambda m: -(m.score or 0.0))

    def _fallbacks(self, source: str, systems, include_inactive: bool, conditional: bool) -> list[Mapping]:
        """Hierarchy fallback of an ORPHA code; an inactive code falls back through its replacement."""
        if self.is_active(source):
            return self._fallback(source, systems, include_inactive, conditional)
        out: list[Mapping] = []
        for hop in self._adjacent(source):
            if hop.basis != REPLACEMENT or system_of(hop.target) != "ORPHA" or not self.is_active(hop.target):
                continue
            step = self._step(source, hop)
            for m in self._fallback(hop.target, systems, include_inactive, conditional):
                out.append(Mapping(
                    source=source, target=m.target, relation=hop.relation.compose(m.relation), validated=m.validated,
                    via=(hop.target, *m.via), provenance=m.provenance, published=m.published, qualifier=m.qualifier,
                    basis=HIERARCHY, note="; ".join(x for x in (step.note, m.note) if x), steps=(step, *m.steps)))
        return out

    def _search(self, source: str, want: str | None, max_statements: int, include_inactive: bool,
                conditional: bool) -> list[_Found]:
        """Every path out of ``source`` within the limits, cheapest first (see module docstring)."""
        found: list[_Found] = []
        if want is not None and self.reaches_nothing(source, want, max_statements, conditional):
            return found
        source_group = _group(system_of(source))
        # statements never lead back into the source's own system group (ICD-10 editions are
        # one group): a same-group question is answered by bridges and replacements alone
        limits = _Limits(source, want, _group(want) if want is not None else None, max_statements, include_inactive,
                         conditional, want is not None and _group(want) == source_group)
        # heap entries: (statements, hops, relation rank, tie, code, relation, steps, groups)
        heap: list[tuple] = [(0, 0, 0, 0, source, Relation.EXACT, (), frozenset((source_group,)))]
        ties = itertools.count(1)
        marks: dict[str, list[tuple[int, int]]] = {}
        best_wanted: int | None = None
        # this loop runs for every distinct code of a batch: hot names are locals
        index_get, status, pop = self._index.get, self._status, heapq.heappop
        while heap:
            statements, hops, rank, _, node, relation, steps, groups = pop(heap)
            if best_wanted is not None and statements > best_wanted:
                break  # the heap is ordered by statements: nothing more direct is left
            seen = marks.get(node)
            if seen is None:
                marks[node] = [(statements, rank)]
            elif any(s <= statements and r <= rank for s, r in seen):
                continue
            else:
                seen.append((statements, rank))
            i = index_get(node)
            active = i is None or status[i] == "active"
            if hops and not (hops == 1 and steps[0][1].basis in (STATED, INVERSE)):  # those are recorded below
                if (active or include_inactive) and (want is None or system_of(node) == want) and node != source:
                    found.append(_Found(node, relation, statements, steps))
                    if want is not None and best_wanted is None:
                        best_wanted = statements
            if relation is not Relation.WRONG:
                best_wanted = self._extend(heap, ties, found, limits, best_wanted, active,
                                           (statements, hops, node, relation, steps, groups))
        return found

    def reaches_nothing(self, source: str, want: str, max_statements: int = 3, conditional: bool = False) -> bool:
        """True when no path of at most ``max_statements`` statements out of the active code
        ``source`` can reach system ``want``, proved without a search by reverse reachability over
        every mapping (:mod:`raremap.services.reachability`); False when an answer may exist."""
        if self._reach is None:
            return False
        if self._unproved < self._prove_after:
            self._unproved += 1  # a few questions are cheaper searched than the graph is built
            return False
        source_group = _group(system_of(source))
        if _group(want) == source_group:
            return False  # answered by edition bridges and replacements, not statements
        starts = [source, *(hop.target for hop in self._edition_hops(source))]
        if not all(self.is_active(code) for code in starts):
            return False  # an inactive code is followed to its replacements
        return self._reach.unreachable(want, source_group, max_statements, conditional, starts)

    def reaches_nothing_many(self, sources: pa.Array | pa.ChunkedArray, want: str, max_statements: int = 3,
                             conditional: bool = False) -> np.ndarray:
        """:meth:`reaches_nothing` for many codes of one ICD-10 edition at once (a registry
        column's distinct codes), with vectorised kernels: True where proved. A source's starts
        are over-approximated by every edition's codes at every prefix of its key (the bridges
        it can take are among them); block ranges (``A00-A09``) and other systems are not proved."""
        import pyarrow.compute as pc

        if isinstance(sources, pa.ChunkedArray):
            sources = sources.combine_chunks()
        n = len(sources)
        if self._reach is None or not n or _group(want) == "ICD10":
            return np.zeros(n, bool)
        systems = pc.unique(pc.list_element(pc.split_pattern(sources, ":", max_splits=1), 0)).to_pylist()
        if len(systems) != 1 or systems[0] not in _FAMILY:
            raise UsageError(f"reaches_nothing_many takes codes of one ICD-10 edition, not of {systems}")
        system = systems[0]
        key = pc.replace_substring(pc.utf8_slice_codeunits(sources, len(system) + 1), ".", "")
        length = pc.utf8_length(key).to_numpy(zero_copy_only=False)
        eligible = ~pc.fill_null(pc.match_substring(key, "-"), True).to_numpy(zero_copy_only=False)
        starts, owner = [sources], [np.arange(n)]
        for size in range(3, int(length.max(initial=0)) + 1):
            at = np.flatnonzero(eligible & (length >= size))
            if not len(at):
                continue
            prefix = pc.utf8_slice_codeunits(key.take(pa.array(at)), 0, size)
            shown = prefix if size == 3 else pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(prefix, 0, 3), pc.utf8_slice_codeunits(prefix, 3), ".")
            for edition in (_WHO, _SE, _GM):
                if edition != system:
                    starts.append(pc.binary_join_element_wise(edition, shown, ":"))
                    owner.append(at)
        proved = self._reach.unreachable_many(want, "ICD10", max_statements, conditional,
                                              pa.concat_arrays(starts), np.concatenate(owner), n)
        return proved & eligible

    def _extend(self, heap: list[tuple], ties: Iterator[int], found: list[_Found], limits: _Limits,
                best_wanted: int | None, active: bool, entry: tuple) -> int | None:
        """Push the paths one step longer than ``entry`` (a popped heap entry at an ``active`` code
        or not) onto ``heap``; the source's own statements are answers as they stand. Returns the
        fewest statements of an answer in the wanted system so far."""
        statements, hops, node, relation, steps, groups = entry
        source, want, want_group, max_statements, include_inactive, conditional, no_statements = limits
        system = system_of(node)
        passable = active or include_inactive or node == source
        last_basis = steps[-1][1].basis if steps else ""
        weak = hops > 0 and relation in _NOT_EXTENDED
        in_wanted = want is not None and system == want and hops
        composed = _COMPOSE[relation]
        if active and (in_wanted or no_statements or weak or statements >= max_statements
                       or (best_wanted is not None and statements >= best_wanted)):
            # no statement may follow (or none could reach an answer as direct as one found) and
            # an active code has no replacement: bridges only
            out = () if in_wanted else self._edition_hops(node)
        else:
            out = self._adjacent(node)
        index_get, status, push, wrong = self._index.get, self._status, heapq.heappush, Relation.WRONG
        for hop in out:
            target, hop_relation, basis, _, _, hop_conditional, group, fanout = hop
            if hop_conditional and not conditional:
                continue
            stated = False
            if basis != REPLACEMENT:
                if not passable or in_wanted:
                    continue
                if basis == EDITION:
                    if last_basis == EDITION:
                        continue
                else:
                    if no_statements or weak or statements >= max_statements or group in groups:
                        continue
                    if hop_relation is wrong and hops:
                        continue
                    if statements and fanout > MAX_FANOUT and hop_relation is not Relation.EXACT:
                        continue
                    stated = True
            if stated:
                # a statement always enters a new group, so it cannot close a cycle; when it is
                # the last one allowed (or as many as the most direct answer found took), only
                # an answer in the wanted group is worth keeping
                new_statements, new_groups = statements + 1, groups | {group}
                limit = max_statements if best_wanted is None else min(max_statements, best_wanted)
                if want_group is not None and new_statements >= limit and group != want_group:
                    continue
            else:
                new_statements, new_groups = statements, groups
                if target == source or any(target == frm for frm, _ in steps):
                    continue
            new_relation = composed[hop_relation]
            new_steps = steps + ((node, hop),)
            if not hops and basis in (STATED, INVERSE):
                # the source's own statements are answers as they stand, never pruned
                if want is None or system_of(target) == want:
                    j = index_get(target)
                    if include_inactive or j is None or status[j] == "active":
                        found.append(_Found(target, new_relation, 1, new_steps))
                        if want is not None:
                            best_wanted = 1 if best_wanted is None else min(best_wanted, 1)
            push(heap, (new_statements, hops + 1, _RANK[new_relation], next(ties), target, new_relation,
                        new_steps, new_groups))
        return best_wanted

    def _fallback(self, source: str, systems, include_inactive: bool, conditional: bool) -> list[Mapping]:
        """Direct answers of the nearest mapped ancestor, per system, as ``basis="hierarchy"``."""
        remaining = set(systems)
        answers: list[Mapping] = []
        for level in self._ancestor_levels(source, include_inactive):
            hit: set[str] = set()
            for ancestor in level:
                mapped = self._mapped_systems(ancestor)
                if not any(s in mapped for s in remaining):
                    continue  # nothing to inherit from this one: skip the search
                direct = self._answers(ancestor, None, 1, include_inactive, conditional, False, False)
                for m in direct:
                    s = system_of(m.target)
                    if s in remaining:
                        hit.add(s)
                        answers.append(self._inherited(source, ancestor, m))
            remaining -= hit
            if not remaining:
                break
        return answers

    def _mapped_systems(self, code: str) -> frozenset[str]:
        """The systems an ORPHA code has a statement into (or from); an ICD-10 statement counts for
        every ICD-10 edition (they are reached by bridges). Empty for any other code."""
        found = self._mapped.get(code)
        if found is None:
            systems: set[str] = set()
            if code.startswith("ORPHA:"):
                others = [self._target[j] for j in self._by_source.get(code, ())]
                others += [self._source[j] for j in self._by_target.get(code, ())]
                for other in others:
                    system = system_of(other)
                    systems.update((_WHO, _SE, _GM) if system in _FAMILY else (system,))
            found = self._mapped[code] = frozenset(systems)
        return found

    def _ancestor_levels(self, code: str, include_inactive: bool):
        """Ancestors of an ORPHA code, nearest first: the Orphanet preferential-parent chain,
        then breadth-first over every classification."""
        seen = {code}
        parent = self._preferential_parent(code)
        while parent is not None and parent not in seen:
            seen.add(parent)
            if include_inactive or self.is_active(parent):
                yield [parent]
            parent = self._preferential_parent(parent)
        frontier, visited = [code], {code}
        for _ in range(30):
            level: list[str] = []
            for child in frontier:
                for parent in self._orpha_parents(child):
                    if parent not in visited:
                        visited.add(parent)
                        level.append(parent)
            if not level:
                return
            yield [p for p in level if include_inactive or self.is_active(p)]
            frontier = level

    def _preferential_parent(self, code: str) -> str | None:
        if code not in self._index:
            return None
        value = self.terms.concept(code).attributes.get("preferential_parent")
        if not value:
            return None
        try:
            return codes.canonical(value, codes.System.ORPHA)
        except InvalidCodeError:
            return None

    def _orpha_parents(self, code: str) -> list[str]:
        found = self._parents_cache.get(code)
        if found is None:
            # the fallback walks the same upper classification levels for every code below them
            found = self._parents_cache[code] = [p for p in self.terms.parents(code) if p.startswith("ORPHA:")] \
                if code in self._index else []
        return found

    def _inherited(self, source: str, ancestor: str, m: Mapping) -> Mapping:
        label = self._label(ancestor)
        name = f"{ancestor} ({label})" if label else ancestor
        note = f"{source} has no mapping of its own to {system_of(m.target)}; code of its nearest mapped ancestor {name}"
        up = Mapping(source, ancestor, Relation.NARROWER, basis=HIERARCHY, note=f"{ancestor} is an ancestor of {source}")
        return Mapping(
            source=source, target=m.target, relation=Relation.NARROWER.compose(m.relation), icd_relation=None,
            validated=m.validated, via=(ancestor, *m.via), provenance=m.provenance, published=m.published,
            qualifier=m.qualifier, basis=HIERARCHY, note="; ".join(x for x in (note, m.note) if x),
            steps=(up, *(m.steps or (m,))),
        )

    def _label(self, code: str) -> str:
        try:
            return self.terms.concept(code).label
        except UnknownCodeError:
            return ""

    # --- steps out of one code -------------------------------------------------------------

    def _adjacent(self, code: str) -> tuple[Hop, ...]:
        hops = self._adjacent_cache.get(code)
        if hops is None:
            hops = self._adjacent_cache[code] = self._build_adjacent(code)
        return hops

    def _edition_hops(self, code: str) -> tuple[Hop, ...]:
        """The edition bridges out of an ICD-10 code: all a search may still take from an active
        code once no statement can follow (much cheaper than the whole adjacency of a broad code)."""
        hops = self._bridge_cache.get(code)
        if hops is None:
            hops = self._bridge_cache[code] = tuple(self._bridges(code)) if system_of(code) in _FAMILY else ()
        return hops

    def current_rows(self, code: str, inverse: bool = False) -> list[int]:
        """Mappings-table rows stating ``code`` as source (as target when ``inverse``), one
        statement per pair and publisher: where several releases of one publisher (Orphanet
        product1 2025 and the MasterFile 2021) state the same pair, only the newest release's rows
        are kept; the older ones become its ``superseded`` statements. Releases without a date,
        or of the same date, are all kept (which is newer is not known)."""
        key = (code, inverse)
        found = self._current_cache.get(key)
        if found is None:
            rows = self._by_target.get(code, ()) if inverse else self._by_source.get(code, ())
            found = self._current_cache[key] = self._supersede(rows, self._source if inverse else self._target)
        return found

    def _supersede(self, rows, other: list[str]) -> list[int]:
        if len(rows) < 2:
            return list(rows)
        groups: dict[tuple[str, str], list[int]] = {}
        publisher = self._publisher
        for j in rows:
            system, _ = publisher.get(self._release[j] or "", ("", ""))
            groups.setdefault((other[j], system), []).append(j)
        dropped: set[int] = set()
        for (_, system), members in groups.items():
            releases = {self._release[j] for j in members}
            if not system or len(releases) < 2:
                continue
            dates = {r: publisher[r][1] for r in releases}
            newest = max(dates.values())
            if not all(dates.values()) or sum(d == newest for d in dates.values()) > 1:
                continue
            older = tuple(j for j in members if dates[self._release[j]] != newest)
            for j in members:
                if dates[self._release[j]] == newest:
                    self._older[j] = older
            dropped.update(older)
        return [j for j in rows if j not in dropped] if dropped else list(rows)

    def _build_adjacent(self, code: str) -> tuple[Hop, ...]:
        relations, qualifiers = self._relation, self._qualifier
        statements = [(self._target[j], _RELATIONS[relations[j]], STATED, j)
                      for j in self.current_rows(code)]
        statements += [(self._source[j], _INVERSE_RELATIONS[relations[j]], INVERSE, j)
                       for j in self.current_rows(code, inverse=True)]
        systems = [system_of(target) for target, *_ in statements]
        fanout: dict[str, int] = {}
        for system in systems:
            fanout[system] = fanout.get(system, 0) + 1
        hops = [Hop(target, relation, basis, j, "", is_conditional(qualifiers[j]) if qualifiers[j] else False,
                    "ICD10" if system in _FAMILY else system, fanout[system])
                for (target, relation, basis, j), system in zip(statements, systems)]
        if system_of(code) in _FAMILY:
            hops += self._edition_hops(code)
        if not self.is_active(code):
            concept = self.terms.concept(code)
            for r in concept.replaced_by:
                replacement = _REPLACEMENT_RELATION.get(r.relation)
                if replacement is not None:
                    note = f"{code} is {concept.status}; {r.relation.replace('_', ' ')} {r.target}"
                    hops.append(Hop(r.target, replacement, REPLACEMENT, -1, note, False, _group(system_of(r.target))))
        return tuple(hops)

    def _bridges(self, code: str) -> list[Hop]:
        system, value = codes.split(code)
        key = value.replace(".", "")
        hops = []
        for edition in (_WHO, _SE, _GM):
            if edition != system:
                hop = self._bridge(system, value, key, edition)
                if hop is not None:
                    hops.append(hop)
        return hops

    def _bridge(self, system: str, value: str, key: str, edition: str) -> Hop | None:
        if "-" in key:  # a block range: same range or nothing
            target = f"{edition}:{key}"
            return Hop(target, Relation.EXACT, EDITION, group=_WHO) if self._in_edition(edition, target) else None
        k = key[:4] if len(key) == 5 and _GM in (system, edition) else key  # GM 5th digits mean other things
        while len(k) >= 3:
            if self._in_edition_keys(edition, k):
                target = f"{edition}:{icd10_display(k)}"
                if k == key:  # (the note on ICD-10-SE subdivisions is added when an answer is built)
                    return Hop(target, Relation.EXACT, EDITION, -1, "", False, _WHO)
                what = "fördjupningskod " if system == _SE and key[-1].isalpha() else ""
                note = (f"{_EDITION_NAMES[system]} {what}{value} is not in {_EDITION_NAMES[edition]}; "
                        f"joined upward to {target.partition(':')[2]}")
                return Hop(target, Relation.NARROWER, EDITION, -1, note, False, _WHO)
            k = k[:-1]
        return None

    def _in_edition(self, edition: str, code: str) -> bool:
        if edition == _SE:
            return code in self._index
        return code in self._index or code in self._by_source or code in self._by_target

    def _in_edition_keys(self, edition: str, key: str) -> bool:
        """Whether an ICD-10 edition has the undotted key in the loaded releases (ICD-10-SE: its
        concepts; WHO and GM: concepts and codes the mappings mention)."""
        return self.terms.has_icd10_key(edition, key, mapped=edition != _SE)

    def subdivisions(self, code: str) -> list[str]:
        """The ICD-10-SE codes one level below an ICD-10-SE code (fördjupningskoder under a
        4-character code, 4-character codes under a category)."""
        return self.terms.icd10se_subdivisions(code)

    def _subdivision_note(self, code: str) -> str:
        note = self._notes.get(code)
        if note is None:
            note = self._notes[code] = self._make_subdivision_note(code)
        return note

    def _make_subdivision_note(self, code: str) -> str:
        subs = self.subdivisions(code)
        if not subs:
            return ""
        values = [codes.value_of(c) for c in subs]
        national = all(len(v.replace(".", "")) == 5 and v[-1].isalpha() for v in values)
        shown = ", ".join(values[:12]) + (", …" if len(values) > 12 else "")
        kind = "fördjupningskoder " if national else ""
        return (f"ICD-10-SE subdivides {code.partition(':')[2]} into {kind}{shown}; "
                f"the code is given as mapped, choose a subdivision only from the patient's record")

    # --- answers ---------------------------------------------------------------------------

    def _step(self, frm: str, hop: Hop) -> Mapping:
        if hop.basis in (STATED, INVERSE):
            inverse = hop.basis == INVERSE
            m = self._rows.get((hop.row, inverse))
            if m is None:
                m = self._rows[(hop.row, inverse)] = self._row(hop.row, inverse)
            return m
        note = hop.note
        if hop.basis == EDITION and not note and hop.target.startswith(_SE + ":"):
            note = self._subdivision_note(hop.target)
        return Mapping(frm, hop.target, hop.relation, basis=hop.basis, note=note)

    def _row(self, j: int, inverse: bool) -> Mapping:
        m = self.terms.mapping(j)
        older = tuple(self._row(k, False) for k in self._older.get(j, ()))
        stated = Mapping(m.source, m.target, m.relation, m.icd_relation, m.validated, (), m.provenance,
                         m.published, m.qualifier, basis=STATED, superseded=older)
        return stated.inverted() if inverse else stated

    def _answer(self, source: str, f: _Found) -> Mapping:
        steps = [self._step(frm, hop) for frm, hop in f.steps]
        if len(steps) == 1:
            return steps[0]
        statements = [m for m in steps if m.basis in (STATED, INVERSE)]
        if len(statements) > 1:
            basis = TRANSITIVE
        elif any(m.basis == REPLACEMENT for m in steps):
            basis = REPLACEMENT
        else:
            basis = EDITION
        one = statements[0] if len(statements) == 1 else None
        last = steps[-1]
        return Mapping(
            source=source,
            target=f.target,
            relation=f.relation,
            icd_relation=one.icd_relation if one is not None else None,
            validated=_validated(statements),
            via=tuple(frm for frm, _ in f.steps[1:]),
            provenance=statements[0].provenance if statements else None,
            published=last.published if last.basis == STATED else "",
            qualifier=one.qualifier if one is not None else "",
            basis=basis,
            note="; ".join(m.note for m in steps if m.note),
            steps=tuple(steps),
        )


def statements_of(m: Mapping) -> list[Mapping]:
    """The release statements a crosswalk answer rests on (itself when it is one)."""
    if m.basis in (STATED, INVERSE):
        return [m]
    return [s for step in m.steps for s in statements_of(step)]


def _validated(statements: list[Mapping]) -> bool | None:
    values = [m.validated for m in statements]
    if any(v is False for v in values):
        return False
    if values and all(v is True for v in values):
        return True
    return None


def _preferred(m: Mapping) -> bool:
    """The statement behind ``m`` is the one its source picks among several (``preferred=`` in
    its qualifier, e.g. WHO's one-category ICD-10 ⇄ ICD-11 table), read in its own direction."""
    if m.basis == STATED:
        return "preferred=" in m.qualifier
    return any(s.basis == STATED and "preferred=" in s.qualifier for s in m.steps)


def sort_key(m: Mapping) -> tuple:
    """Best first: relation, validated, directness, the source's own pick, path length, basis, target."""
    derived = 0 if m.basis in (STATED, INVERSE, "") else (1 if m.basis in (EDITION, REPLACEMENT) else 2)
    return (m.relation.rank, 0 if m.validated else 1, m.icd_relation is None, derived, not _preferred(m), len(m.via),
            _BASIS_ORDER.get(m.basis, 9), m.target)


def _ranked(answers: list[Mapping]) -> list[Mapping]:
    """Sorted best first; one answer per target, except statements of different relations
    (several releases stating the same relation are given once, the most informative)."""
    out: list[Mapping] = []
    statements: set[tuple[str, Relation]] = set()
    targets: set[str] = set()
    for m in sorted(answers, key=sort_key):
        if m.basis in (STATED, INVERSE):
            key = (m.target, m.relation)
            if key in statements:
                continue
            statements.add(key)
        elif m.target in targets:
            continue
        targets.add(m.target)
        out.append(m)
    return out


__all__ = ["Crosswalker", "FALLBACK_SYSTEMS", "Hop", "is_conditional", "sort_key", "statements_of",
           "STATED", "INVERSE", "EDITION", "REPLACEMENT", "TRANSITIVE", "HIERARCHY"]
