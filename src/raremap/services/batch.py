"""Batch mapping of registry tables: a column of codes in, target codes with relation out.

The work is Arrow-native and streamed: each record batch is dictionary-encoded, every distinct
code is resolved once (and cached across batches), and the answers are spread over the rows
with Arrow ``take``/dictionary arrays, so memory stays flat however long the input is.

Output columns, appended to the input columns:

============  ==============================================================================
status        ``mapped``, ``unmapped`` (a known code without an answer in ``to``), ``unknown``
              (a well-formed code the releases do not have), ``invalid`` (not a code),
              ``missing`` (null or empty); no row is ever dropped
resolved      the canonical input code (``ICD10SE:Q87.4``)
target        target code (one row per target with ``explode=True``; a list otherwise)
target_label  its preferred label
relation      exact / narrower / broader / related / undecided / unspecified
basis         stated / inverse / edition / replacement / transitive / hierarchy / identity
umi_flag      the row's diagnosis needs attention coding: an ORPHA code without its own ICD-10
              code, or a code that covers rare diseases without being the own code of one
              (null unless ``umi=True``; null for unknown and invalid codes)
error         why a code is invalid or unknown
============  ==============================================================================

Distributed engines call the same function per batch. A :class:`BatchMapper` is picklable: it
carries the snapshot path, and a worker loads the snapshot (memory-mapped) once per process::

    mapper = rm.batch_mapper(column="diagnosis", to="ORPHA", dictionary=False)
    # Spark: the function gets an iterator of pyarrow RecordBatches and yields RecordBatches
    out = spark_df.mapInArrow(mapper, mapper.spark_schema(spark_df.schema))
    # Dask: one pandas DataFrame per partition
    out = dask_df.map_partitions(mapper.pandas, meta=mapper.pandas_meta(dask_df._meta))

(Spark's Arrow conversion does not take dictionary arrays, hence ``dictionary=False`` there.)
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..codes import System, _split_prefix
from .crosswalk import system_of
from ..debris import clean_stale, temporary_name
from ..errors import InvalidCodeError, RaremapError, UnknownCodeError, UsageError
from ..model import Relation

if TYPE_CHECKING:
    from .rare_map import RareMap

OUTPUT_COLUMNS = ("status", "resolved", "target", "target_label", "relation", "basis", "umi_flag", "error")
_PER_TARGET = ("target", "target_label", "relation", "basis")
DEFAULT_BATCH_ROWS = 1 << 20
# at most this much target text (labels are the longest) per output batch: Arrow string and list
# columns have 32-bit offsets, and a broad code's fan-out must not make one batch huge
MAX_TEXT_BYTES = 256 << 20


class MissingColumnError(RaremapError, LookupError):
    """The table has no column of that name (``column`` names it, ``columns`` lists what there is)."""

    def __init__(self, column: str, columns: Iterable[str], where: str = "input") -> None:
        self.column = column
        self.columns = tuple(columns)
        super().__init__(f"{where} has no column {column!r} (columns: {', '.join(self.columns) or 'none'})")

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


class _CrosswalkOptions(TypedDict):
    """The keyword options of :meth:`RareMap.crosswalk` a mapper passes on."""

    transitive: bool
    max_hops: int
    include_inactive: bool
    conditional: bool
    hierarchy: bool
    subdivisions: bool
    best_evidence: bool


_DEFAULTS: _CrosswalkOptions = {"transitive": True, "max_hops": 3, "include_inactive": False, "conditional": False,
                                "hierarchy": True, "subdivisions": True, "best_evidence": False}


@dataclass(frozen=True, slots=True)
class _Answer:
    status: str
    resolved: str | None
    targets: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    umi_flag: bool | None = None
    error: str | None = None


_LOADED: dict[str, RareMap] = {}  # per worker process: snapshot path -> loaded RareMap


@dataclass
class _Arrays:
    status: tuple[pa.Array, pa.Array]  # (distinct values, value index per slot)
    resolved: pa.Array
    umi_flag: pa.Array
    error: pa.Array
    counts: np.ndarray  # output rows per slot (explode: at least 1)
    sizes: np.ndarray  # values per slot (list mode: the list length)
    widths: np.ndarray  # bytes of a slot's longest per-target column (bounds an output batch's text)
    first: pa.Array  # position of a slot's first flat value (explode)
    positions: pa.ListArray  # flat positions per slot (explode)
    flat: dict[str, tuple[pa.Array, pa.Array]]  # per-target (distinct values, value index per flat position; null where a slot has none) (explode)
    lists: dict[str, pa.ListArray]  # per-target values as lists (list mode)


class _Slots:
    """Answers of the distinct codes seen so far, one slot per canonical code (slot 0 answers
    null and empty codes); Arrow arrays indexed by slot, extended only when new codes arrive.

    ``by_concept`` maps a loaded concept's row to its slot (-1: not answered yet), so a batch's
    distinct values are turned into slots by vectorised look-ups; values that are not plain
    registry spellings go through ``by_value``."""

    def __init__(self, explode: bool, concepts: int) -> None:
        self.explode = explode
        self.answers: list[_Answer] = [_Answer("missing", None)]
        self.by_value: dict[str, int] = {}
        self.by_code: dict[str, int] = {}
        self.by_concept = np.full(concepts + 1, -1, np.int64)  # the last entry: not a loaded concept
        self._arrays: _Arrays | None = None
        self._built = 0
        self._status: dict[str, int] = {}
        self._status_ids: list[int] = []
        self._resolved: list[str | None] = []
        self._umi: list[bool | None] = []
        self._error: list[str | None] = []
        self._counts: list[int] = []
        self._sizes: list[int] = []
        self._widths: list[int] = []
        self._texts: dict[str, dict[str, int]] = {name: {} for name in _PER_TARGET}
        self._flat: dict[str, list[int | None]] = {name: [] for name in _PER_TARGET}
        self._listed: dict[str, list[int | None]] = {name: [] for name in _PER_TARGET}

    def add(self, answer: _Answer) -> int:
        self.answers.append(answer)
        return len(self.answers) - 1

    def arrays(self) -> _Arrays:
        if self._arrays is None or self._built != len(self.answers):
            self._extend(self.answers[self._built:])
            self._built = len(self.answers)
            self._arrays = self._build()
        return self._arrays

    def _extend(self, answers: list[_Answer]) -> None:
        fields = dict(zip(_PER_TARGET, ("targets", "labels", "relations", "bases")))
        for a in answers:
            self._status_ids.append(self._status.setdefault(a.status, len(self._status)))
            self._resolved.append(a.resolved)
            self._umi.append(a.umi_flag)
            self._error.append(a.error)
            self._counts.append(max(1, len(a.targets)))
            self._sizes.append(len(a.targets))
            width = 0
            for name, attr in fields.items():
                found = getattr(a, attr)
                seen = self._texts[name]
                ids = [None if t is None else seen.setdefault(t, len(seen)) for t in found]
                self._listed[name].extend(ids)
                self._flat[name].extend(ids if ids else (None,))
                width = max(width, sum(len(t) for t in found if t is not None))
            self._widths.append(width)

    def _build(self) -> _Arrays:
        counts = np.array(self._counts, np.int64)
        offsets = np.zeros(len(counts) + 1, np.int32)
        np.cumsum(counts, out=offsets[1:])
        sizes = np.array(self._sizes, np.int64)
        list_offsets = np.zeros(len(sizes) + 1, np.int32)
        np.cumsum(sizes, out=list_offsets[1:])
        flat: dict[str, tuple[pa.Array, pa.Array]] = {}
        lists: dict[str, pa.ListArray] = {}
        for name in _PER_TARGET:
            values = pa.array(list(self._texts[name]), pa.string())
            flat[name] = (values, pa.array(self._flat[name], pa.int32()))
            listed = values.take(pa.array(self._listed[name], pa.int32()))
            lists[name] = pa.ListArray.from_arrays(pa.array(list_offsets), listed)
        return _Arrays(
            status=(pa.array(list(self._status), pa.string()), pa.array(self._status_ids, pa.int32())),
            resolved=pa.array(self._resolved, pa.string()),
            umi_flag=pa.array(self._umi, pa.bool_()),
            error=pa.array(self._error, pa.string()),
            counts=counts, sizes=sizes, widths=np.array(self._widths, np.int64),
            first=pa.array(offsets[:-1]),
            positions=pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.arange(offsets[-1], dtype=np.int32))),
            flat=flat, lists=lists,
        )


class BatchMapper:
    """Maps the ``column`` of record batches to system ``to``.

    Options: ``system`` (read bare codes in this system), ``explode`` (one row per target, or
    list columns), ``limit`` (keep the best N targets), ``transitive``/``max_hops``/
    ``include_inactive``/``conditional``/``hierarchy`` (as :meth:`RareMap.crosswalk`),
    ``subdivisions`` (on by default: a registry that stores the category E84 still reaches what its
    subdivisions E84.0 … are mapped to, as ``basis="hierarchy"``), ``best_evidence`` (keep only the
    target a code's own ICD-10-SE title names, where there is one; targets come in that order
    anyway, as in :meth:`RareMap.crosswalk`), ``umi``
    (fill ``umi_flag``), ``dictionary`` (dictionary-encoded string columns: fast, compact;
    turn off for engines that do not take them), ``batch_size`` (most output rows, or list values
    in list mode, per output batch: memory stays bounded whatever a code's fan-out).
    """

    def __init__(self, column: str = "code", to: System | str | None = None, *, rm: RareMap | None = None,
                 snapshot: str | os.PathLike[str] | None = None, system: System | str | None = None,
                 explode: bool = True, limit: int | None = None, transitive: bool = True, max_hops: int = 3,
                 include_inactive: bool = False, conditional: bool = False, hierarchy: bool = True,
                 subdivisions: bool = True, best_evidence: bool = False,
                 umi: bool = True, dictionary: bool = True, batch_size: int = DEFAULT_BATCH_ROWS) -> None:
        if snapshot is None:
            if rm is None:
                raise RaremapError("BatchMapper needs rm= (a loaded RareMap) or snapshot= (its path)")
            snapshot = rm.snapshot.path
        self.column = column
        self.snapshot = str(snapshot)
        self._rm = rm
        self.to = rm.crosswalker.target_system(to) if rm is not None else (str(to) if to is not None else None)
        self.system = system
        self.explode = explode
        self.limit = limit
        self.options: _CrosswalkOptions = {"transitive": transitive, "max_hops": max_hops,
                                           "include_inactive": include_inactive, "conditional": conditional,
                                           "hierarchy": hierarchy, "subdivisions": subdivisions,
                                           "best_evidence": best_evidence}
        self.umi = umi
        self.dictionary = dictionary
        if batch_size < 1:
            raise UsageError(f"batch_size must be 1 or more, not {batch_size}")
        self.batch_size = batch_size

    # --- pickling for distributed engines: ship the snapshot path, not the loaded data ------

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_rm"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._rm = None

    @property
    def rm(self) -> RareMap:
        if self._rm is None:
            rm = _LOADED.get(self.snapshot)
            if rm is None:
                from ..loader import load

                rm = _LOADED[self.snapshot] = load(snapshot=self.snapshot)
            self._rm = rm
            if self.to is not None:
                self.to = rm.crosswalker.target_system(self.to)
        return self._rm

    # --- schema -----------------------------------------------------------------------------

    def output_schema(self, schema: pa.Schema) -> pa.Schema:
        """The schema of the mapped batches for input ``schema``."""
        for name in OUTPUT_COLUMNS:
            if name in schema.names:
                raise RaremapError(f"input already has a column named {name!r}; rename it before mapping")
        if self.column not in schema.names:
            raise MissingColumnError(self.column, schema.names)
        text = pa.dictionary(pa.int32(), pa.string()) if self.dictionary else pa.string()
        many = text if self.explode else pa.list_(pa.string())
        fields = [pa.field("status", text), pa.field("resolved", pa.string()),
                  *(pa.field(name, many) for name in _PER_TARGET),
                  pa.field("umi_flag", pa.bool_()), pa.field("error", pa.string())]
        return pa.schema([*(f.with_type(_takeable(f.type)) for f in schema), *fields])

    def spark_schema(self, spark_schema: Any) -> Any:
        """The Spark ``StructType`` of the output for an input Spark schema (needs pyspark)."""
        from pyspark.sql.types import ArrayType, BooleanType, StringType, StructField, StructType

        many = StringType() if self.explode else ArrayType(StringType())
        added = [StructField("status", StringType()), StructField("resolved", StringType()),
                 *(StructField(n, many) for n in _PER_TARGET),
                 StructField("umi_flag", BooleanType()), StructField("error", StringType())]
        return StructType([*spark_schema.fields, *added])

    # --- mapping ----------------------------------------------------------------------------

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Map an iterator of record batches (the Spark ``mapInArrow`` function signature)."""
        for batch in batches:
            yield from self.map_batches(batch)

    def pandas(self, frame: Any) -> Any:
        """Map one pandas DataFrame (the Dask ``map_partitions`` function)."""
        table = _from_pandas(frame, self.column)
        out = [piece for b in table.to_batches() for piece in self.map_batches(b)] or [self._empty(table.schema)]
        return pa.Table.from_batches(out).to_pandas()

    def pandas_meta(self, frame: Any) -> Any:
        """An empty pandas DataFrame with the output columns (Dask ``meta=``)."""
        schema = _from_pandas(frame.iloc[:0], self.column).schema
        return pa.Table.from_batches([self._empty(schema)]).to_pandas()

    def _empty(self, schema: pa.Schema) -> pa.RecordBatch:
        return self.map_batch(pa.RecordBatch.from_pylist([], schema=schema))

    def map_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """One batch in, the mapped batch out (rows in input order, never dropped). A fan-out
        beyond ``batch_size`` output rows is concatenated here; :meth:`map_batches` keeps it in
        bounded pieces."""
        pieces = list(self.map_batches(batch))
        if len(pieces) == 1:
            return pieces[0]
        return pa.Table.from_batches(pieces).combine_chunks().to_batches()[0]

    def map_batches(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        """One batch in, its mapped rows out in input order, as batches of at most
        ``batch_size`` output rows (explode) or list values (list mode) and at most
        ``MAX_TEXT_BYTES`` of target text: a broad code's fan-out never makes one huge batch."""
        schema = self.output_schema(batch.schema)
        store = self._store
        with _gc_paused():
            dict_slots, values = self._slots(batch.column(self.column), store)
        row_slots = dict_slots.take(pc.fill_null(values, len(dict_slots) - 1))
        a = store.arrays()
        inputs = [c if c.type == f.type else c.cast(f.type) for c, f in zip(batch.columns, schema)]
        slots_np = row_slots.to_numpy()
        weights = (a.counts if self.explode else a.sizes)[slots_np]
        for start, stop in _pieces(weights, a.widths[slots_np], self.batch_size):
            if start == 0 and stop == batch.num_rows:
                piece, piece_inputs = row_slots, inputs
            else:
                piece, piece_inputs = row_slots.slice(start, stop - start), [c.slice(start, stop - start) for c in inputs]
            yield self._output(schema, a, piece, piece_inputs, bool(weights[start:stop].max(initial=0) > 1))

    def _output(self, schema: pa.Schema, a: _Arrays, row_slots: pa.Array, inputs: list[pa.Array],
                fans_out: bool) -> pa.RecordBatch:
        columns: list[pa.Array]
        if self.explode:
            if fans_out:
                per_row = a.positions.take(row_slots)
                flat = pc.list_flatten(per_row)
                parent = pc.list_parent_indices(per_row)
                columns, slots = [c.take(parent) for c in inputs], row_slots.take(parent)
            else:  # one output row per input row: no row is repeated
                flat = a.first.take(row_slots)
                columns, slots = list(inputs), row_slots
            columns.append(self._text(a.status, slots))
            columns.append(a.resolved.take(slots))
            for name in _PER_TARGET:
                columns.append(self._text(a.flat[name], flat))
        else:
            slots = row_slots
            columns = list(inputs)
            columns.append(self._text(a.status, slots))
            columns.append(a.resolved.take(slots))
            columns.extend(a.lists[name].take(slots) for name in _PER_TARGET)
        columns.append(a.umi_flag.take(slots))
        columns.append(a.error.take(slots))
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    def _slots(self, column: pa.Array | pa.ChunkedArray, store: _Slots) -> tuple[pa.Array, pa.Array]:
        """(slot of each distinct value, with a last entry 0 for null codes; row indices into
        the distinct values). Registry spellings are looked up in one vectorised pass over the
        spelling table; each new code's answer comes from :meth:`_answer`, the per-code path."""
        indices, dictionary = _encode(column)
        n = len(dictionary)
        slots = np.zeros(n + 1, np.int64)
        if self.system is None and n:
            table = _spelling_table(self.rm)
            rows = table.concepts.take(pc.index_in(dictionary, value_set=table.values))
            rows_np = rows.fill_null(len(store.by_concept) - 1).to_numpy()
            found = store.by_concept[rows_np]
            new = np.unique(rows_np[(found < 0) & (rows_np < len(store.by_concept) - 1)])
            if len(new):
                codes = self._codes
                for row in new.tolist():
                    store.by_concept[row] = self._code_slot(store, codes[row])
                found = store.by_concept[rows_np]
            slots[:n] = found
            rest = np.flatnonzero(found < 0)
        else:
            rest = np.arange(n)
        if len(rest):
            values = dictionary.take(pa.array(rest)).to_pylist()
            by_value = store.by_value
            for i, value in zip(rest.tolist(), values):
                if not value:
                    slots[i] = 0  # null and empty
                    continue
                found_slot = by_value.get(value)
                if found_slot is None:
                    found_slot = by_value[value] = self._value_slot(store, value)
                slots[i] = found_slot
        return pa.array(slots.astype(np.int32)), indices

    def _value_slot(self, store: _Slots, value: str) -> int:
        read = self._read(value)
        if isinstance(read, _Answer):
            return store.add(read)
        return self._code_slot(store, read)

    def _code_slot(self, store: _Slots, code: str) -> int:
        found = store.by_code.get(code)
        if found is None:
            found = store.by_code[code] = store.add(self._answer(code))
        return found

    @property
    def _codes(self) -> list[str]:
        return self.rm._concepts["code"]

    def _text(self, interned: tuple[pa.Array, pa.Array], indices: pa.Array) -> pa.Array:
        """Interned text (distinct values, value index per position) spread over rows by ``indices``.
        A dictionary column's dictionary holds each value once (pandas makes it a Categorical,
        which must not repeat a category); a missing value is a null index."""
        values, ids = interned
        ids = ids.take(indices)
        if self.dictionary:
            return pa.DictionaryArray.from_arrays(ids, values)
        return values.take(ids)

    @property
    def _store(self) -> _Slots:
        """The cached answers for these options, shared by every mapper of the same RareMap."""
        key = (self.to, str(self.system), self.limit, tuple(sorted(self.options.items())), self.umi, self.explode)
        stores = self.rm.__dict__.setdefault("_batch_answers", {})
        store = stores.get(key)
        if store is None:
            store = stores[key] = _Slots(self.explode, len(self._codes))
        return store

    def answer(self, value: str | None) -> dict[str, Any]:
        """The per-code reference answer for one ``value`` (what every row holding it gets, lists
        for the per-target columns), computed without the batch caches."""
        read = _Answer("missing", None) if value is None else self._read(value)
        a = read if isinstance(read, _Answer) else self._answer(read)
        return {"status": a.status, "resolved": a.resolved, "target": list(a.targets), "target_label": list(a.labels),
                "relation": list(a.relations), "basis": list(a.bases), "umi_flag": a.umi_flag, "error": a.error}

    def _read(self, value: str) -> str | _Answer:
        """The canonical code a value names, or the answer of a value that names none."""
        if not value.strip():
            return _Answer("missing", None)
        rm = self.rm
        cw = rm.crosswalker
        try:
            return (_spellings(rm).get(value) if self.system is None else None) or cw.resolve(value, self.system)
        except InvalidCodeError as err:
            if self.system is None or _split_prefix(value.strip())[0] is None:
                return _Answer("invalid", None, error=err.reason)
            # system= reads bare codes; a code that names its own system is read as written
            try:
                return cw.resolve(value)
            except InvalidCodeError as again:
                return _Answer("invalid", None, error=again.reason)
            except UnknownCodeError as again:
                return _Answer("unknown", again.code, error=str(again))
        except UnknownCodeError as err:
            return _Answer("unknown", err.code, error=str(err))

    def _answer(self, code: str) -> _Answer:
        """The answer for a canonical code: the per-code crosswalk (the reference path)."""
        rm = self.rm
        cw = rm.crosswalker
        if self.to is not None and system_of(code) == self.to and cw.is_active(code):
            maps = []
            identity: tuple[tuple[str, str | None, str, str], ...] = ((code, _label(rm, code), str(Relation.EXACT), "identity"),)
        else:
            maps = cw.crosswalk_resolved(code, self.to, **self.options)
            identity = ()
        if self.limit is not None:
            maps = maps[: self.limit]
        found = identity + tuple((m.target, _label(rm, m.target), str(m.relation), m.basis) for m in maps)
        reuse = self.to == "ORPHA" and self.limit is None and not identity and self.options == _DEFAULTS
        flag = self.rm.umi_assessor.needs_attention(code, maps if reuse else None) if self.umi else None
        if not found:
            return _Answer("unmapped", code, umi_flag=flag)
        targets, labels, relations, bases = zip(*found)
        return _Answer("mapped", code, targets, labels, relations, bases, flag)


def _pieces(weights: np.ndarray, widths: np.ndarray, limit: int) -> Iterator[tuple[int, int]]:
    """Row ranges whose summed ``weights`` (output rows or list values) stay within ``limit``
    and summed ``widths`` (target text bytes) within MAX_TEXT_BYTES; at least one row each."""
    n = len(weights)
    if n == 0:
        yield 0, 0
        return
    total_w = np.cumsum(weights)
    total_b = np.cumsum(widths)
    if total_w[-1] <= limit and total_b[-1] <= MAX_TEXT_BYTES:
        yield 0, n
        return
    start = 0
    while start < n:
        base_w = total_w[start - 1] if start else 0
        base_b = total_b[start - 1] if start else 0
        stop = min(int(np.searchsorted(total_w, base_w + limit, "right")),
                   int(np.searchsorted(total_b, base_b + MAX_TEXT_BYTES, "right")))
        stop = max(stop, start + 1)
        yield start, stop
        start = stop


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: resolving thousands of new codes allocates many small
    acyclic objects (steps, mappings), and each collection they trigger rescans every object of the
    loaded releases (about a sixth of a first pass's time). Reference counting still frees them."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _spellings(rm: RareMap) -> dict[str, str]:
    """Registry spellings that resolve without parsing: an ICD-10-SE code as written in the
    releases (``Q87.4``) or without its dot (``Q874``), and a bare ORPHA number (``558``), each to
    the loaded code that :meth:`Crosswalker.resolve` gives for it (the first reading of a bare code
    is ICD-10-SE, of up to six digits ORPHA). Parsing every distinct value was a third of a
    first pass."""
    found = rm.__dict__.get("_batch_spellings")
    if found is None:
        found = {}
        for code, system in zip(rm._concepts["code"], rm._concepts["system"]):
            prefix, _, value = code.partition(":")
            if system == "ICD10SE" and prefix == "ICD10SE" and _ICD10_PLAIN.match(value):
                found[value] = code
                if value[3:4] == ".":
                    found[value[:3] + value[4:]] = code
            elif system == "ORPHA" and prefix == "ORPHA" and value.isascii() and value.isdigit() and len(value) <= 6 \
                    and not value.startswith("0"):
                found[value] = code
        rm.__dict__["_batch_spellings"] = found
    return found


class _SpellingTable(NamedTuple):
    values: pa.Array  # registry spellings (strings)
    concepts: pa.Array  # the concepts-table row each spelling resolves to (int64)


def _spelling_table(rm: RareMap) -> _SpellingTable:
    """:func:`_spellings` as Arrow arrays, for ``index_in`` over a batch's distinct values."""
    found = rm.__dict__.get("_batch_spelling_table")
    if found is None:
        spellings = _spellings(rm)
        index = rm._index
        found = _SpellingTable(pa.array(list(spellings), pa.string()),
                               pa.array([index[c] for c in spellings.values()], pa.int64()))
        rm.__dict__["_batch_spelling_table"] = found
    return found


_ICD10_PLAIN = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$")


def _interned(texts: list[str | None]) -> tuple[pa.Array, pa.Array]:
    """(distinct values in order of first appearance, index of each text; null for None)."""
    seen: dict[str, int] = {}
    ids = [None if t is None else seen.setdefault(t, len(seen)) for t in texts]
    return pa.array(list(seen), pa.string()), pa.array(ids, pa.int32())


def _label(rm: RareMap, code: str) -> str | None:
    i = rm._index.get(code)
    return rm._concepts["label"][i] if i is not None else None


def _encode(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(row indices into the distinct values of a column, those values as strings; other types are cast)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        dictionary = column.dictionary
        indices = column.indices
        if indices.type.bit_width < 32 or pa.types.is_unsigned_integer(indices.type):
            # room for the null slot (len(dictionary)): int8 indices hold at most 127
            indices = indices.cast(pa.int64() if indices.type.bit_width >= 32 else pa.int32())
    else:
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.string())
        encoded = pc.dictionary_encode(column)
        dictionary, indices = encoded.dictionary, encoded.indices
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
        dictionary = dictionary.cast(pa.string())
    return indices, dictionary


def _takeable(t: pa.DataType) -> pa.DataType:
    """Arrow has no ``take`` for view types (polars exports ``string_view``): they are written as
    plain strings and binaries."""
    if t == pa.string_view():
        return pa.large_string()
    if t == pa.binary_view():
        return pa.large_binary()
    return t


# --- inputs and outputs ---------------------------------------------------------------------

def _from_pandas(frame: Any, column: str) -> pa.Table:
    """A pandas DataFrame as Arrow; a code column of mixed Python types (ORPHA numbers as ints
    beside prefixed strings, as read from a spreadsheet) is read as text."""
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        if column not in frame.columns:
            raise
        as_text = frame[column].map(lambda v: v if v is None or isinstance(v, str) or v != v else str(v))
        return pa.Table.from_pandas(frame.assign(**{column: as_text}), preserve_index=False)


def read_batches(source: Any, column: str, batch_size: int = DEFAULT_BATCH_ROWS, *, encoding: str = "utf-8",
                 delimiter: str | None = None) -> pa.RecordBatchReader:
    """Record batches of ``source``: a pyarrow Table/RecordBatch/RecordBatchReader, a pandas or
    polars DataFrame, anything with ``__arrow_c_stream__``, an iterable of RecordBatches, or a
    Parquet/CSV/TSV/Arrow IPC file path (read streaming). CSV/TSV files are read as text in
    ``encoding`` (default UTF-8; ``latin-1`` for older Swedish exports), ``delimiter`` defaults to
    tab for .tsv/.txt and to ``,`` (``;`` when the header has no comma) for .csv."""
    if isinstance(source, (str, os.PathLike)):
        return _read_path(Path(source), column, batch_size, encoding, delimiter)
    if isinstance(source, pa.RecordBatchReader):
        return source
    if isinstance(source, pa.Table):
        return pa.RecordBatchReader.from_batches(source.schema, source.to_batches(max_chunksize=batch_size))
    if isinstance(source, pa.RecordBatch):
        return pa.RecordBatchReader.from_batches(source.schema, [source])
    module = type(source).__module__.split(".")[0]
    if module == "pandas":
        table = _from_pandas(source, column)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=batch_size))
    if module == "polars":
        table = source.to_arrow()
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=batch_size))
    if hasattr(source, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(source)
    if isinstance(source, Iterable):
        batches = iter(source)
        first = next(batches, None)
        if first is None:
            raise RaremapError("no record batches to map (an empty iterable has no schema)")
        if not isinstance(first, pa.RecordBatch):
            raise RaremapError(f"cannot map {type(first).__name__} items; give pyarrow RecordBatches")
        return pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))
    raise RaremapError(f"cannot map a {type(source).__name__}: give a pyarrow Table, a DataFrame or a file path")


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def _read_path(path: Path, column: str, batch_size: int, encoding: str = "utf-8",
               delimiter: str | None = None) -> pa.RecordBatchReader:
    if not path.is_file():
        raise RaremapError(f"{path}: no such file")
    suffixes = [s.lower() for s in path.suffixes]
    kind = suffixes[-2] if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst") and len(suffixes) > 1 else (
        suffixes[-1] if suffixes else "")
    if kind in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(path).schema_arrow.names
            if column not in names:
                raise MissingColumnError(column, names, str(path))
            pf = pq.ParquetFile(path, read_dictionary=[column])
        except (pa.ArrowInvalid, OSError) as err:
            raise RaremapError(f"{path}: not a readable Parquet file ({err})") from err
        batches = pf.iter_batches(batch_size=batch_size)
        first = next(batches, None)
        if first is None:  # no rows: the schema read_dictionary gives
            schema = pf.schema_arrow
            i = schema.get_field_index(column)
            if pa.types.is_string(schema.field(i).type) or pa.types.is_large_string(schema.field(i).type):
                schema = schema.set(i, pa.field(column, pa.dictionary(pa.int32(), pa.string())))
            return pa.RecordBatchReader.from_batches(schema, [])
        # the schema of the batches as read (read_dictionary applies to text columns only)
        return pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))
    if kind in (".csv", ".tsv", ".txt"):
        return _read_csv(path, column, "\t" if kind in (".tsv", ".txt") else delimiter, encoding)
    if kind in (".arrow", ".feather", ".ipc", ".arrows"):
        import pyarrow.ipc as ipc

        try:
            reader = ipc.open_file(path)
            return pa.RecordBatchReader.from_batches(reader.schema, (reader.get_batch(i) for i in range(reader.num_record_batches)))
        except pa.ArrowInvalid:
            try:
                return ipc.open_stream(path)
            except pa.ArrowInvalid as err:
                raise RaremapError(f"{path}: not an Arrow IPC file or stream ({err})") from err
    raise RaremapError(f"{path}: unknown table format (use .parquet, .csv, .tsv or .arrow)")


