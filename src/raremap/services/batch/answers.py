"""The answers of a batch mapper, one per distinct code: kept as Arrow tables in slot order and
spread over the rows of a batch with vectorised kernels (see :class:`AnswerSlots`)."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ANSWERS_SCHEMA", "PER_TARGET", "Answer", "AnswerArrays", "AnswerSlots", "code_digest"]

PER_TARGET = ("target", "target_label", "relation", "basis")


@dataclass(frozen=True, slots=True)
class Answer:
    """What every row holding one code gets: its status, canonical code and per-target lists."""

    status: str
    resolved: str | None
    targets: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    umi_flag: bool | None = None
    error: str | None = None


@dataclass
class AnswerArrays:
    """The answers of every slot as Arrow arrays indexed by slot, ready to be spread over rows."""

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
    # the same lists with dictionary-encoded values: spreading them over rows copies indices, not
    # text (a broad code's 436 labels on every row holding it) (list mode, dictionary columns)
    encoded_lists: dict[str, pa.ListArray]


class AnswerSlots:
    """Answers of the distinct codes seen so far, one slot per canonical code (slot 0 answers
    null and empty codes), kept as Arrow tables of :data:`ANSWERS_SCHEMA` rows in slot order;
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
        self._pending: list[Answer] = []
        self._arrays: AnswerArrays | None = None
        self.add(Answer("missing", None))

    def __len__(self) -> int:
        return len(self.codes)

    def add(self, answer: Answer, code: str | None = None) -> int:
        self._pending.append(answer)
        self.codes.append(code)
        self._arrays = None
        return len(self.codes) - 1

    def add_table(self, table: pa.Table) -> None:
        """Answers read from disk (:data:`ANSWERS_SCHEMA`), appended as the next slots."""
        self._flush()
        codes = table.column("code").to_pylist()
        first = len(self.codes)
        self.codes.extend(codes)
        self.by_code.update(zip(codes, range(first, first + len(codes))))
        self._chunks.append(table.drop_columns(["code"]))
        self._arrays = None

    def table(self) -> pa.Table:
        """Every answer with a code (:data:`ANSWERS_SCHEMA`), for keeping on disk."""
        self._flush()
        answers = pa.concat_tables(self._chunks).combine_chunks()
        has_code = pa.array([c is not None for c in self.codes])
        return answers.add_column(0, "code", pa.array(self.codes, pa.string())).filter(has_code)

    def _flush(self) -> None:
        if self._pending:
            fields = ANSWERS_SCHEMA.names[1:]
            self._chunks.append(pa.table({f: [getattr(a, f) for a in self._pending] for f in fields},
                                         schema=pa.schema(list(ANSWERS_SCHEMA)[1:])))
            self._pending = []

    def arrays(self) -> AnswerArrays:
        if self._arrays is None:
            self._flush()
            self._arrays = self._build(pa.concat_tables(self._chunks).combine_chunks())
        return self._arrays

    @staticmethod
    def _build(t: pa.Table) -> AnswerArrays:
        n = t.num_rows
        lists = {name: t.column(attr).chunk(0) if t.column(attr).num_chunks else pa.array([], pa.list_(pa.string()))
                 for name, attr in zip(PER_TARGET, ("targets", "labels", "relations", "bases"))}
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
        encoded_lists: dict[str, pa.ListArray] = {}
        widths = np.zeros(n, np.int64)
        value_offsets = pa.array(list_offsets.astype(np.int32))
        for name, column in lists.items():
            values = pc.list_flatten(column)
            encoded = pc.dictionary_encode(values)
            encoded_lists[name] = pa.ListArray.from_arrays(value_offsets, encoded)
            ids = np.full(offsets[-1], -1, np.int64)
            ids[landing] = encoded.indices.fill_null(-1).to_numpy()
            flat[name] = (encoded.dictionary, pa.array(ids.astype(np.int32), mask=ids < 0))
            lengths = np.zeros(len(values) + 1, np.int64)
            np.cumsum(pc.fill_null(pc.binary_length(values), 0).to_numpy(), out=lengths[1:])
            widths = np.maximum(widths, lengths[list_offsets[1:]] - lengths[list_offsets[:-1]])
        status = pc.dictionary_encode(t.column("status").chunk(0))
        return AnswerArrays(
            status=(status.dictionary, status.indices),
            resolved=t.column("resolved").chunk(0),
            umi_flag=t.column("umi_flag").chunk(0),
            error=t.column("error").chunk(0),
            counts=counts, sizes=sizes, widths=widths,
            first=pa.array(offsets[:-1].astype(np.int32)),
            positions=pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                               pa.array(np.arange(offsets[-1], dtype=np.int32))),
            flat=flat, lists=lists, encoded_lists=encoded_lists,
        )


ANSWERS_SCHEMA = pa.schema([("code", pa.string()), ("status", pa.string()), ("resolved", pa.string()),
                            ("targets", pa.list_(pa.string())), ("labels", pa.list_(pa.string())),
                            ("relations", pa.list_(pa.string())), ("bases", pa.list_(pa.string())),
                            ("umi_flag", pa.bool_()), ("error", pa.string())])


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Checksum of raremap's Python sources (the rules every answer comes from)."""
    package = Path(__file__).resolve().parents[2]  # src/raremap
    digest = hashlib.sha256()
    for f in sorted(package.rglob("*.py")):
        digest.update(f"{f.relative_to(package).as_posix()}\0".encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()
