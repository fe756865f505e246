"""Indexes computed at snapshot compile time and stored beside the tables."""

from __future__ import annotations

import pyarrow as pa

from ..snapshot.compile import Compiled
from .search_index import build_search_tables, concept_terms

# Bump when the layout of an index table changes: cached snapshots are then rebuilt, not misread.
LAYOUT_VERSION = 3


def build_indexes(compiled: Compiled) -> dict[str, pa.Table]:
    """Extra snapshot tables derived from the compiled records: the search index."""
    return build_search_tables(concept_terms(compiled.concepts))
