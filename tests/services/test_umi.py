"""UMI assessment: own ICD code or not, what attention information should carry."""

from __future__ import annotations

import dataclasses

import pytest

from crosswalk_fixtures import ICD10SE, everything, icd10se, orphanet, shared_map, snomed
from raremap.model import Mapping, Provenance, Relation


@pytest.fixture
def rm(make_map):
    return make_map(*everything())


def test_ntbt_only_is_flagged_and_names_the_orpha_code(rm) -> None:
    a = rm.umi("ORPHA:166024")
    assert a.specific_icd10 is False and a.specific_icd11 is False and a.needs_attention
    assert a.recommended[0] == "ORPHA:166024"
    assert "ORPHA:166024" in a.reason["sv"] and "ORPHA:166024" in a.reason["en"]
    assert "uppmärksamhetsinformationen" in a.reason["sv"]
    assert [m.target for m in a.icd10se] == ["ICD10SE:Q77.3"] and a.icd10se[0].relation is Relation.NARROWER
    assert [m.target for m in a.icd11] == ["ICD11:LD24.61"]


def test_exact_specific_is_not_flagged(rm) -> None:
    a = rm.umi("ORPHA:558")
    assert a.specific_icd10 and a.specific_icd11 and not a.needs_attention
    assert a.recommended[:2] == ("ICD10SE:Q87.4", "ORPHA:558")
    assert "SCTID:19346006" in a.recommended
    assert "Q87.4" in a.reason["en"] and "egen kod" in a.reason["sv"]


def test_not_specific_recommendation_names_the_snomed_concept(make_map) -> None:
    # the Orphanet MasterFile states ORPHA:558 -> Q87.4 without a relation: not the own code
    masterfile = []
    for record in orphanet():
        if isinstance(record, Mapping) and record.source == "ORPHA:558" and record.target == "ICD10:Q87.4":
            record = Mapping(record.source, record.target, Relation.UNSPECIFIED, published="Q87.4",
                             provenance=Provenance("orphanet-masterfile:2021-07-01", "ORPHAnomenclature_MasterFile_en.xlsx", "row 300"))
        masterfile.append(record)
    rm = make_map(masterfile, snomed())
    a = rm.umi("ORPHA:558")
    assert not a.specific_icd10 and a.needs_attention
    assert a.recommended == ("ORPHA:558", "SCTID:19346006")
    assert "SCTID:19346006" in a.reason["en"] and "SCTID:19346006" in a.reason["sv"]


@pytest.mark.parametrize("relation", [Relation.WRONG, Relation.UNDECIDED])
def test_specific_code_on_a_wrong_or_undecided_mapping_is_not_the_own_code(make_map, relation) -> None:
    # product1 may pair ICD relation "Specific code" with W (the concepts are different) or ND
    records = []
    for record in orphanet():
        if isinstance(record, Mapping) and record.source == "ORPHA:558" and record.target.startswith("ICD"):
            record = dataclasses.replace(record, relation=relation)
        records.append(record)
    rm = make_map(records, snomed())
    a = rm.umi("ORPHA:558")
    assert not a.specific_icd10 and not a.specific_icd11 and a.needs_attention
    assert a.recommended[0] == "ORPHA:558" and "ICD10:Q87.4" not in a.recommended
    assert rm.umi_assessor.needs_attention("ORPHA:558") is True


def test_subtype_without_own_code_gets_the_ancestor_codes_but_no_ancestor_concept(rm) -> None:
    a = rm.umi("ORPHA:284963")
    assert not a.specific_icd10 and a.needs_attention
    assert a.recommended == ("ORPHA:284963",)  # Marfan syndrome's SNOMED CT concept is broader: not recommended
    assert [(m.target, m.basis) for m in a.icd10se] == [("ICD10SE:Q87.4", "hierarchy")]
    assert "ORPHA:558" in a.reason["en"]


def test_icd10se_code_covering_many_rare_diseases(rm) -> None:
    a = rm.umi("ICD10SE:Q87.8")
    assert a.rare_diseases == 2 and a.specific_to == () and not a.specific_to_one
    assert a.needs_attention and not a.specific_icd10
    assert {m.target for m in a.covers} == {"ORPHA:63", "ORPHA:127"}
    assert "2 sällsynta sjukdomar" in a.reason["sv"] and "2 rare diseases" in a.reason["en"]


def test_icd10se_code_specific_to_one(rm) -> None:
    a = rm.umi("Q87.4")
    assert a.code == "ICD10SE:Q87.4" and a.specific_to == ("ORPHA:558",) and a.specific_to_one
    assert a.specific_icd10 and not a.needs_attention