def _read_csv(path: Path, column: str, delimiter: str | None, encoding: str) -> pa.RecordBatchReader:
    """CSV/TSV streamed, every column read as text: values are kept as written (a kommun code
    0180 or a leading-zero id stays as it is), and a column whose first block looks numeric
    cannot fail on a later row. A ``.csv`` whose header has semicolons but no commas (a Swedish
    spreadsheet export) is read with ``;``."""
    import pyarrow.csv as csv

    if delimiter is None:
        with pa.input_stream(str(path)) as f:  # decompresses .gz/.bz2/.zst
            header = f.read(1 << 16).split(b"\n", 1)[0]
        delimiter = ";" if b"," not in header and b";" in header else ","
    parse = csv.ParseOptions(delimiter=delimiter)
    try:
        probe = csv.open_csv(path, read_options=csv.ReadOptions(block_size=1 << 20, encoding=encoding),
                             parse_options=parse)
        names = probe.schema.names
        probe.close()
        if column not in names:
            raise MissingColumnError(column, names, str(path))
        reader = csv.open_csv(path, read_options=csv.ReadOptions(block_size=64 << 20, encoding=encoding),
                              parse_options=parse,
                              convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                 strings_can_be_null=True))
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _csv_error(path, encoding, err) from err
    return pa.RecordBatchReader.from_batches(reader.schema, _checked_csv(reader, path, encoding))


