"""SSSOM export: header, predicates read from the subject's side, one row per stated mapping."""

from __future__ import annotations

import io

from crosswalk_fixtures import everything
from raremap.services import sssom


def _export(rm, **kw) -> tuple[list[str], list[dict[str, str]]]:
    buf = io.StringIO()
    n = sssom.write(rm, buf, **kw)
    lines = buf.getvalue().splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line.split("\t") for line in lines if not line.startswith("#")]
    rows = [dict(zip(body[0], r)) for r in body[1:]]
    assert len(rows) == n
    return header, rows


def test_predicates_and_header(make_map) -> None:
    rm = make_map(*everything())
    header, rows = _export(rm)
    assert "# curie_map:" in header
    assert any(line.startswith("#   ORPHA: ") for line in header)
    assert any(line.startswith("# mapping_set_id: ") for line in header)
    assert "# license: https://w3id.org/sssom/license/unspecified" in header
    by_pair = {(r["subject_id"], r["object_id"]): r for r in rows}
    assert by_pair[("ORPHA:558", "ICD10:Q87.4")]["predicate_id"] == "skos:exactMatch"
    ntbt = by_pair[("ORPHA:166024", "ICD10:Q77.3")]
    assert ntbt["predicate_id"] == "skos:broadMatch"  # ORPHA narrower than the ICD code: the object is broader
    assert "attributed" in ntbt["comment"] and "en_product1.xml" in ntbt["comment"]
    assert ntbt["subject_label"] == "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome"
    who = by_pair[("ICD10:Q87.4", "ICD11:LD28.01")]
    assert who["predicate_id"] == "skos:relatedMatch" and "states none" in who["comment"]
    assert all(r["mapping_justification"] == "semapv:ManualMappingCuration" for r in rows)
    assert len(rows) == len(rm._mappings["source"])  # every stated mapping, no derived rows


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