def test_fordjupningskod_is_not_claimed_specific(rm) -> None:
    a = rm.umi("ICD10SE:E75.2A")
    assert [m.target for m in a.covers] == ["ORPHA:355"] and a.specific_to == ()
    assert "fördjupningskod" in a.reason["sv"] and "E75.2" in a.reason["en"]


def test_snomed_concept_is_assessed_as_its_orpha_code(rm) -> None:
    a = rm.umi("SCTID:19346006")
    assert (a.code, a.query) == ("ORPHA:558", "SCTID:19346006") and a.specific_icd10


def test_inactive_code_is_assessed_as_its_replacement(rm) -> None:
    a = rm.umi("ORPHA:99715")
    assert a.code == "ORPHA:284963" and "deprecated" in a.reason["en"] and "avvecklad" in a.reason["sv"]


def test_inactive_code_without_replacement_is_never_recommended(make_map) -> None:
    # 2023 pack: ORPHA:1136 is obsolete and only "Referred to" ORPHA:93969; the 2021 MasterFile
    # still maps it to Q07.0
    from raremap.model import Concept, Release, Replacement, Status

    pack = Release(id="orphanet-nomenclature:2023-06-21", system="ORPHA", name="pack", date="2023-06-21")
    records = [pack,
               Concept("ORPHA:1136", "ORPHA", "Arnold-Chiari malformation type II", labels={"en": "Arnold-Chiari malformation type II"},
                       status=Status.OBSOLETE, replaced_by=(Replacement("ORPHA:93969", "referred_to"),), kind="disorder",
                       release=pack.id),
               Concept("ORPHA:93969", "ORPHA", "Open spinal dysraphism with a myelomeningocele",
                       labels={"en": "Open spinal dysraphism with a myelomeningocele"}, kind="disorder", release=pack.id)]
    masterfile = Release(id="orphanet-masterfile:2021-07-01", system="ORPHA", name="MasterFile", date="2021-07-01")
    mapped = [masterfile, Mapping("ORPHA:1136", "ICD10:Q07.0", Relation.UNSPECIFIED, published="Q07.0", provenance=Provenance(
        masterfile.id, "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx", "row 2047"))]
    a = make_map(records, mapped, partial=(1,)).umi("ORPHA:1136")
    assert a.code == "ORPHA:1136" and a.recommended == ()
    assert "do not record it" in a.reason["en"] and "ORPHA:93969" in a.reason["en"]
    assert "ange den inte" in a.reason["sv"] and "ORPHA:93969" in a.reason["sv"]
    assert "Record ORPHA:1136" not in a.reason["en"]


def test_non_rare_code_needs_no_attention_coding(make_map) -> None:
    # 2023 pack: ORPHA:362 Glucose-6-phosphate-dehydrogenase deficiency is "Non rare in Europe"
    from raremap.model import Concept, Release, Status

    pack = Release(id="orphanet-nomenclature:2023-06-21", system="ORPHA", name="pack", date="2023-06-21")
    label = "Glucose-6-phosphate-dehydrogenase deficiency"
    rm = make_map([pack, Concept("ORPHA:362", "ORPHA", label, labels={"en": label}, status=Status.NON_RARE,
                                 kind="disorder", release=pack.id)])
    a = rm.umi("ORPHA:362")
    assert not a.needs_attention and a.recommended == () and not a.specific_icd10
    assert "ICD-10-SE" in a.reason["sv"]
    assert rm.umi_assessor.needs_attention("ORPHA:362") is False


