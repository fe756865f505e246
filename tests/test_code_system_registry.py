"""The code-system registry and reader registration: a system added at run time, with a reader
for a format of its own, loads, looks up, crosswalks and exports without any other module knowing
it; discovery order, the tables derived from the registry, and properties of the built-in rows."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import raremap
from raremap import codes
from raremap.codes import System
from raremap.errors import InvalidCodeError
from raremap.model import Concept, Mapping, Provenance, Record, Relation, Release, Term, TermKind

from paths import DATA


# ---------------------------------------------------------------------------------------------
# A made-up terminology: "TESTCS" codes are 'T' plus digits, one file testcs-<version>.tsv with
# lines  code<TAB>name<TAB>synonym<TAB>ORPHA code it names  (a format no raremap reader knows).

TESTCS_FILE = "testcs-2026.tsv"
TESTCS_LINES = [
    "T101\tMarfan syndrome as TESTCS knows it\tTESTCS Marfan\t558",
    "T202\tTuberous sclerosis complex, test edition\tTESTCS TSC\t805",
]


def _testcs_code(value: str) -> str:
    value = value.upper()
    if not (value.startswith("T") and value[1:].isdigit()):
        raise ValueError("a TESTCS code is 'T' followed by digits")
    return value


class TestcsReader:
    """Reads testcs-<version>.tsv."""

    name = "testcs"
    discovery_order = 900

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(f,) for f in files if f.name.startswith("testcs-") and f.suffix == ".tsv"]

    def read(self, files: tuple[Path, ...], ctx) -> Iterator[Record]:
        (path,) = files
        version = path.stem.removeprefix("testcs-")
        release = Release(f"testcs:{version}", "TESTCS", "TESTCS test terminology", version=version,
                          files=(ctx.source_file(path),))
        yield release
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            value, name, synonym, orpha = line.split("\t")
            code = codes.canonical(value, "TESTCS")
            yield Concept(code, "TESTCS", name, labels={"en": name},
                          synonyms=(Term(synonym, "en", TermKind.SYNONYM),), release=release.id)
            yield Mapping(code, codes.canonical(orpha, System.ORPHA), Relation.EXACT,
                          provenance=Provenance(release.id, path.name, f"line {number}"), published=orpha)


@pytest.fixture
def testcs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TESTCS registered (system and reader) for one test, a releases directory holding its file
    beside the bundled Orphanet sample, and a cache of the test's own; unregistered afterwards."""
    from raremap import sources

    row = codes.register_system("TESTCS", "TESTCS test terminology", _testcs_code, aliases=("test-cs",),
                                iri_base="https://example.org/testcs/")
    reader = sources.register_reader(TestcsReader())
    releases = tmp_path / "releases"
    (releases / "testcs").mkdir(parents=True)
    (releases / "testcs" / TESTCS_FILE).write_text("\n".join(TESTCS_LINES) + "\n", encoding="utf-8")
    shutil.copytree(DATA / "orphanet", releases / "orphanet")
    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path / "cache"))
    try:
        yield releases
    finally:
        sources.unregister_reader(reader)
        codes.unregister_system(row.prefix)


def test_a_system_registered_at_run_time_loads_looks_up_crosswalks_and_exports(testcs: Path) -> None:
    from raremap.services import sssom

    rm = raremap.load(releases=testcs)
    assert "testcs:2026" in {r.id for r in rm.releases}
    # by code, in any spelling the registry knows
    for spelling in ("TESTCS:T101", "testcs t101", "Test-CS:t101", "TESTCS_T101"):
        assert rm.concept(spelling).label == "Marfan syndrome as TESTCS knows it"
    assert rm.concept("T202", system="testcs").code == "TESTCS:T202"
    with pytest.raises(InvalidCodeError, match="'T' followed by digits"):
        codes.canonical("TESTCS:101")
    # by name and synonym
    assert rm.lookup("Marfan syndrome as TESTCS knows it", system="TESTCS")[0].code == "TESTCS:T101"
    assert rm.lookup("TESTCS TSC", system="TESTCS")[0].code == "TESTCS:T202"
    # to a real system, both ways
    assert {m.target for m in rm.crosswalk("TESTCS:T101", to="ORPHA")} == {"ORPHA:558"}
    assert "TESTCS:T101" in {m.target for m in rm.crosswalk("ORPHA:558", to="TESTCS")}
    # exported: its CURIE prefix declared with the IRI base given
    out = io.StringIO()
    sssom.write(rm, out, systems=["TESTCS"])
    lines = out.getvalue().splitlines()
    assert '#  testcs: "https://example.org/testcs/"' in lines
    body = list(csv.DictReader((line for line in lines if not line.startswith("#")), delimiter="\t"))
    assert {(r["subject_id"], r["predicate_id"], r["object_id"]) for r in body} == {
        ("testcs:T101", "skos:exactMatch", "orphanet:558"), ("testcs:T202", "skos:exactMatch", "orphanet:805")}
    assert all(r["subject_label"].startswith(("Marfan", "Tuberous")) for r in body)
    # served: the FHIR server's TerminologyCapabilities lists it with its release
    from raremap.server import fhir

    listed = fhir.terminology_capabilities("2026-12-03", rm.code_systems(), {"TESTCS": "testcs:2026"})["codeSystem"]
    assert {"code": "testcs:2026", "isDefault": True} in next(e for e in listed if e["uri"].endswith("/testcs"))["version"]


