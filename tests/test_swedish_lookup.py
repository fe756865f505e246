"""Swedish names reach the ORPHA concept in lookup (names borrowed from bridged ICD-10-SE titles)."""

from __future__ import annotations

import pytest

from crosswalk_fixtures import everything

# Swedish name as a coder types it → (ORPHA code, ICD-10-SE code whose title lends the name)
DISEASES = {
    "wilsons sjukdom": ("ORPHA:905", "ICD10SE:E83.0B"),
    "tuberös skleros": ("ORPHA:805", "ICD10SE:Q85.1"),
    "gauchers sjukdom": ("ORPHA:355", "ICD10SE:E75.2A"),
    "hirschsprungs sjukdom": ("ORPHA:388", "ICD10SE:Q43.1"),
    "cystisk fibros": ("ORPHA:586", "ICD10SE:E84.0"),
    "duchennes muskeldystrofi": ("ORPHA:98896", "ICD10SE:G71.0A"),
    "marfans syndrom": ("ORPHA:558", "ICD10SE:Q87.4"),
    "medfödd toxoplasmos": ("ORPHA:858", "ICD10SE:P37.1"),
    "argininemi": ("ORPHA:90", "ICD10SE:E72.2A"),
}


@pytest.mark.parametrize("query", sorted(DISEASES))
def test_swedish_name_reaches_orpha(shared_map, query: str) -> None:
    orpha, _ = DISEASES[query]
    assert orpha in [m.code for m in shared_map.lookup(query, limit=3)], query
    assert shared_map.lookup(query, system="ORPHA", limit=1)[0].code == orpha


@pytest.mark.parametrize("query", ["wilsons sjukdom", "gauchers sjukdom", "marfans syndrom", "medfödd toxoplasmos"])
def test_borrowed_name_says_where_it_comes_from(shared_map, query: str) -> None:
    orpha, icd = DISEASES[query]
    [hit] = shared_map.lookup(query, system="ORPHA", limit=1)
    assert (hit.code, hit.matched_source, hit.matched_lang) == (orpha, icd, "sv")
    assert hit.matched_term == shared_map.concept(icd).label
    # the concept's own names carry no source
    own = shared_map.lookup(shared_map.concept(orpha).label, system="ORPHA", limit=1)[0]
    assert own.code == orpha and own.matched_source == ""


@pytest.mark.parametrize("typed,orpha", [
    ("tuberos skleros", "ORPHA:805"),  # ö typed as o
    ("medfodd toxoplasmos", "ORPHA:858"),
    ("gauchres sjukdom", "ORPHA:355"),  # a typo
    ("sjukdom wilsons", "ORPHA:905"),  # word order
    ("hirschprungs sjukdom", "ORPHA:388"),
])
def test_borrowed_names_match_like_other_names(shared_map, typed: str, orpha: str) -> None:
    assert shared_map.lookup(typed, system="ORPHA", limit=1)[0].code == orpha


def test_qualified_title_lends_only_the_disease_name(shared_map) -> None:
    """E84.0 "Cystisk fibros med lungmanifestationer" lends "Cystisk fibros", not the subdivision's title."""
    hit = shared_map.lookup("cystisk fibros", system="ORPHA", limit=1)[0]
    assert hit.code == "ORPHA:586" and hit.matched_term == "Cystisk fibros" and hit.matched_source.startswith("ICD10SE:E84.")
    assert all(m.code != "ORPHA:586" or m.matched_term != "Cystisk fibros med lungmanifestationer"
               for m in shared_map.lookup("cystisk fibros med lungmanifestationer", system="ORPHA", limit=3))


def test_sample_lookup_reaches_orpha(sample_map) -> None:
    for query, orpha, icd in [("marfans syndrom", "ORPHA:558", "ICD10SE:Q87.4"),
                              ("gauchers sjukdom", "ORPHA:355", "ICD10SE:E75.2A"),
                              ("tuberos skleros", "ORPHA:805", "ICD10SE:Q85.1")]:
        hit = sample_map.lookup(query, system="ORPHA", limit=1)[0]
        assert (hit.code, hit.matched_source) == (orpha, icd), query


def test_no_borrowed_names_when_switched_off(make_map, tmp_path) -> None:
    import raremap

    off = raremap.load(cache=tmp_path, lexical=False)
    assert all(m.matched_source == "" for m in off.lookup("gauchers sjukdom", limit=10))
    on = make_map(*everything())
    assert on.lookup("gauchers sjukdom", system="ORPHA", limit=1)[0].matched_source == "ICD10SE:E75.2A"
