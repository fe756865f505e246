"""SNOMED CT RF2 reader: fixture subset of real International rows, the shared samples, robustness."""

from __future__ import annotations

import shutil
import uuid
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap.codes import verhoeff_digit
from raremap.errors import InvalidCodeError, ReleaseFormatError
from raremap.model import AddedTerm, Concept, Edge, Mapping, Relation, Release, Status, TermKind
from raremap.release_input import BuildReport, ReadContext
from raremap.sources.snomed.rf2_release import READER, icd10_target, sctid_problem
from paths import FIXTURES

# Rows copied from the snowstorm dummy RF2 (real International content) and 3 rows of the hermes
# ICD-10 extended map; RF2 exactly: header row, tab-separated, CRLF.
FIXTURE = FIXTURES / "snomed" / "SnomedCT_subset_20180731"
SNAPSHOT = FIXTURE / "Snapshot"
CONCEPT_FILE = SNAPSHOT / "Terminology" / "sct2_Concept_Snapshot_INT_20180731.txt"
DESCRIPTION_FILE = SNAPSHOT / "Terminology" / "sct2_Description_Snapshot-en_INT_20180731.txt"


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def run(root: Path, files: list[Path] | None = None) -> tuple[list, BuildReport]:
    groups = READER.find(files if files is not None else files_under(root))
    assert len(groups) == 1, groups
    report = BuildReport()
    return list(READER.read(groups[0], ReadContext(root=root, report=report))), report


def by_code(records: list) -> dict[str, Concept]:
    return {r.code: r for r in records if isinstance(r, Concept)}


def skipped(report: BuildReport) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (_file, reason), n in report.skipped.items():
        totals[reason] = totals.get(reason, 0) + n
    return totals


@pytest.fixture(scope="module")
def subset() -> tuple[list, BuildReport]:
    return run(FIXTURE)


# --- the fixture subset ---------------------------------------------------------------------

def test_release_comes_first(subset):
    records, _ = subset
    release = records[0]
    assert isinstance(release, Release)
    assert release.id == "snomed-rf2:INT_20180731"
    assert release.system == "SCTID" and release.date == "2018-07-31"
    assert "Affiliate" in release.licence
    assert len(release.files) == 7
    assert not any(isinstance(r, Release) for r in records[1:])


def test_preferred_term_fsn_and_synonyms(subset):
    concepts = by_code(subset[0])
    assert set(concepts) == {"SCTID:138875005", "SCTID:404684003", "SCTID:64572001", "SCTID:246188002", "SCTID:118225008"}
    root = concepts["SCTID:138875005"]
    assert root.label == "SNOMED CT Concept" and root.labels == {"en": "SNOMED CT Concept"}
    assert root.attributes["fsn"] == "SNOMED CT Concept (SNOMED RT+CTV3)"
    assert root.attributes["semantic_tag"] == "SNOMED RT+CTV3"
    assert root.attributes["definition_status"] == "primitive"
    assert root.attributes["module"] == "900000000000207008"
    # terms contain double quotes: RF2 has no quoting
    assert any('"SNOMED" and "SNOMED CT"' in t.text for t in root.synonyms)
    # inactive description is not a synonym
    assert all("July 2013 Release" not in t.text for t in root.synonyms)

    disease = concepts["SCTID:64572001"]
    assert disease.label == "Disease" and disease.kind == "disorder"
    texts = {t.text: t for t in disease.synonyms}
    assert {"Disorder", "Syndrome", "Diseases", "Clinical disease AND/OR syndrome present"} <= set(texts)
    assert texts["Disease (disorder)"].kind is TermKind.FSN
    assert texts["Disorder"].kind is TermKind.SYNONYM and texts["Disorder"].lang == "en"
    assert "Disease" not in texts  # the label is not repeated
    assert not {"Disease, NOS", "Syndrome, NOS"} & set(texts)  # inactive descriptions