def test_the_registration_is_gone_after_the_fixture(tmp_path: Path) -> None:
    from raremap import sources

    with pytest.raises(InvalidCodeError):
        codes.system_named("TESTCS")
    assert "testcs" not in {r.name for r in sources.readers()}
    assert [r.prefix for r in codes.code_systems()] == [s.value for s in System]


def test_a_registered_system_parses_and_is_gone_after_unregistering() -> None:
    row = codes.register_system("TESTCS", "TESTCS test terminology", lambda v: v.upper(), aliases=("test-cs",),
                                fhir_uri="https://example.org/fhir/testcs")
    try:
        assert codes.canonical("Test CS: t1") == "TESTCS:T1" and codes.parse("TESTCS:t1").system is row.system
        assert row.system == "TESTCS" and row.system.value == "TESTCS" and row.sssom_prefix == "testcs"
        assert codes.system_for_uri("https://example.org/fhir/testcs") is row.system
        assert codes.code_systems()[-1] is row
        with pytest.raises(InvalidCodeError, match="prefix says TESTCS, expected ORPHA"):
            codes.canonical("TESTCS:T1", "ORPHA")
        # without a guess of its own, a bare code is never read as TESTCS
        assert [c.system for c in codes.candidates("558")] == [System.ORPHA]
    finally:
        codes.unregister_system("TESTCS")
    with pytest.raises(InvalidCodeError, match="unknown code system; use one of ORPHA, ICD10SE, ICD10, ICD10GM, "
                                               "ICD11, SCTID, ALPHAID"):
        codes.system_named("TESTCS")


def test_register_system_refuses_a_taken_prefix_or_alias() -> None:
    with pytest.raises(ValueError, match="registered already"):
        codes.register_system("ORPHA", "another Orphanet")
    with pytest.raises(ValueError, match="names SCTID already"):
        codes.register_system("MYSNOMED", "SNOMED again", aliases=("snomed-ct",))
    with pytest.raises(ValueError, match="built in"):
        codes.unregister_system("ICD11")
    assert [r.prefix for r in codes.code_systems()] == [s.value for s in System]


def test_readers_are_discovered_in_publisher_order() -> None:
    from raremap import sources

    names = [r.name for r in sources.readers()]
    assert names == ["orphanet-nomenclature", "orphanet-product1", "orphanet-classifications", "orphanet-product3",
                     "orphanet-linearisation", "orphanet-product7", "orphanet-masterfile", "ordo",
                     "icd10se-inera", "icd10se-socialstyrelsen", "ksh97p",
                     "icd11-simple-tabulation", "icd11-linearization-xlsx", "who-icd10-icd11-maps",
                     "snomed-rf2", "alpha-id-se"]
    with pytest.raises(ValueError, match="known already"):
        sources.register_reader(sources.readers()[0])
    with pytest.raises(TypeError, match="not a release reader"):
        sources.register_reader(object())  # type: ignore[arg-type]