def test_category_covers_the_rare_diseases_of_its_subdivisions(make_map) -> None:
    # 2021 MasterFile: ORPHA:173 Cholera -> A00.0, A00.1, A00.9; nothing is mapped to A00 itself
    from raremap.model import Concept, Edge, Release

    pack = Release(id="orphanet-nomenclature:2023-06-21", system="ORPHA", name="pack", date="2023-06-21")
    masterfile = Release(id="orphanet-masterfile:2021-07-01", system="ORPHA", name="MasterFile", date="2021-07-01")
    se = Release(id="icd10se-inera:2022", system="ICD10SE", name="ICD-10-SE", date="2022-01-01")
    titles = {"A00": "Kolera", "A00.0": "Kolera orsakad av Vibrio cholerae 01, biovar cholerae",
              "A00.1": "Kolera orsakad av Vibrio cholerae 01, biovar eltor", "A00.9": "Kolera, ospecificerad"}
    icd = [se, *(Concept(f"ICD10SE:{c}", "ICD10SE", t, labels={"sv": t}, release=se.id) for c, t in titles.items()),
           *(Edge(f"ICD10SE:{c}", "ICD10SE:A00", "icd10se", se.id) for c in titles if c != "A00")]
    mapped = [masterfile, *(Mapping("ORPHA:173", f"ICD10:{c}", Relation.UNSPECIFIED, published=c,
                                    provenance=Provenance(masterfile.id, "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx", f"row {i}"))
                            for i, c in enumerate(("A00.0", "A00.1", "A00.9"), start=2))]
    rm = make_map([pack, Concept("ORPHA:173", "ORPHA", "Cholera", labels={"en": "Cholera"}, kind="disorder", release=pack.id)],
                  icd, mapped, partial=(2,))
    a = rm.umi("ICD10SE:A00")
    assert a.rare_diseases == 1 and a.needs_attention and a.specific_to == ()
    assert {(m.target, m.basis, m.via[0]) for m in a.covers} == {
        ("ORPHA:173", "hierarchy", "ICD10SE:A00.0"), ("ORPHA:173", "hierarchy", "ICD10SE:A00.1"),
        ("ORPHA:173", "hierarchy", "ICD10SE:A00.9")}
    assert "A00.0, A00.1, A00.9" in a.reason["sv"] and "underkoder" in a.reason["sv"]
    assert rm.umi_assessor.needs_attention("ICD10SE:A00") is True
    assert rm.crosswalk("ICD10SE:A00", "ORPHA") == []  # the crosswalk itself states only what releases say
    assert rm.umi("ICD10SE:A00.1").rare_diseases == 1


def test_code_without_rare_diseases(make_map) -> None:
    rm = make_map(orphanet(), [ICD10SE, *[r for r in everything()[1][1:]]])
    a = rm.umi("ICD10SE:C88")  # without Alpha-ID-SE nothing maps Waldenström's C88.0 to ORPHA
    assert a.rare_diseases == 0 and not a.needs_attention
    # the category Q87 has no mapping of its own; its subdivisions Q87.4 and Q87.8 have
    q87 = rm.umi("ICD10SE:Q87")
    assert q87.rare_diseases == 3 and q87.needs_attention and all(m.basis == "hierarchy" for m in q87.covers)


def test_umi_table(rm) -> None:
    t = rm.umi_table()
    rows = {r["orpha"]: r for r in t.to_pylist()}
    assert "ORPHA:284993" not in rows  # a group
    assert "ORPHA:99715" not in rows  # deprecated
    assert rows["ORPHA:166024"]["needs_attention"] and not rows["ORPHA:166024"]["specific_icd10"]
    assert rows["ORPHA:166024"]["icd10_relation"] == ["narrower/attributed"]
    assert not rows["ORPHA:558"]["needs_attention"] and rows["ORPHA:558"]["specific_icd10"]
    assert rows["ORPHA:284963"]["icd10se"] == ["ICD10SE:Q87.4"]
    assert rows["ORPHA:284963"]["kind"] == "subtype"


def test_bundled_sample_flags(tmp_path, monkeypatch) -> None:
    import raremap

    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path))
    rm = raremap.load()
    t = {r["orpha"]: r for r in rm.umi_table().to_pylist()}
    assert t["ORPHA:558"]["specific_icd10"] and not t["ORPHA:558"]["needs_attention"]
    assert not t["ORPHA:166024"]["specific_icd10"] and t["ORPHA:166024"]["needs_attention"]
    assert t["ORPHA:586"]["specific_icd10"]  # cystic fibrosis: BTNT + specific code (data/README.md)
    gaucher = rm.umi("ORPHA:355")
    assert "E75.2A" in gaucher.reason["en"]  # the Swedish fördjupningskod is pointed out, not chosen
    assert gaucher.icd10se[0].target == "ICD10SE:E75.2"


@pytest.fixture(scope="module")
def shared(shared_data, tmp_path_factory):
    return shared_map(shared_data, tmp_path_factory.mktemp("shared") / "snapshot")


def test_shared_product1_ntbt_disorder_is_flagged(shared) -> None:
    a = shared.umi("ORPHA:166024")
    assert a.specific_icd10 is False and a.needs_attention
    assert a.recommended[0] == "ORPHA:166024"
    assert "Q77.3" in a.reason["en"] and "ORPHA:166024" in a.reason["sv"]
    assert [m.target for m in a.icd11] == ["ICD11:LD24.61"]


def test_shared_alpha_id_only_is_not_orphanet_specific(shared) -> None:
    # Alpha-ID-SE states ORPHA:558 <-> Q87.4 without a relation: never "specific"
    a = shared.umi("ORPHA:558")
    assert not a.specific_icd10 and "Orphanet gives no ICD-10 code" in a.reason["en"]


