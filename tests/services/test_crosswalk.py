"""Crosswalks: direct and inverse statements, ICD-10 edition bridges, chains, hierarchy fallback."""

from __future__ import annotations

import pytest

from crosswalk_fixtures import everything
from raremap.services.crosswalk import is_conditional
from raremap.errors import InvalidCodeError, UnknownCodeError
from raremap.model import IcdRelation, Relation

R = Relation


@pytest.fixture
def rm(make_map):
    return make_map(*everything())


def _targets(maps):
    return [m.target for m in maps]


def test_orphanet_statements_come_out_unchanged(rm) -> None:
    [icd10] = rm.crosswalk("ORPHA:166024", "ICD10")
    assert (icd10.target, icd10.relation, icd10.icd_relation, icd10.validated) == (
        "ICD10:Q77.3", R.NARROWER, IcdRelation.ATTRIBUTED, True)
    assert icd10.basis == "stated" and icd10.via == () and icd10.published == "Q77.3"
    assert icd10.provenance.file == "en_product1.xml"
    [icd11] = rm.crosswalk("ORPHA:166024", "ICD11")
    assert (icd11.target, icd11.relation, icd11.icd_relation) == ("ICD11:LD24.61", R.NARROWER, IcdRelation.INDEX)


def test_direct_orphanet_icd11_beats_the_derived_chain(rm) -> None:
    # formats.md §8 rule 4: Q77.3 -> LD24.04 in the WHO table must not be offered for ORPHA:166024
    assert _targets(rm.crosswalk("ORPHA:166024", "ICD11")) == ["ICD11:LD24.61"]
    assert "ICD11:LD24.04" not in _targets(rm.crosswalk("ORPHA:166024"))


def test_exact_specific_and_best_first(rm) -> None:
    maps = rm.crosswalk("ORPHA:558")
    assert maps[0].relation is R.EXACT
    assert [m.relation.rank for m in maps] == sorted(m.relation.rank for m in maps)
    by_target = {m.target: m for m in maps}
    assert by_target["ICD10:Q87.4"].icd_relation is IcdRelation.SPECIFIC
    assert by_target["ICD11:LD28.01"].basis == "stated"
    se = by_target["ICD10SE:Q87.4"]
    assert (se.relation, se.basis, se.via) == (R.EXACT, "edition", ("ICD10:Q87.4",))
    assert se.icd_relation is IcdRelation.SPECIFIC and se.provenance.file == "en_product1.xml"
    assert [s.basis for s in se.steps] == ["stated", "edition"]


def test_who_code_subdivided_in_icd10se_is_kept_with_a_note(rm) -> None:
    [se] = rm.crosswalk("ORPHA:355", "ICD10SE")
    assert se.target == "ICD10SE:E75.2"  # never silently E75.2A
    assert se.relation is R.NARROWER
    assert "fördjupningskoder E75.2A, E75.2W" in se.note


def test_fordjupningskod_joins_upward_as_narrower(rm) -> None:
    [who] = rm.crosswalk("ICD10SE:E75.2A", "ICD10")
    assert (who.target, who.relation, who.basis) == ("ICD10:E75.2", R.NARROWER, "edition")
    # and on to the ORPHA code mapped to E75.2: narrower∘broader = related
    [orpha] = rm.crosswalk("ICD10SE:E75.2A", "ORPHA")
    assert (orpha.target, orpha.relation, orpha.via) == ("ORPHA:355", R.RELATED, ("ICD10:E75.2",))


def test_same_code_bridges_both_ways(rm) -> None:
    assert [(m.target, m.relation) for m in rm.crosswalk("ICD10:Q87.4", "ICD10SE")] == [("ICD10SE:Q87.4", R.EXACT)]
    assert [(m.target, m.relation) for m in rm.crosswalk("ICD10SE:Q87.4", "ICD10")] == [("ICD10:Q87.4", R.EXACT)]


