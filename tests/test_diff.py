"""Release diff on two releases built from records with real Orphanet codes."""

from __future__ import annotations

from raremap.services.diff import diff, summary, to_csv, to_json
from raremap.model import Concept, Edge, IcdRelation, Mapping, Relation, Release, Replacement, Status

OLD = Release("orphanet-product1:2024-12-01", "ORPHA", "product1", date="2024-12-01")
NEW = Release("orphanet-product1:2025-12-09", "ORPHA", "product1", date="2025-12-09")


def _c(code: str, label: str, release: Release, **kw) -> Concept:
    return Concept(code, "ORPHA", label, labels={"en": label}, release=release.id, **kw)


def _stream(release: Release, *records) -> list:
    return [release, *records]


def test_each_kind_of_change(make_map) -> None:
    old = make_map(_stream(
        OLD,
        _c("ORPHA:166024", "Multiple epiphyseal dysplasia, Al-Gazali type", OLD),
        _c("ORPHA:166068", "Pontocerebellar hypoplasia type 5", OLD),
        _c("ORPHA:166063", "Pontocerebellar hypoplasia type 4", OLD),
        _c("ORPHA:93419", "Rare bone disease", OLD),
        _c("ORPHA:558", "Marfan syndrome", OLD),
        Edge("ORPHA:166024", "ORPHA:93419", "orphanet:199"),
        Mapping("ORPHA:558", "ICD10:Q87.4", Relation.NARROWER, IcdRelation.ATTRIBUTED),
        Mapping("ORPHA:166024", "ICD10:Q77.3", Relation.NARROWER, IcdRelation.ATTRIBUTED),
    ))
    new = make_map(_stream(
        NEW,
        _c("ORPHA:166024", "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome", NEW),
        _c("ORPHA:166068", "Pontocerebellar hypoplasia type 5", NEW, status=Status.DEPRECATED,
           replaced_by=(Replacement("ORPHA:166063", "moved_to"),)),
        _c("ORPHA:166063", "Pontocerebellar hypoplasia type 4", NEW),
        _c("ORPHA:93419", "Rare bone disease", NEW),
        _c("ORPHA:558", "Marfan syndrome", NEW),
        _c("ORPHA:284963", "Marfan syndrome type 1", NEW),
        Mapping("ORPHA:558", "ICD10:Q87.4", Relation.EXACT, IcdRelation.SPECIFIC),
        Mapping("ORPHA:166024", "ICD11:LD24.61", Relation.NARROWER, IcdRelation.INDEX),
    ))
    changes = diff(old, new)
    kinds = {(c.code, c.kind) for c in changes}
    assert kinds == {
        ("ORPHA:166024", "renamed"),
        ("ORPHA:166024", "parents"),
        ("ORPHA:166024", "mapping_added"),
        ("ORPHA:166024", "mapping_removed"),
        ("ORPHA:166068", "retired"),
        ("ORPHA:284963", "added"),
        ("ORPHA:558", "mapping_relation"),
    }
    retired = next(c for c in changes if c.kind == "retired")
    assert retired.detail == "moved_to ORPHA:166063" and retired.new == "deprecated"
    relation = next(c for c in changes if c.kind == "mapping_relation")
    assert (relation.old, relation.new, relation.detail) == ("narrower/attributed", "exact/specific", "ICD10:Q87.4")
    assert summary(changes)["ORPHA"]["retired"] == 1
    assert "ORPHA:284963,added" in to_csv(changes) and '"kind": "renamed"' in to_json(changes)


def test_restricted_to_a_registry_code_list(make_map) -> None:
    old = make_map(_stream(OLD, _c("ORPHA:558", "Marfan syndrome", OLD), _c("ORPHA:166024", "A", OLD)))
    new = make_map(_stream(NEW, _c("ORPHA:558", "Marfan syndrome", NEW), _c("ORPHA:166024", "B", NEW)))
    assert diff(old, new, codes=["Orphanet_558"]) == []
    assert [c.kind for c in diff(old, new, codes=["orpha 166024", "ORPHA:1"])] == ["renamed"]


def test_identical_releases_have_no_changes(make_map) -> None:
    records = [_c("ORPHA:558", "Marfan syndrome", OLD), Mapping("ORPHA:558", "ICD10:Q87.4", Relation.EXACT)]
    assert diff(make_map(_stream(OLD, *records)), make_map(_stream(OLD, *records))) == []


def test_diff_of_the_2023_pack_against_an_edited_copy(shared_data, tmp_path) -> None:
    """The real 2023 nomenclature against a copy in which the test renames, retires and drops codes."""
    import gzip
    import re

    import raremap

    original = shared_data / "orphanet" / "nomenclature_pack_2023_en" / "ORPHAnomenclature_en_2023.xml.gz"
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    (old_dir / original.name).symlink_to(original)
    xml = gzip.decompress(original.read_bytes()).decode("latin-1")
    # 1. rename Marfan syndrome
    xml = xml.replace('<Name lang="en">Marfan syndrome</Name>\r\n      <FlagValue>', '<Name lang="en">Marfan syndrome, renamed</Name>\r\n      <FlagValue>', 1)
    # 2. retire ORPHA:166024 (Active -> Inactive: Obsolete)
    block = re.search(r"<OrphaCode>166024</OrphaCode>.*?</Disorder>", xml, re.S)
    assert block is not None
    xml = xml[: block.start()] + block.group(0).replace("<Totalstatus lang=\"en\">Active</Totalstatus>", "<Totalstatus lang=\"en\">Inactive: Obsolete</Totalstatus>", 1) + xml[block.end():]
    # 3. drop ORPHA:58 (Alexander disease) from the release
    gone = re.search(r"\s*<Disorder id=\"\d+\">\s*<OrphaCode>58</OrphaCode>.*?</Disorder>", xml, re.S)
    assert gone is not None
    xml = xml[: gone.start()] + xml[gone.end():]
    (new_dir / original.name).write_bytes(gzip.compress(xml.encode("latin-1")))

    old = raremap.load(releases=old_dir, cache=tmp_path / "cache")
    new = raremap.load(releases=new_dir, cache=tmp_path / "cache")
    changes = diff(old, new)
    assert {(c.code, c.kind) for c in changes} == {
        ("ORPHA:558", "renamed"),
        ("ORPHA:166024", "retired"),
        ("ORPHA:58", "retired"),
    }
    renamed = next(c for c in changes if c.kind == "renamed")
    assert (renamed.old, renamed.new) == ("Marfan syndrome", "Marfan syndrome, renamed")
    assert next(c for c in changes if c.code == "ORPHA:166024").new == "obsolete"