def _checked_csv(reader: Any, path: Path, encoding: str) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _csv_error(path, encoding, err) from err


def _csv_error(path: Path, encoding: str, err: Exception) -> RaremapError:
    text = str(err)
    if isinstance(err, UnicodeDecodeError) or "UTF8" in text or "UTF-8" in text:
        return RaremapError(f"{path}: not {encoding} text ({text.splitlines()[0]}); give the file's encoding, "
                            "e.g. encoding='latin-1' (raremap batch --encoding latin-1)")
    return RaremapError(f"{path}: unreadable CSV ({text.splitlines()[0] if text else type(err).__name__})")


def map_table(rm: RareMap, table: Any, column: str = "code", to: System | str | None = None, *,
              stream: bool = False, batch_size: int = DEFAULT_BATCH_ROWS, encoding: str = "utf-8",
              delimiter: str | None = None, **options: Any) -> Any:
    """Map ``table[column]`` to system ``to`` (see the module docstring for the columns).

    Returns a pyarrow Table, or with ``stream=True`` a RecordBatchReader that maps batch by
    batch (memory stays flat; write it with :func:`write_batches`). ``encoding`` and
    ``delimiter`` apply to CSV/TSV paths (see :func:`read_batches`).
    """
    reader = read_batches(table, column, batch_size, encoding=encoding, delimiter=delimiter)
    mapper = BatchMapper(column, to, rm=rm, batch_size=batch_size, **options)
    schema = mapper.output_schema(reader.schema)
    mapped = pa.RecordBatchReader.from_batches(schema, mapper(reader))
    return mapped if stream else mapped.read_all()


