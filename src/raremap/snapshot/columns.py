"""Read-only views of a memory-mapped snapshot's Arrow columns: numpy arrays and memoryviews
over the Arrow buffers, so that reading a value or a slice converts nothing else."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

__all__ = ["SortedKeys", "StringColumn", "dictionary_view", "head_key", "list_view", "numpy_view", "runs",
           "single_array"]


def head_key(value: bytes, pad: bytes = b"\0") -> int:
    """The first 8 bytes of ``value``, filled up with ``pad``, as a big-endian integer: the keys
    of sorted byte strings are sorted, and every value starting with a prefix of at most 8
    bytes has a key between the prefix's filled with ``b"\0"`` and with ``b"\xff"``."""
    return int.from_bytes(value[:8].ljust(8, pad), "big")


class StringColumn:
    """An Arrow string column read straight from its (memory-mapped) buffers: single values,
    and binary search when the column is sorted (narrowed first in numpy by ``heads``, the
    values' :func:`head_key`, when given)."""

    def __init__(self, column: pa.ChunkedArray, heads: np.ndarray | None = None) -> None:
        self._heads = heads
        arr = single_array(column)
        self._n = len(arr)
        _, offsets, data = arr.buffers()
        width = 8 if pa.types.is_large_string(arr.type) else 4
        raw = memoryview(offsets)[arr.offset * width:(arr.offset + self._n + 1) * width]
        self._off = raw.cast("q" if width == 8 else "i")
        self._data = memoryview(data) if data is not None else memoryview(b"")

    def __len__(self) -> int:
        return self._n

    def head(self, i: int, n: int) -> bytes:
        """The first ``n`` bytes of value ``i``."""
        start = self._off[i]
        return bytes(self._data[start:min(start + n, self._off[i + 1])])

    def get(self, i: int) -> bytes:
        """Value ``i`` as bytes."""
        return bytes(self._data[self._off[i]:self._off[i + 1]])

    def text(self, i: int) -> str:
        """Value ``i`` as str."""
        return str(self._data[self._off[i]:self._off[i + 1]], "utf-8")

    def texts(self, rows: Iterable[int]) -> list[str]:
        """The values at ``rows`` as str."""
        off, data = self._off, self._data
        return [str(data[off[i]:off[i + 1]], "utf-8") for i in rows]

    def prefix_range(self, prefix: bytes) -> tuple[int, int]:
        """Rows whose value starts with ``prefix``: ``range(lo, hi)``."""
        n, size = len(prefix), self._n
        lo, hi = 0, size
        if self._heads is not None:
            lo = int(np.searchsorted(self._heads, np.uint64(head_key(prefix)), "left"))
            size = int(np.searchsorted(self._heads, np.uint64(head_key(prefix, b"\xff")), "right"))
            if n <= 8:  # the keys tell the whole prefix
                return lo, size
            hi = size
        while lo < hi:
            mid = (lo + hi) // 2
            if self.head(mid, n) < prefix:
                lo = mid + 1
            else:
                hi = mid
        start, hi = lo, size
        while lo < hi:
            mid = (lo + hi) // 2
            if self.head(mid, n) <= prefix:
                lo = mid + 1
            else:
                hi = mid
        return start, lo

    def equal_range(self, value: bytes) -> tuple[int, int]:
        """Rows equal to ``value`` (they sort first among the rows starting with it)."""
        lo, hi = self.prefix_range(value)
        end = lo
        while end < hi and self._off[end + 1] - self._off[end] == len(value):
            end += 1
        return lo, end


class SortedKeys:
    """The rows of each value of a sorted string column: by binary search on the column's
    (memory-mapped) buffers for the first ``convert_after`` questions, so that a few questions
    convert nothing; after that from a dict of every value's rows, built once."""

    def __init__(self, column: pa.ChunkedArray | pa.Array, convert_after: int = 512) -> None:
        self._column = column
        self._strings = StringColumn(column)
        self._runs: dict[str, range] | None = None
        self._asked = 0
        self._convert_after = convert_after

    def __len__(self) -> int:
        return len(self._strings)

    def rows(self, value: str) -> tuple[int, int]:
        """``(start, stop)`` of the rows equal to ``value`` (``start == stop`` when there are none)."""
        by_value = self._runs
        if by_value is None:
            self._asked += 1
            if self._asked <= self._convert_after:
                try:
                    return self._strings.equal_range(value.encode())
                except (AttributeError, UnicodeEncodeError):  # not a str, or not UTF-8: in no column
                    return 0, 0
            by_value = self._runs = runs(single_array(self._column).to_pylist())
        found = by_value.get(value)
        return (found.start, found.stop) if found is not None else (0, 0)

    def starting(self, prefix: str) -> tuple[int, int]:
        """``(start, stop)`` of the rows whose value starts with ``prefix``."""
        return self._strings.prefix_range(prefix.encode())

    def texts(self, start: int, stop: int) -> list[str]:
        """The values of rows ``start:stop``."""
        return self._strings.texts(range(start, stop))


def runs(values: list[str]) -> dict[str, range]:
    """Each value of a sorted list → the range of rows of its run."""
    found: dict[str, range] = {}
    if not values:
        return found
    ends = [j for j, (a, b) in enumerate(zip(values, itertools.islice(values, 1, None)), 1) if a != b]
    ends.append(len(values))
    start = 0
    for stop in ends:
        found[values[start]] = range(start, stop)
        start = stop
    return found


def single_array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The column as one array (its only chunk when it has one, no copy)."""
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 0:  # an empty table (combine_chunks and pa.array import pandas: ~0.4 s)
            return pa.nulls(0, column.type)
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def numpy_view(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numpy view of a null-free numeric or boolean Arrow column (booleans are unpacked)."""
    arr = single_array(column)
    if arr.null_count:
        raise ValueError(f"unexpected nulls in a {arr.type} column")
    data = arr.buffers()[1]
    if pa.types.is_boolean(arr.type):
        bits = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
        return np.unpackbits(bits, bitorder="little")[arr.offset:arr.offset + len(arr)].view(np.bool_)
    if not pa.types.is_integer(arr.type):
        raise ValueError(f"unexpected {arr.type} search column")
    dtype = np.dtype(f"{'u' if pa.types.is_unsigned_integer(arr.type) else 'i'}{arr.type.bit_width // 8}")
    if data is None:
        return np.zeros(0, dtype)
    return np.frombuffer(data, dtype, len(arr), arr.offset * dtype.itemsize)


def dictionary_view(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """The indices (numpy view) and dictionary values of a string column, encoded if it is not."""
    arr = single_array(column)
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    return numpy_view(arr.indices), arr.dictionary.to_pylist()


def list_view(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and values (numpy views) of a list column: list i is ``values[offsets[i]:offsets[i + 1]]``."""
    arr = single_array(column)
    return numpy_view(arr.offsets), numpy_view(arr.values)