def test_inactive_concepts_with_associations_and_reason(subset):
    concepts = by_code(subset[0])
    finding = concepts["SCTID:246188002"]
    assert finding.status is Status.INACTIVE and finding.label == "Finding"
    assert [(r.target, r.relation, r.strong) for r in finding.replaced_by] == [("SCTID:404684003", "replaced_by", True)]
    context = concepts["SCTID:118225008"]
    assert context.status is Status.INACTIVE
    assert {r.target for r in context.replaced_by} == {"SCTID:118222006", "SCTID:250171008", "SCTID:413350009"}
    assert {r.relation for r in context.replaced_by} == {"possibly_equivalent_to"}
    assert not any(r.strong for r in context.replaced_by)
    assert context.attributes["inactivation_reason"] == "ambiguous"
    assert concepts["SCTID:404684003"].status is Status.ACTIVE and not concepts["SCTID:404684003"].replaced_by


def test_is_a_edges_only_active_inferred(subset):
    edges = {(e.child, e.parent, e.hierarchy) for e in subset[0] if isinstance(e, Edge)}
    assert edges == {("SCTID:64572001", "SCTID:404684003", "snomed"), ("SCTID:404684003", "SCTID:138875005", "snomed")}


def test_icd10_extended_map(subset):
    records, report = subset
    maps = {m.source: m for m in records if isinstance(m, Mapping)}
    assert set(maps) == {"SCTID:211339002", "SCTID:37535007"}
    m = maps["SCTID:37535007"]
    assert m.target == "ICD10:Q99.9" and m.published == "Q99.9"
    assert m.relation is Relation.UNSPECIFIED
    assert m.qualifier == "group=1;priority=1;rule=TRUE;advice=ALWAYS Q99.9;correlation=447561005;category=447637006"
    assert m.provenance.release == "snomed-rf2:INT_20180731"
    assert m.provenance.file.endswith("der2_iisssccRefset_ExtendedMapSnapshot_INT_20230131.txt")
    assert m.provenance.position == "line 3"
    assert "POSSIBLE REQUIREMENT FOR AN EXTERNAL CAUSE CODE" in maps["SCTID:211339002"].qualifier
    # 299741008: "MAP SOURCE CONCEPT CANNOT BE CLASSIFIED WITH AVAILABLE DATA", empty target
    assert skipped(report) == {"empty ICD-10 map target (map category 447638001)": 1}
    assert report.counts["snomed: extended map rows (refset 447562003)"] == 3


def test_lf_line_endings_give_the_same_records(subset, tmp_path):
    copy = tmp_path / "SnomedCT_subset_20180731"
    for src in files_under(FIXTURE):
        dst = copy / src.relative_to(FIXTURE)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes().replace(b"\r\n", b"\n"))
    records, report = run(copy)
    assert records[1:] == subset[0][1:]
    assert report.skipped == subset[1].skipped


def test_reads_members_of_the_release_zip(subset, tmp_path):
    archive = tmp_path / "SnomedCT_InternationalRF2_PRODUCTION_20180731T120000Z.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for src in files_under(FIXTURE):
            zf.write(src, "SnomedCT_InternationalRF2_PRODUCTION_20180731T120000Z/" + src.relative_to(FIXTURE).as_posix())
    assert READER.find([archive]) == [(archive,)]
    records, _ = run(tmp_path, [archive])
    assert records[0].files[0].path == archive.name
    concepts = by_code(records)
    assert concepts == by_code(subset[0])
    m = next(r for r in records if isinstance(r, Mapping))
    assert m.provenance.file.startswith(archive.name + "!/SnomedCT_InternationalRF2_PRODUCTION_20180731T120000Z/Snapshot/Refset/Map/")
    assert not list(tmp_path.rglob("*.txt"))  # nothing extracted