def test_needs_attention_shortcut_agrees_with_the_assessment(make_map) -> None:
    from raremap.services.umi import Assessor

    rm = make_map(*everything())
    codes = [c for c in rm._index] + ["ICD10GM:Q87.4", "ICD10GM:C88.00", "ALPHAID:I67050"]
    for code in codes:
        assert Assessor(rm).needs_attention(code) == Assessor(rm).assess(code).needs_attention, code


def test_fordjupningskod_coverage_does_not_claim_what_no_release_says(rm) -> None:
    # E75.2A is "Gauchers sjukdom": no release maps Gaucher disease to it, only to E75.2; saying it
    # "covers one rare disease and is not its own code" would contradict the coder's own title
    a = rm.umi("ICD10SE:E75.2A")
    assert a.rare_diseases == 1 and a.needs_attention and a.specific_to == ()
    assert "Gauchers sjukdom" in a.reason["sv"] and "under E75.2" in a.reason["sv"]
    assert "inte dess egen kod" not in a.reason["sv"] and "not its own code" not in a.reason["en"]
    assert "anger om E75.2A avser den" in a.reason["sv"] and "whether E75.2A names it" in a.reason["en"]
    assert "ange ORPHA:355" in a.reason["sv"] and "record ORPHA:355" in a.reason["en"]
    many = rm.umi("ICD10SE:Q87.8A")  # Alports syndrom, under Q87.8 (2 rare diseases in the fixture)
    assert many.rare_diseases == 2 and "2 sällsynta sjukdomar" in many.reason["sv"]
    assert "är inte egen kod för någon av dem" not in many.reason["sv"]
    assert "vilken av dem Q87.8A avser" in many.reason["sv"]


def _product1(records: list) -> list:
    from crosswalk_fixtures import PRODUCT1

    return [PRODUCT1, *records]


def _orpha_concept(code: str, label: str, **kw):
    from raremap.model import Concept

    return Concept(code, "ORPHA", label, labels={"en": label}, kind="disorder", release="orphanet-product1:2025-12-09", **kw)


def _p1(source: str, target: str, relation: Relation, icd, n: int) -> Mapping:
    return Mapping(source, target, relation, icd, True, published=target.partition(":")[2],
                   provenance=Provenance("orphanet-product1:2025-12-09", "en_product1.xml", f"ExternalReference {n}"))


def _se(*rows: tuple[str, str]) -> list:
    from raremap.model import Concept

    return [ICD10SE, *(Concept(f"ICD10SE:{c}", "ICD10SE", t, labels={"sv": t}, release=ICD10SE.id) for c, t in rows)]


def test_several_narrower_own_codes_each_identify_the_disease(make_map) -> None:
    # bundled product1 (data/README.md): Cystic fibrosis BTNT + "specific code" to E84.0 and E84.1
    from raremap.model import IcdRelation

    rm = make_map(
        _product1([_orpha_concept("ORPHA:586", "Cystic fibrosis"),
                   _p1("ORPHA:586", "ICD10:E84.0", Relation.BROADER, IcdRelation.SPECIFIC, 1),
                   _p1("ORPHA:586", "ICD10:E84.1", Relation.BROADER, IcdRelation.SPECIFIC, 2)]),
        _se(("E84", "Cystisk fibros"), ("E84.0", "Cystisk fibros med lungmanifestationer"),
            ("E84.1", "Cystisk fibros med intestinala manifestationer")))
    a = rm.umi("ORPHA:586")
    assert a.specific_icd10 and not a.needs_attention
    assert a.recommended == ("ICD10SE:E84.0", "ICD10SE:E84.1", "ORPHA:586")
    assert "som egna koder för" in a.reason["sv"] and "as own codes of" in a.reason["en"]
    assert "Var och en av ICD-10-SE E84.0, E84.1 identifierar diagnosen" in a.reason["sv"]
    assert "Ange den som stämmer med patientens journal" in a.reason["sv"]
    assert "Each of ICD-10-SE E84.0, E84.1 identifies the diagnosis" in a.reason["en"]


