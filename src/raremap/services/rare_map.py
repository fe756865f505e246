"""The RareMap facade: one loaded snapshot answered as concepts, hierarchy and mappings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from .. import codes
from ..errors import InvalidCodeError, RaremapError, SnapshotError, UnknownCodeError, UsageError
from ..model import (Concept, DiseaseMatch, IcdRelation, Mapping, Match, Provenance, Relation, Release, Replacement, Status, Term,
                    TermKind)
from ..snapshot.store import Snapshot

if TYPE_CHECKING:
    import networkx as nx

    from .batch import BatchMapper
    from .crosswalk import Crosswalker
    from .umi import Assessor, UmiAssessment

    from .search import ConceptRows, Hit, SearchIndex

SystemArg = codes.System | str | Iterable[codes.System | str] | None


class _Columns(dict[str, list[Any]]):
    """Python lists of an Arrow table's columns, converted on first use (hits are plain dict hits)."""

    def __init__(self, table: pa.Table) -> None:
        super().__init__()
        self._table = table

    def __missing__(self, name: str) -> list[Any]:
        try:
            col = self[name] = _pylist(self._table.column(name))
        except (UnicodeDecodeError, SystemError, IndexError, KeyError, pa.ArrowException) as err:
            # a table file damaged in a way its size and schema do not show (a flipped byte)
            raise SnapshotError(f"snapshot column {name!r} cannot be read ({type(err).__name__}: {err}): the "
                                "snapshot is damaged; check it with raremap verify and rebuild it") from None
        return col

    @property
    def rows(self) -> int:
        return self._table.num_rows


