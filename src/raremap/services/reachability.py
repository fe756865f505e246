"""Which codes can reach a code system at all: reverse reachability over the stated mappings,
computed for every code at once with vectorised kernels.

A crosswalk into one system is a best-first search (:mod:`raremap.services.crosswalk`); for most
codes of a registry column (an ICD-10-SE code that no rare disease is mapped to) it explores
every chain of up to ``max_hops`` statements and finds nothing. :class:`Reachability` proves that
up front: it walks the mappings table backwards from the wanted system, level by level, keeping
only the search rules that hold for every path and ignoring the rest, so the codes it keeps are
a superset of those the search could answer from. A code outside that set has no answer in the
system, and the search is skipped; every other code is searched as before, so answers never
change.

The rules kept, level ``k`` being "reaches the system with at most ``k`` statements":

* a statement is read either way (stated or inverse); conditional SNOMED CT rules count only
  when asked for;
* a statement never enters the source's own system group (the ICD-10 editions are one group);
* a statement followed by another must not be related, undecided or wrong (the search does not
  extend such a path), and never passes through a code of the wanted system (it is an answer);
* free steps are over-approximated: an inactive concept may be replaced by anything (it counts
  as reaching at every level), and an ICD-10 code reached on the way may join any other edition
  (one such code reaching makes every ICD-10 code reach); the source's own edition bridges are
  given exactly by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..codes import ICD10_FAMILY
from ..model import Relation

if TYPE_CHECKING:
    from .terminology import Terminology

__all__ = ["Reachability", "system_group"]

_FAMILY = frozenset(s.value for s in ICD10_FAMILY)
# relations after which the search extends a path by no further statement
_NOT_EXTENDED = frozenset({str(Relation.RELATED), str(Relation.UNDECIDED), str(Relation.WRONG)})


def system_group(system: str) -> str:
    """The group a statement may enter once per path: ``ICD10`` for every ICD-10 edition, else the system."""
    return "ICD10" if system in _FAMILY else system


class _Graph:
    """The stated mappings as integer edges, both ways, over the codes they mention."""

    def __init__(self, terms: Terminology, is_conditional: Callable[[str], bool]) -> None:
        import pyarrow.compute as pc  # on first use: a one-shot question never builds the graph

        table = terms.snapshot.table("mappings")
        source = table.column("source").combine_chunks().cast(pa.string())
        target = table.column("target").combine_chunks().cast(pa.string())
        nodes = pc.unique(pa.concat_arrays([source, target]))
        self.nodes = nodes
        src = pc.index_in(source, value_set=nodes).to_numpy(zero_copy_only=False).astype(np.int64)
        tgt = pc.index_in(target, value_set=nodes).to_numpy(zero_copy_only=False).astype(np.int64)
        relation = table.column("relation").combine_chunks().cast(pa.string())
        strong = pc.invert(pc.is_in(relation, value_set=pa.array(sorted(_NOT_EXTENDED)))).to_numpy(
            zero_copy_only=False)
        qualifier = table.column("qualifier").combine_chunks().cast(pa.string())
        conditional = np.zeros(len(source), bool)
        ruled = np.flatnonzero(pc.fill_null(pc.match_substring(qualifier, "rule="), False).to_numpy(
            zero_copy_only=False))
        if len(ruled):
            values = qualifier.take(pa.array(ruled)).to_pylist()
            conditional[ruled] = [is_conditional(v) for v in values]
        self.u = np.concatenate([src, tgt])
        self.v = np.concatenate([tgt, src])
        self.strong = np.concatenate([strong, strong])
        self.conditional = np.concatenate([conditional, conditional])
        systems = pc.list_element(pc.split_pattern(nodes, ":", max_splits=1), 0)
        encoded = pc.dictionary_encode(systems)
        names = encoded.dictionary.to_pylist()
        ids = encoded.indices.to_numpy(zero_copy_only=False)
        self.system = np.array(names, dtype=object)[ids] if len(names) else np.zeros(0, object)
        self.group = np.array([system_group(s) for s in names], dtype=object)[ids] if len(names) else \
            np.zeros(0, object)
        self.family = np.isin(self.system, sorted(_FAMILY))
        self.inactive_codes = _inactive_codes(terms)  # of every concept, whether a mapping names it or not
        self.inactive = pc.is_in(nodes, value_set=self.inactive_codes).to_numpy(zero_copy_only=False)


def _inactive_codes(terms: Terminology) -> pa.Array:
    import pyarrow.compute as pc

    concepts = terms.snapshot.table("concepts")
    status = concepts.column("status").combine_chunks().cast(pa.string())
    return concepts.column("code").combine_chunks().filter(pc.not_equal(status, "active"))


class Reachability:
    """Per wanted system and source group: the codes that may reach the system within ``k``
    statements (a superset of what the crosswalk search can reach; see the module docstring)."""

    def __init__(self, terms: Terminology, is_conditional: Callable[[str], bool]) -> None:
        self._terms = terms
        self._is_conditional = is_conditional
        self._graph: _Graph | None = None
        self._levels: dict[tuple[str, str, bool], list[np.ndarray]] = {}
        self._sets: dict[tuple[str, str, bool, int], frozenset[str]] = {}

    def may_reach(self, want: str, source_group: str, statements: int, conditional: bool) -> frozenset[str]:
        """The codes of the mappings that may reach ``want`` within ``statements`` statements on a
        path that starts in ``source_group``; a code outside it (and active) reaches nothing."""
        key = (want, source_group, conditional, statements)
        found = self._sets.get(key)
        if found is None:
            mask = self._level(want, source_group, conditional, statements)
            found = self._sets[key] = frozenset(self._graph_().nodes.filter(pa.array(mask)).to_pylist())
        return found

    def unreachable(self, want: str, source_group: str, statements: int, conditional: bool,
                    starts: Iterable[str]) -> bool:
        """True when no code in ``starts`` (the source and its own edition bridges) may reach ``want``."""
        reach = self.may_reach(want, source_group, statements, conditional)
        return not any(code in reach for code in starts)

    def unreachable_many(self, want: str, source_group: str, statements: int, conditional: bool,
                         starts: pa.Array, owner: np.ndarray, sources: int) -> np.ndarray:
        """:meth:`unreachable` for ``sources`` codes at once: ``starts`` holds every source's
        start codes (itself and its edition bridges, or more: a superset only proves less),
        ``owner[i]`` the source that ``starts[i]`` belongs to. True where no start may reach
        ``want`` and none is an inactive code (an inactive code is followed to its replacements,
        which the caller does not give)."""
        import pyarrow.compute as pc

        g = self._graph_()
        reach = self._level(want, source_group, conditional, statements)
        node = pc.index_in(starts, value_set=g.nodes)  # null: a start no mapping mentions
        is_node = node.is_valid()
        at = np.flatnonzero(is_node.to_numpy(zero_copy_only=False))
        reaching = reach[node.filter(is_node).to_numpy(zero_copy_only=False)]
        blocked = np.zeros(sources, bool)
        blocked[owner[at[reaching]]] = True
        blocked[owner[pc.is_in(starts, value_set=g.inactive_codes).to_numpy(zero_copy_only=False)]] = True
        return ~blocked

    def _graph_(self) -> _Graph:
        if self._graph is None:
            self._graph = _Graph(self._terms, self._is_conditional)
        return self._graph

    def _level(self, want: str, source_group: str, conditional: bool, k: int) -> np.ndarray:
        levels = self._levels.setdefault((want, source_group, conditional), [])
        g = self._graph_()
        if not levels:
            reach0 = (g.system == want) | g.inactive
            if want in _FAMILY:
                reach0 |= g.family  # any ICD-10 code may join the wanted edition
            levels.append(reach0)
        usable = ~g.conditional if not conditional else np.ones(len(g.u), bool)
        enters = g.group[g.v] != source_group  # a statement never re-enters the source's group
        edge = usable & enters
        # only a strong statement is followed by another, never at a code of the wanted system
        middle = edge & g.strong & (g.system[g.v] != want)
        while len(levels) <= k:
            previous = levels[-1]
            reach = previous.copy()
            reach[g.u[edge & levels[0][g.v]]] = True
            reach[g.u[middle & previous[g.v]]] = True
            if source_group != "ICD10" and (reach & g.family).any():
                reach |= g.family  # an ICD-10 code on the way may join any other edition
            reach |= g.inactive
            levels.append(reach)
        return levels[k]