def test_several_broad_codes_read_in_the_plural(make_map) -> None:
    # bundled product1: ATTRV30M amyloidosis NTBT + "attributed" to E85.1 and G63.3
    from raremap.model import IcdRelation

    rm = make_map(
        _product1([_orpha_concept("ORPHA:85447", "ATTRV30M amyloidosis"),
                   _p1("ORPHA:85447", "ICD10:E85.1", Relation.NARROWER, IcdRelation.ATTRIBUTED, 1),
                   _p1("ORPHA:85447", "ICD10:G63.3", Relation.NARROWER, IcdRelation.ATTRIBUTED, 2)]),
        _se(("E85.1", "Neuropatisk heredofamiljär amyloidos"),
            ("G63.3", "Polyneuropati vid andra endokrina och metaboliska sjukdomar (E00-E07, E15-E16, E20-E34, E70-E89)")))
    a = rm.umi("ORPHA:85447")
    assert a.needs_attention and a.recommended == ("ORPHA:85447",)
    assert "ICD-10-SE E85.1, G63.3 identifierar inte sjukdomen, var för sig eller tillsammans" in a.reason["sv"]
    assert "ICD-10-SE E85.1, G63.3 do not identify the disease" in a.reason["en"]
    assert "ensam" not in a.reason["sv"]


def test_non_rare_code_is_not_called_outdated(make_map) -> None:
    # 2023 pack: ORPHA:362 Glucose-6-phosphate-dehydrogenase deficiency, flag 8225 (inactive: non rare in Europe)
    from raremap.model import Status

    rm = make_map(_product1([_orpha_concept("ORPHA:362", "Glucose-6-phosphate-dehydrogenase deficiency",
                                            status=Status.NON_RARE)]))
    a = rm.umi("ORPHA:362")
    assert a.recommended == ()
    assert "inte är sällsynt i Europa" in a.reason["sv"] and "not rare in Europe" in a.reason["en"]
    assert "Ange inte ORPHA:362 i uppmärksamhetsinformationen" in a.reason["sv"]
    assert "aktuell" not in a.reason["sv"] and "current" not in a.reason["en"]


# --- three-valued specific_icd10: what the releases state, and nothing more ----------------

def _masterfile(*pairs: tuple[str, str]) -> list:
    """The 2021 MasterFile: ORPHA -> ICD-10 pairs without a relation (as the real file states them)."""
    from raremap.model import Release

    mf = Release("orphanet-masterfile:2021-07-01", "ORPHA", "Orphanet nomenclature pack MasterFile (en)", date="2021-07-01")
    return [mf, *(Mapping(o, f"ICD10:{c}", Relation.UNSPECIFIED, published=c,
                          provenance=Provenance(mf.id, "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx", f"row {i}"))
                  for i, (o, c) in enumerate(pairs, start=3))]


def test_linked_without_a_relation_is_none_and_says_so(make_map) -> None:
    # shared data: the MasterFile pairs Marfan syndrome with Q87.4 and states no relation
    rm = make_map([r for r in orphanet() if not (isinstance(r, Mapping) and r.source == "ORPHA:558")],
                  icd10se(), snomed(), _masterfile(("ORPHA:558", "Q87.4")), partial=(3,))
    a = rm.umi("ORPHA:558")
    assert a.specific_icd10 is None and a.needs_attention
    # the ORPHA code first (it names the disease), then the Swedish code the record carries anyway
    assert a.recommended == ("ORPHA:558", "ICD10SE:Q87.4", "SCTID:19346006")
    sv, en = a.reason["sv"], a.reason["en"]
    # the title is the release's; that it names the disease is derived (lexical evidence), and says so
    assert ("ICD-10-SE Q87.4 heter ”Marfans syndrom” (härlett ur namnen: titeln anger sjukdomen); "
            "ingen inläst utgåva anger om koden är sjukdomens egen") in sv
    assert "orphanet-masterfile:2021-07-01" in sv and "orphanet-masterfile:2021-07-01" in en
    assert "identifierar inte" not in sv and "does not identify" not in en and "not its own" not in en
    assert "tillsammans med ICD-10-SE Q87.4" in sv and "together with ICD-10-SE Q87.4" in en
    assert rm.umi_assessor.needs_attention("ORPHA:558") is True
    q874 = rm.umi("ICD10SE:Q87.4")  # asked from the Swedish side: open too
    # its title names the disease (derived): the ORPHA code first, then the code asked
    assert q874.specific_icd10 is None and q874.needs_attention and q874.recommended == ("ORPHA:558", "ICD10SE:Q87.4")
    assert "Titeln anger ORPHA:558 (Marfan syndrome) (härlett ur namnen" in q874.reason["sv"]
    assert "ingen inläst utgåva anger om Q87.4 är dess egen kod" in q874.reason["sv"]
    assert "inte dess egen kod" not in q874.reason["sv"]


