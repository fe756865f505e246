"""Per-code indexes written into a snapshot at build time, so that a fresh process answers a
question about one code by binary search on a memory-mapped sorted column instead of building
a dict over every code first (:class:`~raremap.services.terminology.Terminology` reads them)::

    mapping_targets.arrow       the mappings table's rows in target order: target, row
    icd10_keys.arrow            the undotted join key (``ICD10SE:Q874``) of every ICD-10 family
                                code a concept or a mapping names: key, concept (a loaded concept)
    icd10se_subdivisions.arrow  each ICD-10-SE code above an ICD-10-SE concept, with it: parent, child

Every table is sorted by its first column (then by the others), byte order. A snapshot written
before these tables existed gets the same tables built in memory from its columns on first use
(:func:`code_index_tables`), so both answer alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from ..codes import ICD10_FAMILY, icd10_display

__all__ = ["TABLES", "code_index_tables", "icd10_join_key", "icd10se_parent"]

TABLES = ("mapping_targets", "icd10_keys", "icd10se_subdivisions")
_FAMILY = frozenset(s.value for s in ICD10_FAMILY)
_SE = "ICD10SE"


def icd10_join_key(code: str) -> str | None:
    """``SYSTEM:undotted`` of an ICD-10 family code (``ICD10SE:Q87.4`` → ``ICD10SE:Q874``); None for any other code."""
    system, sep, value = code.partition(":")
    if not sep or system not in _FAMILY:
        return None
    return f"{system}:{value.replace('.', '')}"


def icd10se_parent(code: str, system: str) -> str | None:
    """The ICD-10-SE code one level above the ICD-10-SE concept ``code`` (a 4-character code
    above a fördjupningskod, a category above a 4-character code); None for any other code."""
    if system != _SE:
        return None
    key = code[len(_SE) + 1:].replace(".", "")
    if not 4 <= len(key) <= 5 or "-" in key:
        return None
    return f"{_SE}:{icd10_display(key[:-1])}"


def code_index_tables(concept_codes: Sequence[str], concept_systems: Sequence[str], sources: Sequence[str],
                      targets: Sequence[str]) -> dict[str, pa.Table]:
    """The :data:`TABLES` of a snapshot whose concepts and mappings have these columns (row order)."""
    order = sorted(range(len(targets)), key=targets.__getitem__)  # stable: rows of one target stay in order
    concepts = set(concept_codes)
    keys: set[tuple[str, bool]] = set()
    for code in {*concepts, *sources, *targets}:
        key = icd10_join_key(code)
        if key is not None:
            keys.add((key, code in concepts))
    pairs = sorted((parent, code) for code, system in zip(concept_codes, concept_systems)
                   if (parent := icd10se_parent(code, system)) is not None)
    ordered_keys = sorted(keys)
    return {
        "mapping_targets": pa.table({"target": pa.array([targets[j] for j in order], pa.string()),
                                     "row": pa.array(order, pa.int32())}),
        "icd10_keys": pa.table({"key": pa.array([k for k, _ in ordered_keys], pa.string()),
                                "concept": pa.array([c for _, c in ordered_keys], pa.bool_())}),
        "icd10se_subdivisions": pa.table({"parent": pa.array([p for p, _ in pairs], pa.string()),
                                          "child": pa.array([c for _, c in pairs], pa.string())}),
    }