def test_import_and_a_cached_load_import_no_reader(tmp_path: Path) -> None:
    script = ("import sys, raremap; raremap.load(); "
              "print(sorted(m for m in sys.modules if m.startswith('raremap.sources')))")
    env = {"RAREMAP_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, capture_output=True)  # builds
    cached = subprocess.run([sys.executable, "-c", script], check=True, env=env, capture_output=True, text=True)
    assert cached.stdout.strip() == "[]"


def test_fetch_folders_and_licences_come_from_the_registry() -> None:
    from raremap import fetch, sources

    folders = {r.name: fetch.system_folder(r.name) for r in sources.readers()}
    assert {n for n, f in folders.items() if f == "orphanet"} == {
        "orphanet-nomenclature", "orphanet-product1", "orphanet-classifications", "orphanet-product3",
        "orphanet-linearisation", "orphanet-product7", "orphanet-masterfile", "ordo"}
    assert folders["ksh97p"] == folders["icd10se-inera"] == "icd10se"
    assert folders["who-icd10-icd11-maps"] == "icd11" and folders["snomed-rf2"] == "snomed"
    assert folders["alpha-id-se"] == "alpha_id_se"
    assert "CC BY 4.0" in fetch.licence_for("orphanet") and "CC BY-ND 3.0 IGO" in fetch.licence_for("icd11")
    assert fetch.licence_for("snomed") == fetch.SNOMED_LICENCE and fetch.licence_for("elsewhere") == ""
    assert {d.licence for d in fetch.Catalogue.official().only(["icd11"]).downloads} == {fetch.WHO_LICENCE}


# ---------------------------------------------------------------------------------------------
# Properties of the built-in rows

ROWS = codes.code_systems()


def _respelled(draw, text: str) -> str:
    """``text`` with each letter's case drawn and separators (space, -, _) drawn between characters."""
    out = []
    for i, ch in enumerate(text):
        if i and draw(st.booleans()):
            out.append(draw(st.sampled_from(" -_")))
        out.append(ch.upper() if draw(st.booleans()) else ch.lower())
    return "".join(out)


@st.composite
def spellings(draw) -> tuple[codes.CodeSystem, str]:
    row = draw(st.sampled_from(ROWS))
    name = draw(st.sampled_from((row.prefix, *row.aliases)))
    return row, _respelled(draw, name)


@given(spellings())
def test_every_alias_in_any_spelling_names_its_one_system(case) -> None:
    row, spelling = case
    assert codes.system_named(spelling) is row.system
    assert codes.code_system(spelling) is row


ICD10 = st.builds(lambda letter, two, tail: f"{letter}{two:02d}{tail}", st.sampled_from("ABCDEGMQZ"),
                  st.integers(0, 99), st.sampled_from(["", ".0", ".4", ".88", ".9"]))


def _sctid(draw) -> str:
    body = str(draw(st.integers(100, 10**12))) + draw(st.sampled_from(["00", "10", "11"]))
    return body + codes.verhoeff_digit(body)


@st.composite
def valid_codes(draw) -> str:
    system = draw(st.sampled_from(list(System)))
    if system is System.ORPHA:
        value = str(draw(st.integers(1, 9_999_999)))
    elif system is System.ICD10SE:
        value = draw(st.one_of(ICD10, st.sampled_from(["E10.0A", "A08.3B", "Q87.4"])))
    elif system in (System.ICD10, System.ICD10GM):
        value = draw(ICD10)
    elif system is System.ICD11:
        value = draw(st.sampled_from(["LD28.01", "1A00", "5A11", "BlockL1-1A0", "02", "X", "1A00&XN8P1", "XN8P1"]))
    elif system is System.SCTID:
        value = _sctid(draw)
    else:
        value = f"I{draw(st.integers(1, 9_999_999))}"
    row = codes.code_system(system)
    prefix = draw(st.sampled_from((row.prefix, *row.aliases)))
    return f"{prefix}{draw(st.sampled_from([':', ' ', '_']))}{value}"


@given(valid_codes())
def test_canonical_spelling_is_a_fixed_point(text: str) -> None:
    first = codes.canonical(text)
    assert codes.canonical(first) == first
    prefix, value = codes.split(first)
    assert codes.find_system(prefix) is not None and codes.system_of(first) == prefix
    assert codes.canonical(value, prefix) == first  # the bare code read in its system


def test_each_row_names_its_uris_and_prefixes() -> None:
    prefixes = [r.sssom_prefix for r in ROWS]
    assert len(set(prefixes)) == len(prefixes) and all(p == p.lower() for p in prefixes)
    for row in ROWS:
        assert codes.system_for_uri(row.fhir_uri) is row.system
        assert codes.system_for_uri(row.fhir_uri + "/") is row.system
        for alias in row.fhir_aliases:
            assert codes.system_for_uri(alias) is row.system
    assert codes.system_for_uri("http://snomed.info/sct/45991000052106/version/20240531") is System.SCTID
    assert codes.system_for_uri("http://loinc.org") is None
    assert codes.code_system("ORPHA").curie("ORPHA:558") == "orphanet:558"
    assert codes.find_system("orpha") is None and codes.find_system("OMIM") is None
