"""Alpha-ID-SE reader: rows of the BfArM 2020 sample, encodings, bad rows, the shared file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap.errors import ReleaseFormatError
from raremap.model import AddedTerm, Concept, Mapping, Relation, Release, Status, TermKind
from raremap.sources.bfarm.alpha_id import READER
from raremap.release_input import BuildReport, ReadContext

NAME = "icd10gm2020_alphaid_se_muster_edvtxt_20191004.txt"
# real rows of the 2020 Muster file (lines 1, 29, 474, 3221, 6599, 6602), as BfArM writes them: CRLF
ROWS = [
    "1|I13614|A00.9||||173|Cholera",
    "1|I27432|A17.0+|G01*|||499004|Tuberkulöse Meningitis",
    "1|I125150|C56||C97!|C50.9|145|Hereditäres Brust- und Ovarialkrebssyndrom",
    "0|I117456|G25.88||||3198|Stiff-person-Syndrom",
    "1|I19094|Q87.4||||558|Marfan-Syndrom",
    "1|I117486|Q87.4||||558|MFS [Marfan-Syndrom]",
]


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8", name: str = NAME) -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def read(path: Path) -> tuple[list, BuildReport]:
    report = BuildReport()
    (group,) = READER.find([path])
    return list(READER.read(group, ReadContext(root=path.parent, report=report))), report


def test_find_matches_alpha_id_se_names_only(tmp_path):
    names = [NAME, "icd10gm2026_alphaidse_edvtxt_20250926.txt", "icd10gm2018_alphaidse_edvtxt_20171004.txt",
             "icd10gm2026_alphaid_edvtxt_20250926.txt", "sct2_Concept_Snapshot_INT_20230131.txt", "Alpha-ID.txt"]
    paths = [tmp_path / n for n in names]
    assert READER.find(paths) == [(paths[2],), (paths[0],), (paths[1],)]


def test_release(tmp_path):
    records, _ = read(write(tmp_path, ROWS))
    release = records[0]
    assert isinstance(release, Release)
    assert (release.id, release.system, release.version, release.date) == ("alpha-id-se:20191004", "ALPHAID", "2020", "2019-10-04")
    assert "BfArM" in release.licence


def test_concepts(tmp_path):
    records, report = read(write(tmp_path, ROWS))
    concepts = {c.code: c for c in records if isinstance(c, Concept)}
    assert len(concepts) == 6
    tb = concepts["ALPHAID:I27432"]
    assert tb.label == "Tuberkulöse Meningitis" and tb.labels == {"de": "Tuberkulöse Meningitis"}
    assert tb.system == "ALPHAID" and tb.status is Status.ACTIVE and tb.release == "alpha-id-se:20191004"
    assert tb.attributes == {"primary": "A17.0+", "star": "G01*", "orpha": "499004"}
    assert concepts["ALPHAID:I125150"].attributes == {"primary": "C56", "additional": "C97!", "secondary": "C50.9", "orpha": "145"}
    assert concepts["ALPHAID:I117456"].status is Status.INACTIVE
    assert not report.skipped
    assert report.counts["alpha-id-se: rows valid for coding"] == 5


def test_mappings(tmp_path):
    records, _ = read(write(tmp_path, ROWS))
    maps = {(m.source, m.target): m for m in records if isinstance(m, Mapping)}
    exact = maps[("ALPHAID:I19094", "ORPHA:558")]
    assert exact.relation is Relation.EXACT and exact.published == "558"
    assert exact.provenance.file == NAME and exact.provenance.position == "line 5"
    primary = maps[("ALPHAID:I27432", "ICD10GM:A17.0")]
    assert (primary.relation, primary.qualifier, primary.published) == (Relation.UNSPECIFIED, "primary;marker=+", "A17.0+")
    assert maps[("ALPHAID:I27432", "ICD10GM:G01")].qualifier == "star;marker=*"
    assert maps[("ALPHAID:I125150", "ICD10GM:C97")].qualifier == "additional;marker=!"
    assert maps[("ALPHAID:I125150", "ICD10GM:C50.9")].qualifier == "secondary"
    assert maps[("ALPHAID:I117456", "ICD10GM:G25.88")].qualifier == "primary"
    icd_orpha = maps[("ICD10GM:Q87.4", "ORPHA:558")]
    assert icd_orpha.relation is Relation.UNSPECIFIED and icd_orpha.qualifier in {"alpha-id=I19094", "alpha-id=I117486"}
    assert {m.qualifier for m in records if isinstance(m, Mapping) and m.source == "ICD10GM:Q87.4"} == {
        "alpha-id=I19094", "alpha-id=I117486"}
    # the entry not valid for coding gives no ICD-10-GM -> ORPHA pair
    assert ("ICD10GM:G25.88", "ORPHA:3198") not in maps
    assert ("ICD10GM:C56", "ORPHA:145") in maps and ("ICD10GM:C50.9", "ORPHA:145") not in maps


def test_added_terms_for_orpha_codes(tmp_path):
    records, _ = read(write(tmp_path, ROWS))
    added = [(a.code, a.term.text, a.term.lang, a.term.kind) for a in records if isinstance(a, AddedTerm)]
    assert ("ORPHA:558", "MFS [Marfan-Syndrom]", "de", TermKind.INDEX) in added
    assert ("ORPHA:558", "Marfan-Syndrom", "de", TermKind.INDEX) in added
    assert len(added) == 5  # not for the entry not valid for coding


def test_cp1252_file_is_detected(tmp_path):
    utf8_dir = tmp_path / "a"
    utf8_dir.mkdir()
    utf8, _ = read(write(utf8_dir, ROWS))
    legacy_dir = tmp_path / "b"
    legacy_dir.mkdir()
    legacy, report = read(write(legacy_dir, ROWS, encoding="cp1252"))
    assert report.counts["alpha-id-se: files read as cp1252"] == 1
    assert [r for r in legacy[1:] if isinstance(r, Concept)] == [r for r in utf8[1:] if isinstance(r, Concept)]


def test_lf_line_endings(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(("\n".join(ROWS) + "\n").encode("utf-8"))
    records, report = read(path)
    assert sum(isinstance(r, Concept) for r in records) == 6 and not report.skipped


def test_bad_rows_are_counted(tmp_path):
    lines = [ROWS[0], "1|I27432|A17.0+|G01*|||499004", "2|I19094|Q87.4||||558|Marfan-Syndrom",
             "1|X19094|Q87.4||||558|Marfan-Syndrom", "1|I19094|Q87.4||||558|", "1|I117486|Q87.4X||||558|MFS [Marfan-Syndrom]",
             "1|I125150|C56||C97!|C50.9|ORPHA145x|Hereditäres Brust- und Ovarialkrebssyndrom", ""]
    records, report = read(write(tmp_path, lines))
    reasons = {reason: report.examples[(f, reason)] for (f, reason) in report.skipped}
    assert reasons["expected 8 '|'-separated fields, found 7"] == ["line 2"]
    assert reasons["validity must be 0 or 1"] == ["line 3 ('2')"]
    assert reasons["invalid Alpha-ID: an Alpha-ID is 'I' followed by digits"] == ["line 4 ('X19094')"]
    assert reasons["empty diagnosis text"] == ["line 5 (I19094)"]
    assert any(r.startswith("invalid ICD-10-GM primary code") for r in reasons)
    assert any(r.startswith("invalid ORPHA code") for r in reasons)
    concepts = {c.code for c in records if isinstance(c, Concept)}
    assert concepts == {"ALPHAID:I13614", "ALPHAID:I117486", "ALPHAID:I125150"}
    # the row with a bad ORPHA code keeps its ICD-10-GM mappings
    assert any(isinstance(m, Mapping) and m.source == "ALPHAID:I125150" and m.target == "ICD10GM:C56" for m in records)


def test_undecodable_file_is_a_format_error(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(b"1|I13614|A00.9||||173|Cholera\r\n1|I27432|A17.0+|G01*|||499004|Tuberkul\x81se Meningitis\r\n")
    with pytest.raises(ReleaseFormatError) as err:
        read(path)
    assert err.value.position == "line 2"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.text(alphabet=st.sampled_from("0123456789|I.+*!ABQZ äö\r"), max_size=40), max_size=10),
       raw=st.binary(max_size=40))
def test_arbitrary_input_never_crashes(tmp_path_factory, lines, raw):
    path = tmp_path_factory.mktemp("alpha") / NAME
    path.write_bytes("\r\n".join(lines).encode("utf-8") + raw)
    try:
        records, report = read(path)
    except ReleaseFormatError:
        return
    assert isinstance(records[0], Release)
    assert all(c.code.startswith("ALPHAID:I") for c in records if isinstance(c, Concept))


def test_shared_sample(shared_data):
    path = shared_data / "alpha_id_se" / NAME
    assert READER.find(sorted((shared_data / "alpha_id_se").iterdir())) == [(path,)]
    records, report = read(path)
    concepts = [c for c in records if isinstance(c, Concept)]
    maps = [m for m in records if isinstance(m, Mapping)]
    assert len(concepts) == 7278
    assert sum(c.active for c in concepts) == 7269
    assert not report.skipped
    orpha = {m.target for m in maps if m.source.startswith("ALPHAID:") and m.target.startswith("ORPHA:")}
    assert len(orpha) == 4629
    roles = [m.qualifier.split(";")[0] for m in maps if m.source.startswith("ALPHAID:") and m.target.startswith("ICD10GM:")]
    assert roles.count("star") == 88
    assert roles.count("secondary") == 22
    assert roles.count("primary") == 7278
    assert sum(m.source.startswith("ICD10GM:") for m in maps) == 7269
    assert sum(isinstance(a, AddedTerm) for a in records) == 7269
    marfan = {m.source for m in maps if m.target == "ORPHA:558" and m.source.startswith("ALPHAID:")}
    assert {"ALPHAID:I19094", "ALPHAID:I117486"} <= marfan
    assert report.counts["alpha-id-se: distinct ORPHA codes"] == 4629