def test_icd10gm_joins_only_same_key_codes(rm) -> None:
    maps = rm.crosswalk("ICD10GM:Q87.4", "ICD10SE")
    assert [(m.target, m.relation) for m in maps] == [("ICD10SE:Q87.4", R.EXACT)]
    # a GM 5-character code is never exact: it joins upward to the 4-character code
    [se] = rm.crosswalk("ICD10GM:C88.00", "ICD10SE")
    assert (se.target, se.relation, se.basis) == ("ICD10SE:C88.0", R.NARROWER, "edition")
    assert "C88.00 is not in ICD-10-SE" in se.note
    # Alpha-ID-SE's ORPHA code reaches ICD-10-SE the same way
    [chain] = rm.crosswalk("ORPHA:33226", "ICD10SE")
    assert (chain.target, chain.relation, chain.via) == ("ICD10SE:C88.0", R.UNSPECIFIED, ("ICD10GM:C88.00",))


def test_reverse_one_to_many_with_inverted_relation(rm) -> None:
    maps = rm.crosswalk("Q87.8", "ORPHA")  # bare code: read as ICD-10-SE
    assert {m.target for m in maps} == {"ORPHA:63", "ORPHA:127"}
    orphanet = [m for m in maps if m.icd_relation is IcdRelation.ATTRIBUTED]
    assert {m.relation for m in orphanet} == {R.BROADER}  # Orphanet NTBT read from the ICD side
    assert all(m.via == ("ICD10:Q87.8",) for m in orphanet)


def test_alpha_id_mappings_invert(rm) -> None:
    [alpha] = rm.crosswalk("ORPHA:558", "ALPHAID")
    assert (alpha.target, alpha.relation, alpha.basis) == ("ALPHAID:I19094", R.EXACT, "inverse")
    gm = {(m.target, m.relation, m.basis) for m in rm.crosswalk("ORPHA:558", "ICD10GM")}
    assert ("ICD10GM:Q87.4", R.UNSPECIFIED, "inverse") in gm  # as Alpha-ID-SE states it, inverted
    assert ("ICD10GM:Q87.4", R.EXACT, "edition") in gm  # Orphanet's exact Q87.4, same key in GM
    [back] = rm.crosswalk("ALPHAID:I19094", "ORPHA")
    assert (back.target, back.relation, back.basis) == ("ORPHA:558", R.EXACT, "stated")


def test_who_tables_round_trip(rm) -> None:
    [forward] = rm.crosswalk("ICD10:Q87.4", "ICD11")
    assert (forward.target, forward.relation, forward.basis) == ("ICD11:LD28.01", R.UNSPECIFIED, "stated")
    back = rm.crosswalk("ICD11:LD28.01", "ICD10")
    assert [m.target for m in back] == ["ICD10:Q87.4"]
    assert forward.provenance.file == "10To11MapToOneCategory.txt"


def test_snomed_extended_map_unconditional_rules_only(rm) -> None:
    assert _targets(rm.crosswalk("SCTID:703273002", "ICD10")) == ["ICD10:I50.9"]  # group 2 left out
    assert _targets(rm.crosswalk("SCTID:364006", "ICD10")) == ["ICD10:I50.1"]  # OTHERWISE TRUE kept, IFA not
    assert set(_targets(rm.crosswalk("SCTID:364006", "ICD10", conditional=True))) == {"ICD10:I50.0", "ICD10:I50.1"}
    assert set(_targets(rm.crosswalk("SCTID:703273002", "ICD10", conditional=True))) == {"ICD10:I50.9", "ICD10:I25.1"}


def test_is_conditional() -> None:
    assert not is_conditional("group=1;priority=1;rule=TRUE;advice=ALWAYS Q99.9")
    assert not is_conditional("group=1;priority=2;rule=OTHERWISE TRUE;advice=ALWAYS I50.1")
    assert is_conditional("group=2;priority=1;rule=TRUE;advice=ALWAYS I25.1")
    assert is_conditional("group=1;priority=1;rule=IFA 248153007 | Male (finding) |;advice=IF MALE CHOOSE N48.8")
    assert not is_conditional("role=primary")


