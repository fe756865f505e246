"""Indexes computed at snapshot compile time and stored beside the tables."""

from __future__ import annotations

from itertools import chain

import pyarrow as pa

from ..snapshot.compile import Compiled

from .lexical_bridges import TABLE as LEXICAL_TABLE, borrowed_terms, bridges_table, derive_bridges, report_bridges
from .search_index import build_search_tables, concept_terms

__all__ = ["LAYOUT_VERSION", "LEXICAL_TABLE", "build_indexes"]

# Bump when the layout of an index table changes: cached snapshots are then rebuilt, not misread.
LAYOUT_VERSION = 4


def build_indexes(compiled: Compiled, *, lexical: bool = True) -> dict[str, pa.Table]:
    """Extra snapshot tables derived from the compiled records: the search index and, unless
    ``lexical`` is false, the lexical bridges between ICD-10-SE titles and ORPHA names
    (:mod:`raremap.indexes.lexical_bridges`; an empty table when switched off) with the Swedish
    names they lend the ORPHA concepts in the search index."""
    bridges = derive_bridges(compiled) if lexical else []
    if lexical:
        report_bridges(bridges, compiled, compiled.report)
    terms = concept_terms(compiled.concepts)
    if lexical:
        terms = chain(terms, borrowed_terms(compiled, bridges))
    tables = build_search_tables(terms)
    tables[LEXICAL_TABLE] = bridges_table(bridges)
    return tables
