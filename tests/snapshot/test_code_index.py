"""The per-code indexes of a snapshot (raremap.snapshot.code_index) answer every per-code
question exactly as the dicts over every code that they replaced: the rows of a mapped code,
the ICD-10 join keys of an edition, the ICD-10-SE subdivisions of a code; per code (binary
search), after enough questions (converted), and for a snapshot written without the tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raremap.codes import icd10_display
from raremap.services.terminology import Terminology
from raremap.snapshot.code_index import TABLES, code_index_tables
from raremap.snapshot.columns import SortedKeys
from raremap.snapshot.store import Snapshot

EDITIONS = ("ICD10", "ICD10SE", "ICD10GM")
# canonical codes and odd spellings a release may carry (undotted, lower case, dots elsewhere, ranges, non-ASCII)
CODE = st.one_of(
    st.builds(lambda p, b: f"{p}:{b}", st.sampled_from(EDITIONS + ("ORPHA", "ICD11", "ICD10X")),
              st.text(alphabet="Q8.74AaX-é0", min_size=0, max_size=7)),
    st.sampled_from(["ICD10SE:Q87", "ICD10SE:Q87.4", "ICD10SE:Q87.4A", "ICD10SE:Q87.40", "ICD10:Q87.4",
                     "ICD10GM:Q87.40", "ICD10SE:Q87.-", "ICD10SE:A00-B99", "ICD10SE:", "ORPHA:558", "ICD10SE"]),
)


# --- the replaced implementations: the oracle ---------------------------------------------------

def old_rows_by_value(values: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for j, v in enumerate(values):
        found.setdefault(v, []).append(j)
    return found


def old_edition_keys(concepts: list[str], sources: list[str], targets: list[str], edition: str) -> frozenset[str]:
    """(the crosswalk asked with the mapped codes for WHO and GM, without them for ICD-10-SE)"""
    prefix = edition + ":"
    found = {c for c in [*concepts, *sources, *targets] if c.startswith(prefix)}
    return frozenset(c[len(prefix):].replace(".", "") for c in found)


def old_subdivisions(concepts: list[str], systems: list[str]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for c, system in zip(concepts, systems):
        if system != "ICD10SE":
            continue
        key = c[len("ICD10SE") + 1:].replace(".", "")
        if 4 <= len(key) <= 5 and "-" not in key:
            children.setdefault(f"ICD10SE:{icd10_display(key[:-1])}", []).append(c)
    return {k: sorted(v) for k, v in children.items()}


# --- a terminology over just these columns ------------------------------------------------------

def terminology(concepts: list[str], systems: list[str], pairs: list[tuple[str, str]], with_index: bool) -> Terminology:
    pairs = sorted(pairs)  # a snapshot's mappings are sorted by source
    sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
    tables = {name: pa.table({"x": pa.array([], pa.string())})
              for name in ("labels", "terms", "attributes", "replacements", "edges")}
    tables["concepts"] = pa.table({"code": pa.array(concepts, pa.string()),
                                   "system": pa.array(systems, pa.string()).dictionary_encode()})
    tables["mappings"] = pa.table({"source": pa.array(sources, pa.string()), "target": pa.array(targets, pa.string())})
    if with_index:
        tables.update(code_index_tables(concepts, systems, sources, targets))
    return Terminology(Snapshot(Path("generated"), {"releases": []}, tables))


def check_against_oracle(terms: Terminology, concepts: list[str], systems: list[str], asked: list[str]) -> None:
    sources, targets = list(terms.mapping_column("source")), list(terms.mapping_column("target"))
    by_source, by_target = old_rows_by_value(sources), old_rows_by_value(targets)
    keys = {(e, mapped): old_edition_keys(concepts, sources if mapped else [], targets if mapped else [], e)
            for e in EDITIONS for mapped in (False, True)}
    subdivisions = old_subdivisions(concepts, systems)
    for code in asked:
        assert list(terms.mapping_rows_by_source().get(code, ())) == by_source.get(code, [])
        assert list(terms.mapping_rows_by_target().get(code, ())) == by_target.get(code, [])
        assert (code in terms.mapping_rows_by_target()) == (code in by_target)
        assert terms.icd10se_subdivisions(code) == subdivisions.get(code, [])
        key = code.partition(":")[2].replace(".", "")
        for (edition, mapped), wanted in keys.items():
            assert terms.has_icd10_key(edition, key, mapped=mapped) == (key in wanted), (edition, mapped, key)
    for (edition, mapped), wanted in keys.items():
        assert terms.icd10_keys(edition, mapped=mapped) == wanted


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(CODE, st.sampled_from(EDITIONS + ("ORPHA",))), max_size=30, unique_by=lambda t: t[0]),
       st.lists(st.tuples(CODE, CODE), max_size=40), st.lists(CODE, max_size=10))
def test_per_code_answers_are_the_dicts_they_replace(concept_rows, pairs, others) -> None:
    concept_rows = sorted(concept_rows)  # concepts are in code order
    concepts, systems = [c for c, _ in concept_rows], [s for _, s in concept_rows]
    asked = list(dict.fromkeys([*concepts, *(c for p in pairs for c in p), *others]))
    for with_index in (True, False):
        terms = terminology(concepts, systems, pairs, with_index)
        check_against_oracle(terms, concepts, systems, asked)  # per code: binary search
        for _ in range(600):  # enough questions that every index converts to its dict ...
            terms.mapping_rows_by_source().get("ORPHA:0")
            terms.mapping_rows_by_target().get("ORPHA:0")
            terms.has_icd10_key("ICD10", "Q87")
            terms.icd10se_subdivisions("ICD10SE:Q87")
        check_against_oracle(terms, concepts, systems, asked)  # ... which answers alike


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab\u00e9\U0001f600", max_size=4), max_size=30), st.text(alphabet="ab\u00e9", max_size=4),
       st.integers(0, 3))
def test_sorted_keys_rows_are_the_runs_of_the_value(values, value, convert_after) -> None:
    values = sorted(values)
    keys = SortedKeys(pa.array(values, pa.string()), convert_after)
    for probe in [value, *values, "\ud800"]:  # a lone surrogate is in no column
        start, stop = keys.rows(probe)
        assert [j for j, v in enumerate(values) if v == probe] == list(range(start, stop))


def test_snapshots_carry_the_code_index_and_answer_like_the_columns(sample_map) -> None:
    tables = sample_map.snapshot.tables
    assert all(name in tables for name in TABLES)
    concepts = list(sample_map.concept_codes())
    systems = list(sample_map.concept_systems())
    asked = list(dict.fromkeys([*concepts, *sample_map.mapping_column("source"), *sample_map.mapping_column("target")]))
    check_against_oracle(Terminology(sample_map.snapshot), concepts, systems, asked)
    # Q87.4 (Marfan) has subdivisions in ICD-10-SE, and WHO ICD-10 knows the key Q874
    assert Terminology(sample_map.snapshot).has_icd10_key("ICD10SE", "Q874")


def test_the_shared_snapshot_answers_like_the_columns(shared_map) -> None:
    concepts = list(shared_map.concept_codes())
    systems = list(shared_map.concept_systems())
    mapped = [*shared_map.mapping_column("source"), *shared_map.mapping_column("target")]
    icd = [c for c in dict.fromkeys([*concepts, *mapped]) if c.startswith("ICD10")]
    terms = Terminology(shared_map.snapshot)
    check_against_oracle(terms, concepts, systems, icd[::7] + [c for c in concepts if c.startswith("ORPHA:")][::50])
    subdivisions = old_subdivisions(concepts, systems)
    assert "ICD10SE:E84.0" in subdivisions["ICD10SE:E84"]  # Cystisk fibros and its subdivisions
    for code in ("ICD10SE:E84", "ICD10SE:E84.0", "ICD10SE:E75.2", "ICD10SE:Q87.4"):
        assert terms.icd10se_subdivisions(code) == subdivisions.get(code, [])


@pytest.mark.parametrize("name", TABLES)
def test_the_code_index_tables_are_sorted_by_their_first_column(sample_map, name) -> None:
    table = sample_map.snapshot.table(name)
    first = table.column(0).to_pylist()
    assert first == sorted(first)
