"""Views of Arrow columns: a sorted string column's prefix search, with and without head keys."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from raremap.snapshot.columns import StringColumn, dictionary_view, head_key, list_view, numpy_view

# normalised names: lower-case letters (å/ä/ö and other non-ASCII included), digits, single spaces
WORD = st.text(alphabet="abcdeåäöüé019 ", min_size=0, max_size=14)


def _scan(values: list[str], prefix: bytes) -> tuple[int, int]:
    rows = [i for i, v in enumerate(values) if v.encode().startswith(prefix)]
    return (rows[0], rows[-1] + 1) if rows else (-1, -1)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORD, max_size=60), WORD)
def test_prefix_range_with_head_keys_is_the_plain_binary_search(values: list[str], prefix: str) -> None:
    values = sorted(values)
    column = pa.chunked_array([pa.array(values, pa.string())])
    heads = np.fromiter((head_key(v.encode()) for v in values), np.uint64, len(values))
    plain, keyed = StringColumn(column), StringColumn(column, heads)
    want = prefix.encode()
    lo, hi = keyed.prefix_range(want)
    assert (lo, hi) == plain.prefix_range(want)
    if hi > lo:
        assert (lo, hi) == _scan(values, want)
    else:
        assert _scan(values, want) == (-1, -1)
    assert keyed.equal_range(want) == plain.equal_range(want)
    assert keyed.texts(range(len(values))) == values


def test_head_keys_of_sorted_values_are_sorted() -> None:
    values = sorted(["marfan", "marfans syndrom", "marfansyndrom", "mar", "må", "ma", "marfan syndrome type 1"])
    keys = [head_key(v.encode()) for v in values]
    assert keys == sorted(keys)
    # every value starting with a short prefix lies between its two filled keys
    low, high = head_key(b"mar"), head_key(b"mar", b"\xff")
    assert [v for v, k in zip(values, keys) if low <= k <= high] == [v for v in values if v.startswith("mar")]


def test_numeric_dictionary_and_list_views() -> None:
    table = pa.table({"n": pa.array([3, 1, 2], pa.int32()), "b": pa.array([True, False, True]),
                      "s": pa.array(["ORPHA", "ICD10SE", "ORPHA"]).dictionary_encode(),
                      "l": pa.array([[1, 2], [], [3]], pa.list_(pa.int32()))})
    assert numpy_view(table.column("n")).tolist() == [3, 1, 2]
    assert numpy_view(table.column("b")).tolist() == [True, False, True]
    indices, names = dictionary_view(table.column("s"))
    assert [names[i] for i in indices] == ["ORPHA", "ICD10SE", "ORPHA"]
    offsets, values = list_view(table.column("l"))
    assert offsets.tolist() == [0, 2, 2, 3] and values.tolist() == [1, 2, 3]