def test_find_ignores_other_formats_and_delta(tmp_path):
    other = tmp_path / "icd10gm2020_alphaid_se_muster_edvtxt_20191004.txt"
    other.write_bytes(b"1|I13614|A00.9||||173|Cholera\r\n")
    delta = tmp_path / "Delta" / "Terminology" / "sct2_Concept_Delta_INT_20180731.txt"
    delta.parent.mkdir(parents=True)
    delta.write_bytes(CONCEPT_FILE.read_bytes())
    not_rf2 = tmp_path / "readme.zip"
    with zipfile.ZipFile(not_rf2, "w") as zf:
        zf.writestr("Readme.txt", "no RF2 here")
    assert READER.find([other, delta, not_rf2]) == []
    snapshot_files = files_under(FIXTURE)
    groups = READER.find([other, not_rf2, *snapshot_files])
    assert groups == [tuple(snapshot_files)]


def test_full_files_keep_the_latest_row_per_id(tmp_path):
    full = tmp_path / "Full" / "Terminology"
    full.mkdir(parents=True)
    header, *rows = CONCEPT_FILE.read_bytes().split(b"\r\n")
    # the Full file also holds the 2002 version of 246188002 |Finding|, active before 2004
    older = b"246188002\t20020131\t1\t900000000000207008\t900000000000074008"
    (full / "sct2_Concept_Full_INT_20180731.txt").write_bytes(b"\r\n".join([header, older, *rows]))
    shutil.copy(DESCRIPTION_FILE, full / "sct2_Description_Full-en_INT_20180731.txt")
    # ... and the 2002 version of IS-A 246188002 -> 138875005, active before the concept was inactivated
    header, *rows = (SNAPSHOT / "Terminology" / "sct2_Relationship_Snapshot_INT_20180731.txt").read_bytes().split(b"\r\n")
    older = b"144474020\t20020131\t1\t900000000000207008\t246188002\t138875005\t0\t116680003\t900000000000011006\t900000000000451002"
    (full / "sct2_Relationship_Full_INT_20180731.txt").write_bytes(b"\r\n".join([header, *rows[:2], older, *rows[2:]]))
    records, report = run(tmp_path)
    concepts = by_code(records)
    assert len(concepts) == 5
    assert concepts["SCTID:246188002"].status is Status.INACTIVE
    assert concepts["SCTID:246188002"].attributes["effective_time"] == "20040131"
    assert concepts["SCTID:64572001"].label == "Disease"
    edges = {(e.child, e.parent) for e in records if isinstance(e, Edge)}
    assert edges == {("SCTID:64572001", "SCTID:404684003"), ("SCTID:404684003", "SCTID:138875005")}
    assert not report.skipped


def _swedish_extension(root: Path) -> Path:
    """A Swedish extension package: one Swedish description of 64572001 |Disease| in refset 46011000052107.

    No Swedish Edition sample is available (shared/data/README.md), so the description id and the
    refset member UUID are made up here (Verhoeff-valid, namespace 1000052); the term is the Swedish word.
    """
    package = root / "SnomedCT_ManagedServiceSE_PRODUCTION_SE1000052_20241130T120000Z" / "Snapshot"
    (package / "Terminology").mkdir(parents=True)
    (package / "Refset" / "Language").mkdir(parents=True)
    description = "1100005211" + verhoeff_digit("1100005211")
    module = "45991000052106"
    (package / "Terminology" / "sct2_Description_Snapshot-sv_SE1000052_20241130.txt").write_bytes(
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r\n"
        f"{description}\t20241130\t1\t{module}\t64572001\tsv\t900000000000013009\tsjukdom\t900000000000448009\r\n".encode())
    member = uuid.uuid5(uuid.NAMESPACE_URL, f"raremap-test:{description}")
    (package / "Refset" / "Language" / "der2_cRefset_LanguageSnapshot-sv_SE1000052_20241130.txt").write_bytes(
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId\r\n"
        f"{member}\t20241130\t1\t{module}\t46011000052107\t{description}\t900000000000548007\r\n".encode())
    return package.parent


