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


def test_qualified_title_lends_the_disease_name_and_weakly_the_whole_title(shared_map) -> None:
    """E84.0 "Cystisk fibros med lungmanifestationer" lends "Cystisk fibros" as a name, and its
    whole title only as a grouped term: the subdivision's code comes first for its own title."""
    hit = shared_map.lookup("cystisk fibros", system="ORPHA", limit=1)[0]
    assert hit.code == "ORPHA:586" and hit.matched_term == "Cystisk fibros" and hit.matched_source.startswith("ICD10SE:E84.")
    [first, second, *_] = shared_map.lookup("cystisk fibros med lungmanifestationer", limit=5)
    assert first.code == "ICD10SE:E84.0"
    cf = next(m for m in shared_map.lookup("cystisk fibros med lungmanifestationer", limit=5) if m.code == "ORPHA:586")
    assert (cf.matched_term, cf.match, cf.matched_source) == ("Cystisk fibros med lungmanifestationer", "grouped",
                                                              "ICD10SE:E84.0")


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


# --- grouped lookup: one answer per disease ---------------------------------------------------

GROUPED = {
    "wilsons sjukdom": ("ORPHA:905", "ICD10SE:E83.0B"),
    "tuberös skleros": ("ORPHA:805", "ICD10SE:Q85.1"),
    "gauchers sjukdom": ("ORPHA:355", "ICD10SE:E75.2A"),
    "hirschsprungs sjukdom": ("ORPHA:388", "ICD10SE:Q43.1"),
    "cystisk fibros": ("ORPHA:586", "ICD10SE:E84"),
    "duchennes muskeldystrofi": ("ORPHA:98896", "ICD10SE:G71.0A"),
    "marfans syndrom": ("ORPHA:558", "ICD10SE:Q87.4"),
}


@pytest.mark.parametrize("query", sorted(GROUPED))
def test_grouped_lookup_gives_the_disease_once_with_its_swedish_code(shared_map, query: str) -> None:
    orpha, icd = GROUPED[query]
    found = shared_map.lookup_diseases(query, limit=5)
    heads = [d.code for d in found]
    assert orpha in heads[:3], (query, heads)
    assert len(heads) == len(set(heads))
    disease = found[heads.index(orpha)]
    members = {c.code for c in disease.codes}
    assert icd in members, (query, members)
    # no other group of the first five is one of this disease's codes
    assert not members & set(heads), query
    assert all(c.system in ("ICD10SE", "ICD10", "ICD11", "SCTID") and c.release for c in disease.codes)


def test_grouped_marfan_on_shared_data(shared_map) -> None:
    """ORPHA:558 once, with ICD10SE:Q87.4 (edition of the MasterFile's ICD10:Q87.4, title
    "Marfans syndrom") and ICD11:LD28.01 (WHO's 10→11 table from Q87.4, title "Marfan syndrome");
    SCTID:19346006 is not in the shared releases (SNOMED CT samples only), so it is not listed."""
    [first, *rest] = shared_map.lookup_diseases("marfans syndrom", limit=5)
    assert (first.code, first.label, first.label_lang) == ("ORPHA:558", "Marfans syndrom", "sv")
    codes = {c.code: c for c in first.codes}
    assert {"ICD10SE:Q87.4", "ICD10:Q87.4", "ICD11:LD28.01"} <= codes.keys()
    assert "ICD11:LD28.00" not in codes  # Q87.4 → LD28.00 too, but its title names another disease
    assert codes["ICD10SE:Q87.4"].relation.value == "unspecified"  # the MasterFile states none
    assert codes["ICD10SE:Q87.4"].score == 1.0
    assert "ORPHA:558" not in {d.code for d in rest}
    assert shared_map.lookup_diseases("marfan syndrome", limit=1)[0].label == "Marfan syndrome"
    assert shared_map.lookup_diseases("marfan", lang="sv", limit=1)[0].label == "Marfans syndrom"


