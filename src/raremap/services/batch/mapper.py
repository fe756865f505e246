"""The batch mapper: a column of codes in, target codes with relation out, batch by batch
(see :mod:`raremap.services.batch` for the output columns)."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypedDict, Union, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from ... import snapshot as snapshot_store
from ...cache import cache_dir
from ...codes import System, split_prefix, system_named, system_of
from ...debris import temporary_name
from ...errors import InvalidCodeError, RaremapError, UnknownCodeError, UsageError
from ...model import Relation
from ..crosswalk import Crosswalker
from ..terminology import Terminology
from ..umi import Assessor
from .answers import ANSWERS_SCHEMA, PER_TARGET, Answer, AnswerArrays, AnswerSlots, code_digest
from .frames import from_pandas, like_input, spark_output_fields
from .spellings import spelling_table, spellings
from .table_io import DEFAULT_BATCH_ROWS, MissingColumnError, read_batches

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

__all__ = ["DEFAULTS", "MAX_TEXT_BYTES", "OUTPUT_COLUMNS", "Assessed", "BatchMapper", "CrosswalkOptions", "Services",
           "TableSource", "map_table"]

_SE = "ICD10SE"
_BATCH_PROOF_MIN = 64  # new codes in a batch from which proving them all at once beats searching each
OUTPUT_COLUMNS = ("status", "resolved", "target", "target_label", "relation", "basis", "umi_flag", "error")
# at most this much target text (labels are the longest) per output batch: Arrow string and list
# columns have 32-bit offsets, and a broad code's fan-out must not make one batch huge
MAX_TEXT_BYTES = 256 << 20
# what map_table reads besides DataFrames: Arrow objects, an iterable of record batches, a file path
TableSource = Union[pa.Table, pa.RecordBatch, pa.RecordBatchReader, Iterable[pa.RecordBatch], str, "os.PathLike[str]"]


class CrosswalkOptions(TypedDict):
    """The keyword options of :meth:`RareMap.crosswalk` a mapper passes on."""

    transitive: bool
    max_hops: int
    include_inactive: bool
    conditional: bool
    hierarchy: bool
    subdivisions: bool
    best_evidence: bool


DEFAULTS: CrosswalkOptions = {"transitive": True, "max_hops": 3, "include_inactive": False, "conditional": False,
                              "hierarchy": True, "subdivisions": True, "best_evidence": False}


class Assessed(Protocol):
    """A loaded terminology with its UMI assessor (:class:`raremap.RareMap`): what ``rm=`` takes."""

    @property
    def umi_assessor(self) -> Assessor: ...


class Services(NamedTuple):
    """What a mapper answers from: a loaded terminology, its crosswalker and its UMI assessor."""

    terms: Terminology
    crosswalker: Crosswalker
    assessor: Assessor

    @classmethod
    def of(cls, rm: Assessed) -> Services:
        """The services of a loaded :class:`raremap.RareMap` (its own crosswalker and assessor)."""
        assessor = rm.umi_assessor
        return cls(assessor.terms, assessor.cw, assessor)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Services:
        """Open the snapshot at ``path`` (memory-mapped) with a crosswalker and an assessor of its own."""
        terms = Terminology(snapshot_store.read(Path(path)))
        crosswalker = Crosswalker(terms)
        return cls(terms, crosswalker, Assessor(terms, crosswalker))


_OPENED: dict[str, Services] = {}  # per worker process: snapshot path -> the services opened from it
# per loaded terminology: the answer slots of each option set, shared by its mappers
_STORES: weakref.WeakKeyDictionary[Terminology, dict[tuple, AnswerSlots]] = weakref.WeakKeyDictionary()


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
    in list mode, per output batch: memory stays bounded whatever a code's fan-out),
    ``answer_cache`` (keep each code's answer in ``$RAREMAP_CACHE/batch-answers`` after a run, so
    a later process's first pass looks them up instead of crosswalking again; see
    :attr:`answers_path`).
    """

    def __init__(self, column: str = "code", to: System | str | None = None, *, rm: Assessed | None = None,
                 snapshot: str | os.PathLike[str] | None = None, system: System | str | None = None,
                 explode: bool = True, limit: int | None = None, transitive: bool = True, max_hops: int = 3,
                 include_inactive: bool = False, conditional: bool = False, hierarchy: bool = True,
                 subdivisions: bool = True, best_evidence: bool = False,
                 umi: bool = True, dictionary: bool = True, batch_size: int = DEFAULT_BATCH_ROWS,
                 answer_cache: bool = True) -> None:
        services = Services.of(rm) if rm is not None else None
        if snapshot is None:
            if services is None:
                raise RaremapError("BatchMapper needs rm= (a loaded RareMap) or snapshot= (its path)")
            snapshot = services.terms.snapshot.path
        self.column = column
        self.snapshot = str(snapshot)
        self._services = services
        self.to = _target_system(services.crosswalker, to) if services is not None else (
            str(to) if to is not None else None)
        self.system = system
        self.explode = explode
        self.limit = limit
        self.options: CrosswalkOptions = {"transitive": transitive, "max_hops": max_hops,
                                           "include_inactive": include_inactive, "conditional": conditional,
                                           "hierarchy": hierarchy, "subdivisions": subdivisions,
                                           "best_evidence": best_evidence}
        self.umi = umi
        self.dictionary = dictionary
        if batch_size < 1:
            raise UsageError(f"batch_size must be 1 or more, not {batch_size}")
        self.batch_size = batch_size
        self.answer_cache = answer_cache

    # --- pickling for distributed engines: ship the snapshot path, not the loaded data ------

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_services"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._services = None

    @property
    def services(self) -> Services:
        """The terminology, crosswalker and UMI assessor the mapper answers from (in a worker
        process: opened from :attr:`snapshot` once per process)."""
        if self._services is None:
            services = _OPENED.get(self.snapshot)
            if services is None:
                services = _OPENED[self.snapshot] = Services.open(self.snapshot)
            self._services = services
            if self.to is not None:
                self.to = _target_system(services.crosswalker, self.to)
        return self._services

    @property
    def rm(self) -> Terminology:
        """The loaded terminology the mapper answers from."""
        return self.services.terms

    # --- schema -----------------------------------------------------------------------------

    def output_schema(self, schema: pa.Schema) -> pa.Schema:
        """The schema of the mapped batches for input ``schema``."""
        for name in OUTPUT_COLUMNS:
            if name in schema.names:
                raise RaremapError(f"input already has a column named {name!r}; rename it before mapping")
        if self.column not in schema.names:
            raise MissingColumnError(self.column, schema.names)
        text = pa.dictionary(pa.int32(), pa.string()) if self.dictionary else pa.string()
        many = text if self.explode else pa.list_(text)
        fields = [pa.field("status", text), pa.field("resolved", pa.string()),
                  *(pa.field(name, many) for name in PER_TARGET),
                  pa.field("umi_flag", pa.bool_()), pa.field("error", pa.string())]
        return pa.schema([*(f.with_type(_takeable(f.type)) for f in schema), *fields])

    def spark_schema(self, spark_schema: Any) -> Any:
        """The Spark ``StructType`` of the output for an input Spark schema (needs pyspark)."""
        from pyspark.sql.types import StructType

        return StructType([*spark_schema.fields, *spark_output_fields(self.explode)])

    # --- mapping ----------------------------------------------------------------------------

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Map an iterator of record batches (the Spark ``mapInArrow`` function signature)."""
        for batch in batches:
            yield from self.map_batches(batch)
        self.save_answers()

    def pandas(self, frame: Any) -> Any:
        """Map one pandas DataFrame (the Dask ``map_partitions`` function)."""
        table = from_pandas(frame, self.column)
        out = [piece for b in table.to_batches() for piece in self.map_batches(b)] or [self._empty(table.schema)]
        self.save_answers()
        return pa.Table.from_batches(out).to_pandas()

    def pandas_meta(self, frame: Any) -> Any:
        """An empty pandas DataFrame with the output columns (Dask ``meta=``)."""
        schema = from_pandas(frame.iloc[:0], self.column).schema
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
        row_slots = _take(dict_slots, pc.fill_null(values, len(dict_slots) - 1))
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

    def _output(self, schema: pa.Schema, a: AnswerArrays, row_slots: pa.Array, inputs: list[pa.Array],
                fans_out: bool) -> pa.RecordBatch:
        columns: list[pa.Array]
        if self.explode:
            if fans_out:
                per_row = _take(a.positions, row_slots)
                flat = pc.list_flatten(per_row)
                parent = pc.list_parent_indices(per_row)
                columns, slots = [_take(c, parent) for c in inputs], _take(row_slots, parent)
            else:  # one output row per input row: no row is repeated
                flat = _take(a.first, row_slots)
                columns, slots = list(inputs), row_slots
            columns.append(self._text(a.status, slots))
            columns.append(_take(a.resolved, slots))
            for name in PER_TARGET:
                columns.append(self._text(a.flat[name], flat))
        else:
            slots = row_slots
            columns = list(inputs)
            columns.append(self._text(a.status, slots))
            columns.append(_take(a.resolved, slots))
            lists = a.encoded_lists if self.dictionary else a.lists
            columns.extend(_take(lists[name], slots) for name in PER_TARGET)
        columns.append(_take(a.umi_flag, slots))
        columns.append(_take(a.error, slots))
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    def _slots(self, column: pa.Array | pa.ChunkedArray, store: AnswerSlots) -> tuple[pa.Array, pa.Array]:
        """(slot of each distinct value, with a last entry 0 for null codes; row indices into
        the distinct values). Registry spellings are looked up in one vectorised pass over the
        spelling table; each new code's answer comes from :meth:`_answer`, the per-code path."""
        indices, dictionary = _encode(column)
        n = len(dictionary)
        slots = np.zeros(n + 1, np.int64)
        if self.system is None and n:
            table = spelling_table(self.rm)
            rows = table.concepts.take(pc.index_in(dictionary, value_set=table.values))
            rows_np = rows.fill_null(len(store.by_concept) - 1).to_numpy()
            found = store.by_concept[rows_np]
            new = np.unique(rows_np[(found < 0) & (rows_np < len(store.by_concept) - 1)])
            if len(new):
                codes = self.rm.snapshot.table("concepts").column("code").take(pa.array(new))
                proved = self._proved_unmapped(codes).tolist()
                flag = False if self.umi else None
                for row, code, nothing in zip(new.tolist(), codes.to_pylist(), proved):
                    if nothing and code not in store.by_code:
                        store.by_code[code] = store.add(Answer("unmapped", code, umi_flag=flag), code)
                    store.by_concept[row] = self._code_slot(store, code)
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

    def _proved_unmapped(self, codes: pa.Array) -> np.ndarray:
        """Which of a batch's new loaded codes have no answer and no UMI flag, proved for all of
        them at once (:meth:`Crosswalker.reaches_nothing_many`) instead of searched one by one:
        ICD-10-SE codes below category level (a category also answers through its subdivisions)
        that reach neither system ``to`` with these options nor, when ``umi`` is on, ORPHA with
        the defaults the flag is judged by. Their per-code answer is ``unmapped``, flag False."""
        proved = np.zeros(len(codes), bool)
        if self.to is None or len(codes) < _BATCH_PROOF_MIN:
            return proved
        value = pc.utf8_slice_codeunits(codes, len(_SE) + 1)
        at = np.flatnonzero(pc.and_(pc.starts_with(codes, _SE + ":"),
                                    pc.greater(pc.utf8_length(value), 3)).to_numpy(zero_copy_only=False))
        if not len(at):
            return proved
        icd = codes.take(pa.array(at))
        cw = self.services.crosswalker
        statements = max(1, self.options["max_hops"]) if self.options["transitive"] else 1
        nothing = cw.reaches_nothing_many(icd, self.to, statements, self.options["conditional"])
        if self.umi and (self.to, statements, self.options["conditional"]) != ("ORPHA", 3, False):
            nothing &= cw.reaches_nothing_many(icd, "ORPHA", 3, False)
        proved[at] = nothing
        return proved

    def _value_slot(self, store: AnswerSlots, value: str) -> int:
        read = self._read(value)
        if isinstance(read, Answer):
            return store.add(read)
        return self._code_slot(store, read)

    def _code_slot(self, store: AnswerSlots, code: str) -> int:
        found = store.by_code.get(code)
        if found is None:
            found = store.by_code[code] = store.add(self._answer(code), code)
        return found

    def _text(self, interned: tuple[pa.Array, pa.Array], indices: pa.Array) -> pa.Array:
        """Interned text (distinct values, value index per position) spread over rows by ``indices``.
        A dictionary column's dictionary holds each value once (pandas makes it a Categorical,
        which must not repeat a category); a missing value is a null index."""
        values, ids = interned
        ids = _take(ids, indices)
        if self.dictionary:
            return pa.DictionaryArray.from_arrays(ids, values)
        return _take(values, ids)

    @property
    def _store(self) -> AnswerSlots:
        """The cached answers for these options, shared by every mapper of the same RareMap."""
        key = (self.to, str(self.system), self.limit, tuple(sorted(self.options.items())), self.umi, self.explode)
        stores = _STORES.setdefault(self.rm, {})
        store = stores.get(key)
        if store is None:
            store = stores[key] = AnswerSlots(self.explode, self.rm.snapshot.table("concepts").num_rows)
            if self.answer_cache:
                self._load_answers(store)
        return store

    # --- answers kept on disk: a later process's first pass starts from them -----------------

    @property
    def answers_path(self) -> Path:
        """Where the per-code answers of this option set are kept (``$RAREMAP_CACHE/batch-answers``),
        named by the snapshot (path, key, build time), the options and a checksum of raremap's
        code: a change to the crosswalk or UMI rules never answers from an old file."""
        snapshot = self.rm.snapshot
        key = (self.to, str(self.system), self.limit, sorted(self.options.items()), self.umi)
        ident = json.dumps([str(Path(snapshot.path).resolve()), snapshot.manifest.get("key"),
                            snapshot.manifest.get("created"), repr(key), code_digest()])
        return cache_dir() / "batch-answers" / f"{hashlib.sha256(ident.encode()).hexdigest()[:32]}.arrow"

    def _load_answers(self, store: AnswerSlots) -> None:
        path = self.answers_path
        try:
            table = ipc.open_file(pa.memory_map(str(path), "r")).read_all()
        except (OSError, pa.ArrowInvalid):
            return  # none yet, or unreadable: answered again by the per-code path
        if table.schema != ANSWERS_SCHEMA:
            return
        store.add_table(table)
        index = self.rm.concept_rows()
        for code, slot in store.by_code.items():
            concept = index.get(code)
            if concept is not None:
                store.by_concept[concept] = slot
        store.saved = len(store.by_code)

    def save_answers(self) -> None:
        """Write the per-code answers found so far to :attr:`answers_path` (when there are new
        ones and ``answer_cache``); written to a temporary file and renamed into place."""
        if not self.answer_cache:
            return
        store = self._store
        if len(store.by_code) <= store.saved:
            return
        table = store.table()
        path = self.answers_path
        tmp = path.with_name(temporary_name(path.name, "partial"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only cache: answers stay in memory only
            return
        store.saved = table.num_rows

    def answer(self, value: str | None) -> dict[str, Any]:
        """The per-code reference answer for one ``value`` (what every row holding it gets, lists
        for the per-target columns), computed without the batch caches."""
        read = Answer("missing", None) if value is None else self._read(value)
        a = read if isinstance(read, Answer) else self._answer(read)
        return {"status": a.status, "resolved": a.resolved, "target": list(a.targets), "target_label": list(a.labels),
                "relation": list(a.relations), "basis": list(a.bases), "umi_flag": a.umi_flag, "error": a.error}

    def _read(self, value: str) -> str | Answer:
        """The canonical code a value names, or the answer of a value that names none."""
        if not value.strip():
            return Answer("missing", None)
        rm = self.rm
        cw = self.services.crosswalker
        try:
            return (spellings(rm).get(value) if self.system is None else None) or cw.resolve(value, self.system)
        except InvalidCodeError as err:
            if self.system is None or split_prefix(value.strip())[0] is None:
                return Answer("invalid", None, error=err.reason)
            # system= reads bare codes; a code that names its own system is read as written
            try:
                return cw.resolve(value)
            except InvalidCodeError as again:
                return Answer("invalid", None, error=again.reason)
            except UnknownCodeError as again:
                return Answer("unknown", again.code, error=str(again))
        except UnknownCodeError as err:
            return Answer("unknown", err.code, error=str(err))

    def _answer(self, code: str) -> Answer:
        """The answer for a canonical code: the per-code crosswalk (the reference path)."""
        rm = self.rm
        cw = self.services.crosswalker
        if self.to is not None and system_of(code) == self.to and cw.is_active(code):
            maps = []
            identity: tuple[tuple[str, str | None, str, str], ...] = ((code, rm.label_of(code), str(Relation.EXACT), "identity"),)
        else:
            maps = cw.crosswalk_resolved(code, self.to, **self.options)
            identity = ()
        if self.limit is not None:
            maps = maps[: self.limit]
        found = identity + tuple((m.target, rm.label_of(m.target), str(m.relation), m.basis) for m in maps)
        reuse = self.to == "ORPHA" and self.limit is None and not identity and self.options == DEFAULTS
        flag = self.services.assessor.needs_attention(code, maps if reuse else None) if self.umi else None
        if not found:
            return Answer("unmapped", code, umi_flag=flag)
        targets, labels, relations, bases = zip(*found)
        return Answer("mapped", code, targets, labels, relations, bases, flag)


@functools.cache
def _output_pool() -> pa.MemoryPool:
    """The allocator of the output columns: jemalloc where pyarrow has it, else the system's.
    Measured on 1 M registry rows in a fresh process (the registry case, one output batch):
    jemalloc 1.27-1.32 M rows/s on the first pass and 9.0-9.5 M rows/s on later ones, pyarrow's
    default mimalloc pool 1.03-1.11 and 4.4. A broad code's many small output batches (Q87.8
    on a sixth of the rows) go faster in mimalloc (lists 1.64 against 0.98 M rows/s, exploded
    0.43 against 0.28); the common case decides."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (e.g. some macOS wheels)
        return pa.system_memory_pool()


def _take(values: pa.Array, indices: pa.Array) -> pa.Array:
    return pc.take(values, indices, memory_pool=_output_pool())


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


def _target_system(crosswalker: Crosswalker, to: System | str | None) -> str | None:
    """The canonical prefix of ``to``; names of no known system go to the crosswalker, which
    accepts the prefixes the releases use (``OMIM``)."""
    if to is None:
        return None
    try:
        return system_named(to).value
    except InvalidCodeError:
        return crosswalker.target_system(to)


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


@overload
def map_table(rm: Assessed, table: Any, column: str = ..., to: System | str | None = ..., *, stream: Literal[True],
              batch_size: int = ..., encoding: str = ..., delimiter: str | None = ...,
              **options: Any) -> pa.RecordBatchReader: ...
@overload
def map_table(rm: Assessed, table: pd.DataFrame, column: str = ..., to: System | str | None = ..., *,
              stream: Literal[False] = ..., batch_size: int = ..., encoding: str = ..., delimiter: str | None = ...,
              **options: Any) -> pd.DataFrame: ...
@overload
def map_table(rm: Assessed, table: pl.DataFrame, column: str = ..., to: System | str | None = ..., *,
              stream: Literal[False] = ..., batch_size: int = ..., encoding: str = ..., delimiter: str | None = ...,
              **options: Any) -> pl.DataFrame: ...
@overload
def map_table(rm: Assessed, table: TableSource, column: str = ..., to: System | str | None = ..., *,
              stream: Literal[False] = ..., batch_size: int = ..., encoding: str = ..., delimiter: str | None = ...,
              **options: Any) -> pa.Table: ...
def map_table(rm: Assessed, table: Any, column: str = "code", to: System | str | None = None, *,
              stream: bool = False, batch_size: int = DEFAULT_BATCH_ROWS, encoding: str = "utf-8",
              delimiter: str | None = None, **options: Any) -> Any:
    """Map ``table[column]`` to system ``to`` (see :mod:`raremap.services.batch` for the columns).

    Returns what it was given: a pandas DataFrame for a pandas DataFrame, a polars DataFrame for
    a polars one, a pyarrow Table for anything else (a Table, batches, a file path); with
    ``stream=True`` a RecordBatchReader that maps batch by batch (memory stays flat; write it with
    :func:`write_batches`). ``encoding`` and ``delimiter`` apply to CSV/TSV paths (see
    :func:`read_batches`).
    """
    reader = read_batches(table, column, batch_size, encoding=encoding, delimiter=delimiter)
    mapper = BatchMapper(column, to, rm=rm, batch_size=batch_size, **options)
    schema = mapper.output_schema(reader.schema)
    mapped = pa.RecordBatchReader.from_batches(schema, mapper(reader))
    return mapped if stream else like_input(mapped.read_all(), table)
