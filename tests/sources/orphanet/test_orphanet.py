"""Orphanet XML readers (nomenclature pack, product1/3/7) and the MasterFile reader."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap.errors import ReleaseFormatError
from raremap.model import Concept, Edge, IcdRelation, Mapping, Relation, Release, Status
from raremap.sources.orphanet import masterfile, products
from raremap.release_input import BuildReport, ReadContext
from raremap.sources.orphanet.disorder import clean_definition, icd_relation, mapping_relation, validation
from paths import FIXTURES

FIXTURES = FIXTURES / "orphanet"
PACK = FIXTURES / "pack_2023"
PRODUCT1 = FIXTURES / "product1" / "en_product1.xml"
CLASSIFICATION_199 = PACK / "Classifications" / "ORPHAclassification_199_rare_bone_diseases_en_2023.xml"


def run(reader, files, root: Path, report: BuildReport | None = None) -> list:
    return list(reader.read(tuple(files), ReadContext(root=root, report=report or BuildReport())))


def of(records, kind):
    return [r for r in records if isinstance(r, kind)]


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- find ----------------------------------------------------------------------------------

def test_find_groups_pack_nomenclature_with_its_icd_mapping_files():
    files = all_files(FIXTURES)
    assert products.NOMENCLATURE.find(files) == [
        (PACK / "ORPHAnomenclature_en_2023.xml", PACK / "ORPHA_ICD10_mapping_en_2023.xml")
    ]
    assert products.PACK_CLASSIFICATIONS.find(files) == [(CLASSIFICATION_199,)]
    assert products.PRODUCT1.find(files) == [(PRODUCT1,)]
    for reader in (products.PRODUCT3, products.PRODUCT7, products.PACK_LINEARISATION, masterfile.MASTERFILE):
        assert reader.find(files) == []


def test_find_recognises_other_pack_spellings(tmp_path):
    header = PACK.joinpath("ORPHA_ICD10_mapping_en_2023.xml").read_bytes()
    names = [
        "ORPHAnomenclature_de_2025.xml", "ORPHA_ICD11_mapping_de_newversion_2025.xml",
        "en_ORPHAlinearisation.xml", "ORPHAlinearisation_de_2025.xml",
        "en_ORPHAclassification_146.xml", "en_product3_146.xml", "en_product3_147.xml", "fr_product7.xml",
    ]
    for name in names:
        tmp_path.joinpath(name).write_bytes(header)
    tmp_path.joinpath("ORPHA_ICD10_mapping_en_2020.xsd").write_text("<xs:schema/>")
    tmp_path.joinpath("ORPHAnomenclature_diff_en_2021-07-01.xlsx").write_bytes(b"PK")
    files = all_files(tmp_path)
    p = tmp_path.joinpath
    assert products.NOMENCLATURE.find(files) == [(p("ORPHAnomenclature_de_2025.xml"), p("ORPHA_ICD11_mapping_de_newversion_2025.xml"))]
    assert sorted(products.PACK_LINEARISATION.find(files)) == [(p("ORPHAlinearisation_de_2025.xml"),), (p("en_ORPHAlinearisation.xml"),)]
    assert products.PACK_CLASSIFICATIONS.find(files) == [(p("en_ORPHAclassification_146.xml"),)]
    assert products.PRODUCT3.find(files) == [(p("en_product3_146.xml"), p("en_product3_147.xml"))]
    assert products.PRODUCT7.find(files) == [(p("fr_product7.xml"),)]
    claimed = {f for r in (*products.READERS, *masterfile.READERS) for g in r.find(files) for f in g}
    assert p("ORPHA_ICD10_mapping_en_2020.xsd") not in claimed
    assert p("ORPHAnomenclature_diff_en_2021-07-01.xlsx") not in claimed


def test_find_needs_a_jdbor_root(tmp_path):
    tmp_path.joinpath("en_product1.xml").write_text('<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"/>')
    assert products.PRODUCT1.find(all_files(tmp_path)) == []


def test_find_on_shared_data_claims_only_orphanet_files(shared_data):
    files = all_files(shared_data)
    found = {r.name: r.find(files) for r in (*products.READERS, *masterfile.READERS)}
    claimed = [f for groups in found.values() for g in groups for f in g]
    assert len(claimed) == len(set(claimed))
    assert all(f.relative_to(shared_data).parts[0] == "orphanet" for f in claimed)
    assert [g[0].name for g in found["orphanet-nomenclature"]] == [
        "ORPHAnomenclature_fr_short_2021-07.xml", "ORPHAnomenclature_en_2023.xml.gz"]
    assert [len(g) for g in found["orphanet-classifications"]] == [34]
    assert [len(g) for g in found["orphanet-masterfile"]] == [1]
    assert [g[0].name for g in found["orphanet-product3"]] == ["en_product3_156.xml"]
    assert not any(f.name.startswith("ORPHAnomenclature_diff") for f in claimed)


# --- nomenclature pack (own fixture) -------------------------------------------------------

@pytest.fixture(scope="module")
def pack_records():
    report = BuildReport()
    files = products.NOMENCLATURE.find(all_files(PACK))[0]
    return run(products.NOMENCLATURE, files, FIXTURES, report), report


def test_pack_release_comes_first(pack_records):
    records, report = pack_records
    release = records[0]
    assert isinstance(release, Release)
    assert release.id == "orphanet-nomenclature:2023-06-21"
    assert release.version == "1.3.25 / 4.1.7 [2023-04-17] (orientdb version)"
    assert release.date == "2023-06-21"
    assert "CC-BY-4.0" in release.licence
    assert [f.path for f in release.files] == ["pack_2023/ORPHAnomenclature_en_2023.xml", "pack_2023/ORPHA_ICD10_mapping_en_2023.xml"]
    assert not of(records[1:], Release)
    assert report.counts["orphanet-nomenclature: concepts"] == 5


def test_pack_statuses_labels_and_replacements(pack_records):
    concepts = {c.code: c for c in of(pack_records[0], Concept)}
    assert set(concepts) == {"ORPHA:166024", "ORPHA:166068", "ORPHA:79383", "ORPHA:206", "ORPHA:137810"}
    active = concepts["ORPHA:166024"]
    assert active.status is Status.ACTIVE and active.kind == "disorder" and active.system == "ORPHA"
    assert active.label == "Multiple epiphyseal dysplasia, Al-Gazali type" and active.labels == {"en": active.label}
    assert [t.text for t in active.synonyms] == ["Multiple epiphyseal dysplasia-macrocephaly-distinctive facies syndrome"]
    assert active.attributes == {
        "flag_value": "1", "disorder_type": "Disease", "disorder_type_id": "21394",
        "expert_link": "http://www.orpha.net/consor/cgi-bin/OC_Exp.php?lng=en&Expert=166024",
        "aggregation": "ORPHA:166024", "aggregation_status": "Applicable",
    }
    assert "genu valgum" in active.definition and "<i>" not in active.definition
    deprecated = concepts["ORPHA:166068"]
    assert deprecated.status is Status.DEPRECATED
    assert [(r.target, r.relation) for r in deprecated.replaced_by] == [("ORPHA:166063", "moved_to")]
    assert deprecated.attributes["aggregation"] == "ORPHA:166063"
    obsolete = concepts["ORPHA:79383"]
    assert (obsolete.status, obsolete.label, obsolete.kind) == (Status.OBSOLETE, "Lymphedema", "group")
    assert [(r.target, r.relation, r.strong) for r in obsolete.replaced_by] == [("ORPHA:77240", "referred_to", False)]
    assert "aggregation" not in obsolete.attributes and obsolete.attributes["aggregation_status"] == "Not applicable"
    non_rare = concepts["ORPHA:206"]
    assert (non_rare.status, non_rare.label, non_rare.replaced_by) == (Status.NON_RARE, "Crohn disease", ())


def test_pack_windows_1252_bytes_in_latin1_file_are_repaired(pack_records):
    concepts = {c.code: c for c in of(pack_records[0], Concept)}
    assert "Sjögren’s syndrome" in concepts["ORPHA:137810"].definition


def test_pack_icd10_mapping_file_contributes_mappings_only(pack_records):
    mappings = of(pack_records[0], Mapping)
    assert len(mappings) == 1
    m = mappings[0]
    assert (m.source, m.target, m.relation, m.icd_relation, m.validated, m.published) == (
        "ORPHA:166024", "ICD10:Q77.3", Relation.NARROWER, IcdRelation.ATTRIBUTED, True, "Q77.3")
    assert m.provenance.release == "orphanet-nomenclature:2023-06-21"
    assert m.provenance.file == "pack_2023/ORPHA_ICD10_mapping_en_2023.xml"
    assert "166024" in m.provenance.position


# --- product1 ------------------------------------------------------------------------------

def test_product1_statuses_from_disorder_flags():
    records = run(products.PRODUCT1, (PRODUCT1,), FIXTURES)
    assert records[0].id == "orphanet-product1:2025-12-09"
    concepts = {c.code: c for c in of(records, Concept)}
    assert {code: c.status for code, c in concepts.items()} == {
        "ORPHA:166024": Status.ACTIVE, "ORPHA:166068": Status.DEPRECATED,
        "ORPHA:79383": Status.OBSOLETE, "ORPHA:206": Status.NON_RARE,
    }
    assert concepts["ORPHA:206"].attributes["flag_value"] == "8224"
    assert concepts["ORPHA:206"].attributes["disorder_flags"] == "456,495"
    assert concepts["ORPHA:79383"].label == "Lymphedema" and concepts["ORPHA:79383"].kind == "group"
    assert concepts["ORPHA:166068"].replaced_by[0].relation == "moved_to"
    assert len(of(records, Mapping)) == 2


def test_product1_shared_fixture_keeps_every_relation(shared_data):
    path = shared_data / "orphanet" / "fixtures_orphanet_link_2025" / "en_product1.xml"
    records = run(products.PRODUCT1, (path,), shared_data)
    mappings = [(m.target, m.relation, m.icd_relation, m.validated, m.published, m.qualifier)
                for m in of(records, Mapping) if m.source == "ORPHA:166024"]
    assert mappings == [
        ("ICD11:LD24.61", Relation.NARROWER, IcdRelation.INDEX, True, "LD24.61",
         "ref_url=https://icd.who.int/browse/latest-release/mms/en#2009123831;ref_uri=1359939784"),
        ("MONDO:0011778", Relation.EXACT, None, True, "0011778", ""),
        ("ICD10:Q77.3", Relation.NARROWER, IcdRelation.ATTRIBUTED, True, "Q77.3", ""),
        ("OMIM:607131", Relation.EXACT, None, True, "607131", ""),
        ("UMLS:C4304500", Relation.EXACT, None, True, "C4304500", ""),
    ]
    assert [(m.source, m.target) for m in of(records, Mapping) if m.source == "ORPHA:58"] == [("ORPHA:58", "OMIM:203450")]
    concept = next(c for c in of(records, Concept) if c.code == "ORPHA:166024")
    assert concept.status is Status.ACTIVE and concept.kind == "disorder"
    assert concept.definition.startswith("A rare primary bone dysplasia")


def test_translated_labels_are_read_through_their_ids(shared_data, tmp_path):
    text = (shared_data / "orphanet" / "fixtures_orphanet_link_2025" / "en_product1.xml").read_text("utf-8")
    text = text.replace("E (Exact mapping: the two concepts are equivalent)",
                        "Genaues Mapping (der Begriff und das Konzept ist äquivalent)")
    text = text.replace(">Validated<", ">Validiert<").replace('lang="en"', 'lang="de"')
    path = tmp_path / "de_product1.xml"
    path.write_text(text, "utf-8")
    records = run(products.PRODUCT1, (path,), tmp_path)
    assert records[0].id == "orphanet-product1-de:2025-12-09"
    relations = {m.target: (m.relation, m.validated) for m in of(records, Mapping)}
    assert relations["OMIM:607131"] == (Relation.EXACT, True)
    assert relations["ICD10:Q77.3"] == (Relation.NARROWER, True)
    assert next(c for c in of(records, Concept) if c.code == "ORPHA:58").labels == {"de": "Alexander disease"}


@pytest.mark.parametrize(("xml", "expected"), [
    ('<R id="21527"><Name lang="en">E (Exact mapping: the two concepts are equivalent)</Name></R>', Relation.EXACT),
    ('<R><Name lang="en">NTBT (ORPHA code\'s Narrower Term maps to a Broader Term)</Name></R>', Relation.NARROWER),
    ('<R id="21541"><Name lang="en">BTNT (ORPHA code\'s Broader Term maps to a Narrower Term)</Name></R>', Relation.BROADER),
    ('<R><Name lang="en">W (Wrong mapping: the two concepts are different)</Name></R>', Relation.WRONG),
    ('<R><Name lang="en">ND (not yet decided/unable to decide)</Name></R>', Relation.UNDECIDED),
    ('<R><Name lang="en">E (exact mapping (the terms and the concepts are equivalent))</Name></R>', Relation.EXACT),
    ('<R id="21527"><Name lang="de">Genaues Mapping (der Begriff und das Konzept ist äquivalent)</Name></R>', Relation.EXACT),
    # the letter case Orphanet's own mapping documentation uses (nTBT / bTNT)
    ("<R><Name lang=\"en\">nTBT ORPHA code's Narrower Term maps to a Broader Term</Name></R>", Relation.NARROWER),
    ("<R><Name lang=\"en\">bTNT ORPHA code's Broader Term maps to a Narrower Term</Name></R>", Relation.BROADER),
    ('<R/>', Relation.UNSPECIFIED),
    ('<R><Name lang="de">Genaues Mapping (der Begriff und das Konzept ist äquivalent)</Name></R>', None),
])
def test_mapping_relation_token_then_id(xml, expected):
    assert mapping_relation(fromstring(xml))[0] is expected


@pytest.mark.parametrize(("xml", "expected"), [
    ('<R><Name lang="en">Specific code (The ORPHA code has its own code in the ICD10)</Name></R>', IcdRelation.SPECIFIC),
    ('<R><Name lang="en">Inclusion term (The ORPHA code is included under a ICD10 category and has not its own code)</Name></R>', IcdRelation.INCLUSION),
    ('<R><Name lang="en">Attributed (The ICD10 code is attributed by Orphanet)</Name></R>', IcdRelation.ATTRIBUTED),
    ('<R><Name lang="en">Index term (The ORPHA code is listed in the ICD10 Index)</Name></R>', IcdRelation.INDEX),
    ('<R id="21604"><Name lang="x">?</Name></R>', IcdRelation.ATTRIBUTED),
    ('<R id="21597"/>', IcdRelation.INDEX),
    ('<R/>', None),
])
def test_icd_relation_token_then_id(xml, expected):
    assert icd_relation(fromstring(xml))[0] is expected


def test_validation_status():
    assert validation(fromstring('<V id="21611"><Name lang="en">Validated</Name></V>')) is True
    assert validation(fromstring('<V><Name lang="fr">Validé</Name></V>')) is True
    assert validation(fromstring('<V id="1"><Name lang="en">Not yet validated</Name></V>')) is False
    assert validation(fromstring("<V/>")) is None
    assert validation(None) is None


def test_unparseable_icd10_reference_is_skipped_and_counted(tmp_path):
    text = PRODUCT1.read_text("utf-8").replace("<Reference>Q77.3</Reference>", "<Reference>Q77.3 Q78</Reference>")
    path = tmp_path / "en_product1.xml"
    path.write_text(text, "utf-8")
    report = BuildReport()
    records = run(products.PRODUCT1, (path,), tmp_path, report)
    assert [m.target for m in of(records, Mapping)] == ["ICD11:LD24.61"]
    assert [key[1] for key in report.skipped][0].startswith("ICD-10 reference is not a code")


def test_clean_definition():
    assert clean_definition("joint swelling and <i>genu valgum</i>.") == "joint swelling and genu valgum."
    assert clean_definition("onset <50 years or >60 years, X&#8208;linked&nbsp;form") == "onset <50 years or >60 years, X‐linked form"


# --- French short file -----------------------------------------------------------------------

def test_french_latin1_file_keeps_accents(shared_data):
    path = shared_data / "orphanet" / "ORPHAnomenclature_fr_short_2021-07.xml"
    records = run(products.NOMENCLATURE, (path,), shared_data)
    assert records[0].id == "orphanet-nomenclature-fr:2021-07-02"
    concepts = {c.code: c for c in of(records, Concept)}
    assert len(concepts) == 7
    c = concepts["ORPHA:166024"]
    assert c.label == "Dysplasie épiphysaire multiple type Al-Gazali" and c.labels == {"fr": c.label}
    assert [(t.text, t.lang) for t in c.synonyms] == [
        ("Syndrome de dysplasie épiphysaire multiple-macrocéphalie-faciès particulier", "fr")]
    assert c.kind == "disorder" and c.status is Status.ACTIVE and c.attributes["disorder_type"] == "Maladie"
    assert "caractérisée" in c.definition


# --- full 2023 pack ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pack_2023(shared_data):
    path = shared_data / "orphanet" / "nomenclature_pack_2023_en" / "ORPHAnomenclature_en_2023.xml.gz"
    return of(run(products.NOMENCLATURE, (path,), shared_data), Concept)


def test_pack_2023_counts(pack_2023):
    assert len(pack_2023) == len({c.code for c in pack_2023}) == 10_839
    assert Counter(c.status for c in pack_2023) == {
        Status.ACTIVE: 9_479, Status.OBSOLETE: 931, Status.DEPRECATED: 288, Status.NON_RARE: 141}
    assert Counter(c.kind for c in pack_2023) == {"disorder": 7_048, "group": 2_520, "subtype": 1_271}
    assert sum(len(c.synonyms) for c in pack_2023) == 13_828
    assert Counter(r.relation for c in pack_2023 for r in c.replaced_by) == {"moved_to": 288, "referred_to": 836}
    assert all(r.relation == "moved_to" for c in pack_2023 if c.status is Status.DEPRECATED for r in c.replaced_by)
    assert not any(c.label.startswith(("OBSOLETE", "NON RARE")) for c in pack_2023)
    assert not any("\x92" in (c.definition or "") or "<i>" in (c.definition or "") for c in pack_2023)


# --- classifications -----------------------------------------------------------------------------

def test_classification_fixture_deduplicates_polyhierarchy():
    records = run(products.PACK_CLASSIFICATIONS, (CLASSIFICATION_199,), FIXTURES)
    assert records[0].id == "orphanet-classifications:2023-06-21"
    edges = of(records, Edge)
    assert {e.hierarchy for e in edges} == {"orphanet:199"}
    pairs = [(e.child, e.parent) for e in edges]
    assert len(pairs) == len(set(pairs)) == 11
    assert {p for c, p in pairs if c == "ORPHA:293150"} == {"ORPHA:93455", "ORPHA:199315"}
    assert {p for c, p in pairs if c == "ORPHA:1406"} == {"ORPHA:498477", "ORPHA:2749"}
    (head,) = of(records, Concept)
    assert head.code == "ORPHA:93419" and head.label == "Rare bone disease"
    assert head.attributes == {"orphanet_classification": "199",
                               "orphanet_classification_name": "Orphanet classification of rare bone diseases"}


def test_product3_and_product7_fixtures(shared_data):
    folder = shared_data / "orphanet" / "fixtures_orphanet_link_2025"
    records = run(products.PRODUCT3, (folder / "en_product3_156.xml",), shared_data)
    assert records[0].id == "orphanet-product3:2025-12-09"
    assert sorted((e.child, e.parent, e.hierarchy) for e in of(records, Edge)) == [
        ("ORPHA:166024", "ORPHA:93419", "orphanet:156"), ("ORPHA:93419", "ORPHA:156", "orphanet:156")]
    records = run(products.PRODUCT7, (folder / "en_product7.xml",), shared_data)
    assert records[0].id == "orphanet-product7:2025-12-09"
    (concept,) = of(records, Concept)
    assert concept.code == "ORPHA:166024" and concept.attributes == {"preferential_parent": "ORPHA:93419"}
    assert concept.label == "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome"
    assert products.PRODUCT7.partial and products.PRODUCT3.partial and not products.PRODUCT1.partial


def test_pack_2023_classifications(shared_data, pack_2023):
    folder = shared_data / "orphanet" / "nomenclature_pack_2023_en" / "Classifications"
    (group,) = products.PACK_CLASSIFICATIONS.find(all_files(folder))
    assert len(group) == 34  # data/README.md says 33; the folder holds 34 (ids 146 … 235)
    report = BuildReport()
    records = run(products.PACK_CLASSIFICATIONS, group, shared_data, report)
    edges = of(records, Edge)
    assert len({(e.child, e.parent) for e in edges}) == 18_424
    assert len(edges) == len({(e.child, e.parent, e.hierarchy) for e in edges}) == 35_755
    heads = {c.code: c for c in of(records, Concept)}
    codes = {e.child for e in edges} | {e.parent for e in edges} | set(heads)  # 616874 (235) has no edge
    assert len(codes) == 9_479
    assert len(heads) == 34 and heads["ORPHA:616874"].attributes["orphanet_classification"] == "235"
    assert heads["ORPHA:98053"].attributes["orphanet_classification"] == "156"
    active = {c.code for c in pack_2023 if c.active}
    assert codes == active
    parents: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        parents[e.child].add(e.parent)
    for code in active:  # every active code climbs to a classification head
        seen, todo, reached = set(), [code], False
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            if not parents[node]:
                assert node in heads, f"{code} climbs to {node}, which heads no classification"
                reached = True
            todo.extend(parents[node])
        assert reached, code
    assert not report.skipped


# --- MasterFile ---------------------------------------------------------------------------------

def test_masterfile_2021(shared_data):
    path = shared_data / "orphanet" / "nomenclature_pack_2021_en" / "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx"
    assert masterfile.MASTERFILE.find([path]) == [(path,)]
    report = BuildReport()
    records = run(masterfile.MASTERFILE, (path,), shared_data, report)
    assert records[0].id == "orphanet-masterfile:2021-07-01" and records[0].date == "2021-07-01"
    assert report.counts["orphanet-masterfile: rows"] == 16_342
    concepts = {c.code: c for c in of(records, Concept)}
    assert len(concepts) == 6_177
    mappings = of(records, Mapping)
    assert len(mappings) == 6_384 and {m.relation for m in mappings} == {Relation.UNSPECIFIED}
    assert len({m.source for m in mappings}) == 5_668
    assert {m.icd_relation for m in mappings} == {None} and {m.validated for m in mappings} == {None}
    amyloidosis = [(m.target, m.published, m.qualifier) for m in mappings if m.source == "ORPHA:137810"]
    assert amyloidosis == [("ICD10:E85.4", "E85.4+", "marker=+"), ("ICD10:L99.0", "L99.0*", "marker=*")]
    c = concepts["ORPHA:137810"]
    assert c.label == "Nodular cutaneous amyloidosis"
    assert [t.text for t in c.synonyms] == ["PLCNA", "Primary localized cutaneous nodular amyloidosis"]
    assert not report.skipped


def _workbook(path: Path, rows: list[tuple]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_masterfile_header_found_by_name_and_bad_rows_counted(tmp_path):
    path = _workbook(tmp_path / "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx", [
        ("Date: 01/07/2021",), ("ORPHAcode", "PreferredTerm", "Synonyms", "ICDcodes"),
        ("58", "Alexander disease", None, "E75.2"), ("58", "Alexander disease", "AxD", None),
        (166024, "Multiple epiphyseal dysplasia, Al-Gazali type", None, "Q77.3"),
        ("ORPHA", "Alexander disease", None, None), ("61", "Alpha-mannosidosis", None, "not a code"),
    ])
    report = BuildReport()
    records = run(masterfile.MASTERFILE, (path,), tmp_path, report)
    assert [c.code for c in of(records, Concept)] == ["ORPHA:58", "ORPHA:166024", "ORPHA:61"]
    assert [m.target for m in of(records, Mapping)] == ["ICD10:E75.2", "ICD10:Q77.3"]
    assert sum(report.skipped.values()) == 2


def test_masterfile_without_header_or_broken_is_a_format_error(tmp_path):
    path = _workbook(tmp_path / "ORPHAnomenclature_MasterFile_en_2021.xlsx", [("Date: 01/07/2021",), ("code", "name")])
    with pytest.raises(ReleaseFormatError, match="no header row"):
        run(masterfile.MASTERFILE, (path,), tmp_path)
    broken = tmp_path / "ORPHAnomenclature_MasterFile_en_2022.xlsx"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ReleaseFormatError) as err:
        run(masterfile.MASTERFILE, (broken,), tmp_path)
    assert err.value.file == broken.name


# --- broken input -------------------------------------------------------------------------------

def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _format_error(reader, path: Path, root: Path) -> ReleaseFormatError:
    with pytest.raises(ReleaseFormatError) as err:
        run(reader, (path,), root)
    return err.value


def test_truncated_file(tmp_path):
    data = PRODUCT1.read_bytes()
    path = _write(tmp_path, "en_product1.xml", data[: len(data) // 2])
    err = _format_error(products.PRODUCT1, path, tmp_path)
    assert err.file == "en_product1.xml" and err.position.startswith("line ")


def test_truncated_gzip(tmp_path):
    data = gzip.compress(PACK.joinpath("ORPHAnomenclature_en_2023.xml").read_bytes())
    path = _write(tmp_path, "ORPHAnomenclature_en_2023.xml.gz", data[: len(data) - 200])
    err = _format_error(products.NOMENCLATURE, path, tmp_path)
    assert err.file == "ORPHAnomenclature_en_2023.xml.gz"


def test_declared_utf8_but_latin1_bytes(tmp_path):
    data = PACK.joinpath("ORPHAnomenclature_en_2023.xml").read_bytes().replace(b"ISO-8859-1", b"UTF-8", 1)
    err = _format_error(products.NOMENCLATURE, _write(tmp_path, "ORPHAnomenclature_en_2023.xml", data), tmp_path)
    assert err.position.startswith("line ") and "malformed XML" in err.reason


def test_unknown_declared_encoding(tmp_path):
    data = PRODUCT1.read_bytes().replace(b'encoding="UTF-8"', b'encoding="x-orphanet"', 1)
    err = _format_error(products.PRODUCT1, _write(tmp_path, "en_product1.xml", data), tmp_path)
    assert err.file == "en_product1.xml"


def test_external_entity_is_refused(tmp_path):
    data = PRODUCT1.read_bytes().replace(
        b"<JDBOR ", b'<!DOCTYPE JDBOR [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n<JDBOR ', 1
    ).replace(b"<Label>on-line</Label>", b"<Label>&ext;</Label>")
    err = _format_error(products.PRODUCT1, _write(tmp_path, "en_product1.xml", data), tmp_path)
    assert err.file == "en_product1.xml" and "unsafe" in err.reason


def test_entity_expansion_bomb_is_refused(tmp_path):
    bomb = b'<!DOCTYPE JDBOR [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' \
           b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n<JDBOR '
    data = PRODUCT1.read_bytes().replace(b"<JDBOR ", bomb, 1).replace(b"<Label>on-line</Label>", b"<Label>&d;</Label>")
    err = _format_error(products.PRODUCT1, _write(tmp_path, "en_product1.xml", data), tmp_path)
    assert "unsafe" in err.reason


def test_wrong_root_element(tmp_path):
    path = _write(tmp_path, "en_product1.xml", b'<?xml version="1.0"?><DisorderList count="0"/>')
    err = _format_error(products.PRODUCT1, path, tmp_path)
    assert err.position == "root element"


def test_classification_without_numeric_id(tmp_path):
    data = CLASSIFICATION_199.read_bytes().replace(b'<Classification id="199">', b"<Classification>")
    err = _format_error(products.PACK_CLASSIFICATIONS, _write(tmp_path, CLASSIFICATION_199.name, data), tmp_path)
    assert err.position == "Classification"


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data[: max(1, cut)])
    for pos, value in flips:
        if out:
            out[pos % len(out)] = value
    return bytes(out)


_MUTATIONS = st.tuples(st.integers(min_value=1, max_value=20_000),
                       st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4))


@pytest.mark.parametrize(("reader", "source"), [
    (products.PRODUCT1, PRODUCT1),
    (products.NOMENCLATURE, PACK / "ORPHA_ICD10_mapping_en_2023.xml"),
    (products.PACK_CLASSIFICATIONS, CLASSIFICATION_199),
])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=_MUTATIONS)
def test_mutated_files_raise_format_error_or_count_skips(tmp_path, reader, source, mutation):
    cut, flips = mutation
    path = _write(tmp_path, source.name, _mutate(source.read_bytes(), cut, flips))
    report = BuildReport()
    try:
        records = run(reader, (path,), tmp_path, report)
    except ReleaseFormatError as err:
        assert err.file == source.name
        return
    assert isinstance(records[0], Release)
    assert all(isinstance(r, (Concept, Edge, Mapping)) for r in records[1:])


def test_gz_pack_fixture_reads_like_plain(tmp_path):
    shutil.copytree(PACK, tmp_path / "pack")
    for path in (tmp_path / "pack").glob("*.xml"):
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    (group,) = products.NOMENCLATURE.find(all_files(tmp_path))
    assert [p.name for p in group] == ["ORPHAnomenclature_en_2023.xml.gz", "ORPHA_ICD10_mapping_en_2023.xml.gz"]
    records = run(products.NOMENCLATURE, group, tmp_path)
    assert len(of(records, Concept)) == 5 and len(of(records, Mapping)) == 1