def test_stated_relation_that_is_not_own_code_is_false(rm) -> None:
    a = rm.umi("ORPHA:166024")  # product1: NTBT + attributed
    assert a.specific_icd10 is False and a.specific_icd11 is False
    assert "orphanet-product1:2025-12-09" in a.reason["en"]
    assert "ensam identifierar inte sjukdomen" in a.reason["sv"] and "ingen inläst utgåva anger om" not in a.reason["sv"]
    assert rm.umi("ICD10SE:Q77.3").specific_icd10 is False  # Q77.3 is broader than the disease: stated


def test_undecided_is_none_wrong_is_false(make_map) -> None:
    for relation, expected in ((Relation.UNDECIDED, None), (Relation.WRONG, False)):
        records = [dataclasses.replace(r, relation=relation)
                   if isinstance(r, Mapping) and r.source == "ORPHA:558" and r.target == "ICD10:Q87.4" else r
                   for r in orphanet()]
        a = make_map(records, icd10se()).umi("ORPHA:558")
        assert a.specific_icd10 is expected, relation
        assert a.specific_icd11 is True  # the ICD-11 statement is still exact


def test_mixed_stated_and_unstated_links(make_map) -> None:
    # Orphanet relates Gaucher disease to E75.2 (NTBT); the MasterFile also links it to E75.1 without a relation
    rm = make_map(orphanet(), icd10se(), _masterfile(("ORPHA:355", "E75.1")), partial=(2,))
    a = rm.umi("ORPHA:355")
    assert a.specific_icd10 is None
    assert "E75.2 (ICD-koden är bredare, kod tilldelad av Orphanet)" in a.reason["sv"]
    assert "E75.1 (relationen anges inte)" in a.reason["sv"] and "ingen inläst utgåva anger om" in a.reason["sv"]
    assert "ICD-10-SE E75.2 ensam identifierar inte sjukdomen" in a.reason["sv"]


def test_category_linked_through_subdivisions_without_relation_is_open(make_map) -> None:
    # shared data: the MasterFile links Cystic fibrosis to E84.0, E84.1, E84.8, E84.9, none to E84
    from raremap.model import Concept, Edge

    titles = {"E84": "Cystisk fibros", "E84.0": "Cystisk fibros med lungmanifestationer",
              "E84.1": "Cystisk fibros med intestinala manifestationer", "E84.8": "Cystisk fibros med andra manifestationer",
              "E84.9": "Cystisk fibros, ospecificerad"}
    se = [ICD10SE, *(Concept(f"ICD10SE:{c}", "ICD10SE", t, labels={"sv": t}, release=ICD10SE.id) for c, t in titles.items()),
          *(Edge(f"ICD10SE:{c}", "ICD10SE:E84", "icd10se") for c in titles if c != "E84")]
    rm = make_map(_product1([_orpha_concept("ORPHA:586", "Cystic fibrosis")]), se,
                  _masterfile(*(("ORPHA:586", c) for c in ("E84.0", "E84.1", "E84.8", "E84.9"))), partial=(2,))
    a = rm.umi("ORPHA:586")
    assert a.specific_icd10 is None and a.needs_attention
    assert a.recommended == ("ORPHA:586", "ICD10SE:E84.0", "ICD10SE:E84.1", "ICD10SE:E84.8", "ICD10SE:E84.9")
    assert "identifierar inte" not in a.reason["sv"]
    assert "som stämmer med patientens journal" in a.reason["sv"]
    for code in ("ICD10SE:E84", "ICD10SE:E84.0"):
        c = rm.umi(code)
        assert c.specific_icd10 is None and c.needs_attention and c.rare_diseases == 1, code
        assert "inte dess egen kod" not in c.reason["sv"] and "not its own code" not in c.reason["en"]


# --- every UMI reason on the shared data says only what a loaded release states ----------

_SV_REL = {"exakt": Relation.EXACT, "ICD-koden är bredare": Relation.NARROWER, "ICD-koden är smalare": Relation.BROADER,
           "närliggande": Relation.RELATED, "relationen ej fastställd av Orphanet": Relation.UNDECIDED,
           "relationen anges inte": Relation.UNSPECIFIED, "markerad som fel av Orphanet": Relation.WRONG}
_SV_ICD = {"specifik kod": "specific", "kod tilldelad av Orphanet": "attributed", "inklusionsterm": "inclusion",
           "indexterm": "index"}
_ICD10_CODE = r"[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,2})?"


def _icd10_key(code: str) -> str:
    return code.partition(":")[2].replace(".", "")