def test_transitive_chain_composes_and_keeps_the_path(rm) -> None:
    [se] = rm.crosswalk("SCTID:19346006", "ICD10SE")
    assert se.target == "ICD10SE:Q87.4"
    assert se.basis == "transitive" and se.via == ("ORPHA:558", "ICD10:Q87.4")
    assert se.relation is R.UNSPECIFIED  # the SNOMED CT map states no relation: nothing better can follow
    assert [s.basis for s in se.steps] == ["stated", "stated", "edition"]
    assert rm.crosswalk("SCTID:19346006", "ICD10SE", transitive=False) == []
    assert rm.crosswalk("SCTID:19346006", "ICD10SE", max_hops=1) == []


def test_paths_never_reenter_a_system(rm) -> None:
    # ORPHA:63 -> Q87.8 -> ORPHA:127 would be a sibling, not a mapping
    assert all(not m.target.startswith("ORPHA:") for m in rm.crosswalk("ORPHA:63"))


def test_hierarchy_fallback_is_marked(rm) -> None:
    [m] = rm.crosswalk("ORPHA:284963", "ICD10")
    assert (m.target, m.relation, m.basis) == ("ICD10:Q87.4", R.NARROWER, "hierarchy")
    assert m.via[0] == "ORPHA:558" and "nearest mapped ancestor ORPHA:558" in m.note
    assert m.icd_relation is None  # the ancestor's ICD relation is not the subtype's
    [se] = rm.crosswalk("ORPHA:284963", "ICD10SE")
    assert (se.target, se.relation, se.basis) == ("ICD10SE:Q87.4", R.NARROWER, "hierarchy")
    assert rm.crosswalk("ORPHA:284963", "ICD10", hierarchy=False) == []


def test_inactive_code_resolves_through_its_replacement(rm) -> None:
    maps = rm.crosswalk("ORPHA:99715")
    [moved] = [m for m in maps if m.target == "ORPHA:284963"]
    assert (moved.relation, moved.basis) == (R.NARROWER, "replacement")
    [icd] = [m for m in maps if m.target == "ICD10:Q87.4"]
    assert icd.via[:2] == ("ORPHA:284963", "ORPHA:558") and "deprecated" in icd.note
    assert rm.crosswalk("ORPHA:99715", "ORPHA")[0].target == "ORPHA:284963"


def test_inactive_targets_resolve_to_their_replacement(rm) -> None:
    # Alpha-ID-SE 2020 names ORPHA:850, deprecated by 2023 and moved to ORPHA:182050
    [m] = rm.crosswalk("ALPHAID:I67050", "ORPHA")
    assert (m.target, m.relation, m.via, m.basis) == ("ORPHA:182050", R.NARROWER, ("ORPHA:850",), "replacement")
    assert "ORPHA:850 is deprecated; moved to ORPHA:182050" in m.note
    with_inactive = {m.target for m in rm.crosswalk("ALPHAID:I67050", "ORPHA", include_inactive=True)}
    assert "ORPHA:850" in with_inactive


def test_unknown_and_invalid_codes(rm) -> None:
    with pytest.raises(UnknownCodeError):
        rm.crosswalk("ORPHA:999999")
    with pytest.raises(InvalidCodeError):
        rm.crosswalk("not a code")
    with pytest.raises(InvalidCodeError):
        rm.crosswalk("ORPHA:558", to="NOSUCHSYSTEM")


