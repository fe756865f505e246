"""ICD-11 MMS readers: Simple Tabulation (txt, xlsx) and the WHO ICD-10 ⇄ ICD-11 mapping tables.

Fixtures in tests/fixtures/icd11/ are byte-exact row excerpts of the WHO 2024-01 files in
shared/data/icd11 (BOM, CRLF and quoting kept; header rows unchanged). The xlsx fixture holds
real rows of the 2024-01 beta LinearizationMiniOutput, written with openpyxl.
"""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap import codes
from raremap.errors import ReleaseFormatError
from raremap.model import Concept, Edge, Mapping, Relation, Release
from raremap.sources.who import icd11_tabulation, mapping_tables
from raremap.release_input import BuildReport, ReadContext
from paths import FIXTURES

FIXTURES = FIXTURES / "icd11"
TABULATION = FIXTURES / "SimpleTabulation-ICD-11-MMS-en_2024-01.txt"
BETA_XLSX = FIXTURES / "LinearizationMiniOutput-MMS-en_2024-01-beta.xlsx"
MAPPING_DIR = FIXTURES / "mapping_2024-01"
TABLE_ROWS = {  # data rows of the real 2024-01 tables
    "10To11MapToOneCategory": 12597,
    "10To11MapToMultipleCategories": 15658,
    "11To10MapToOneCategory": 17908,
    "foundation_10To11MapToOneCategory": 12597,
}


def run(reader, files, root: Path) -> tuple[list, BuildReport]:
    report = BuildReport()
    records = list(reader.read(tuple(files), ReadContext(root=root, report=report)))
    return records, report


def skipped(report: BuildReport, file_suffix: str = "") -> int:
    return sum(n for (file, _reason), n in report.skipped.items() if file.endswith(file_suffix))


def reasons(report: BuildReport) -> dict[str, int]:
    found: Counter[str] = Counter()
    for (_file, reason), n in report.skipped.items():
        found[reason] += n
    return dict(found)


def split(records: list) -> tuple[Release, dict[str, Concept], dict[str, list[str]], list[Mapping]]:
    assert isinstance(records[0], Release)
    assert not any(isinstance(r, Release) for r in records[1:])
    concepts: dict[str, Concept] = {}
    parents: dict[str, list[str]] = {}
    mappings = []
    for r in records[1:]:
        if isinstance(r, Concept):
            assert r.code not in concepts, r.code
            concepts[r.code] = r
        elif isinstance(r, Edge):
            parents.setdefault(r.child, []).append(r.parent)
        elif isinstance(r, Mapping):
            mappings.append(r)
    return records[0], concepts, parents, mappings


def chain(code: str, parents: dict[str, list[str]]) -> list[str]:
    out = [code]
    while out[-1] in parents:
        out.append(parents[out[-1]][0])
    return out


def assert_tree(concepts: dict[str, Concept], parents: dict[str, list[str]], orphans: frozenset[str] | None = frozenset()) -> None:
    """Chapters have no parent; every other concept exactly one, a loaded concept.

    ``orphans``: the non-chapters allowed to have no parent (None: any).
    """
    for code, concept in concepts.items():
        if concept.kind == "chapter":
            assert code not in parents
        elif code in parents:
            assert len(parents[code]) == 1, code
            assert parents[code][0] in concepts, (code, parents[code])
        else:
            assert orphans is None or code in orphans, code
    assert set(parents) <= set(concepts)


# --- find ------------------------------------------------------------------------------------

def test_find_claims_only_its_own_files(tmp_path: Path) -> None:
    names = [
        "icd11/SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz", "icd11/SimpleTabulation_readme.txt",
        "icd11/LinearizationMiniOutput-MMS-en_2024-01-beta.xlsx", "icd11/mapping_2024-01/readme.txt",
        *(f"icd11/mapping_2024-01/{t}.txt.gz" for t in TABLE_ROWS), "icd10se/digit4.txt",
        "icd11/SimpleTabulation-ICD-11-MMS-sv.txt", "other/10To11MapToOneCategory.txt",
    ]
    files = [tmp_path / n for n in names]
    assert icd11_tabulation.SIMPLE_TABULATION_READER.find(files) == [(files[0],), (files[9],)]
    assert icd11_tabulation.XLSX_READER.find(files) == [(files[2],)]
    groups = mapping_tables.READER.find(files)
    assert len(groups) == 2
    assert [p.name for p in groups[0]] == [f"{t}.txt.gz" for t in mapping_tables.TABLES]  # reading order
    assert groups[1] == (files[10],)
    assert icd11_tabulation.READERS == (icd11_tabulation.SIMPLE_TABULATION_READER, icd11_tabulation.XLSX_READER)
    assert mapping_tables.READERS == (mapping_tables.READER,)