class RareMap:
    """Terminology loaded from one snapshot. Create it with :func:`raremap.load`."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._concepts = _Columns(snapshot.table("concepts"))
        self._labels = _Columns(snapshot.table("labels"))
        self._terms = _Columns(snapshot.table("terms"))
        self._attributes = _Columns(snapshot.table("attributes"))
        self._replacements = _Columns(snapshot.table("replacements"))
        self._edges = _Columns(snapshot.table("edges"))
        self._mappings = _Columns(snapshot.table("mappings"))
        self._index: dict[str, int] = {code: i for i, code in enumerate(self._concepts["code"])}
        self._cache: dict[str, Concept] = {}

    # --- identity -------------------------------------------------------------------------

    @property
    def releases(self) -> tuple[Release, ...]:
        """The releases this terminology was built from (with versions, dates and files)."""
        return self.snapshot.releases

    def __len__(self) -> int:
        return len(self._index)

    def code_systems(self) -> dict[str, dict[str, int]]:
        """Each loaded code system with the releases its concepts come from: ``{system: {release
        id: concepts}}`` (``{"ORPHA": {"orphanet-nomenclature:2023-06-21": 100}, ...}``)."""
        found: dict[str, dict[str, int]] = {}
        for system, release in zip(self._concepts["system"], self._concepts["release"]):
            per = found.setdefault(system, {})
            per[release or ""] = per.get(release or "", 0) + 1
        return found

    def __contains__(self, code: object) -> bool:
        try:
            self.resolve(code)  # type: ignore[arg-type]
        except (InvalidCodeError, UnknownCodeError):
            return False
        return True

    def resolve(self, code: str, system: codes.System | str | None = None) -> str:
        """Canonical code of a loaded concept for any spelling of ``code``.

        Raises :class:`InvalidCodeError` for malformed input and :class:`UnknownCodeError`
        for a well-formed code that the loaded releases do not contain (the rule every code
        argument follows: README "Unknown and invalid input").
        """
        code = code_text(code)
        if code in self._index and system is None:
            return code
        found = codes.candidates(code, system)
        for candidate in found:
            canonical = str(candidate)
            if canonical in self._index:
                return canonical
        raise UnknownCodeError(str(found[0]), "not in the loaded releases")

    def concept(self, code: str, system: codes.System | str | None = None) -> Concept:
        """The concept for ``code`` (any spelling). Obsolete codes are answered with their
        status and ``replaced_by``; unknown codes raise :class:`UnknownCodeError`."""
        code = code_text(code)  # before the cache: 558.0 == 558 as a dict key
        hit = self._cache.get(code) if system is None else None
        if hit is not None:
            return hit
        canonical = self.resolve(code, system)
        concept = self._cache.get(canonical)
        if concept is None:
            try:
                concept = self._build(self._index[canonical])
            except RaremapError:
                raise
            except (IndexError, ValueError, TypeError) as err:  # row pointers or values of a damaged table
                raise SnapshotError(f"{self.snapshot.path}: the snapshot rows of {canonical} are damaged "
                                    f"({type(err).__name__}: {err}); check it with raremap verify and rebuild it") from None
            self._cache[canonical] = concept
        if system is None:
            self._cache[code] = concept
        return concept

    def concepts(self, system: codes.System | str | None = None, *, active_only: bool = False) -> Iterator[Concept]:
        """Every loaded concept (of one system), in code order."""
        wanted = codes.system_named(system).value if system is not None else None
        systems, statuses, all_codes = self._concepts["system"], self._concepts["status"], self._concepts["code"]
        for i, code in enumerate(all_codes):
            if wanted is not None and systems[i] != wanted:
                continue
            if active_only and statuses[i] != Status.ACTIVE:
                continue
            yield self.concept(code)

    def _build(self, i: int) -> Concept:
        c = self._concepts

        def span(name: str) -> range:
            return range(c[f"{name}_start"][i], c[f"{name}_stop"][i])

        labels, terms, attrs, repl = self._labels, self._terms, self._attributes, self._replacements
        term_rows = span("terms")
        return Concept(
            code=c["code"][i],
            system=c["system"][i],
            label=c["label"][i],
            labels={labels["lang"][j]: labels["text"][j] for j in span("labels")},
            synonyms=tuple(Term(terms["text"][j], terms["lang"][j], TermKind(terms["kind"][j])) for j in term_rows)
            if term_rows else (),
            status=Status(c["status"][i]),
            replaced_by=tuple(Replacement(repl["target"][j], repl["relation"][j]) for j in span("replacements")),
            parents=tuple(dict.fromkeys(self._edges["parent"][j] for j in span("parents"))),
            kind=c["kind"][i] or "",
            definition=c["definition"][i],
            attributes={attrs["key"][j]: attrs["value"][j] for j in span("attributes")},
            release=c["release"][i] or "",
        )

    # --- name lookup (search index) ------------------------------------------------------

    @cached_property
    def search_index(self) -> SearchIndex:
        """The fuzzy name index, opened from the snapshot's ``search_*`` tables on first use."""
        from .search import SearchIndex

        return SearchIndex(self.snapshot.tables)

    def lookup(self, text: str, system: SystemArg = None, lang: str | Iterable[str] | None = None,
               limit: int = 10, *, include_inactive: bool = False) -> list[Match]:
        """Concepts whose names match ``text`` (Swedish or English, typos, synonyms,
        abbreviations, any word order), best first, one per concept.

        ``system`` restricts to one or several code systems, ``lang`` to names in that language
        (or languages). Inactive codes are left out unless ``include_inactive``; they then come
        with their status and replacements.
        """
        _check_limit(limit)
        _check_text(text, "lookup")
        index = self.search_index
        hits = index.lookup(text, index.filter(_systems(system), _langs(lang), include_inactive), limit)
        return [self._match(hit, lang) for hit in hits]

    def lookup_diseases(self, text: str, system: SystemArg = None, lang: str | None = None,
                        limit: int = 10) -> list[DiseaseMatch]:
        """One answer per disease (see :mod:`raremap.services.disease_groups`): the matches of one
        disease folded into one :class:`DiseaseMatch` — the ORPHA code when there is one, its
        label in ``lang``, the name that matched, and its ICD-10-SE, ICD-10, ICD-11 and SNOMED CT
        codes with relation, basis and release — best first."""
        from .disease_groups import lookup_diseases

        _check_limit(limit)
        _check_text(text, "lookup")
        return lookup_diseases(self, text, system, lang, limit)

    def lookup_many(self, queries: Iterable[str], system: SystemArg = None, lang: str | Iterable[str] | None = None,
                    limit: int = 10, *, include_inactive: bool = False, workers: int | None = None) -> list[list[Match]]:
        """:meth:`lookup` of every query (a registry's free-text diagnosis column), in order;
        each distinct query is looked up once, on ``workers`` processes (default: every core)."""
        from .bulk_lookup import lookup_many

        _check_limit(limit)
        options = {"system": system, "lang": lang, "limit": limit, "include_inactive": include_inactive}
        return lookup_many(self, queries, options, workers)

    def complete(self, prefix: str, system: SystemArg = None, lang: str | Iterable[str] | None = None,
                 limit: int = 10, *, include_inactive: bool = False) -> list[Match]:
        """Completions for a diagnosis name being typed (autocomplete), best first."""
        _check_limit(limit)
        _check_text(prefix, "complete")
        index = self.search_index
        hits = index.complete(prefix, index.filter(_systems(system), _langs(lang), include_inactive), limit)
        return [self._match(hit, lang) for hit in hits]

    @cached_property
    def _concept_rows(self) -> ConceptRows:
        from .search import ConceptRows

        return ConceptRows(self.snapshot.tables)

    def _match(self, hit: Hit, lang: str | Iterable[str] | None) -> Match:
        one_lang = lang if isinstance(lang, str) else None
        code, label, system, status, replaced_by = self._concept_rows.fields(hit.concept, one_lang)
        return Match(code=code, label=label, matched_term=hit.text, score=round(hit.score, 1), system=system,
                     status=Status(status), replaced_by=replaced_by, match=hit.match, matched_lang=hit.lang,
                     matched_source=self.term_source(hit.term))

    def term_source(self, term: int) -> str:
        """The code a search-index name (row ``term`` of ``search_terms``) is borrowed from, "" for
        a concept's own name (see :mod:`raremap.indexes.search_index`)."""
        column = self._term_sources
        return (column[term].as_py() or "") if column is not None else ""

    @cached_property
    def _term_sources(self) -> pa.Array | None:
        table = self.snapshot.tables.get("search_terms")
        if table is None or "source" not in table.column_names:
            return None
        column = table.column("source")
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()

    # --- hierarchy ------------------------------------------------------------------------

    def parents(self, code: str, hierarchy: str | None = None) -> list[str]:
        """Direct parents of ``code`` (in all hierarchies, or in one: ``"orphanet:156"``, ``"icd10se"``…)."""
        i = self._index[self.resolve(code)]
        start, stop = self._concepts["parents_start"][i], self._concepts["parents_stop"][i]
        parents, hierarchies = self._edges["parent"], self._edges["hierarchy"]
        return list(dict.fromkeys(
            parents[j] for j in range(start, stop) if hierarchy is None or hierarchies[j] == hierarchy
        ))

    def children(self, code: str) -> list[str]:
        """Direct children of ``code``."""
        return sorted(self.graph.predecessors(self.resolve(code)))

    def ancestors(self, code: str) -> set[str]:
        """Every code above ``code`` in any hierarchy."""
        import networkx as nx

        return set(nx.descendants(self.graph, self.resolve(code)))

    def descendants(self, code: str) -> set[str]:
        """Every code below ``code`` in any hierarchy."""
        import networkx as nx

        return set(nx.ancestors(self.graph, self.resolve(code)))

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The hierarchy as a networkx DiGraph, edges child → parent (``hierarchy`` attribute)."""
        import networkx as nx

        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(self._index)
        g.add_edges_from(
            (child, parent, {"hierarchy": h})
            for child, parent, h in zip(self._edges["child"], self._edges["parent"], self._edges["hierarchy"])
        )
        return g

    # --- mappings as stated by the releases ----------------------------------------------

    def mappings(self, code: str, *, direction: str = "out") -> list[Mapping]:
        """Mappings stated by the releases with ``code`` as source (``direction="out"``), as
        target (``"in"``, read from the target's side, relation inverted), or ``"both"``.

        A code that is neither a loaded concept nor named by a loaded mapping (a mapped-only
        code such as an ICD-10-GM target) raises :class:`UnknownCodeError`."""
        if direction not in ("out", "in", "both"):
            raise UsageError(f"direction is 'out', 'in' or 'both', not {direction!r}")
        try:
            key = self.resolve(code)
        except UnknownCodeError:
            key = codes.canonical(code_text(code))  # mapped-only codes (e.g. ICD10GM) are not concepts
            if key not in self._by_source and key not in self._by_target:
                raise UnknownCodeError(key, "not in the loaded releases (no concept, no mapping names it)") from None
        found: list[Mapping] = []
        if direction in ("out", "both"):
            found.extend(self._mapping(j) for j in self._by_source.get(key, ()))
        if direction in ("in", "both"):
            found.extend(self._mapping(j).inverted() for j in self._by_target.get(key, ()))
        return found

    @cached_property
    def _by_source(self) -> dict[str, range]:
        return _runs(self._mappings["source"])

    @cached_property
    def _by_target(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for j, target in enumerate(self._mappings["target"]):
            found.setdefault(target, []).append(j)
        return found

    def _mapping(self, j: int) -> Mapping:
        m = self._mappings
        icd = m["icd_relation"][j]
        return Mapping(
            source=m["source"][j],
            target=m["target"][j],
            relation=Relation(m["relation"][j]),
            icd_relation=IcdRelation(icd) if icd else None,
            validated=m["validated"][j],
            provenance=Provenance(m["release"][j] or "", m["file"][j] or "", m["position"][j] or ""),
            published=m["published"][j] or "",
            qualifier=m["qualifier"][j] or "",
        )

    # --- lexical evidence (derived at build time: raremap.indexes.lexical_bridges) --------

    def lexical_mappings(self, code: str) -> list[Mapping]:
        """Derived pairs (basis ``lexical``) of ``code``: an ICD-10-SE code whose title names an
        ORPHA disease that a loaded release links to it, best score first. For an ICD-10-SE code
        the source is the code; for an ORPHA code the pairs are read from its side (inverted).

        Each is a :class:`Mapping` with relation ``unspecified`` (no release states a relation
        for the pair), ``score`` (0.8–1.0), ``matched`` (the ICD-10-SE title, the ORPHA name)
        and ``steps`` (the stated mappings it rests on); never a release's word. Empty when the
        snapshot was built with ``lexical=False``.
        """
        key = self.resolve(code)
        found = [self._lexical(j) for j in self._lexical_by_source.get(key, ())]
        found += [self._lexical(j).inverted() for j in self._lexical_by_target.get(key, ())]
        return sorted(found, key=lambda m: (-(m.score or 0.0), m.target))

    def all_lexical_mappings(self) -> Iterator[Mapping]:
        """Every derived lexical pair of the snapshot (ICD-10-SE code → ORPHA code), by ICD-10-SE code."""
        return (self._lexical(j) for j in range(self._lexical_rows.rows))

    @cached_property
    def _lexical_rows(self) -> _Columns:
        if "lexical_mappings" not in self.snapshot.tables:  # a snapshot written without the index tables
            from ..indexes.lexical_bridges import bridges_table

            return _Columns(bridges_table([]))
        return _Columns(self.snapshot.table("lexical_mappings"))

    @cached_property
    def _lexical_by_source(self) -> dict[str, range]:
        return _runs(self._lexical_rows["source"])

    @cached_property
    def _lexical_by_target(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for j, target in enumerate(self._lexical_rows["target"]):
            found.setdefault(target, []).append(j)
        return found

    def _lexical(self, j: int) -> Mapping:
        t = self._lexical_rows
        title, name = t["title"][j], t["name"][j]
        return Mapping(
            source=t["source"][j],
            target=t["target"][j],
            relation=Relation(t["relation"][j]),
            provenance=Provenance(t["release"][j] or "", "", "title"),
            basis="lexical",
            note=f"derived: the ICD-10-SE title {title!r} names {name!r}; no release states this pair's relation",
            steps=tuple(self._mapping(k) for k in t["steps"][j]),
            score=round(float(t["score"][j]), 3),
            matched=(title, name),
        )

    # --- crosswalk, UMI assessment, batch mapping (crosswalk.py, umi.py, batch.py, sssom.py) -

    @cached_property
    def crosswalker(self) -> Crosswalker:
        """Direct and transitive mappings with relation algebra (see :mod:`raremap.services.crosswalk`)."""
        from .crosswalk import Crosswalker

        return Crosswalker(self)

    def crosswalk(self, code: str, to: codes.System | str | None = None, *, transitive: bool = True,
                  max_hops: int = 3, include_inactive: bool = False, conditional: bool = False,
                  hierarchy: bool = True, subdivisions: bool = False, best_evidence: bool = False) -> list[Mapping]:
        """What ``code`` is in system ``to`` (every system when None), best first, each with
        relation, ICD relation, validation, path (``via``, ``steps``), ``basis`` and provenance.

        ``subdivisions=True``: an ICD-10(-SE) category also answers what its subdivisions are mapped
        to (E84 → ORPHA:586 via E84.0, ``basis="hierarchy"``). Where the ICD-10-SE code's own title
        names one target (lexical evidence: E75.2A "Gauchers sjukdom" → ORPHA:355), that answer comes
        first with ``score``/``matched``; ``best_evidence=True`` keeps only it.
        """
        return self.crosswalker.crosswalk(code_text(code), to, transitive=transitive, max_hops=max_hops,
                                          include_inactive=include_inactive, conditional=conditional,
                                          hierarchy=hierarchy, subdivisions=subdivisions, best_evidence=best_evidence)

    @cached_property
    def umi_assessor(self) -> Assessor:
        """The UMI assessor behind :meth:`umi` and :meth:`umi_table` (see :mod:`raremap.services.umi`)."""
        from .umi import Assessor

        return Assessor(self)

    def umi(self, code: str) -> UmiAssessment:
        """Does the diagnosis have its own ICD code, and what should UMI carry (see :mod:`raremap.services.umi`)."""
        return self.umi_assessor.assess(code_text(code))

    def umi_by_name(self, text: str, *, lang: str | None = None) -> UmiAssessment:
        """UMI for a diagnosis name ("marfans syndrom"): the best disease :meth:`lookup_diseases`
        finds, assessed as :meth:`umi` assesses its code; ``name``/``resolved`` and the start of
        the reason say which disease the name was read as. Raises :class:`NoMatchError` when no
        name matches."""
        return self.umi_assessor.assess_name(text, lang=lang)

    def umi_table(self, kinds: tuple[str, ...] | None = ("disorder", "subtype")) -> pa.Table:
        """Every active ORPHA disorder and subtype with its UMI flags, one row each (groups of
        disorders and inactive codes left out; ``kinds=None`` includes groups)."""
        from .umi import umi_table

        return umi_table(self, kinds)

    def map_table(self, table: Any, column: str = "code", to: codes.System | str | None = None, **options: Any) -> Any:
        """Map a column of codes of a table (Arrow, pandas, polars, Parquet/CSV path) to system
        ``to``; a pyarrow Table out, or a RecordBatchReader with ``stream=True`` (see :mod:`raremap.services.batch`)."""
        from .batch import map_table

        return map_table(self, table, column, to, **options)

    def batch_mapper(self, column: str = "code", to: codes.System | str | None = None, **options: Any) -> BatchMapper:
        """A picklable batch mapping function for Spark ``mapInArrow`` / Dask ``map_partitions``."""
        from .batch import BatchMapper

        return BatchMapper(column, to, rm=self, **options)

    def __repr__(self) -> str:
        names = ", ".join(r.id for r in self.releases)
        return f"<RareMap {len(self)} concepts from {names}>"


def _pylist(column: pa.ChunkedArray) -> list[Any]:
    """``column.to_pylist()``, but dictionary-encoded columns are decoded through their
    dictionary (an order of magnitude faster than Arrow's per-value conversion)."""
    if not pa.types.is_dictionary(column.type):
        return column.to_pylist()
    out: list[Any] = []
    for chunk in column.chunks:
        if chunk.null_count:
            out.extend(chunk.to_pylist())
            continue
        values = chunk.dictionary.to_pylist()
        # read the index buffer directly: Array.to_numpy() would import pandas when it is installed
        indices = chunk.indices
        width = np.dtype(f"<i{indices.type.bit_width // 8}")
        codes = np.frombuffer(indices.buffers()[1], width, count=len(indices) + indices.offset)[indices.offset:]
        out.extend(map(values.__getitem__, codes.tolist()))
    return out


def _systems(system: SystemArg) -> set[str] | None:
    """Canonical system names of a ``system=`` argument (one spelling or several)."""
    if system is None:
        return None
    if isinstance(system, (str, codes.System)):
        system = [system]
    return {codes.system_named(s).value for s in system}


def _langs(lang: str | Iterable[str] | None) -> set[str] | None:
    if lang is None:
        return None
    return {lang} if isinstance(lang, str) else set(lang)


def _runs(values: list[str]) -> dict[str, range]:
    """Start/stop of each run of equal values in a sorted list."""
    found: dict[str, range] = {}
    start = 0
    for j in range(1, len(values) + 1):
        if j == len(values) or values[j] != values[start]:
            found[values[start]] = range(start, j)
            start = j
    return found


def code_text(code: object) -> str:
    """A code argument as text: a string as given, an integer as its decimal digits (``558`` is
    read like ``"558"``, as an integer column of a batch is); anything else (None, float, bytes,
    a list ...) raises :class:`InvalidCodeError`."""
    if isinstance(code, str):
        return code
    if isinstance(code, int) and not isinstance(code, bool):
        return str(code)
    raise InvalidCodeError(code, f"a code is a string (or an integer: its digits), not {type(code).__name__}")


def _check_text(text: object, what: str) -> None:
    if not isinstance(text, str):
        raise UsageError(f"{what} text must be a string, not {type(text).__name__}")


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise UsageError(f"limit must be 0 or more, not {limit}")