def test_shared_product1_relations_unchanged(shared_data, tmp_path) -> None:
    from raremap.sources.orphanet import masterfile, products
    from raremap.release_input import BuildReport, ReadContext

    from raremap import snapshot
    from raremap.snapshot.compile import Compiler
    from raremap.services.rare_map import RareMap

    folder = shared_data / "orphanet" / "fixtures_orphanet_link_2025"
    compiler = Compiler()
    for reader in (*products.READERS, *masterfile.READERS):
        for group in reader.find(sorted(folder.iterdir())):
            compiler.add(reader.read(tuple(group), ReadContext(root=folder, report=BuildReport())), reader=reader.name)
    rm = RareMap(snapshot.read(snapshot.write(compiler.compile(), tmp_path / "snap")))
    stated = {(m.target, m.relation, m.icd_relation, m.validated) for m in rm.mappings("ORPHA:166024")}
    got = {(m.target, m.relation, m.icd_relation, m.validated) for m in rm.crosswalk("ORPHA:166024")}
    assert ("ICD10:Q77.3", R.NARROWER, IcdRelation.ATTRIBUTED, True) in got
    assert ("ICD11:LD24.61", R.NARROWER, IcdRelation.INDEX, True) in got
    assert stated <= got  # every statement, as stated


@pytest.fixture(scope="module")
def shared(shared_data, tmp_path_factory):
    from crosswalk_fixtures import shared_map

    return shared_map(shared_data, tmp_path_factory.mktemp("shared") / "snapshot")


def _stated(rm, release_prefix: str):
    cols = rm._mappings
    for j in range(len(cols["source"])):
        if (cols["release"][j] or "").startswith(release_prefix):
            yield cols["source"][j], cols["target"][j], Relation(cols["relation"][j])


def test_shared_who_tables_round_trip(shared) -> None:
    pairs = {(s, t) for s, t, _ in _stated(shared, "who-icd10-icd11-maps")}
    assert len(pairs) > 25_000
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for s, t in pairs:
        ten, eleven = (s, t) if s.startswith("ICD10:") else (t, s)
        forward.setdefault(ten, set()).add(eleven)
        backward.setdefault(eleven, set()).add(ten)
    for ten, elevens in forward.items():
        assert elevens <= {m.target for m in shared.crosswalk(ten, "ICD11")}, ten
    for eleven, tens in backward.items():
        assert tens <= {m.target for m in shared.crosswalk(eleven, "ICD10")}, eleven


def test_shared_who_one_category_choice_comes_first(shared) -> None:
    cols = shared._mappings
    chosen = {cols["source"][j]: cols["target"][j] for j in range(len(cols["source"]))
              if (cols["qualifier"][j] or "").startswith("preferred=10To11MapToOneCategory")}
    assert len(chosen) > 11_000
    se = [ten for ten in chosen if shared.crosswalker._in_edition("ICD10SE", "ICD10SE:" + ten.partition(":")[2])]
    for ten in list(chosen)[::7]:
        assert shared.crosswalk(ten, "ICD11")[0].target == chosen[ten], ten
    for ten in se[::7]:
        # through the edition bridge as well: ICD10SE:Q87.4 -> LD28.01 (not LD28.00 of the multiple-categories table)
        assert shared.crosswalk("ICD10SE:" + ten.partition(":")[2], "ICD11")[0].target == chosen[ten], ten


def test_shared_alpha_id_inverts(shared) -> None:
    stated = [(s, t, r) for s, t, r in _stated(shared, "alpha-id-se") if s.startswith("ALPHAID:") and t.startswith("ORPHA:")]
    assert len(stated) == 7278  # every row of the 2020 sample names an ORPHA code
    by_orpha: dict[str, set[str]] = {}
    for alpha, orpha, relation in stated:
        assert relation is R.EXACT
        by_orpha.setdefault(orpha, set()).add(alpha)
    assert len(by_orpha) == 4629
    for orpha, alphas in list(by_orpha.items())[:800]:
        back = {m.target: m for m in shared.crosswalk(orpha, "ALPHAID", include_inactive=True)}
        assert alphas <= back.keys(), orpha
        assert all(back[a].relation is R.EXACT and back[a].basis == "inverse" for a in alphas)


def test_shared_no_sibling_hopping_through_broad_codes(shared) -> None:
    # WHO: LD2F.1Y -> Q87.8; Alpha-ID-SE maps hundreds of index terms of other diseases to Q87.8
    assert len(shared.crosswalk("ICD10GM:Q87.8", "ORPHA")) > 100  # going down first: the members of Q87.8
    assert shared.crosswalk("ICD11:LD2F.1Y", "ORPHA") == []  # but not via Q87.8 after another statement


