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


def test_a_translation_is_not_a_rename_and_spacing_is_flagged(make_map) -> None:
    """The 2021 French pack against the 2023 English one: labels in no common language are not
    compared; the 2023 pack dropped the double space of the 2021 LGMD names."""
    old = make_map(_stream(
        OLD,
        Concept("ORPHA:58", "ORPHA", "Maladie d'Alexander", labels={"fr": "Maladie d'Alexander"}, release=OLD.id),
        _c("ORPHA:119", "Beta-sarcoglycan-related  limb-girdle muscular dystrophy R4", OLD),
        _c("ORPHA:1517", "Hypertrichotic osteochondrodysplasia, Cantu type", OLD),
    ))
    new = make_map(_stream(
        NEW,
        _c("ORPHA:58", "Alexander disease", NEW),
        _c("ORPHA:119", "Beta-sarcoglycan-related limb-girdle muscular dystrophy R4", NEW),
        _c("ORPHA:1517", "Cantú syndrome", NEW),
    ))
    assert [(c.code, c.kind, c.detail) for c in diff(old, new)] == [
        ("ORPHA:119", "renamed", "en, spacing or case only"),
        ("ORPHA:1517", "renamed", "en"),
    ]


def test_classification_level_and_an_inactive_code_that_disappears(make_map) -> None:
    """Orphanet's 2021 log: 103919 moved from disorder to group, 370933 from group to disorder;
    171201 was already obsolete, so leaving the release is a status change, not a retirement."""
    old = make_map(_stream(
        OLD,
        _c("ORPHA:103919", "Autoimmune pancreatitis", OLD, kind="disorder"),
        _c("ORPHA:370933", "GM3 synthase deficiency", OLD, kind="group"),
        _c("ORPHA:171201", "High isolated anorectal malformation", OLD, kind="disorder", status=Status.OBSOLETE),
    ))
    new = make_map(_stream(
        NEW,
        _c("ORPHA:103919", "Autoimmune pancreatitis", NEW, kind="group"),
        _c("ORPHA:370933", "GM3 synthase deficiency", NEW, kind="disorder"),
    ))
    found = [(c.code, c.kind, c.old, c.new) for c in diff(old, new)]
    assert found == [
        ("ORPHA:103919", "kind", "disorder", "group"),
        ("ORPHA:171201", "status", "obsolete", "absent"),
        ("ORPHA:370933", "kind", "group", "disorder"),
    ]
    assert summary(diff(old, new))["ORPHA"]["kind"] == 2
    # a release that states no kind (the MasterFile) changes none
    unstated = make_map(_stream(OLD, _c("ORPHA:103919", "Autoimmune pancreatitis", OLD)))
    assert diff(unstated, new, codes=["ORPHA:103919"]) == []


def test_mappings_of_codes_that_are_only_mapped(make_map) -> None:
    """WHO 11To10 rows without the ICD-11 tabulation: ICD11:1B21.20 is a mapping source only."""
    who = Release("who-icd10-icd11:2024-01", "ICD11", "WHO ICD-10/ICD-11 mapping", date="2024-01-21")
    old = make_map(_stream(who, Mapping("ICD11:1B21.20", "ICD10:A31", Relation.UNSPECIFIED)))
    new = make_map(_stream(who, Mapping("ICD11:1B21.20", "ICD10:A31.8", Relation.UNSPECIFIED)))
    changes = diff(old, new)
    assert [(c.code, c.system, c.kind, c.detail) for c in changes] == [
        ("ICD11:1B21.20", "ICD11", "mapping_removed", "ICD10:A31"),
        ("ICD11:1B21.20", "ICD11", "mapping_added", "ICD10:A31.8"),
    ]
    assert [c.kind for c in diff(old, new, codes=["1B21.20"])] == ["mapping_removed", "mapping_added"]
    assert diff(old, new, systems=["ICD-11"]) == changes and diff(old, new, systems=["orpha"]) == []