def test_grouped_lookup_keeps_broad_codes_apart(shared_map) -> None:
    """Gaucher disease lists E75.2A (its title names it) and the stated E75.2, and no chained
    ICD-11 code whose title names another sphingolipidosis."""
    [gaucher] = shared_map.lookup_diseases("gauchers sjukdom", limit=1)
    codes = [c.code for c in gaucher.codes]
    assert codes[0] == "ICD10SE:E75.2A" and "ICD10:E75.2" in codes
    assert not any(c.startswith("ICD11:") for c in codes)
    lexical = next(c for c in gaucher.codes if c.code == "ICD10SE:E75.2A")
    assert (lexical.basis, lexical.relation.value, lexical.score) == ("lexical", "unspecified", 1.0)


def test_grouped_lookup_on_sample(sample_map) -> None:
    [marfan, *_] = sample_map.lookup_diseases("marfans syndrom", limit=3)
    assert marfan.code == "ORPHA:558" and marfan.label == "Marfans syndrom"
    codes = {c.code: c for c in marfan.codes}
    assert {"ICD10SE:Q87.4", "ICD10:Q87.4", "ICD11:LD28.01", "SCTID:19346006"} <= codes.keys()
    assert codes["ICD11:LD28.01"].relation.value == "exact"  # as the sample's product1 states it
    assert sample_map.lookup_diseases("marfans syndrom", system="ORPHA", limit=1)[0].code == "ORPHA:558"
    assert sample_map.lookup_diseases("marfans syndrom", limit=0) == []


def test_cli_lookup_groups_an_unfiltered_search(sample_map, capsys) -> None:
    import json

    from raremap.cli import main

    path = str(sample_map.snapshot.path)
    assert main(["lookup", "marfans syndrom", "--snapshot", path, "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ORPHA:558") and any(line.strip().startswith("ICD10SE:Q87.4") for line in out[1:])
    assert main(["lookup", "marfans syndrom", "--snapshot", path, "--limit", "2", "--flat"]) == 0
    flat = capsys.readouterr().out.splitlines()
    assert flat[0].startswith("ICD10SE:Q87.4") and len(flat) == 2
    assert "from ICD10SE:Q87.4" in flat[1]
    assert main(["lookup", "marfans syndrom", "--snapshot", path, "--json", "--limit", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matches"][0]["code"] == "ICD10SE:Q87.4" and data["diseases"][0]["code"] == "ORPHA:558"
    assert main(["lookup", "marfans syndrom", "--snapshot", path, "--system", "ORPHA", "--grouped", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["diseases"][0]["code"] == "ORPHA:558"


def test_grouped_lookup_never_raises_and_gives_each_disease_once(sample_map) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=40), st.integers(1, 8))
    def check(text: str, limit: int) -> None:
        found = sample_map.lookup_diseases(text, limit=limit)
        heads = [d.code for d in found]
        assert len(heads) == len(set(heads)) and len(heads) <= limit

    check()


def test_spinal_muscular_atrophy_follows_the_data(shared_map) -> None:
    """"Spinal muskelatrofi" names no ORPHA concept in any loaded release: ORPHA:70 is "Proximal
    spinal muscular atrophy" (German "Proximale spinale Muskelatrophie"), linked to G12.0 and
    G12.1, whose titles name a type and "other hereditary" SMA; G12.9 "Spinal muskelatrofi,
    ospecificerad" is linked to no ORPHA code. So no bridge is derived, the grouped answers for
    the ICD-10-SE codes stay their own, and ORPHA:70 is reached only by its German name, within
    the first three ORPHA answers."""
    assert shared_map.lexical_mappings("ORPHA:70") == []
    assert shared_map.lexical_mappings("ICD10SE:G12.9") == []
    first = shared_map.lookup_diseases("spinal muskelatrofi", limit=3)
    assert first[0].code == "ICD10SE:G12.9" and not any(c.system == "ORPHA" for d in first for c in d.codes)
    assert "ORPHA:70" in [m.code for m in shared_map.lookup("spinal muskelatrofi", system="ORPHA", limit=3)]
