"""SSSOM export: header, predicates read from the subject's side, one row per stated mapping."""

from __future__ import annotations

import csv
import io

import pytest

from crosswalk_fixtures import PRODUCT1, everything
from raremap.model import IcdRelation, Mapping, Provenance, Relation, Release
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
    assert '#  ORPHA: "http://www.orpha.net/ORDO/Orphanet_"' in header
    assert '#  SCTID: "http://snomed.info/id/"' in header
    assert any(line.startswith("#mapping_set_id: ") for line in header)
    assert '#license: "https://w3id.org/sssom/license/unspecified"' in header
    by_pair = {(r["subject_id"], r["object_id"]): r for r in rows}
    assert by_pair[("ORPHA:558", "ICD10:Q87.4")]["predicate_id"] == "skos:exactMatch"
    ntbt = by_pair[("ORPHA:166024", "ICD10:Q77.3")]
    assert ntbt["predicate_id"] == "skos:broadMatch"  # ORPHA narrower than the ICD code: the object is broader
    assert "attributed" in ntbt["comment"] and "en_product1.xml" in ntbt["comment"]
    assert ntbt["subject_label"] == "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome"
    who = by_pair[("ICD10:Q87.4", "ICD11:LD28.01")]
    assert who["predicate_id"] == "skos:relatedMatch" and "states none" in who["comment"]
    assert all(r["mapping_justification"] == "semapv:ManualMappingCuration" for r in rows)
    stated = {(s, t) for s, t in zip(rm._mappings["source"], rm._mappings["target"])}
    assert {(r["subject_id"], r["object_id"]) for r in rows} == stated  # every stated mapping, no derived rows


def test_broader_statement_is_narrow_match(make_map) -> None:
    from raremap.model import IcdRelation, Mapping, Provenance, Relation, Release

    release = Release("orphanet-product1:2023-06-21", "ORPHA", "product1")
    cf = Mapping("ORPHA:586", "ICD10:E84.0", Relation.BROADER, IcdRelation.SPECIFIC, True,
                 provenance=Provenance(release.id, "en_product1.xml"), published="E84.0")
    _, rows = _export(make_map([release, cf]))
    assert rows[0]["predicate_id"] == "skos:narrowMatch"


def test_filter_by_system(make_map) -> None:
    _, rows = _export(make_map(*everything()), systems=["SCTID"])
    assert rows and all(r["subject_id"].startswith("SCTID:") for r in rows)


def _product1(*mappings: Mapping) -> list:
    return [PRODUCT1, *mappings]


def _m(source: str, target: str, relation: Relation, release: str = PRODUCT1.id, where: str = "en_product1.xml"):
    return Mapping(source, target, relation, IcdRelation.SPECIFIC, True,
                   provenance=Provenance(release, where), published=target.split(":", 1)[1])


def test_header_is_yaml_and_declares_exactly_the_prefixes_used(make_map) -> None:
    yaml = pytest.importorskip("yaml")
    rm = make_map(*everything())
    for systems in (None, ["SCTID"], ["ORPHA"]):
        header, rows = _export(rm, systems=systems)
        meta = yaml.safe_load("\n".join(line[1:] for line in header))
        assert {"curie_map", "mapping_set_id", "license", "mapping_set_title", "mapping_tool"} <= meta.keys()
        used = {r[c].split(":", 1)[0] for r in rows
                for c in ("subject_id", "predicate_id", "object_id", "mapping_justification")}
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
    by_object = {r["object_id"]: r for r in rows}
    assert (by_object["ICD10:Q87.8"]["predicate_id"], by_object["ICD10:Q87.8"]["predicate_modifier"]) == \
        ("skos:exactMatch", "Not")
    assert by_object["ICD10:Q87.4"]["predicate_modifier"] == ""


def test_cells_are_quoted_as_sssom_tsv_requires() -> None:
    term = 'Transfer of "walking" tube graft'  # SNOMED CT 12418009 (description text)
    assert sssom._cell(term) == '"Transfer of ""walking"" tube graft"'
    assert sssom._cell("Marfan syndrome") == "Marfan syndrome"
    line = "\t".join(sssom._cell(v) for v in ("SCTID:12418009", term, "a\tb", "x\ny"))
    assert next(csv.reader([line], delimiter="\t")) == ["SCTID:12418009", term, "a\tb", "x\ny"]


def test_sssom_py_accepts_the_export(make_map, tmp_path) -> None:
    pytest.importorskip("sssom")
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate
    from sssom.constants import SchemaValidationType

    path = tmp_path / "raremap.sssom.tsv"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        n = sssom.write(make_map(*everything()), out)
    msdf = parse_sssom_table(path)
    assert len(msdf.df) == n
    validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness,
                    SchemaValidationType.StrictCurieFormat], fail_on_error=True)
    assert msdf.converter.expand("ORPHA:558") == "http://www.orpha.net/ORDO/Orphanet_558"
