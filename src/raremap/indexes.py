"""Indexes computed at snapshot compile time and stored beside the tables."""

from __future__ import annotations

import pyarrow as pa

from .build import Compiled


def build_indexes(compiled: Compiled) -> dict[str, pa.Table]:
    """Extra snapshot tables derived from the compiled records (none yet)."""
    return {}