def test_swedish_extension_is_read_with_the_international_package(tmp_path):
    extension = _swedish_extension(tmp_path)
    groups = READER.find(files_under(FIXTURE) + files_under(extension))
    assert len(groups) == 1
    report = BuildReport()
    records = list(READER.read(groups[0], ReadContext(root=tmp_path, report=report)))
    assert records[0].id == "snomed-rf2:INT_20180731+SE1000052_20241130"
    assert records[0].date == "2024-11-30"
    disease = by_code(records)["SCTID:64572001"]
    assert disease.labels == {"en": "Disease", "sv": "sjukdom"}
    assert disease.label == "Disease"
    assert skipped(report) == {"empty ICD-10 map target (map category 447638001)": 1}


def test_swedish_extension_alone_gives_added_terms(tmp_path):
    extension = _swedish_extension(tmp_path)
    records, report = run(tmp_path, files_under(extension))
    assert records[0].id == "snomed-rf2:SE1000052_20241130"
    added = [r for r in records if isinstance(r, AddedTerm)]
    assert [(a.code, a.term.text, a.term.lang, a.term.kind) for a in added] == [
        ("SCTID:64572001", "sjukdom", "sv", TermKind.PREFERRED)]
    assert not any(isinstance(r, Concept) for r in records)


def test_orphanet_simple_map(tmp_path):
    # Marfan syndrome 19346006 <-> ORPHA:558 (Orphanet's ORPHA-SNOMED CT list, formats.md §8);
    # the refset member UUID is made up: no real 784008009 rows are available.
    package = tmp_path / "SnomedCT_SNOMEDOrphanetMapPackage_PRODUCTION_20250930T120000Z" / "Snapshot" / "Refset" / "Map"
    package.mkdir(parents=True)
    member = uuid.uuid5(uuid.NAMESPACE_URL, "raremap-test:784008009:19346006")
    (package / "der2_sRefset_OrphanetSimpleMapSnapshot_INT_20250930.txt").write_bytes(
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapTarget\r\n"
        f"{member}\t20250930\t1\t900000000000207008\t784008009\t19346006\t558\r\n".encode())
    records, report = run(tmp_path)
    (m,) = [r for r in records if isinstance(r, Mapping)]
    assert (m.source, m.target, m.relation, m.published) == ("SCTID:19346006", "ORPHA:558", Relation.UNSPECIFIED, "558")
    assert report.counts["snomed: mappings to ORPHA"] == 1


# --- bad input -------------------------------------------------------------------------------

def _package_with_concepts(root: Path, body: bytes) -> None:
    target = root / "pkg" / "Snapshot" / "Terminology"
    target.mkdir(parents=True)
    (target / CONCEPT_FILE.name).write_bytes(body)


def test_malformed_rows_are_counted_with_their_line(tmp_path):
    header, first, second, *_ = CONCEPT_FILE.read_bytes().split(b"\r\n")
    body = b"\r\n".join([header, first, b"138875005\t20020131\t1", second,
                         # the hermes SimpleMapWithDescription id: its check digit is wrong
                         b"1434181000001106\t20241021\t1\t900000000000207008\t900000000000074008",
                         b"abc\t20020131\t1\t900000000000207008\t900000000000074008", b""])
    _package_with_concepts(tmp_path, body)
    records, report = run(tmp_path)
    assert set(by_code(records)) == {"SCTID:118225008", "SCTID:138875005"}
    examples = {reason: report.examples[(f, reason)] for (f, reason) in report.skipped}
    assert examples["expected 5 tab-separated fields, found 3"] == ["line 3"]
    assert examples["invalid concept SCTID: Verhoeff check digit does not match"] == ["line 5 (1434181000001106)"]
    assert examples["id is not a numeric identifier"] == ["line 6 ('abc')"]


def test_missing_header_is_a_format_error(tmp_path):
    rows = CONCEPT_FILE.read_bytes().split(b"\r\n", 1)[1]
    _package_with_concepts(tmp_path, rows)
    with pytest.raises(ReleaseFormatError) as err:
        run(tmp_path)
    assert err.value.position == "line 1" and "header lacks" in err.value.reason


