"""SSSOM export: header, predicates read from the subject's side, one row per stated mapping."""

from __future__ import annotations

import csv
import io

import pytest

from crosswalk_fixtures import PRODUCT1, everything
from raremap.model import IcdRelation, Mapping, Provenance, Relation, Release
from raremap import codes
from raremap.services import sssom


def _export(rm, **kw) -> tuple[list[str], list[dict[str, str]]]:
    buf = io.StringIO()
    n = sssom.write(rm, buf, **kw)
    lines = buf.getvalue().splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = list(csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t"))
    rows = [dict(zip(body[0], r)) for r in body[1:]]
    assert len(rows) == n
    return header, rows


def test_predicates_and_header(make_map) -> None:
    rm = make_map(*everything())
    header, rows = _export(rm)
    assert header[0] == "#curie_map:"  # canonical SSSOM/TSV: curie_map first, no space after '#'
    assert '#  orphanet: "http://www.orpha.net/ORDO/Orphanet_"' in header  # bioregistry names
    assert '#  sctid: "http://snomed.info/id/"' in header
    assert '#  icd10: "https://icd.who.int/browse10/2019/en#/"' in header
    assert '#  icd10se: "urn:raremap:icd10se:"' in header
    assert any(line.startswith("#mapping_set_id: ") for line in header)
    assert '#license: "https://w3id.org/sssom/license/unspecified"' in header  # several publishers
    described = next(line for line in header if line.startswith("#mapping_set_description"))
    assert "https://creativecommons.org/licenses/by/4.0/" in described  # each publisher's licence named
    by_pair = {(r["subject_id"], r["object_id"]): r for r in rows}
    assert by_pair[("orphanet:558", "icd10:Q87.4")]["predicate_id"] == "skos:exactMatch"
    ntbt = by_pair[("orphanet:166024", "icd10:Q77.3")]
    assert ntbt["predicate_id"] == "skos:broadMatch"  # ORPHA narrower than the ICD code: the object is broader
    assert "attributed" in ntbt["comment"] and "en_product1.xml" in ntbt["comment"]
    assert ntbt["subject_label"] == "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome"
    assert ntbt["mapping_justification"] == "semapv:ManualMappingCuration"  # Orphanet's curation
    who = by_pair[("icd10:Q87.4", "icd11:LD28.01")]
    # a WHO table pair states no relation: a cross-reference, not a claimed association
    assert who["predicate_id"] == "oboInOwl:hasDbXref" and "states none" in who["comment"]
    assert who["mapping_justification"] == "semapv:UnspecifiedMatching"
    stated = {(sssom.curie(s), sssom.curie(t)) for s, t in zip(rm._mappings["source"], rm._mappings["target"])}
    bridges = {(r["subject_id"], r["object_id"]) for r in rows if r["mapping_justification"] == "semapv:StructuralMatching"}
    assert {(r["subject_id"], r["object_id"]) for r in rows} - bridges == stated  # every stated mapping
    assert all(r["predicate_id"] != "skos:relatedMatch" for r in rows)  # no release here states 'related'


def test_icd10se_rows_are_edition_bridges_to_the_who_codes_the_releases_map(make_map) -> None:
    rm = make_map(*everything())
    _, rows = _export(rm, systems=["ICD-10-SE"])
    assert rows and all(r["subject_id"].startswith("icd10se:") and r["object_id"].startswith("icd10:") for r in rows)
    by_pair = {(r["subject_id"], r["object_id"]): r for r in rows}
    marfan = by_pair[("icd10se:Q87.4", "icd10:Q87.4")]
    assert (marfan["predicate_id"], marfan["mapping_justification"], marfan["subject_match_field"]) == \
        ("skos:exactMatch", "semapv:StructuralMatching", "skos:notation")
    assert "edition bridge derived by raremap" in marfan["comment"]
    # each WHO code a release maps is bridged once; none is bridged that no release maps
    who = {sssom.curie(c) for c in (*rm._mappings["source"], *rm._mappings["target"]) if c.startswith("ICD10:")}
    assert {o for _, o in by_pair} <= who


def test_licence_per_publisher_mapping_set(make_map, tmp_path) -> None:
    rm = make_map(*everything())
    header, rows = _export(rm, publisher="ORPHA")
    assert '#license: "https://creativecommons.org/licenses/by/4.0/"' in header  # Orphadata CC BY 4.0
    assert rows and all(r["subject_id"].startswith("orphanet:") for r in rows)
    assert all(r["mapping_justification"] == "semapv:ManualMappingCuration" for r in rows)
    header, rows = _export(rm, publisher="icd-11")
    assert '#license: "https://creativecommons.org/licenses/by-nd/3.0/igo/"' in header  # WHO CC BY-ND 3.0 IGO
    assert rows and all(r["mapping_justification"] == "semapv:UnspecifiedMatching" for r in rows)
    written = sssom.write_sets(rm, tmp_path / "sets")
    assert {p.name for p in written} == {f"{codes.code_system(s).sssom_prefix}.sssom.tsv" for s in sssom.publishers(rm)}
    assert {"orphanet.sssom.tsv", "icd11.sssom.tsv", "sctid.sssom.tsv"} <= {p.name for p in written}
    assert sum(written.values()) == len(_merged_statements(rm))


def _merged_statements(rm) -> list[dict[str, str]]:
    return sssom._merge(sssom.rows(rm))


def test_broader_statement_is_narrow_match(make_map) -> None:
    from raremap.model import IcdRelation, Mapping, Provenance, Relation, Release

    release = Release("orphanet-product1:2023-06-21", "ORPHA", "product1")
    cf = Mapping("ORPHA:586", "ICD10:E84.0", Relation.BROADER, IcdRelation.SPECIFIC, True,
                 provenance=Provenance(release.id, "en_product1.xml"), published="E84.0")
    _, rows = _export(make_map([release, cf]))
    assert rows[0]["predicate_id"] == "skos:narrowMatch"


def test_filter_by_system(make_map) -> None:
    _, rows = _export(make_map(*everything()), systems=["SCTID"])
    assert rows and all(r["subject_id"].startswith("sctid:") for r in rows)


def _product1(*mappings: Mapping) -> list:
    return [PRODUCT1, *mappings]


def _m(source: str, target: str, relation: Relation, release: str = PRODUCT1.id, where: str = "en_product1.xml"):
    return Mapping(source, target, relation, IcdRelation.SPECIFIC, True,
                   provenance=Provenance(release, where), published=target.split(":", 1)[1])


def test_header_is_yaml_and_declares_exactly_the_prefixes_used(make_map) -> None:
    yaml = pytest.importorskip("yaml")
    rm = make_map(*everything())
    for systems in (None, ["SCTID"], ["ORPHA"], ["ICD10SE"]):
        header, rows = _export(rm, systems=systems)
        meta = yaml.safe_load("\n".join(line[1:] for line in header))
        assert {"curie_map", "mapping_set_id", "license", "mapping_set_title", "mapping_tool"} <= meta.keys()
        used = {r[c].split(":", 1)[0] for r in rows
                for c in ("subject_id", "predicate_id", "object_id", "mapping_justification", "subject_match_field",
                          "object_match_field") if r.get(c)}
        assert set(meta["curie_map"]) == used, systems  # none missing, none unused


def test_same_statement_from_two_releases_is_one_row(make_map) -> None:
    # Orphanet states ORPHA:558 -> Q87.4 (E) in product1 and again in ORDO (hasDbXref ICD-10:Q87.4)
    ordo = Release("ordo:4.3", "ORPHA", "ORDO", version="4.3")
    rm = make_map(_product1(_m("ORPHA:558", "ICD10:Q87.4", Relation.EXACT)),
                  [ordo, _m("ORPHA:558", "ICD10:Q87.4", Relation.EXACT, ordo.id, "ORDO_en_4.3.owl")])
    _, rows = _export(rm)
    assert len(rows) == 1
    assert "orphanet-product1" in rows[0]["comment"] and "ordo:4.3" in rows[0]["comment"]


def test_wrong_mapping_is_a_negated_match_and_modifier_column_only_when_needed(make_map) -> None:
    _, rows = _export(make_map(_product1(_m("ORPHA:558", "ICD10:Q87.4", Relation.EXACT))))
    assert "predicate_modifier" not in rows[0]  # SSSOM/TSV: no empty columns
    # relation W on real codes: the translation under test, not an Orphanet statement
    _, rows = _export(make_map(_product1(_m("ORPHA:558", "ICD10:Q87.4", Relation.EXACT),
                                         _m("ORPHA:558", "ICD10:Q87.8", Relation.WRONG))))
    by_object = {r["object_id"]: r for r in rows if r["subject_id"].startswith("orphanet:")}
    assert (by_object["icd10:Q87.8"]["predicate_id"], by_object["icd10:Q87.8"]["predicate_modifier"]) == \
        ("skos:exactMatch", "Not")
    assert by_object["icd10:Q87.4"]["predicate_modifier"] == ""


def test_cells_are_quoted_as_sssom_tsv_requires() -> None:
    term = 'Transfer of "walking" tube graft'  # SNOMED CT 12418009 (description text)
    assert sssom._cell(term) == '"Transfer of ""walking"" tube graft"'
    assert sssom._cell("Marfan syndrome") == "Marfan syndrome"
    line = "\t".join(sssom._cell(v) for v in ("SCTID:12418009", term, "a\tb", "x\ny"))
    assert next(csv.reader([line], delimiter="\t")) == ["SCTID:12418009", term, "a\tb", "x\ny"]


def _validated(path, n: int):
    """Parse ``path`` with sssom-py and validate it against the SSSOM schema (JSON schema, every
    prefix declared, strict CURIEs): offline, from the schema the sssom-schema package ships."""
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(path)
    assert len(msdf.df) == n
    validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness,
                    SchemaValidationType.StrictCurieFormat], fail_on_error=True)
    return msdf