# --- Simple Tabulation (fixture) ----------------------------------------------------------------

def test_tabulation_fixture_concepts_hierarchy_and_release() -> None:
    records, report = run(icd11_tabulation.SIMPLE_TABULATION_READER, [TABULATION], FIXTURES)
    release, concepts, parents, _ = split(records)
    assert release.id == "icd11-simple-tabulation-en:2024-01"
    assert (release.version, release.date, release.system) == ("2024-01", "2024-01-21", "ICD11")
    assert "Version:2024 Jan 21 - 22:30 UTC" in release.name
    assert release.files[0].path == TABULATION.name and "CC BY-ND 3.0 IGO" in release.licence
    assert Counter(c.kind for c in concepts.values()) == {"chapter": 5, "block": 7, "category": 18}
    assert not report.skipped
    assert report.counts["icd11-simple-tabulation: residual"] == 2
    assert report.counts["icd11-simple-tabulation: extension codes"] == 6
    assert_tree(concepts, parents)

    marfan = concepts["ICD11:LD28.01"]
    assert (marfan.label, marfan.labels, marfan.system, marfan.release) == (
        "Marfan syndrome", {"en": "Marfan syndrome"}, "ICD11", release.id)
    assert dict(marfan.attributes) == {
        "chapter": "20", "foundation_uri": "http://id.who.int/icd/entity/236564145",
        "linearization_uri": "http://id.who.int/icd/release/11/mms/236564145",
        "residual": "false", "leaf": "true", "primary_tabulation": "true"}
    assert chain("ICD11:LD28.01", parents) == [
        "ICD11:LD28.01", "ICD11:LD28.0", "ICD11:LD28", "ICD11:BlockL1-LD2", "ICD11:20"]
    assert chain("ICD11:1A03.0", parents) == [
        "ICD11:1A03.0", "ICD11:1A03", "ICD11:BlockL2-1A0", "ICD11:BlockL1-1A0", "ICD11:01"]

    other = concepts["ICD11:LD28.0Y"]  # residual: no foundation entity of its own
    assert other.attributes["residual"] == "true" and "foundation_uri" not in other.attributes
    assert other.attributes["linearization_uri"].endswith("/968811028/other")
    assert concepts["ICD11:LD28.0Z"].label == "Marfan syndrome or Marfan-related disorders, unspecified"

    # groupings WHO gives no BlockId are named by their MMS entity id
    whodas = concepts["ICD11:Block-2144513044"]
    assert (whodas.kind, whodas.label) == ("block", "WHODAS 2.0 36-item version")
    assert codes.canonical("block-2144513044", "ICD11") == "ICD11:Block-2144513044"
    assert chain("ICD11:VD00", parents) == ["ICD11:VD00", "ICD11:Block-1837366640", "ICD11:Block-2144513044", "ICD11:V"]
    # extension codes are kept as codes of chapter X
    assert chain("ICD11:XN8P1", parents)[-4:] == ["ICD11:XN74M", "ICD11:Block-437215757", "ICD11:Block-71556738", "ICD11:X"]
    assert concepts["ICD11:XN8P1"].label == "Vibrio cholerae O1, biovar cholerae"
    assert concepts["ICD11:20"].label == "Developmental anomalies"
    assert "primary_tabulation" not in concepts["ICD11:20"].attributes
    for concept in concepts.values():
        assert concept.label and not concept.label.startswith("-") and concept.label == concept.label.strip()


def test_tabulation_gz_and_version_from_uri_free_name(tmp_path: Path) -> None:
    target = tmp_path / "SimpleTabulation-ICD-11-MMS-en.txt.gz"
    target.write_bytes(gzip.compress(TABULATION.read_bytes()))
    records, _ = run(icd11_tabulation.SIMPLE_TABULATION_READER, [target], tmp_path)
    release, concepts, _, _ = split(records)
    assert release.id == "icd11-simple-tabulation-en:2024-01-21"  # no release month in name or URIs
    assert len(concepts) == 30


