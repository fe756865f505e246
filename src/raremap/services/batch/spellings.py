"""Registry spellings of the loaded codes (``Q87.4``, ``Q874``, ``558``): read without parsing,
found with vectorised string kernels over the concepts table."""

from __future__ import annotations

import re
import weakref
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..terminology import Terminology

__all__ = ["ICD10_PLAIN", "SpellingTable", "spelling_table", "spellings"]

ICD10_PLAIN = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$")


class SpellingTable(NamedTuple):
    """Registry spellings and the concept row each one resolves to."""

    values: pa.Array  # registry spellings (strings)
    concepts: pa.Array  # the concepts-table row each spelling resolves to (int64)


_TABLES: weakref.WeakKeyDictionary[Terminology, SpellingTable] = weakref.WeakKeyDictionary()
_FOUND: weakref.WeakKeyDictionary[Terminology, dict[str, str]] = weakref.WeakKeyDictionary()


def spelling_table(rm: Terminology) -> SpellingTable:
    """The registry spellings of :func:`spellings` as Arrow arrays, found with vectorised
    string kernels over the concepts table (for ``index_in`` over a batch's distinct values)."""
    found = _TABLES.get(rm)
    if found is None:
        concepts = rm.snapshot.table("concepts")
        code = concepts.column("code").combine_chunks()
        system = concepts.column("system").combine_chunks()
        if pa.types.is_dictionary(system.type):
            system = system.dictionary_decode()
        rows = pa.array(np.arange(len(code), dtype=np.int64))
        value = pc.utf8_slice_codeunits(code, 8)  # after "ICD10SE:"
        icd = pc.and_(pc.equal(system, "ICD10SE"), pc.match_substring_regex(code, "^ICD10SE:" + ICD10_PLAIN.pattern[1:]))
        icd_values, icd_rows = value.filter(icd), rows.filter(icd)
        dotted = pc.equal(pc.utf8_slice_codeunits(icd_values, 3, 4), ".")
        undotted = pc.replace_substring(icd_values.filter(dotted), ".", "")
        orpha = pc.and_(pc.equal(system, "ORPHA"), pc.match_substring_regex(code, "^ORPHA:[1-9][0-9]{0,5}$"))
        found = SpellingTable(
            pa.concat_arrays([icd_values, undotted, pc.utf8_slice_codeunits(code.filter(orpha), 6)]),
            pa.concat_arrays([icd_rows, icd_rows.filter(dotted), rows.filter(orpha)]))
        _TABLES[rm] = found
    return found


def spellings(rm: Terminology) -> dict[str, str]:
    """Registry spellings that resolve without parsing: an ICD-10-SE code as written in the
    releases (``Q87.4``) or without its dot (``Q874``), and a bare ORPHA number (``558``), each to
    the loaded code that :meth:`Crosswalker.resolve` gives for it (the first reading of a bare code
    is ICD-10-SE, of up to six digits ORPHA). Parsing every distinct value was a third of a
    first pass."""
    found = _FOUND.get(rm)
    if found is None:
        table = spelling_table(rm)
        codes = rm.snapshot.table("concepts").column("code").take(table.concepts).to_pylist()
        found = _FOUND[rm] = dict(zip(table.values.to_pylist(), codes))
    return found