def test_bad_utf8_names_the_line(tmp_path):
    body = CONCEPT_FILE.read_bytes().replace(b"138875005\t20020131", b"138875005\t2002\xff0131")
    _package_with_concepts(tmp_path, body)
    with pytest.raises(ReleaseFormatError) as err:
        run(tmp_path)
    assert err.value.position.startswith("line 3")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.text(alphabet=st.sampled_from("0123456789\t \"'|-ABCåé\r\n"), max_size=60), max_size=8),
       kind=st.sampled_from(["concept", "description", "relationship", "map", "language"]))
def test_arbitrary_rows_never_crash(tmp_path_factory, rows, kind):
    root = tmp_path_factory.mktemp("rf2")
    shutil.copytree(FIXTURE, root / FIXTURE.name)
    target = {
        "concept": CONCEPT_FILE,
        "description": DESCRIPTION_FILE,
        "relationship": SNAPSHOT / "Terminology" / "sct2_Relationship_Snapshot_INT_20180731.txt",
        "map": SNAPSHOT / "Refset" / "Map" / "der2_iisssccRefset_ExtendedMapSnapshot_INT_20230131.txt",
        "language": SNAPSHOT / "Refset" / "Language" / "der2_cRefset_LanguageSnapshot-en_INT_20180731.txt",
    }[kind]
    path = root / target.relative_to(FIXTURE.parent)
    path.write_bytes(path.read_bytes() + "\r\n".join(rows).encode("utf-8"))
    report = BuildReport()
    try:
        records = list(READER.read(READER.find(files_under(root))[0], ReadContext(root=root, report=report)))
    except ReleaseFormatError:
        return
    assert isinstance(records[0], Release)
    assert all(r.code.startswith("SCTID:") for r in records if isinstance(r, Concept))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("rf2bytes")
    _package_with_concepts(root, data)
    try:
        list(READER.read(READER.find(files_under(root))[0], ReadContext(root=root, report=BuildReport())))
    except ReleaseFormatError:
        pass


# --- small pieces ----------------------------------------------------------------------------

@pytest.mark.parametrize("published, expected", [
    ("Q99.9", ("ICD10:Q99.9", "")),
    ("I500", ("ICD10:I50.0", "")),  # R package copy, dot removed
    ("I38", ("ICD10:I38", "")),
    ("I394 A", ("ICD10:I39.4", "*")),  # UK asterisk
    ("E059D", ("ICD10:E05.9", "\u2020")),  # UK dagger
    ("A33X", ("ICD10:A33", "")),  # UK 4th-character filler
])
def test_icd10_target_spellings(published, expected):
    assert icd10_target(published) == expected


@pytest.mark.parametrize("published", ["#NIS", "", "XUH4g", "Q8"])
def test_icd10_target_rejects(published):
    with pytest.raises(InvalidCodeError):
        icd10_target(published)


def test_sctid_problem():
    assert sctid_problem("138875005") is None
    assert sctid_problem("45991000052106") is None
    assert "Verhoeff" in sctid_problem("1434181000001106")
    assert sctid_problem("12345") is not None


# --- shared data -----------------------------------------------------------------------------

def _shared_group(shared_data: Path, name: str) -> tuple[list, BuildReport]:
    root = shared_data / "snomed"
    groups = [g for g in READER.find(files_under(root)) if any(name in str(p) for p in g)]
    assert len(groups) == 1
    report = BuildReport()
    return list(READER.read(groups[0], ReadContext(root=root, report=report))), report


def test_shared_samples_are_four_packages(shared_data):
    assert len(READER.find(files_under(shared_data / "snomed"))) == 4
    assert READER.find(files_under(shared_data / "alpha_id_se")) == []