def _tabulation_text() -> tuple[str, list[str]]:
    text = TABULATION.read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    return lines[0], lines[1:-1]


def test_tabulation_bad_rows_are_skipped_with_their_subtree(tmp_path: Path) -> None:
    header, rows = _tabulation_text()
    ld28 = next(i for i, r in enumerate(rows) if "\tLD28\t" in r)
    rows[ld28] = rows[ld28].replace("\tLD28\t", "\tLD2I\t")  # I never occurs in ICD-11 codes
    cholera = next(i for i, r in enumerate(rows) if "\t1A00\t" in r)
    rows[cholera] = rows[cholera].replace("\tcategory\t", "\tkategori\t")
    vibrio = next(i for i, r in enumerate(rows) if "\t1A01\t" in r)
    untitled = rows[vibrio].split("\t")
    untitled[2], untitled[4] = "1A0Q", ""
    rows.insert(vibrio + 1, "\t".join(untitled))  # a row without its Title: depth unknown
    path = tmp_path / TABULATION.name
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig"))
    records, report = run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)
    _, concepts, parents, _ = split(records)
    assert reasons(report) == {
        "empty Title": 1,
        "category code is not an ICD-11 stem or extension code": 1,
        "ClassKind is not chapter, block or category": 1,
        # LD28's descendants, and 1A03/1A03.0 after the row of unknown depth, cannot be placed
        # safely: they are never attached to a wrong parent
        "Title depth prefix does not fit below the previous row": 6 + 2,
    }
    assert "ICD11:LD28.01" not in concepts and "ICD11:1A00" not in concepts and "ICD11:1A03" not in concepts
    assert chain("ICD11:1A01", parents)[1:] == ["ICD11:BlockL2-1A0", "ICD11:BlockL1-1A0", "ICD11:01"]
    assert_tree(concepts, parents)


def _without_cell(row: str, column: int) -> str:
    cells = row.split("\t")
    del cells[column]
    return "\t".join(cells)


# every named column of the 2024-01 header (the last cell, Version:…, is no column)
@pytest.mark.parametrize("column", range(17))
def test_tabulation_row_missing_a_cell_raises_naming_file_and_line(tmp_path: Path, column: int) -> None:
    # Text cells are placed by position: without one cell every later one shifts (a lost
    # BrowserLink made isLeaf read the Primary tabulation cell, and the row was taken silently).
    header, rows = _tabulation_text()
    cholera = next(i for i, r in enumerate(rows) if "\t1A00\t" in r)
    rows[cholera] = _without_cell(rows[cholera], column)
    path = tmp_path / TABULATION.name
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig"))
    with pytest.raises(ReleaseFormatError) as err:
        run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)
    assert (err.value.file, err.value.position) == (TABULATION.name, f"line {cholera + 2}")
    assert err.value.reason.startswith("16 cells where the header names 17: no cell for column 17 (Grouping5)")


def test_tabulation_row_cut_after_its_chapter_raises(tmp_path: Path) -> None:
    header, rows = _tabulation_text()
    rows[3] = "\t".join(rows[3].split("\t")[:9])
    path = tmp_path / TABULATION.name
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig"))
    with pytest.raises(ReleaseFormatError, match=r"line 5: 9 cells where the header names 17: "
                                                 r"no cell for columns 10-17 \(BrowserLink … Grouping5\)"):
        run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)


def test_tabulation_without_version_cell_or_optional_columns_still_reads(tmp_path: Path) -> None:
    # releases differ in their columns: the row width owed is the header's, whatever it names
    header, rows = _tabulation_text()
    keep = [0, 1, 2, 3, 4, 5, 8]  # no DepthInKind, IsResidual, BrowserLink, isLeaf, groupings, Version
    def cut(line: str) -> str:
        cells = line.split("\t")
        return "\t".join(cells[i] for i in keep)
    path = tmp_path / TABULATION.name
    path.write_bytes(("\r\n".join([cut(header), *map(cut, rows)]) + "\r\n").encode("utf-8-sig"))
    records, report = run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)
    full, _ = run(icd11_tabulation.SIMPLE_TABULATION_READER, [TABULATION], FIXTURES)
    assert not report.skipped
    assert {c.code for c in split(records)[1].values()} == {c.code for c in split(full)[1].values()}