def test_every_statement_reads_back_inverted(rm) -> None:
    for code in list(rm._index) + ["ICD10GM:Q87.4", "ALPHAID:I19094"]:
        for m in rm.crosswalk(code, transitive=False, hierarchy=False, include_inactive=True):
            if m.basis not in ("stated", "inverse"):
                continue
            back = rm.crosswalk(m.target, transitive=False, hierarchy=False, include_inactive=True)
            assert any(b.target == code and b.relation is m.relation.inverse() for b in back), (code, m.target)


def test_bundled_sample(tmp_path, monkeypatch) -> None:
    import raremap

    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path))
    rm = raremap.load()
    [se] = rm.crosswalk("ORPHA:558", "ICD10SE")
    assert (se.target, se.relation) == ("ICD10SE:Q87.4", R.EXACT)
    q878 = rm.crosswalk("ICD10SE:Q87.8", "ORPHA")
    assert len(q878) == 8 and {m.relation for m in q878} == {R.BROADER}  # data/README.md: Q87.8 (8)
    assert rm.crosswalk("ORPHA:166024", "ICD11")[0].target == "ICD11:LD24.61"
    [m] = rm.crosswalk("ORPHA:99715", "ICD10")  # deprecated MASS syndrome, moved to ORPHA:284963
    assert m.target == "ICD10:Q87.4" and m.via[0] == "ORPHA:284963"


def _masterfile_too(records_release_date: str = "2021-07-01"):
    """The 2021 MasterFile states ORPHA:166024 -> Q77.3 without a relation (row 3 of the real file)."""
    from raremap.model import Mapping, Provenance, Release

    masterfile = Release(f"orphanet-masterfile:{records_release_date}", "ORPHA", "Orphanet nomenclature pack MasterFile (en)",
                         date=records_release_date)
    return [masterfile, Mapping("ORPHA:166024", "ICD10:Q77.3", R.UNSPECIFIED, published="Q77.3",
                                provenance=Provenance(masterfile.id, "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx", "row 3"))]


def test_newest_release_of_a_publisher_decides_the_pair(make_map) -> None:
    # product1 2025 (NTBT, attributed) and the MasterFile 2021 (no relation) state the same pair:
    # one answer, product1's, with the MasterFile kept as superseded provenance
    rm = make_map(*everything(), _masterfile_too(), partial=(5,))
    [m] = rm.crosswalk("ORPHA:166024", to="ICD10")
    assert (m.target, m.relation, m.icd_relation, m.basis) == ("ICD10:Q77.3", R.NARROWER, IcdRelation.ATTRIBUTED, "stated")
    assert [s.provenance.release for s in m.superseded] == ["orphanet-masterfile:2021-07-01"]
    assert m.superseded[0].relation is R.UNSPECIFIED
    assert [p.release for p in m.provenances] == ["orphanet-product1:2025-12-09", "orphanet-masterfile:2021-07-01"]
    [back] = [b for b in rm.crosswalk("ICD10:Q77.3", to="ORPHA") if b.target == "ORPHA:166024"]
    assert back.relation is R.BROADER and back.superseded[0].provenance.release == "orphanet-masterfile:2021-07-01"
    [se] = rm.crosswalk("ORPHA:166024", to="ICD10SE")
    assert (se.target, se.relation) == ("ICD10SE:Q77.3", R.NARROWER)
    # the statements as the releases make them are all still there
    assert len([s for s in rm.mappings("ORPHA:166024") if s.target == "ICD10:Q77.3"]) == 2