def _current(statements: list[Mapping], dates: dict[str, str], systems: dict[str, str]) -> list[Mapping]:
    """Per pair and publisher only the newest dated release's statements (written independently of
    the crosswalk, from the rule the README states)."""
    out = []
    for s in statements:
        rivals = [t for t in statements if t.target == s.target and t.provenance.release != s.provenance.release
                  and systems.get(t.provenance.release) == systems.get(s.provenance.release)]
        mine = dates.get(s.provenance.release, "")
        if any(mine and dates.get(t.provenance.release, "") > mine and all(dates.get(r.provenance.release) for r in rivals)
               for t in rivals):
            continue
        out.append(s)
    return out


def _decided(s: Mapping) -> bool:
    return s.relation not in (Relation.UNSPECIFIED, Relation.UNDECIDED) or (
        s.icd_relation is not None and str(s.icd_relation) != "specific")


def test_shared_umi_reasons_claim_only_what_a_release_states(shared_map) -> None:
    import re

    rm = shared_map
    dates = {r.id: r.date for r in rm.releases}
    systems = {r.id: r.system for r in rm.releases}
    rows = rm.umi_table().to_pylist()
    assert len(rows) > 7000
    counts = {True: 0, False: 0, None: 0}
    for row in rows:
        orpha, sv, en = row["orpha"], row["reason_sv"], row["reason_en"]
        a = rm.umi(orpha)
        raw = _current([s for s in rm.mappings(orpha, direction="both") if s.target.startswith(("ICD10:", "ICD10GM:"))],
                       dates, systems)

        def about(key: str) -> list[Mapping]:  # the statements of this disease about one ICD-10 code
            return [s for s in raw if _icd10_key(s.target) == key
                    or (s.target.startswith("ICD10GM:") and _icd10_key(s.target)[:4] == key)]

        # 1. the flag, recomputed from the statements themselves
        linked = {_icd10_key(m.target) for m in a.icd10 if m.basis != "hierarchy"}
        own = any(s.target.startswith("ICD10:") and s.source == orpha and (s.relation is Relation.EXACT or (
            str(s.icd_relation) == "specific" and s.relation not in (Relation.WRONG, Relation.UNDECIDED))) for s in raw)
        expected = True if own else (None if any(not any(_decided(s) for s in about(k)) for k in linked) else False)
        assert row["specific_icd10"] is expected, (orpha, sv)
        counts[expected] += 1
        # 2. "own code" only where a release says so; "open" exactly where none does
        assert (("som egen kod för" in sv or "som egna koder för" in sv) and "anger ingen" not in sv.split(".")[0]) \
            is (expected is True), (orpha, sv)
        assert ("ingen inläst utgåva anger om koden" in sv or "ingen inläst utgåva anger om koderna" in sv) \
            is (expected is None), (orpha, sv)
        # 3. a code said not to identify the disease has a stated relation that is not "own code",
        #    or is (with no code of its own) the code of an ancestor
        for listed in re.findall(r"ICD-10-SE ([^;.]+?) (?:ensam identifierar inte|identifierar inte sjukdomen)", sv):
            for value in listed.split(", "):
                stated = any(_decided(s) for s in about(value.replace(".", "")))
                inherited = not linked and any(m.basis == "hierarchy" and m.target == f"ICD10SE:{value}" for m in a.icd10se)
                assert stated or inherited, (orpha, value, sv)
        # 4. relation words after an ICD-10 code are those a current statement states (derived ones are marked)
        icd10_part = sv.split(" I ICD-11 ")[0]
        for value, words in re.findall(rf"\b({_ICD10_CODE}) \(([^)]*)\)", icd10_part):
            parts = words.split(", ")
            if "härledd" in parts or words.startswith("+"):
                continue
            relations = [_SV_REL[p] for p in parts if p in _SV_REL]
            icd = [_SV_ICD[p] for p in parts if p in _SV_ICD]
            if not relations and not icd:
                continue  # (a release id, not relation words)
            assert any((not relations or s.relation is relations[0]) and (str(s.icd_relation) if s.icd_relation else None)
                       == (icd[0] if icd else None) for s in about(value.replace(".", ""))), (orpha, value, words, sv)
        # 5. quoted ICD-10-SE titles are the release's titles
        for value, title in re.findall(r"ICD-10-SE (\S+) heter ”(.*?)”(?=;| …| \()", sv):
            assert rm.concept(f"ICD10SE:{value}").label == title, (orpha, value)
        # 5b. "the title names the disease" only where the lexical evidence says so, always marked derived
        lexical = {m.target for m in rm.lexical_mappings(orpha)}
        for value in re.findall(r"ICD-10-SE (\S+) heter ”[^;]*?” \(härlett ur namnen: titeln anger sjukdomen\)", sv):
            assert f"ICD10SE:{value}" in lexical, (orpha, value)
        if "varje titel anger sjukdomen" in sv:
            sentence = sv.split("varje titel anger sjukdomen")[0].rsplit(". ", 1)[-1]
            assert all(f"ICD10SE:{v}" in lexical for v in re.findall(r"ICD-10-SE (\S+) heter", sentence)), (orpha, sv)
        assert "titel" not in sv.replace("varje titel anger sjukdomen (härlett", "").replace(
            "titeln anger sjukdomen)", ""), (orpha, sv)
        # 6. every release named is loaded and states something about this disease or an ancestor
        named = set(re.findall(r"\b([a-z0-9-]+:[A-Za-z0-9_.-]*[A-Za-z0-9])\b", sv)) & set(dates)
        around = {s.provenance.release for code in {orpha, *rm.ancestors(orpha)}
                  for s in rm.mappings(code, direction="both") if s.provenance is not None}
        assert named <= around, (orpha, named - around, sv)
        # 7. ICD-11: "not its own code" only for codes Orphanet relates to it by a stated relation
        for listed in re.findall(r"I ICD-11 mappar Orphanet den till (.*?), inte som egen kod", sv):
            for value in re.findall(r"(\S+) \(", listed):
                assert any(_decided(s) for s in rm.mappings(orpha) if s.target == f"ICD11:{value}"), (orpha, value)
        assert ("I ICD-11 är" in sv) is (row["specific_icd11"] is True), (orpha, sv)
        assert "egen" in en or "own" in en  # the English reason answers the same question
    assert counts[None] > 5000 and counts[False] > 0  # the shared data: mostly the MasterFile's unstated pairs


