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

import functools
import gc
import hashlib
import json
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
import pyarrow.ipc as ipc

from ..codes import System, split_prefix, system_named, system_of
from ..debris import clean_stale, temporary_name
from ..loader import cache_dir, load
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
    null and empty codes), kept as Arrow tables of :data:`_ANSWERS_SCHEMA` rows in slot order;
    the arrays indexed by slot are rebuilt with vectorised kernels only when new answers came.

    ``by_concept`` maps a loaded concept's row to its slot (-1: not answered yet), so a batch's
    distinct values are turned into slots by vectorised look-ups; values that are not plain
    registry spellings go through ``by_value``."""

    def __init__(self, explode: bool, concepts: int) -> None:
        self.explode = explode
        self.by_value: dict[str, int] = {}
        self.by_code: dict[str, int] = {}
        self.by_concept = np.full(concepts + 1, -1, np.int64)  # the last entry: not a loaded concept
        self.codes: list[str | None] = []  # the code of each slot (None: a value that names no code)
        self.saved = 0  # code answers already on disk
        self._chunks: list[pa.Table] = []
        self._pending: list[_Answer] = []
        self._arrays: _Arrays | None = None
        self.add(_Answer("missing", None))

    def __len__(self) -> int:
        return len(self.codes)

    def add(self, answer: _Answer, code: str | None = None) -> int:
        self._pending.append(answer)
        self.codes.append(code)
        self._arrays = None
        return len(self.codes) - 1

    def add_table(self, table: pa.Table) -> None:
        """Answers read from disk (:data:`_ANSWERS_SCHEMA`), appended as the next slots."""
        self._flush()
        codes = table.column("code").to_pylist()
        first = len(self.codes)
        self.codes.extend(codes)
        self.by_code.update(zip(codes, range(first, first + len(codes))))
        self._chunks.append(table.drop_columns(["code"]))
        self._arrays = None

    def table(self) -> pa.Table:
        """Every answer with a code (:data:`_ANSWERS_SCHEMA`), for keeping on disk."""
        self._flush()
        answers = pa.concat_tables(self._chunks).combine_chunks()
        has_code = pa.array([c is not None for c in self.codes])
        return answers.add_column(0, "code", pa.array(self.codes, pa.string())).filter(has_code)

    def _flush(self) -> None:
        if self._pending:
            fields = _ANSWERS_SCHEMA.names[1:]
            self._chunks.append(pa.table({f: [getattr(a, f) for a in self._pending] for f in fields},
                                         schema=pa.schema(list(_ANSWERS_SCHEMA)[1:])))
            self._pending = []

    def arrays(self) -> _Arrays:
        if self._arrays is None:
            self._flush()
            self._arrays = self._build(pa.concat_tables(self._chunks).combine_chunks())
        return self._arrays

    @staticmethod
    def _build(t: pa.Table) -> _Arrays:
        n = t.num_rows
        lists = {name: t.column(attr).chunk(0) if t.column(attr).num_chunks else pa.array([], pa.list_(pa.string()))
                 for name, attr in zip(_PER_TARGET, ("targets", "labels", "relations", "bases"))}
        list_offsets = lists["target"].offsets.to_numpy().astype(np.int64)
        list_offsets -= list_offsets[0]
        sizes = np.diff(list_offsets)
        counts = np.maximum(sizes, 1)
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        # where each list value lands among the exploded positions (a slot without targets has one null)
        parent = np.repeat(np.arange(n), sizes)
        landing = offsets[:-1][parent] + (np.arange(list_offsets[-1]) - list_offsets[:-1][parent])
        flat: dict[str, tuple[pa.Array, pa.Array]] = {}
        widths = np.zeros(n, np.int64)
        for name, column in lists.items():
            values = pc.list_flatten(column)
            encoded = pc.dictionary_encode(values)
            ids = np.full(offsets[-1], -1, np.int64)
            ids[landing] = encoded.indices.fill_null(-1).to_numpy()
            flat[name] = (encoded.dictionary, pa.array(ids.astype(np.int32), mask=ids < 0))
            lengths = np.zeros(len(values) + 1, np.int64)
            np.cumsum(pc.fill_null(pc.binary_length(values), 0).to_numpy(), out=lengths[1:])
            widths = np.maximum(widths, lengths[list_offsets[1:]] - lengths[list_offsets[:-1]])
        status = pc.dictionary_encode(t.column("status").chunk(0))
        return _Arrays(
            status=(status.dictionary, status.indices),
            resolved=t.column("resolved").chunk(0),
            umi_flag=t.column("umi_flag").chunk(0),
            error=t.column("error").chunk(0),
            counts=counts, sizes=sizes, widths=widths,
            first=pa.array(offsets[:-1].astype(np.int32)),
            positions=pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                               pa.array(np.arange(offsets[-1], dtype=np.int32))),
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
    in list mode, per output batch: memory stays bounded whatever a code's fan-out),
    ``answer_cache`` (keep each code's answer in ``$RAREMAP_CACHE/batch-answers`` after a run, so
    a later process's first pass looks them up instead of crosswalking again; see
    :attr:`answers_path`).
    """

    def __init__(self, column: str = "code", to: System | str | None = None, *, rm: RareMap | None = None,
                 snapshot: str | os.PathLike[str] | None = None, system: System | str | None = None,
                 explode: bool = True, limit: int | None = None, transitive: bool = True, max_hops: int = 3,
                 include_inactive: bool = False, conditional: bool = False, hierarchy: bool = True,
                 subdivisions: bool = True, best_evidence: bool = False,
                 umi: bool = True, dictionary: bool = True, batch_size: int = DEFAULT_BATCH_ROWS,
                 answer_cache: bool = True) -> None:
        if snapshot is None:
            if rm is None:
                raise RaremapError("BatchMapper needs rm= (a loaded RareMap) or snapshot= (its path)")
            snapshot = rm.snapshot.path
        self.column = column
        self.snapshot = str(snapshot)
        self._rm = rm
        self.to = _target_system(rm, to) if rm is not None else (str(to) if to is not None else None)
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
        self.answer_cache = answer_cache

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
                rm = _LOADED[self.snapshot] = load(snapshot=self.snapshot)
            self._rm = rm
            if self.to is not None:
                self.to = _target_system(rm, self.to)
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
        self.save_answers()

    def pandas(self, frame: Any) -> Any:
        """Map one pandas DataFrame (the Dask ``map_partitions`` function)."""
        table = _from_pandas(frame, self.column)
        out = [piece for b in table.to_batches() for piece in self.map_batches(b)] or [self._empty(table.schema)]
        self.save_answers()
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
                codes = self.rm.snapshot.table("concepts").column("code").take(pa.array(new)).to_pylist()
                for row, code in zip(new.tolist(), codes):
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

    def _value_slot(self, store: _Slots, value: str) -> int:
        read = self._read(value)
        if isinstance(read, _Answer):
            return store.add(read)
        return self._code_slot(store, read)

    def _code_slot(self, store: _Slots, code: str) -> int:
        found = store.by_code.get(code)
        if found is None:
            found = store.by_code[code] = store.add(self._answer(code), code)
        return found

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
            store = stores[key] = _Slots(self.explode, self.rm.snapshot.table("concepts").num_rows)
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
                            snapshot.manifest.get("created"), repr(key), _code_digest()])
        return cache_dir() / "batch-answers" / f"{hashlib.sha256(ident.encode()).hexdigest()[:32]}.arrow"

    def _load_answers(self, store: _Slots) -> None:
        path = self.answers_path
        try:
            table = ipc.open_file(pa.memory_map(str(path), "r")).read_all()
        except (OSError, pa.ArrowInvalid):
            return  # none yet, or unreadable: answered again by the per-code path
        if table.schema != _ANSWERS_SCHEMA:
            return
        store.add_table(table)
        index = self.rm._index
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
            if self.system is None or split_prefix(value.strip())[0] is None:
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


