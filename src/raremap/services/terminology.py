"""The read API of one snapshot: concepts, hierarchy, stated and lexical mappings, search index.

:class:`Terminology` is what the services (crosswalk, UMI, batch mapping, diff, SSSOM, grouped
lookup) read a loaded snapshot through; :class:`raremap.RareMap` is the friendly facade that adds
those services to it. Besides the per-code answers (``concept``, ``parents``, ``mappings`` ...) it
gives the column access the bulk services need: the rows of the concepts and mappings tables
(``concept_rows``, ``concept_column``, ``mapping_column``, ``mapping``), and which rows state a
code as source or target (``mapping_rows_by_source``, ``mapping_rows_by_target``). Columns are
plain Python lists, read once and shared; treat them as read-only. Per-code questions (the rows
of one code, an ICD-10 join key, the subdivisions of one code) are answered from the snapshot's
sorted columns (:mod:`raremap.snapshot.code_index`) until so many are asked that converting
whole columns pays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Mapping as ReadOnlyMap
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from .. import codes
from ..errors import InvalidCodeError, RaremapError, SnapshotError, UnknownCodeError, UsageError
from ..model import Concept, IcdRelation, Mapping, Match, Provenance, Relation, Release, Replacement, Status, Term, TermKind
from ..snapshot.code_index import TABLES as CODE_INDEX_TABLES
from ..snapshot.code_index import code_index_tables
from ..snapshot.columns import SortedKeys, StringColumn, dictionary_view, numpy_view, single_array
from ..snapshot.columns import runs as _runs
from ..snapshot.store import Snapshot

if TYPE_CHECKING:
    import networkx as nx

    from .search import ConceptRows, Hit, SearchIndex

__all__ = ["SystemArg", "Terminology", "check_limit", "check_text", "code_text"]

SystemArg = codes.System | str | Iterable[codes.System | str] | None


# Rows of a column read straight from Arrow before the whole column is converted: the first
# answers of a fresh process (a grouped lookup builds a few dozen concepts) convert nothing.
_DIRECT_READS = 512


class _Columns(dict[str, list[Any]]):
    """Python lists of an Arrow table's columns, converted on first use (hits are plain dict hits).

    :meth:`cell` and :meth:`cells` read single rows without converting the column, until the
    column has been read that way often enough to be worth converting."""

    def __init__(self, table: pa.Table) -> None:
        super().__init__()
        self._table = table
        self._reads: dict[str, int] = {}

    def __missing__(self, name: str) -> list[Any]:
        try:
            col = self[name] = _pylist(self._table.column(name))
        except (UnicodeDecodeError, SystemError, IndexError, KeyError, ValueError, pa.ArrowException) as err:
            raise _damaged(name, err) from None
        return col

    def cell(self, name: str, i: int) -> Any:
        """Value ``i`` of column ``name`` (the converted list's, or read from Arrow)."""
        col = self.get(name)
        if col is not None:
            return col[i]
        return self.cells(name, i, i + 1)[0]

    def cells(self, name: str, start: int, stop: int) -> list[Any]:
        """Values ``start:stop`` of column ``name`` (the converted list's, or read from Arrow)."""
        if start >= stop:
            return []
        if not 0 <= start < stop <= self._table.num_rows:
            raise IndexError(f"rows {start}:{stop} of a table of {self._table.num_rows}")
        col = self.get(name)
        if col is not None:
            return col[start:stop]
        reads = self._reads[name] = self._reads.get(name, 0) + 1
        if reads > _DIRECT_READS:
            return self[name][start:stop]
        try:
            return self._table.column(name).slice(start, stop - start).to_pylist()
        except (UnicodeDecodeError, SystemError, IndexError, KeyError, ValueError, pa.ArrowException) as err:
            raise _damaged(name, err) from None

    @property
    def rows(self) -> int:
        return self._table.num_rows


class _RowIndex(ReadOnlyMap[str, Sequence[int]]):
    """Each value of a mappings column → its rows (read-only): per value by binary search on a
    sorted column of the snapshot (the mappings themselves, sorted by source, or
    ``mapping_targets``), until it has been asked often enough that the dict over every value
    (``build``) is worth building."""

    def __init__(self, values: StringColumn, rows: np.ndarray | None,
                 build: Callable[[], dict[str, Sequence[int]]]) -> None:
        self._values = values
        self._rows = rows  # row of each sorted value (None: the values are the table's own rows)
        self._build = build
        self._dict: dict[str, Sequence[int]] | None = None
        self._asked = 0

    def _find(self, code: object) -> Sequence[int] | None:
        found = self._dict
        if found is None:
            self._asked += 1
            if self._asked <= _DIRECT_READS:
                try:
                    start, stop = self._values.equal_range(code.encode())  # type: ignore[attr-defined]
                except (AttributeError, UnicodeEncodeError):  # not a str, or not UTF-8: in no column
                    return None
                if start == stop:
                    return None
                return range(start, stop) if self._rows is None else self._rows[start:stop].tolist()
            found = self._as_dict()
        return found.get(code)  # type: ignore[call-overload]

    def _as_dict(self) -> dict[str, Sequence[int]]:
        if self._dict is None:
            self._dict = self._build()
        return self._dict

    def get(self, code: object, default: Any = None) -> Any:  # type: ignore[override]
        found = self._find(code)
        return default if found is None else found

    def __contains__(self, code: object) -> bool:
        return self._find(code) is not None

    def __getitem__(self, code: str) -> Sequence[int]:
        found = self._find(code)
        if found is None:
            raise KeyError(code)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._as_dict())

    def __len__(self) -> int:
        return len(self._as_dict())