def test_sssom_py_accepts_the_export(make_map, tmp_path) -> None:
    pytest.importorskip("sssom")
    path = tmp_path / "raremap.sssom.tsv"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        n = sssom.write(make_map(*everything()), out, lexical=True)
    msdf = _validated(path, n)
    assert msdf.converter.expand("orphanet:558") == "http://www.orpha.net/ORDO/Orphanet_558"
    assert msdf.converter.expand("sctid:19346006") == "http://snomed.info/id/19346006"
    assert set(msdf.df["mapping_justification"]) >= {"semapv:ManualMappingCuration", "semapv:UnspecifiedMatching",
                                                      "semapv:StructuralMatching"}


@pytest.mark.parametrize("which", ["sample", "shared"])
def test_sssom_py_validates_the_export_of_real_releases(which, request, tmp_path) -> None:
    """The bundled sample and everything in ../shared/data (skipped when absent), stated rows,
    bridges and lexical pairs, and each publisher's mapping set."""
    pytest.importorskip("sssom")
    rm = request.getfixturevalue("sample_map" if which == "sample" else "shared_map")
    path = tmp_path / "all.sssom.tsv"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        n = sssom.write(rm, out, lexical=True)
    msdf = _validated(path, n)
    subjects = set(msdf.df["subject_id"].str.split(":").str[0])
    assert {"orphanet", "icd10se"} <= subjects
    for path, n in sssom.write_sets(rm, tmp_path / "sets").items():
        assert _validated(path, n).metadata["license"].startswith("https://")
