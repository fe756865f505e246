"""The read API the services use (Terminology): its bulk column access agrees with the per-code
answers, on the bundled sample releases."""

from __future__ import annotations

import pytest

from raremap import InvalidCodeError, RareMap
from raremap.services.terminology import Terminology


def test_rare_map_is_the_facade_over_the_read_api(sample_map) -> None:
    assert isinstance(sample_map, RareMap) and isinstance(sample_map, Terminology)
    plain = Terminology(sample_map.snapshot)
    assert repr(plain).startswith("<Terminology ") and repr(sample_map).startswith("<RareMap ")
    assert plain.concept("ORPHA:558") == sample_map.concept("ORPHA:558")
    assert plain.mappings("ORPHA:558", direction="both") == sample_map.mappings("ORPHA:558", direction="both")
    assert not hasattr(plain, "crosswalk")  # the services are the facade's


def test_concept_rows_and_columns_agree_with_concepts(sample_map) -> None:
    rows = sample_map.concept_rows()
    codes, systems = sample_map.concept_codes(), sample_map.concept_systems()
    assert len(rows) == len(codes) == len(systems) == len(sample_map)
    for code, i in rows.items():
        concept = sample_map.concept(code)
        assert codes[i] == code and systems[i] == concept.system
        assert sample_map.label_of(code) == concept.label == sample_map.concept_column("label")[i]
        assert sample_map.has_concept(code)
    assert sample_map.label_of("ORPHA:558") == "Marfan syndrome"
    assert sample_map.label_of("ICD10GM:Q87.4") is None and not sample_map.has_concept("558")  # canonical codes only


def test_mapping_rows_agree_with_mappings(sample_map) -> None:
    n = sample_map.mapping_count()
    assert n == len(sample_map.mapping_column("source")) > 0
    by_source, by_target = sample_map.mapping_rows_by_source(), sample_map.mapping_rows_by_target()
    assert sorted(j for rows in by_source.values() for j in rows) == list(range(n))
    assert sorted(j for rows in by_target.values() for j in rows) == list(range(n))
    for code, rows in by_source.items():
        assert [sample_map.mapping(j) for j in rows] == sample_map.mappings(code)
        assert all(sample_map.mapping_column("source")[j] == code for j in rows)
    for code, rows in by_target.items():  # MONDO and OMIM codes too: systems raremap has no code rules for
        assert [sample_map.mapping(j).inverted() for j in rows] == sample_map.mappings(code, direction="in")
    assert {m.target for m in sample_map.mappings("OMIM:607131", direction="in")} == {"ORPHA:166024"}
    with pytest.raises(InvalidCodeError):  # named by no mapping: still not a code
        sample_map.mappings("OMIM:000000", direction="in")


def test_system_prefix_reads_names_and_the_prefixes_of_the_loaded_mappings(sample_map) -> None:
    assert sample_map.system_prefix("icd-10-se") == "ICD10SE"
    assert sample_map.system_prefix("ORPHA") == "ORPHA"
    mapped = {c.partition(":")[0] for c in sample_map.mapping_rows_by_target()}
    assert all(sample_map.system_prefix(p) == p for p in mapped)
    with pytest.raises(InvalidCodeError):
        sample_map.system_prefix("no such system")