def test_shared_titles_that_name_the_disease_are_recognised(shared_map) -> None:
    cf = shared_map.umi("ORPHA:586")  # MasterFile: E84.0, E84.1, E84.8, E84.9 without a relation
    assert cf.specific_icd10 is None and cf.needs_attention
    assert cf.recommended[:5] == ("ORPHA:586", "ICD10SE:E84.0", "ICD10SE:E84.1", "ICD10SE:E84.8", "ICD10SE:E84.9")
    assert "varje titel anger sjukdomen (härlett ur namnen)" in cf.reason["sv"]
    assert "identifierar inte" not in cf.reason["sv"]
    gaucher = shared_map.umi("ORPHA:355")  # mapped to E75.2 only; E75.2A "Gauchers sjukdom" named by its title
    assert gaucher.recommended[:2] == ("ORPHA:355", "ICD10SE:E75.2A")
    assert "ICD-10-SE E75.2A heter ”Gauchers sjukdom” (härlett ur namnen" in gaucher.reason["sv"]
    e752a = shared_map.umi("ICD10SE:E75.2A")
    assert e752a.covers[0].target == "ORPHA:355" and e752a.recommended == ("ORPHA:355", "ICD10SE:E75.2A")
    rows = {r["orpha"]: r for r in shared_map.umi_table().to_pylist()}
    assert rows["ORPHA:166024"]["icd10_relation"] == ["narrower/attributed"]  # product1, not the older MasterFile
    assert rows["ORPHA:166024"]["specific_icd10"] is False


@pytest.mark.parametrize("name, orpha", [("marfans syndrom", "ORPHA:558"), ("cystisk fibros", "ORPHA:586"),
                                         ("gauchers sjukdom", "ORPHA:355"), ("wilsons sjukdom", "ORPHA:905"),
                                         ("tuberos skleros", "ORPHA:805"), ("duchennes muskeldystrofi", "ORPHA:98896")])
def test_shared_umi_by_name(shared_map, name, orpha) -> None:
    a = shared_map.umi_by_name(name)
    assert a.code == orpha and a.name == name and a.resolved is not None and a.resolved.code == orpha
    assert a.reason["sv"].startswith(f"”{name}” tolkas som ") and f"({orpha})" in a.reason["sv"].split(".")[0]
    assert a.reason["en"].startswith(f"“{name}” is read as ")
    plain = shared_map.umi(orpha)
    assert (a.specific_icd10, a.needs_attention, a.recommended) == (plain.specific_icd10, plain.needs_attention,
                                                                    plain.recommended)


def test_umi_by_name_without_a_match(rm) -> None:
    from raremap import NoMatchError, UnknownCodeError

    with pytest.raises(NoMatchError) as err:
        rm.umi_by_name("xyzzq blarg")
    assert isinstance(err.value, UnknownCodeError) and "xyzzq blarg" in str(err.value)