def test_an_older_exact_statement_does_not_make_the_code_specific(make_map) -> None:
    from raremap.model import IcdRelation as I, Mapping, Provenance, Release

    old = Release("orphanet-product1:2019-01-01", "ORPHA", "Orphadata product1", date="2019-01-01")
    stale = [old, Mapping("ORPHA:166024", "ICD10:Q77.3", R.EXACT, I.SPECIFIC, True, published="Q77.3",
                          provenance=Provenance(old.id, "en_product1.xml", "Disorder 166024"))]
    rm = make_map(*everything(), stale, partial=(5,))
    [m] = rm.crosswalk("ORPHA:166024", to="ICD10")
    assert m.relation is R.NARROWER and m.superseded[0].relation is R.EXACT
    assert rm.umi_assessor.has_specific_icd10("ORPHA:166024") is False
    assert rm.umi("ORPHA:166024").specific_icd10 is False


def test_undated_or_other_publishers_releases_are_not_superseded(make_map) -> None:
    # which of two undated releases is newer is not known; Alpha-ID-SE is another publisher
    rm = make_map(*everything(), _masterfile_too(""), partial=(5,))
    got = [(m.relation, m.superseded) for m in rm.crosswalk("ORPHA:166024", to="ICD10")]
    assert got == [(R.NARROWER, ()), (R.UNSPECIFIED, ())]
    gm = {(m.target, m.relation, m.basis) for m in rm.crosswalk("ORPHA:558", "ICD10GM")}
    assert ("ICD10GM:Q87.4", R.UNSPECIFIED, "inverse") in gm and ("ICD10GM:Q87.4", R.EXACT, "edition") in gm


def test_shared_one_statement_per_pair(shared_map) -> None:
    # shared data: product1 2025-12-09 (NTBT, attributed) and the MasterFile 2021-07-01 (row 3, no relation)
    [m] = shared_map.crosswalk("ORPHA:166024", to="ICD10")
    assert (m.target, m.relation, m.icd_relation) == ("ICD10:Q77.3", R.NARROWER, IcdRelation.ATTRIBUTED)
    assert [p.release for p in m.provenances] == ["orphanet-product1:2025-12-09", "orphanet-masterfile:2021-07-01"]


def _sphingolipidoses(make_map):
    """Gaucher disease and two other sphingolipidoses mapped to E75.2 (2021 MasterFile rows 1579,
    7611, 2769); ICD-10-SE's fördjupningskod E75.2A is titled "Gauchers sjukdom"; the cystic
    fibrosis category E84 has nothing mapped to it, its subdivisions have (MasterFile)."""
    from raremap.model import Concept, Edge, Mapping, Provenance, Release

    mf = Release("orphanet-masterfile:2021-07-01", "ORPHA", "Orphanet nomenclature pack MasterFile (en)", date="2021-07-01")

    def row(orpha: str, code: str, n: int) -> Mapping:
        return Mapping(orpha, f"ICD10:{code}", R.UNSPECIFIED, published=code,
                       provenance=Provenance(mf.id, "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx", f"row {n}"))

    names = {"ORPHA:135": "CACH syndrome", "ORPHA:139406": "Encephalopathy due to prosaposin deficiency",
             "ORPHA:586": "Cystic fibrosis"}
    pack = [Release("orphanet-nomenclature:2023-06-21", "ORPHA", "pack", date="2023-06-21"),
            *(Concept(c, "ORPHA", t, labels={"en": t}, kind="disorder") for c, t in names.items())]
    titles = {"E84": "Cystisk fibros", "E84.0": "Cystisk fibros med lungmanifestationer",
              "E84.1": "Cystisk fibros med intestinala manifestationer"}
    from crosswalk_fixtures import ICD10SE

    se = [ICD10SE, *(Concept(f"ICD10SE:{c}", "ICD10SE", t, labels={"sv": t}, release=ICD10SE.id) for c, t in titles.items()),
          *(Edge(f"ICD10SE:{c}", "ICD10SE:E84", "icd10se") for c in titles if c != "E84")]
    mapped = [mf, row("ORPHA:135", "E75.2", 7611), row("ORPHA:139406", "E75.2", 2769),
              row("ORPHA:586", "E84.0", 3), row("ORPHA:586", "E84.1", 4)]
    return make_map(*everything(), pack, se, mapped, partial=(5, 6, 7))