class _SpellingTable(NamedTuple):
    values: pa.Array  # registry spellings (strings)
    concepts: pa.Array  # the concepts-table row each spelling resolves to (int64)


def _spelling_table(rm: RareMap) -> _SpellingTable:
    """The registry spellings of :func:`_spellings` as Arrow arrays, found with vectorised
    string kernels over the concepts table (for ``index_in`` over a batch's distinct values)."""
    found = rm.__dict__.get("_batch_spelling_table")
    if found is None:
        concepts = rm.snapshot.table("concepts")
        code = concepts.column("code").combine_chunks()
        system = concepts.column("system").combine_chunks()
        if pa.types.is_dictionary(system.type):
            system = system.dictionary_decode()
        rows = pa.array(np.arange(len(code), dtype=np.int64))
        value = pc.utf8_slice_codeunits(code, 8)  # after "ICD10SE:"
        icd = pc.and_(pc.equal(system, "ICD10SE"), pc.match_substring_regex(code, "^ICD10SE:" + _ICD10_PLAIN.pattern[1:]))
        icd_values, icd_rows = value.filter(icd), rows.filter(icd)
        dotted = pc.equal(pc.utf8_slice_codeunits(icd_values, 3, 4), ".")
        undotted = pc.replace_substring(icd_values.filter(dotted), ".", "")
        orpha = pc.and_(pc.equal(system, "ORPHA"), pc.match_substring_regex(code, "^ORPHA:[1-9][0-9]{0,5}$"))
        found = _SpellingTable(
            pa.concat_arrays([icd_values, undotted, pc.utf8_slice_codeunits(code.filter(orpha), 6)]),
            pa.concat_arrays([icd_rows, icd_rows.filter(dotted), rows.filter(orpha)]))
        rm.__dict__["_batch_spelling_table"] = found
    return found


def _spellings(rm: RareMap) -> dict[str, str]:
    """Registry spellings that resolve without parsing: an ICD-10-SE code as written in the
    releases (``Q87.4``) or without its dot (``Q874``), and a bare ORPHA number (``558``), each to
    the loaded code that :meth:`Crosswalker.resolve` gives for it (the first reading of a bare code
    is ICD-10-SE, of up to six digits ORPHA). Parsing every distinct value was a third of a
    first pass."""
    found = rm.__dict__.get("_batch_spellings")
    if found is None:
        table = _spelling_table(rm)
        codes = rm.snapshot.table("concepts").column("code").take(table.concepts).to_pylist()
        found = rm.__dict__["_batch_spellings"] = dict(zip(table.values.to_pylist(), codes))
    return found


def _target_system(rm: RareMap, to: System | str | None) -> str | None:
    """The canonical prefix of ``to``; names of no known system go to the crosswalker, which
    accepts the prefixes the releases use (``OMIM``)."""
    if to is None:
        return None
    try:
        return system_named(to).value
    except InvalidCodeError:
        return rm.crosswalker.target_system(to)


_ANSWERS_SCHEMA = pa.schema([("code", pa.string()), ("status", pa.string()), ("resolved", pa.string()),
                             ("targets", pa.list_(pa.string())), ("labels", pa.list_(pa.string())),
                             ("relations", pa.list_(pa.string())), ("bases", pa.list_(pa.string())),
                             ("umi_flag", pa.bool_()), ("error", pa.string())])


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """Checksum of raremap's Python sources (the rules every answer comes from)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for f in sorted(package.rglob("*.py")):
        digest.update(f"{f.relative_to(package).as_posix()}\0".encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


_ICD10_PLAIN = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$")


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