def write_batches(batches: pa.RecordBatchReader, path: str | os.PathLike[str],
                  progress: Any = None) -> int:
    """Write mapped batches to ``path`` (.parquet, .csv/.tsv, .arrow file, .arrows stream) as they
    come; returns the row count.

    CSV has no list or dictionary types: dictionary columns are written as text and list
    columns joined with ``|``. ``progress(rows)`` is called after each batch.
    """
    final = Path(path)
    kind = final.suffix.lower()
    if kind not in (".parquet", ".pq", ".csv", ".tsv", ".txt", ".arrow", ".feather", ".ipc", ".arrows"):
        raise RaremapError(f"{final}: unknown output format (use .parquet, .csv, .tsv, .arrow or .arrows)")
    # written beside the target and renamed into place when complete: a failed run leaves no
    # half-written file, and the input may be the output
    if not final.parent.is_dir():
        raise RaremapError(f"{final}: no such directory {final.parent}")
    clean_stale(final.parent)  # .partial files of killed earlier runs (never a live run's)
    path = final.with_name(temporary_name(final.name, "partial"))
    rows = 0
    schema = batches.schema
    if kind in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        writer: Any = pq.ParquetWriter(path, schema)
        write = writer.write_batch
    elif kind in (".csv", ".tsv", ".txt"):
        import pyarrow.csv as csv

        flat_schema = pa.schema([pa.field(f.name, _csv_type(f.type)) for f in schema])
        writer = csv.CSVWriter(path, flat_schema, write_options=csv.WriteOptions(delimiter="\t" if kind != ".csv" else ","))

        def write(batch: pa.RecordBatch) -> None:
            writer.write_batch(_for_csv(batch, flat_schema))
    elif kind in (".arrow", ".feather", ".ipc"):
        import pyarrow.ipc as ipc

        # an IPC file holds one dictionary per column: dictionary columns are written as text
        plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                           for f in schema])
        writer = ipc.new_file(path, plain)

        def write(batch: pa.RecordBatch) -> None:
            writer.write_batch(pa.RecordBatch.from_arrays(
                [c.cast(t.type) if c.type != t.type else c for c, t in zip(batch.columns, plain)], schema=plain))
    else:
        import pyarrow.ipc as ipc

        writer = ipc.new_stream(path, schema)
        write = writer.write_batch
    try:
        try:
            for batch in batches:
                write(batch)
                rows += batch.num_rows
                if progress is not None:
                    progress(rows)
        finally:
            writer.close()
        os.replace(path, final)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return rows


def _csv_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(t) or pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.string()
    return t


def _for_csv(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = []
    for col, field in zip(batch.columns, schema):
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            col = pc.binary_join(col, "|")
        elif col.type != field.type:
            col = col.cast(field.type)
        columns.append(col)
    return pa.RecordBatch.from_arrays(columns, schema=schema)