@pytest.mark.parametrize("content, where", [
    (b"", "line 1"),
    ("\ufeffFoundation URI\tLinearization URI\tCode\tTitle\r\n".encode(), "line 1"),  # no ClassKind, BlockId, ChapterNo
    (b"\xef\xbb\xbfFoundation URI\tCode\t\xff\xfe\r\n", None),  # not UTF-8
])
def test_tabulation_broken_files_raise(tmp_path: Path, content: bytes, where: str | None) -> None:
    path = tmp_path / "SimpleTabulation-ICD-11-MMS-en.txt"
    path.write_bytes(content)
    with pytest.raises(ReleaseFormatError) as err:
        run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)
    assert err.value.file == path.name
    if where:
        assert err.value.position == where


def test_tabulation_truncated_gzip_raises(tmp_path: Path) -> None:
    data = gzip.compress(TABULATION.read_bytes())
    path = tmp_path / "SimpleTabulation-ICD-11-MMS-en.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReleaseFormatError):
        run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.sampled_from('\t"- ABLYZ019.\r\nchapterblockcategoryTrueFalse'), max_size=60), max_size=12),
       st.booleans())
def test_tabulation_arbitrary_rows_never_crash(tmp_path: Path, lines: list[str], keep_real: bool) -> None:
    header, rows = _tabulation_text()
    body = (rows[:8] if keep_real else []) + lines
    path = tmp_path / "SimpleTabulation-ICD-11-MMS-en.txt"
    path.write_bytes(("\r\n".join([header, *body]) + "\r\n").encode("utf-8-sig"))
    try:
        records, _report = run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)
    except ReleaseFormatError:
        return
    _, concepts, parents, _ = split(records)
    assert_tree(concepts, parents)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_tabulation_arbitrary_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "SimpleTabulation-ICD-11-MMS-en.txt"
    path.write_bytes(data)
    try:
        records, _ = run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], tmp_path)
    except ReleaseFormatError:
        return
    assert isinstance(records[0], Release)


# --- xlsx (beta LinearizationMiniOutput) ---------------------------------------------------------

def test_xlsx_beta_fixture() -> None:
    records, report = run(icd11_tabulation.XLSX_READER, [BETA_XLSX], FIXTURES)
    release, concepts, parents, _ = split(records)
    assert release.id == "icd11-linearization-xlsx-beta-en:2024-01-11"
    assert "BETA" in release.name and release.version == "" and release.date == "2024-01-11"
    assert chain("ICD11:1A00", parents) == ["ICD11:1A00", "ICD11:BlockL2-1A0", "ICD11:BlockL1-1A0", "ICD11:01"]
    assert concepts["ICD11:1A00"].attributes["linearization_uri"] == "http://id.who.int/icd/release/11/beta/mms/257068234"
    # beta placeholders: BlockL1-_NO … are named by entity id; _NOCODEASSIGNED has no code
    assert report.counts["icd11-linearization-xlsx: blocks with a placeholder BlockId, named by entity id"] == 4
    assert reasons(report) == {"category code is not an ICD-11 stem or extension code": 1}
    assert chain("ICD11:SM80", parents) == [
        "ICD11:SM80", "ICD11:Block-344029973", "ICD11:Block-1542941233", "ICD11:Block-1147241349",
        "ICD11:Block-562274788", "ICD11:26"]
    assert concepts["ICD11:SM8Y"].attributes["residual"] == "true"
    assert len(concepts) == 14
    assert_tree(concepts, parents)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_xlsx_garbage_raises_format_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "LinearizationMiniOutput-MMS-en.xlsx"
    path.write_bytes(data)
    with pytest.raises(ReleaseFormatError):
        run(icd11_tabulation.XLSX_READER, [path], tmp_path)