def test_codes_neither_release_knows(make_map) -> None:
    from raremap.services.diff import scope

    old = make_map(_stream(OLD, _c("ORPHA:558", "Marfan syndrome", OLD)))
    new = make_map(_stream(NEW, _c("ORPHA:558", "Marfan syndrome", NEW)))
    found, unknown = scope(old, new, ["Orphanet_558", "ORPHA:1", "not a code"])
    assert found == {"ORPHA:558"} and unknown == ["ORPHA:1", "not a code"]


def test_cli_diff_outputs(make_map, tmp_path, capsys) -> None:
    import csv as _csv
    import io
    import json

    from raremap.cli import main

    old = make_map(_stream(
        OLD,
        _c("ORPHA:166068", "Pontocerebellar hypoplasia type 5", OLD),
        _c("ORPHA:558", "Marfan syndrome", OLD),
        Mapping("ORPHA:558", "ICD10:Q87.4", Relation.NARROWER, IcdRelation.ATTRIBUTED),
    ))
    new = make_map(_stream(
        NEW,
        _c("ORPHA:166068", "Pontocerebellar hypoplasia type 5", NEW, status=Status.DEPRECATED,
           replaced_by=(Replacement("ORPHA:166063", "moved_to"),)),
        _c("ORPHA:558", "Marfan syndrome", NEW),
        Mapping("ORPHA:558", "ICD10:Q87.4", Relation.EXACT, IcdRelation.SPECIFIC),
    ))
    a, b = str(old.snapshot.path), str(new.snapshot.path)
    assert main(["diff", a, b]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[:2] == [f"old: {OLD.id}", f"new: {NEW.id}"]
    assert "active → deprecated  (moved_to ORPHA:166063)" in table[2]
    assert "ICD10:Q87.4  (narrower/attributed → exact/specific)" in table[3]
    assert table[-1] == "ORPHA: 1 retired, 1 mapping_relation"

    assert main(["diff", a, b, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [set(d) for d in data] == [{"system", "code", "kind", "old", "new", "detail"}] * 2
    assert main(["diff", a, b, "--csv"]) == 0
    rows = list(_csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["code"], r["kind"]) for r in rows] == [("ORPHA:166068", "retired"), ("ORPHA:558", "mapping_relation")]

    codes = tmp_path / "codes.csv"
    codes.write_text("patient,code\n1,Orphanet_558\n2,ORPHA:99999999\n", encoding="utf-8")
    assert main(["diff", a, b, "--codes", str(codes), "--csv"]) == 0
    out = capsys.readouterr()
    assert [r["code"] for r in _csv.DictReader(io.StringIO(out.out))] == ["ORPHA:558"]
    assert "1 of the 2 codes are in neither release: ORPHA:99999999" in out.err

    assert main(["diff", a, a]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no changes"
    with __import__("pytest").raises(SystemExit) as bad:
        main(["diff", a, b, "--system", "nosuchsystem"])
    assert bad.value.code == 2


def test_an_inactive_code_referred_elsewhere_and_a_reactivated_one(make_map) -> None:
    """ORPHA:166068 stays deprecated but points to another code; ORPHA:63269 is Orphanet's 2021
    'Newly Active ORPHAcode'."""
    old = make_map(_stream(
        OLD,
        _c("ORPHA:166068", "Pontocerebellar hypoplasia type 5", OLD, status=Status.DEPRECATED,
           replaced_by=(Replacement("ORPHA:166063", "moved_to"),)),
        _c("ORPHA:63269", "Antley-Bixler syndrome with genital anomaly and disorder of steroidogenesis", OLD,
           status=Status.OBSOLETE),
    ))
    new = make_map(_stream(
        NEW,
        _c("ORPHA:166068", "Pontocerebellar hypoplasia type 5", NEW, status=Status.DEPRECATED,
           replaced_by=(Replacement("ORPHA:2524", "moved_to"),)),
        _c("ORPHA:63269", "Antley-Bixler syndrome with genital anomaly and disorder of steroidogenesis", NEW),
    ))
    assert [(c.code, c.kind, c.old, c.new) for c in diff(old, new)] == [
        ("ORPHA:166068", "replacement", "moved_to ORPHA:166063", "moved_to ORPHA:2524"),
        ("ORPHA:63269", "reactivated", "obsolete", "active"),
    ]