def test_the_code_its_title_names_comes_first_with_its_evidence(make_map) -> None:
    rm = _sphingolipidoses(make_map)
    maps = rm.crosswalk("ICD10SE:E75.2A", to="ORPHA")
    assert {m.target for m in maps} == {"ORPHA:355", "ORPHA:135", "ORPHA:139406"}
    first = maps[0]
    assert (first.target, first.score, first.matched) == ("ORPHA:355", 1.0, ("Gauchers sjukdom", "Gaucher disease"))
    assert first.relation is R.RELATED and first.basis == "edition"  # the relation is still what the statements give
    assert "lexical evidence, derived" in first.note and "Gauchers sjukdom" in first.note
    assert [m.score for m in maps[1:]] == [None, None]
    without = [m.target for m in rm.crosswalk("ICD10SE:E75.2", to="ORPHA")]  # E75.2's title names none of them
    assert [m.target for m in maps[1:]] == [t for t in without if t != "ORPHA:355"]  # the rest in their order
    [best] = rm.crosswalk("ICD10SE:E75.2A", to="ORPHA", best_evidence=True)
    assert best.target == "ORPHA:355"
    assert len(rm.crosswalk("ICD10SE:E75.2", to="ORPHA", best_evidence=True)) == 3  # no evidence: all kept


def test_a_category_looks_through_its_subdivisions_when_asked(make_map) -> None:
    rm = _sphingolipidoses(make_map)
    assert rm.crosswalk("ICD10SE:E84", to="ORPHA") == []  # as the releases state it: nothing for E84 itself
    [m] = rm.crosswalk("ICD10SE:E84", to="ORPHA", subdivisions=True)
    assert (m.target, m.basis, m.via[0], m.relation) == ("ORPHA:586", "hierarchy", "ICD10SE:E84.0", R.UNSPECIFIED)
    assert "subdivision of ICD10SE:E84" in m.note and m.steps[0].target == "ORPHA:586"
    assert [x.target for x in rm.crosswalk("ICD10:E84", to="ORPHA", subdivisions=True)] == ["ORPHA:586"]
    # a subdivision is no category; the ICD-10 family is not looked through (E84.0 is no answer of E84)
    assert rm.crosswalk("ICD10SE:E84.0", to="ORPHA", subdivisions=True) == rm.crosswalk("ICD10SE:E84.0", to="ORPHA")
    assert all(not x.target.startswith("ICD10") for x in rm.crosswalk("ICD10SE:E84", subdivisions=True))
    # the batch mapper looks through them by default (a registry storing E84 keeps cystic fibrosis)
    import pyarrow as pa

    table = pa.table({"code": ["E84", "E75.2A"]})
    out = rm.map_table(table, column="code", to="ORPHA", umi=False).to_pylist()
    assert [(r["code"], r["target"], r["basis"]) for r in out][:2] == [("E84", "ORPHA:586", "hierarchy"),
                                                                       ("E75.2A", "ORPHA:355", "edition")]
    plain = rm.map_table(table, column="code", to="ORPHA", umi=False, subdivisions=False).to_pylist()
    assert plain[0]["status"] == "unmapped"
    best = rm.map_table(table, column="code", to="ORPHA", umi=False, best_evidence=True).to_pylist()
    assert [(r["code"], r["target"]) for r in best] == [("E84", "ORPHA:586"), ("E75.2A", "ORPHA:355")]


def test_shared_gaucher_fordjupningskod_names_gaucher_first(shared_map) -> None:
    maps = shared_map.crosswalk("ICD10SE:E75.2A", to="ORPHA")
    assert len(maps) == 40 and maps[0].target == "ORPHA:355" and maps[0].matched == ("Gauchers sjukdom", "Gaucher disease")
    assert shared_map.crosswalk("ICD10SE:G71.0A", to="ORPHA")[0].target == "ORPHA:98896"  # Duchenne muscular dystrophy
    [cf] = shared_map.crosswalk("ICD10SE:E84", to="ORPHA", subdivisions=True)
    assert (cf.target, cf.basis) == ("ORPHA:586", "hierarchy")