def test_xlsx_without_tabulation_header_raises(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Code", "Title"])
    book.active.append(["1A00", "Cholera"])
    path = tmp_path / "SimpleTabulation-ICD-11-MMS-en.xlsx"
    book.save(path)
    with pytest.raises(ReleaseFormatError, match="ClassKind"):
        run(icd11_tabulation.XLSX_READER, [path], tmp_path)


# --- WHO mapping tables (fixture) ---------------------------------------------------------------

def _mapping_files(directory: Path = MAPPING_DIR) -> list[Path]:
    return sorted(directory.iterdir())


def test_mapping_fixture_rows_all_accounted_for() -> None:
    records, report = run(mapping_tables.READER, _mapping_files(), FIXTURES)
    release, concepts, parents, mappings = split(records)
    assert release.id == "who-icd10-icd11-maps:2024-01-21"
    assert (release.version, release.date, len(release.files)) == ("2024-01", "2024-01-21", 4)
    name = "who-icd10-icd11-maps"
    rows = {"10To11MapToOneCategory": 17, "10To11MapToMultipleCategories": 20, "11To10MapToOneCategory": 8,
            "foundation_10To11MapToOneCategory": 17}
    # B95 -> XN2QM (one), B95 -> XN2QM, XN3NM (multiple): bare extension codes are kept
    emitted = {"10To11MapToOneCategory": 8, "10To11MapToMultipleCategories": 12, "11To10MapToOneCategory": 4}
    for table, n in rows.items():
        assert report.counts[f"{name}: {table} rows"] == n
        used = report.counts[f"{name}: {table} mappings"] if table in emitted else report.counts[f"{name}: {table} relations attached"]
        assert used == emitted.get(table, 8)
        assert used + skipped(report, f"/{table}.txt") == n, table
    by_file = Counter(m.provenance.file.rsplit("/", 1)[1] for m in mappings)
    assert by_file == {f"{t}.txt": n for t, n in emitted.items()}

    one = {(m.source, m.target): m for m in mappings if m.provenance.file.endswith("/10To11MapToOneCategory.txt")}
    marfan = one[("ICD10:Q87.4", "ICD11:LD28.01")]
    assert marfan.relation is Relation.UNSPECIFIED and marfan.published == "LD28.01"
    assert marfan.qualifier == ("preferred=10To11MapToOneCategory; foundation entity "
                                "http://id.who.int/icd/entity/236564145; foundation map: Equivalent, distance 0")
    assert marfan.provenance.release == release.id and marfan.provenance.position == "line 18"
    assert ("ICD10:A00.0", "ICD11:1A00&XN8P1") in one  # postcoordinated cluster kept whole
    assert ("ICD10:A06.6", "ICD11:1A36.1Y/1D03.3Z") in one
    assert "foundation map: Subclass, distance 0" in one[("ICD10:B18.00", "ICD11:1E51.2")].qualifier
    back = {(m.source, m.target) for m in mappings if "11To10" in m.provenance.file}
    assert back == {("ICD11:1A00", "ICD10:A00.9"), ("ICD11:1A07.Z", "ICD10:A01.0"),
                    ("ICD11:LD28.00", "ICD10:Q87.4"), ("ICD11:LD28.01", "ICD10:Q87.4")}
    assert all(m.relation is Relation.UNSPECIFIED for m in mappings)

    assert reasons(report) == {
        "ICD-10 side is a chapter, not a category": 2 + 2,
        "ICD-10 side is a block, not a category": 5 + 5 + 1,
        "ICD-11 side: no mapping stated ('No Mapping')": 1 + 1,  # C95.7
        "ICD-11 side: chapter": 1 + 1,  # D37 -> 02; 11To10 chapter row
        "ICD-11 side: block (no code)": 1,
        "ICD-10 side: no mapping stated ('No Mapping')": 1,  # 1B70
        "its 10To11MapToOneCategory row gives no category-to-category mapping": 9,
    }


def test_mapping_fixture_icd10_concepts_and_hierarchy() -> None:
    records, report = run(mapping_tables.READER, _mapping_files(), FIXTURES)
    _, concepts, parents, _ = split(records)
    marfan = concepts["ICD10:Q87.4"]
    assert (marfan.system, marfan.kind, marfan.label, dict(marfan.attributes)) == (
        "ICD10", "subcategory", "Marfan syndrome", {"chapter": "XVII"})
    assert concepts["ICD10:Q87"].kind == "category"
    b1800 = concepts["ICD10:B18.00"]
    assert (b1800.kind, b1800.attributes["who_class_kind"]) == ("subcategory", "modifiedcategory")
    assert concepts["ICD10:A00.9"].label == "Cholera, unspecified"  # named only by 11To10
    # chapters are named by the range of their blocks, here those of the excerpt (A50-A64 is
    # named by 11To10 only)
    chapter1 = concepts["ICD10:A00-A64"]
    assert (chapter1.kind, chapter1.label, chapter1.attributes["chapter"]) == (
        "chapter", "Certain infectious and parasitic diseases", "I")
    assert chain("ICD10:Q87.4", parents) == ["ICD10:Q87.4", "ICD10:Q87", "ICD10:Q80-Q89", "ICD10:Q00-Q89"]
    assert chain("ICD10:A00.0", parents) == ["ICD10:A00.0", "ICD10:A00", "ICD10:A00-A09", "ICD10:A00-A64"]
    assert chain("ICD10:A01.0", parents) == ["ICD10:A01.0", "ICD10:A00-A09", "ICD10:A00-A64"]  # A01 not in the excerpt
    assert all(e.hierarchy == "icd10" for e in records if isinstance(e, Edge))
    # chapter II has only D10-D36 in the excerpt, so its range would be a block's code: not emitted
    # chapter II has no chapter row in the excerpt
    assert report.counts["who-icd10-icd11-maps: ICD-10 codes without a parent in the tables"] == 3
    assert_tree(concepts, parents, orphans=frozenset({"ICD10:C95.7", "ICD10:D10-D36", "ICD10:D37"}))


def test_mapping_one_category_rows_are_marked_as_who_choice() -> None:
    records, _report = run(mapping_tables.READER, _mapping_files(), FIXTURES)
    marfan = [(m.target, m.provenance.file, m.qualifier) for m in records
              if isinstance(m, Mapping) and m.source == "ICD10:Q87.4"]
    preferred = [(t, f) for t, f, q in marfan if q.startswith("preferred=")]
    assert preferred == [("ICD11:LD28.01", "mapping_2024-01/10To11MapToOneCategory.txt")]
    assert len(marfan) == 4  # + LD28.00, LD28.01, LD28.0Z of the multiple-categories table
    back = {m.source: m.qualifier for m in records if isinstance(m, Mapping) and m.target == "ICD10:Q87.4"}
    assert back == {"ICD11:LD28.00": "preferred=11To10MapToOneCategory", "ICD11:LD28.01": "preferred=11To10MapToOneCategory"}


def test_mapping_without_foundation_table(tmp_path: Path) -> None:
    for path in _mapping_files():
        if not path.name.startswith("foundation"):
            shutil.copy(path, tmp_path / path.name)
    records, report = run(mapping_tables.READER, sorted(tmp_path.iterdir()), tmp_path)
    _, _, _, mappings = split(records)
    assert len(mappings) == 8 + 12 + 4
    assert all("foundation map" not in m.qualifier for m in mappings)


@pytest.mark.parametrize("header", [
    "",
    "icd10Code\ticd10Title\t2024-Jan-21",  # 10To11 header without the ICD-11 columns
])
def test_mapping_broken_header_raises(tmp_path: Path, header: str) -> None:
    path = tmp_path / "10To11MapToOneCategory.txt"
    path.write_bytes((header + "\r\n" if header else "").encode())
    with pytest.raises(ReleaseFormatError) as err:
        run(mapping_tables.READER, [path], tmp_path)
    assert err.value.position == "line 1"


def _map_keys(records: list) -> set[tuple]:
    """Concepts, and mappings with each qualifier item (a skipped foundation row only drops items)."""
    keys: set[tuple] = set()
    for r in records:
        if isinstance(r, Concept):
            keys.add((r.code, r.label, r.kind))
        elif isinstance(r, Mapping):
            keys.add((r.source, r.target, r.published))
            keys.update((r.source, r.target, item) for item in r.qualifier.split("; "))
    return keys


_MAP_WIDTH = {"10To11MapToOneCategory": 12, "10To11MapToMultipleCategories": 12, "11To10MapToOneCategory": 7,
              "foundation_10To11MapToOneCategory": 9}  # cells of every data row of the 2024-01 tables


@pytest.mark.parametrize("table, column", [(t, c) for t, width in sorted(_MAP_WIDTH.items()) for c in range(width)])
def test_mapping_row_missing_a_cell_is_a_counted_skip(tmp_path: Path, table: str, column: int) -> None:
    # Cells are placed by position: without one cell every later one shifts (a lost icd10Title
    # once gave ICD-10 A00-A19 the title "category", read from 11ClassKind, silently).
    for path in _mapping_files():
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / f"{table}.txt"
    lines = target.read_bytes().decode("utf-8").split("\r\n")
    marfan = next(i for i, line in enumerate(lines) if "\tQ87.4\t" in line)
    assert len(lines[marfan].split("\t")) == _MAP_WIDTH[table]
    cells = lines[marfan].split("\t")
    del cells[column]
    lines[marfan] = "\t".join(cells)
    target.write_bytes("\r\n".join(lines).encode("utf-8"))
    records, report = run(mapping_tables.READER, sorted(tmp_path.iterdir()), tmp_path)
    full, _ = run(mapping_tables.READER, _mapping_files(), FIXTURES)
    assert report.skipped[(target.name, "row has fewer cells than the header names")] == 1
    assert _map_keys(records) <= _map_keys(full)  # nothing read from the shifted cells


_MAP_ALPHABET = st.sampled_from(list("\t\tABQXVI019.-& /") + ["category", "block", "chapter", "No Mapping", "LD28.01", "Q87.4"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(TABLE_ROWS)), st.lists(st.lists(_MAP_ALPHABET, max_size=30).map("".join), max_size=10))
def test_mapping_arbitrary_rows_are_mapped_or_counted(tmp_path: Path, table: str, lines: list[str]) -> None:
    header = (MAPPING_DIR / f"{table}.txt").read_bytes().split(b"\r\n")[0].decode()
    path = tmp_path / f"{table}.txt"
    path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode())
    try:
        records, report = run(mapping_tables.READER, [path], tmp_path)
    except ReleaseFormatError:
        return
    _, concepts, parents, mappings = split(records)
    rows = sum(1 for line in lines if line.strip())
    assert report.counts[f"who-icd10-icd11-maps: {table} rows"] == rows
    used = len(mappings) if table != "foundation_10To11MapToOneCategory" else 0
    assert used + skipped(report) == rows
    for m in mappings:
        assert codes.canonical(m.source) == m.source and codes.canonical(m.target) == m.target
    assert_tree(concepts, parents, orphans=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_mapping_arbitrary_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "11To10MapToOneCategory.txt"
    path.write_bytes(data)
    try:
        run(mapping_tables.READER, [path], tmp_path)
    except ReleaseFormatError:
        pass


# --- real WHO 2024-01 files (shared data) --------------------------------------------------------

def test_shared_simple_tabulation(shared_data: Path) -> None:
    path = shared_data / "icd11" / "SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz"
    records, report = run(icd11_tabulation.SIMPLE_TABULATION_READER, [path], shared_data)
    release, concepts, parents, _ = split(records)
    assert release.id == "icd11-simple-tabulation-en:2024-01" and release.date == "2024-01-21"
    assert Counter(c.kind for c in concepts.values()) == {"category": 34663, "block": 1353, "chapter": 28}
    assert len(concepts) == 36044 and not report.skipped
    assert sum(c.attributes["residual"] == "true" for c in concepts.values()) == 5217
    assert sum(c.code[6:].endswith("Y") for c in concepts.values() if c.attributes["residual"] == "true") == 2475
    assert sum(c.attributes.get("leaf") == "true" for c in concepts.values()) == 30313
    assert report.counts["icd11-simple-tabulation: extension codes"] == sum(
        c.kind == "category" and c.attributes["chapter"] == "X" for c in concepts.values())
    assert sum(c.code.startswith("ICD11:Block-") for c in concepts.values()) == 627
    # the Title-depth tree agrees with ChapterNo and Grouping1..5 on every row
    assert not [k for k in report.counts if "disagree" in k]
    assert_tree(concepts, parents)
    assert len(parents) == 36044 - 28
    assert concepts["ICD11:LD28.01"].label == "Marfan syndrome"
    assert chain("ICD11:LD28.01", parents) == [
        "ICD11:LD28.01", "ICD11:LD28.0", "ICD11:LD28", "ICD11:BlockL1-LD2", "ICD11:20"]
    for concept in concepts.values():
        assert not concept.label.startswith("- ") and concept.label
        assert codes.canonical(concept.code) == concept.code


def test_shared_mapping_tables(shared_data: Path) -> None:
    directory = shared_data / "icd11" / "mapping_2024-01"
    files = mapping_tables.READER.find(sorted(directory.iterdir()))
    assert len(files) == 1 and len(files[0]) == 4
    records, report = run(mapping_tables.READER, files[0], shared_data)
    release, concepts, parents, mappings = split(records)
    assert release.id == "who-icd10-icd11-maps:2024-01-21" and release.version == "2024-01"
    name = "who-icd10-icd11-maps"
    # + 58 and 91 rows whose ICD-11 side is a bare extension code (B95.0 -> XN6LP ...)
    emitted = {"10To11MapToOneCategory": 11929 + 58, "10To11MapToMultipleCategories": 14676 + 91,
               "11To10MapToOneCategory": 14757, "foundation_10To11MapToOneCategory": 11929 + 58}
    for table, rows in TABLE_ROWS.items():
        assert report.counts[f"{name}: {table} rows"] == rows
        key = f"{name}: {table} relations attached" if table.startswith("foundation") else f"{name}: {table} mappings"
        assert report.counts[key] == emitted[table]
        assert emitted[table] + skipped(report, f"/{table}.txt.gz") == rows, table
    assert len(mappings) == 11929 + 58 + 14676 + 91 + 14757
    pairs = {(m.source, m.target) for m in mappings}
    assert ("ICD10:Q87.4", "ICD11:LD28.01") in pairs and ("ICD11:LD28.01", "ICD10:Q87.4") in pairs
    assert ("ICD10:K41.1", "ICD11:DD52&XK9J&XT44/ME24.8") in pairs
    assert all(m.relation is Relation.UNSPECIFIED for m in mappings)
    assert "ICD-11 side: bare extension code (no stem code)" not in reasons(report)

    # kinds of the public contract: 11,243 WHO "category" rows are 2,090 categories and 9,153
    # subcategories; the 1,058 "modifiedcategory" codes are subcategories too
    assert Counter(c.kind for c in concepts.values()) == {
        "category": 2090, "subcategory": 10211, "block": 274, "chapter": 22}
    assert sum(c.attributes.get("who_class_kind") == "modifiedcategory" for c in concepts.values()) == 1058
    chapters = {c.attributes["chapter"]: c.code for c in concepts.values() if c.kind == "chapter"}
    assert chapters["I"] == "ICD10:A00-B99" and chapters["XVII"] == "ICD10:Q00-Q99"
    assert chapters["XIX"] == "ICD10:S00-T98" and chapters["XXII"] == "ICD10:U00-U85"
    assert chain("ICD10:Q87.4", parents) == ["ICD10:Q87.4", "ICD10:Q87", "ICD10:Q80-Q89", "ICD10:Q00-Q99"]
    assert chain("ICD10:C00.1", parents)[2:] == ["ICD10:C00-C14", "ICD10:C00-C75", "ICD10:C00-C97", "ICD10:C00-D48"]
    assert_tree(concepts, parents)


def test_shared_beta_linearization_xlsx(shared_data: Path) -> None:
    path = shared_data / "icd11" / "LinearizationMiniOutput-MMS-en_2024-01-beta.xlsx"
    records, report = run(icd11_tabulation.XLSX_READER, [path], shared_data)
    release, concepts, parents, _ = split(records)
    assert release.id == "icd11-linearization-xlsx-beta-en:2024-01-11" and "BETA" in release.name
    assert len(concepts) + skipped(report) == 36753
    assert skipped(report) == 1  # the _NOCODEASSIGNED row
    assert concepts["ICD11:LD28.01"].label == "Marfan syndrome"
    assert not [k for k in report.counts if "disagree" in k]
    assert_tree(concepts, parents)


def test_mapping_to_a_bare_extension_code_is_kept() -> None:
    """WHO's only ICD-11 counterpart of B95 is extension code XN2QM: a mapping, marked as such."""
    records, _report = run(mapping_tables.READER, _mapping_files(), FIXTURES)
    mappings = split(records)[3]
    b95 = [m for m in mappings if m.source == "ICD10:B95"]
    assert sorted((m.target, m.provenance.file.rsplit("/", 1)[1]) for m in b95) == [
        ("ICD11:XN2QM", "10To11MapToMultipleCategories.txt"), ("ICD11:XN2QM", "10To11MapToOneCategory.txt"),
        ("ICD11:XN3NM", "10To11MapToMultipleCategories.txt")]
    assert all(m.relation is Relation.UNSPECIFIED and "extension code: never coded alone" in m.qualifier for m in b95)
    one = next(m for m in b95 if m.provenance.file.endswith("/10To11MapToOneCategory.txt"))
    assert one.qualifier == ("preferred=10To11MapToOneCategory; extension code: never coded alone; foundation entity http://id.who.int/icd/entity/777702149; "
                             "foundation map: Subclass, distance -1")
    assert not any("extension code" in m.qualifier for m in mappings if m.source != "ICD10:B95")