class Terminology:
    """The read API over one loaded snapshot (:class:`raremap.RareMap` adds the services to it)."""

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
        self._icd10_key_sets: dict[tuple[str, bool], frozenset[str]] = {}
        self._icd10_key_questions = 0

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

        def span(name: str) -> tuple[int, int]:
            return c.cell(f"{name}_start", i), c.cell(f"{name}_stop", i)

        labels, terms, attrs, repl = self._labels, self._terms, self._attributes, self._replacements
        start, stop = span("labels")
        label_map = dict(zip(labels.cells("lang", start, stop), labels.cells("text", start, stop)))
        start, stop = span("terms")
        synonyms = tuple(Term(text, lang, TermKind(kind)) for text, lang, kind in zip(
            terms.cells("text", start, stop), terms.cells("lang", start, stop), terms.cells("kind", start, stop)))
        start, stop = span("replacements")
        replaced_by = tuple(Replacement(target, relation) for target, relation in zip(
            repl.cells("target", start, stop), repl.cells("relation", start, stop)))
        start, stop = span("parents")
        parents = tuple(dict.fromkeys(self._edges.cells("parent", start, stop)))
        start, stop = span("attributes")
        attributes = dict(zip(attrs.cells("key", start, stop), attrs.cells("value", start, stop)))
        return Concept(
            code=c.cell("code", i),
            system=c.cell("system", i),
            label=c.cell("label", i),
            labels=label_map,
            synonyms=synonyms,
            status=Status(c.cell("status", i)),
            replaced_by=replaced_by,
            parents=parents,
            kind=c.cell("kind", i) or "",
            definition=c.cell("definition", i),
            attributes=attributes,
            release=c.cell("release", i) or "",
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
        check_limit(limit)
        check_text(text, "lookup")
        index = self.search_index
        hits = index.lookup(text, index.filter(_systems(system), _langs(lang), include_inactive), limit)
        return [self._match(hit, lang) for hit in hits]

    def complete(self, prefix: str, system: SystemArg = None, lang: str | Iterable[str] | None = None,
                 limit: int = 10, *, include_inactive: bool = False) -> list[Match]:
        """Completions for a diagnosis name being typed (autocomplete), best first."""
        check_limit(limit)
        check_text(prefix, "complete")
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
        return self.search_index.source(term)

    # --- hierarchy ------------------------------------------------------------------------

    def parents(self, code: str, hierarchy: str | None = None) -> list[str]:
        """Direct parents of ``code`` (in all hierarchies, or in one: ``"orphanet:156"``, ``"icd10se"``…)."""
        i = self._index[self.resolve(code)]
        start, stop = self._concepts.cell("parents_start", i), self._concepts.cell("parents_stop", i)
        parents = self._edges.cells("parent", start, stop)
        if hierarchy is None:
            return list(dict.fromkeys(parents))
        hierarchies = self._edges.cells("hierarchy", start, stop)
        return list(dict.fromkeys(p for p, h in zip(parents, hierarchies) if h == hierarchy))

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

        A code that is not a loaded concept is answered when a loaded mapping names it: a
        mapped-only code such as an ICD-10-GM target, or a code of a system raremap has no code
        rules for, as the releases write it (``OMIM:607131``, ``MONDO:0011778``). Any other code
        raises :class:`UnknownCodeError` (:class:`InvalidCodeError` when it is not a code at all)."""
        if direction not in ("out", "in", "both"):
            raise UsageError(f"direction is 'out', 'in' or 'both', not {direction!r}")
        try:
            key = self.resolve(code)
        except UnknownCodeError:
            key = codes.canonical(code_text(code))  # mapped-only codes (e.g. ICD10GM) are not concepts
            if key not in self._by_source and key not in self._by_target:
                raise UnknownCodeError(key, "not in the loaded releases (no concept, no mapping names it)") from None
        except InvalidCodeError:
            key = code_text(code).strip()  # a system without code rules: as the releases write it
            if key not in self._by_source and key not in self._by_target:
                raise
        found: list[Mapping] = []
        if direction in ("out", "both"):
            found.extend(self.mapping(j) for j in self._by_source.get(key, ()))
        if direction in ("in", "both"):
            found.extend(self.mapping(j).inverted() for j in self._by_target.get(key, ()))
        return found

    @cached_property
    def _by_source(self) -> _RowIndex:
        return _RowIndex(self._source_column, None, lambda: _runs(self._mappings["source"]))

    @cached_property
    def _by_target(self) -> _RowIndex:
        index = self._code_index["mapping_targets"]
        try:
            rows = numpy_view(index.column("row"))
        except ValueError as err:
            raise _damaged("row", err) from None
        return _RowIndex(self._target_column, rows, lambda: _rows_by_value(self._mappings["target"]))

    @cached_property
    def _target_column(self) -> StringColumn:
        return StringColumn(self._code_index["mapping_targets"].column("target"))  # sorted

    @cached_property
    def _code_index(self) -> dict[str, pa.Table]:
        """The per-code index tables (:mod:`raremap.snapshot.code_index`): the snapshot's, or, for a
        snapshot written before them, the same tables built from its columns."""
        tables = self.snapshot.tables
        if all(name in tables for name in CODE_INDEX_TABLES):
            return {name: tables[name] for name in CODE_INDEX_TABLES}
        return code_index_tables(self._concepts["code"], self._concepts["system"], self._mappings["source"],
                                 self._mappings["target"])

    # --- bulk access for the services: table rows and columns --------------------------

    def concept_rows(self) -> ReadOnlyMap[str, int]:
        """Each loaded concept's canonical code → its row in the concepts table (read-only)."""
        return self._index

    def has_concept(self, code: str) -> bool:
        """True when the canonical ``code`` is a loaded concept (no other spelling is read)."""
        return code in self._index

    def concept_column(self, name: str) -> Sequence[Any]:
        """A column of the concepts table (``code``, ``system``, ``label``, ``status``, ``kind``
        ...) as a list in row order (read-only)."""
        return self._concepts[name]

    def concept_codes(self) -> Sequence[str]:
        """The canonical code of every loaded concept, in row order (read-only)."""
        return self._concepts["code"]

    def concept_systems(self) -> Sequence[str]:
        """The code system of every loaded concept, in row order (read-only)."""
        return self._concepts["system"]

    def concept_codes_starting(self, prefix: str) -> list[str]:
        """The canonical codes of the loaded concepts that start with ``prefix``, in row order."""
        return self._concepts["code"][slice(*self._code_column.prefix_range(prefix.encode()))]

    def mapped_codes_starting(self, prefix: str) -> set[str]:
        """The codes stated as a mapping's source or target that start with ``prefix``."""
        start, stop = self._source_column.prefix_range(prefix.encode())  # mappings are sorted by source
        found = set(self._source_column.texts(range(start, stop)))
        start, stop = self._target_column.prefix_range(prefix.encode())
        found.update(self._target_column.texts(range(start, stop)))
        return found

    def has_icd10_key(self, system: str, key: str, *, mapped: bool = False) -> bool:
        """True when a loaded concept of the ICD-10 family ``system`` (``ICD10SE``), or with
        ``mapped`` also a code a mapping names, has the undotted join key ``key`` (``Q874``).
        The first questions are binary searches in the snapshot's key index; after
        ``_DIRECT_READS`` of them the system's keys are read into a set (a batch asks thousands)."""
        keys = self._icd10_key_sets.get((system, mapped))
        if keys is not None:
            return key in keys
        self._icd10_key_questions += 1
        if self._icd10_key_questions > _DIRECT_READS:
            keys = self._icd10_key_sets[(system, mapped)] = self.icd10_keys(system, mapped=mapped)
            return key in keys
        start, stop = self._icd10_keys.rows(f"{system}:{key}")
        if mapped or start == stop:
            return start < stop
        return bool(self._icd10_key_is_concept[start:stop].any())

    def icd10_keys(self, system: str, *, mapped: bool = False) -> frozenset[str]:
        """The undotted join keys of the loaded concepts of the ICD-10 family ``system`` (with
        ``mapped`` also of the codes the mappings name), as :meth:`has_icd10_key` reads them."""
        prefix = system + ":"
        start, stop = self._icd10_keys.starting(prefix)
        keys = self._icd10_keys.texts(start, stop)
        is_concept = self._icd10_key_is_concept
        return frozenset(k[len(prefix):] for j, k in enumerate(keys, start) if mapped or is_concept[j])

    @cached_property
    def _icd10_keys(self) -> SortedKeys:
        return SortedKeys(self._code_index["icd10_keys"].column("key"), _DIRECT_READS)

    @cached_property
    def _icd10_key_is_concept(self) -> np.ndarray:
        try:
            return numpy_view(self._code_index["icd10_keys"].column("concept"))
        except ValueError as err:
            raise _damaged("concept", err) from None

    def icd10se_subdivisions(self, code: str) -> list[str]:
        """The ICD-10-SE concepts one level below the canonical ICD-10-SE code ``code``
        (fördjupningskoder under a 4-character code, 4-character codes under a category), sorted."""
        start, stop = self._subdivisions.rows(code)
        return self._subdivision_children.texts(range(start, stop))

    @cached_property
    def _subdivisions(self) -> SortedKeys:
        return SortedKeys(self._code_index["icd10se_subdivisions"].column("parent"), _DIRECT_READS)

    @cached_property
    def _subdivision_children(self) -> StringColumn:
        return StringColumn(self._code_index["icd10se_subdivisions"].column("child"))

    @cached_property
    def _code_column(self) -> StringColumn:
        return StringColumn(self.snapshot.table("concepts").column("code"))  # sorted: concepts are in code order

    @cached_property
    def _source_column(self) -> StringColumn:
        return StringColumn(self.snapshot.table("mappings").column("source"))

    def concept_rows_of_system(self, system: str) -> list[int]:
        """The rows of the concepts table whose ``system`` is ``system``, in row order."""
        column = single_array(self.snapshot.table("concepts").column("system"))
        if pa.types.is_dictionary(column.type) and not column.null_count:
            indices, values = dictionary_view(column)
            if system not in values:
                return []
            return np.flatnonzero(indices == values.index(system)).tolist()
        return [i for i, s in enumerate(self._concepts["system"]) if s == system]

    def label_of(self, code: str) -> str | None:
        """The preferred label of the canonical ``code``; None when it is no loaded concept."""
        i = self._index.get(code)
        return self._concepts["label"][i] if i is not None else None

    def mapping_column(self, name: str) -> Sequence[Any]:
        """A column of the stated mappings table (``source``, ``target``, ``relation``,
        ``icd_relation``, ``validated``, ``qualifier``, ``release``, ``file``, ``position``,
        ``published``), one value per row: row ``j`` is :meth:`mapping` ``(j)`` (read-only)."""
        return self._mappings[name]

    def mapping_count(self) -> int:
        """The number of rows of the stated mappings table."""
        return self._mappings.rows

    def mapping_rows_by_source(self) -> ReadOnlyMap[str, Sequence[int]]:
        """Each code stated as a mapping's source → its rows of the mappings table (read-only)."""
        return self._by_source

    def mapping_rows_by_target(self) -> ReadOnlyMap[str, Sequence[int]]:
        """Each code stated as a mapping's target → its rows of the mappings table (read-only)."""
        return self._by_target

    def system_prefix(self, to: codes.System | str) -> str:
        """The canonical prefix of a code system name (``"icd-10-se"`` → ``ICD10SE``); a prefix the
        loaded mappings use for another system (``OMIM``, ``MONDO``) is accepted as written.
        Raises :class:`InvalidCodeError` for any other name."""
        try:
            return codes.system_named(to).value
        except InvalidCodeError:
            if str(to) in self._mapped_prefixes:
                return str(to)
            raise

    @cached_property
    def _mapped_prefixes(self) -> frozenset[str]:
        return frozenset(codes.system_of(c) for c in (*self._by_source, *self._by_target))

    def mapping(self, j: int) -> Mapping:
        """The stated mapping in row ``j`` of the mappings table (see :meth:`mapping_column`)."""
        m = self._mappings
        icd = m.cell("icd_relation", j)
        return Mapping(
            source=m.cell("source", j),
            target=m.cell("target", j),
            relation=Relation(m.cell("relation", j)),
            icd_relation=IcdRelation(icd) if icd else None,
            validated=m.cell("validated", j),
            provenance=Provenance(m.cell("release", j) or "", m.cell("file", j) or "", m.cell("position", j) or ""),
            published=m.cell("published", j) or "",
            qualifier=m.cell("qualifier", j) or "",
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
        return _rows_by_value(self._lexical_rows["target"])

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
            steps=tuple(self.mapping(k) for k in t["steps"][j]),
            score=round(float(t["score"][j]), 3),
            matched=(title, name),
        )

    def __repr__(self) -> str:
        names = ", ".join(r.id for r in self.releases)
        return f"<{type(self).__name__} {len(self)} concepts from {names}>"


def _damaged(name: str, err: Exception) -> SnapshotError:
    # a table file damaged in a way its size and schema do not show (a flipped byte)
    return SnapshotError(f"snapshot column {name!r} cannot be read ({type(err).__name__}: {err}): the "
                         "snapshot is damaged; check it with raremap verify and rebuild it")


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
        out.extend(map(values.__getitem__, numpy_view(chunk.indices).tolist()))
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


def _rows_by_value(values: list[str]) -> dict[str, list[int]]:
    """Each value → the rows holding it, in row order (values in order of first appearance)."""
    found: dict[str, list[int]] = {}
    get = found.get
    for j, value in enumerate(values):
        rows = get(value)
        if rows is None:
            found[value] = [j]
        else:
            rows.append(j)
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


def check_text(text: object, what: str) -> None:
    if not isinstance(text, str):
        raise UsageError(f"{what} text must be a string, not {type(text).__name__}")


def check_limit(limit: int) -> None:
    if limit < 0:
        raise UsageError(f"limit must be 0 or more, not {limit}")