def test_shared_snowstorm_dummy(shared_data):
    records, report = _shared_group(shared_data, "snowstorm_dummy_rf2_20180731")
    concepts = by_code(records)
    assert records[0].id == "snomed-rf2:INT_20180731"
    assert len(concepts) == 103
    assert sum(not c.active for c in concepts.values()) == 2
    assert concepts["SCTID:138875005"].label == "SNOMED CT Concept"
    assert concepts["SCTID:116680003"].label == "Is a"
    assert concepts["SCTID:404684003"].label == "Clinical finding"
    edges = [r for r in records if isinstance(r, Edge)]
    assert len(edges) == 112
    assert Edge("SCTID:404684003", "SCTID:138875005", "snomed", records[0].id) in edges
    assert not report.skipped


def test_shared_hermes_example(shared_data):
    records, report = _shared_group(shared_data, "hermes_example_snapshot_20230131")
    assert len(by_code(records)) == 4
    added = {(a.code, a.term.text, a.term.kind) for a in records if isinstance(a, AddedTerm)}
    assert ("SCTID:126813005", "Neoplasm of anterior aspect of epiglottis", TermKind.PREFERRED) in added
    assert len(added) == 4  # the two inactive descriptions are not terms
    targets = {(m.source, m.target) for m in records if isinstance(m, Mapping)}
    assert targets == {("SCTID:211339002", "ICD10:S80.8"), ("SCTID:37535007", "ICD10:Q99.9"), ("SCTID:1208339007", "ICD10:G11.1")}
    reasons = skipped(report)
    assert reasons["map row with an invalid SCTID: Verhoeff check digit does not match"] == 2
    assert reasons["empty ICD-10 map target (map category 447638001)"] == 1


def test_shared_rdiagnosislist_sample(shared_data):
    records, report = _shared_group(shared_data, "rdiagnosislist_uk_sample_v1.5.1")
    concepts = by_code(records)
    heart_failure = concepts["SCTID:84114007"]
    assert heart_failure.label == "Heart failure"
    assert heart_failure.attributes["fsn"] == "Heart failure (disorder)"
    assert {"Cardiac failure", "Weak heart", "Cardiac insufficiency"} <= {t.text for t in heart_failure.synonyms}
    assert "Heart failure, NOS" not in {t.text for t in heart_failure.synonyms}
    assert "effective_time" not in heart_failure.attributes  # empty in the converted copy
    edges = {(e.child, e.parent) for e in records if isinstance(e, Edge)}
    assert ("SCTID:84114007", "SCTID:105981003") in edges
    assert len(edges) == 507
    counts = report.counts
    extended = {k: v for k, v in counts.items() if k.startswith("snomed: extended map rows (refset")}
    assert sum(extended.values()) == 915
    assert extended["snomed: extended map rows (refset 447562003)"] == 147
    maps = [m for m in records if isinstance(m, Mapping)]
    assert all(m.target.startswith("ICD10:") for m in maps)
    assert len(maps) == 115  # 116 active rows of 447562003, one without target
    m = next(m for m in maps if m.source == "SCTID:10633002")
    assert (m.target, m.published) == ("ICD10:I50.0", "I500")
    assert m.qualifier == "group=1;priority=1;rule=TRUE;advice=ALWAYS I50.0;category=447637006"
    assert counts["snomed: extended map rows of refset 999002271000000101 (not emitted)"] == 355
    # the converted copy repeats concept 105981003 (two definition statuses, no effectiveTime)
    assert skipped(report)["concept row repeated"] == 1


def test_shared_snowstorm_release_zip(shared_data):
    records, report = _shared_group(shared_data, "snowstorm_dummy_release_20250701.zip")
    release = records[0]
    assert release.id == "snomed-rf2:INT_20250701" and release.date == "2025-07-01"
    assert release.licence.startswith("\u00a9 2025 International Health Terminology Standards Development Organisation")
    assert list(by_code(records)) == ["SCTID:13995008"]
    assert not report.skipped
