"""Compiling records into a snapshot, merging releases, loading it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raremap import snapshot
from raremap.snapshot.compile import Compiler
from raremap.errors import SnapshotError, UnknownCodeError, InvalidCodeError
from raremap.model import (AddedTerm, Concept, Edge, IcdRelation, Mapping, Provenance, Relation, Release,
                           Replacement, Status, Term, TermKind)

PACK = Release(id="orphanet-nomenclature:2023-06-21", system="ORPHA", name="Orphanet nomenclature pack", date="2023-06-21")
PRODUCT1 = Release(id="orphanet-product1:2025-12-09", system="ORPHA", name="Orphadata product1", date="2025-12-09")
LINEAR = Release(id="orphanet-linearisation:2025-12-09", system="ORPHA", name="Orphadata product7", date="2025-12-09")

# Real 2023 pack facts: 166024 was renamed by 2025 (the old name survives as a synonym).
OLD = Concept("ORPHA:166024", "ORPHA", "Multiple epiphyseal dysplasia, Al-Gazali type",
              labels={"en": "Multiple epiphyseal dysplasia, Al-Gazali type"},
              synonyms=(Term("Multiple epiphyseal dysplasia-macrocephaly-distinctive facies syndrome", "en"),),
              kind="disorder", release=PACK.id, attributes={"disorder_type": "Disease"})
NEW = Concept("ORPHA:166024", "ORPHA", "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome",
              labels={"en": "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome"},
              synonyms=(Term("Multiple epiphyseal dysplasia, Al-Gazali type", "en"),),
              kind="disorder", release=PRODUCT1.id)
DEPRECATED = Concept("ORPHA:166068", "ORPHA", "Pontocerebellar hypoplasia type 5", labels={"en": "Pontocerebellar hypoplasia type 5"},
                     status=Status.DEPRECATED, replaced_by=(Replacement("ORPHA:166063", "moved_to"),), kind="disorder", release=PACK.id)
TARGET = Concept("ORPHA:166063", "ORPHA", "Pontocerebellar hypoplasia type 4", labels={"en": "Pontocerebellar hypoplasia type 4"}, kind="disorder", release=PACK.id)
ROOT = Concept("ORPHA:93419", "ORPHA", "Rare bone disease", kind="group", release=PACK.id)
MAP = Mapping("ORPHA:166024", "ICD10:Q77.3", Relation.NARROWER, IcdRelation.ATTRIBUTED, True,
              provenance=Provenance(PRODUCT1.id, "en_product1.xml", "Disorder 166024"), published="Q77.3")


def _pack() -> list:
    return [PACK, OLD, DEPRECATED, TARGET, ROOT, Edge("ORPHA:166024", "ORPHA:93419", "orphanet:199")]


def test_round_trip(make_map) -> None:
    rm = make_map(_pack(), [PRODUCT1, NEW, MAP])
    c = rm.concept("ORPHA:166024")
    assert c.label == NEW.label  # newest release names it
    assert [t.text for t in c.synonyms] == [  # union of both releases' synonyms, the current label not repeated
        "Multiple epiphyseal dysplasia-macrocephaly-distinctive facies syndrome",
        "Multiple epiphyseal dysplasia, Al-Gazali type",
    ]
    assert c.parents == ("ORPHA:93419",)
    assert c.attributes["disorder_type"] == "Disease"
    assert c.release == PRODUCT1.id
    assert rm.mappings("ORPHA:166024") == [MAP]
    [back] = rm.mappings("ICD10:Q77.3", direction="in")
    assert (back.source, back.target, back.relation) == ("ICD10:Q77.3", "ORPHA:166024", Relation.BROADER)
    assert {r.id for r in rm.releases} == {PACK.id, PRODUCT1.id}


def test_obsolete_answered_with_status_and_replacement(make_map) -> None:
    rm = make_map(_pack())
    c = rm.concept("Orphanet_166068")
    assert c.status is Status.DEPRECATED and not c.active
    assert c.replaced_by == (Replacement("ORPHA:166063", "moved_to"),)


def test_partial_reader_never_decides_status(make_map) -> None:
    partial = Concept("ORPHA:166068", "ORPHA", "Pontocerebellar hypoplasia type 5", attributes={"preferential_parent": "ORPHA:98006"}, release=LINEAR.id)
    rm = make_map(_pack(), [LINEAR, partial], partial=(1,))
    c = rm.concept("ORPHA:166068")
    assert c.status is Status.DEPRECATED
    assert c.attributes["preferential_parent"] == "ORPHA:98006"


def test_code_missing_from_the_newest_complete_release_is_inactive(make_map) -> None:
    # the 2021 MasterFile names ORPHA:398980; the 2023 pack, which lists every code (obsolete
    # ones too), does not
    masterfile = Release(id="orphanet-masterfile:2021-07-01", system="ORPHA", name="MasterFile", date="2021-07-01")
    gone = Concept("ORPHA:398980", "ORPHA", "Primary peritoneal serous/papillary carcinoma",
                   labels={"en": "Primary peritoneal serous/papillary carcinoma"}, release=masterfile.id)
    kept = Concept("ORPHA:166024", "ORPHA", OLD.label, release=masterfile.id)
    rm = make_map(_pack(), [masterfile, gone, kept], partial=(1,), complete=(0,))
    c = rm.concept("ORPHA:398980")
    assert c.status is Status.INACTIVE and c.attributes["absent_from"] == PACK.id
    assert rm.concept("ORPHA:166024").status is Status.ACTIVE
    counts = rm.snapshot.manifest["report"]["counts"]
    assert counts[f"codes absent from {PACK.id} (newest complete release): marked inactive"] == 1
    # without a complete release nothing is retired
    assert make_map(_pack(), [masterfile, gone], partial=(1,)).concept("ORPHA:398980").status is Status.ACTIVE
    # a release newer than the complete one may add codes
    newer = Release(id="orphanet-product1:2025-12-09", system="ORPHA", name="product1", date="2025-12-09")
    added = Concept("ORPHA:398980", "ORPHA", gone.label, release=newer.id)
    assert make_map(_pack(), [newer, added], complete=(0,)).concept("ORPHA:398980").status is Status.ACTIVE


def test_added_terms_join_their_concept(make_map) -> None:
    rm = make_map(_pack(), [Release("alpha-id-se:2019-10-04", "ALPHAID", "Alpha-ID-SE"),
                            AddedTerm("ORPHA:166024", Term("Multiple epiphysäre Dysplasie Typ Al-Gazali", "de", TermKind.INDEX)),
                            AddedTerm("ORPHA:999999", Term("nicht geladen", "de", TermKind.INDEX))])
    assert ("Multiple epiphysäre Dysplasie Typ Al-Gazali", "de") in [(t.text, t.lang) for t in rm.concept("ORPHA:166024").synonyms]
    skipped = rm.snapshot.manifest["report"]["skipped"]
    assert [s["rows"] for s in skipped] == [1]


def test_hierarchy_navigation(make_map) -> None:
    rm = make_map(_pack())
    assert rm.parents("ORPHA:166024") == ["ORPHA:93419"]
    assert rm.parents("ORPHA:166024", hierarchy="orphanet:156") == []
    assert rm.children("ORPHA:93419") == ["ORPHA:166024"]
    assert rm.ancestors("ORPHA:166024") == {"ORPHA:93419"}
    assert rm.descendants("ORPHA:93419") == {"ORPHA:166024"}


PRODUCT3 = Release(id="orphanet-product3:2025-12-09", system="ORPHA", name="Orphadata product3", date="2025-12-09")


@pytest.mark.parametrize("newest_first", [False, True])
def test_newest_release_decides_the_parents_in_a_hierarchy(make_map, newest_first: bool) -> None:
    # the 2023 pack files 166024 under 251 in classification 156; the 2025 product3 fixture of
    # ../shared/data under 93419: the newer file decides, whatever the reading order
    pack = [PACK, OLD, Concept("ORPHA:251", "ORPHA", "Multiple epiphyseal dysplasia", kind="group", release=PACK.id),
            Concept("ORPHA:93419", "ORPHA", "Rare bone disease", kind="group", release=PACK.id),
            Edge("ORPHA:166024", "ORPHA:251", "orphanet:156", PACK.id),
            Edge("ORPHA:251", "ORPHA:93419", "orphanet:156", PACK.id)]
    product3 = [PRODUCT3, Edge("ORPHA:166024", "ORPHA:93419", "orphanet:156", PRODUCT3.id)]
    rm = make_map(*((product3, pack) if newest_first else (pack, product3)))
    assert rm.parents("ORPHA:166024", hierarchy="orphanet:156") == ["ORPHA:93419"]
    assert rm.parents("ORPHA:251", hierarchy="orphanet:156") == ["ORPHA:93419"]  # not restated: kept
    counts = rm.snapshot.manifest["report"]["counts"]
    assert counts["parent links replaced by a newer release of the same hierarchy"] == 1


def test_same_spelling_in_another_language_stays_a_term_of_that_language(make_map) -> None:
    # Alpha-ID-SE row 1|I27670|B35.0||||499|Kerion Celsi: the German term of ORPHA:499, whose
    # English label differs only in case
    alpha = Release(id="alpha-id-se:20191004", system="ALPHAID", name="Alpha-ID-SE", date="2019-10-04")
    pack = [PACK, Concept("ORPHA:499", "ORPHA", "Kerion celsi", labels={"en": "Kerion celsi"},
                          synonyms=(Term("Kerion celsi", "en"),), kind="disorder", release=PACK.id)]
    rm = make_map(pack, [alpha, AddedTerm("ORPHA:499", Term("Kerion Celsi", "de"), alpha.id)])
    assert rm.concept("ORPHA:499").synonyms == (Term("Kerion Celsi", "de"),)
    assert "ORPHA:499" in [m.code for m in rm.lookup("Kerion Celsi", lang="de")]


def test_unknown_and_invalid_codes(make_map) -> None:
    rm = make_map(_pack())
    with pytest.raises(UnknownCodeError):
        rm.concept("ORPHA:558")
    with pytest.raises(InvalidCodeError):
        rm.concept("ORPHA:five")
    assert "ORPHA:166024" in rm and "ORPHA:558" not in rm and "nonsense" not in rm


def test_failed_write_leaves_existing_snapshot_untouched(tmp_path: Path) -> None:
    compiler = Compiler()
    compiler.add(_pack())
    dest = snapshot.write(compiler.compile(), tmp_path / "snap")
    before = {p.name: p.read_bytes() for p in dest.iterdir()}

    class Boom(Exception):
        pass

    class BadTable:
        def __getattr__(self, name):
            raise Boom

    with pytest.raises(Boom):
        snapshot.write(compiler.compile(), dest, extra_tables={"broken": BadTable()})  # type: ignore[dict-item]
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no temporary left behind


def test_manifest_and_version_check(tmp_path: Path) -> None:
    compiler = Compiler()
    compiler.add(_pack())
    dest = snapshot.write(compiler.compile(), tmp_path / "snap")
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["counts"]["concepts"] == 4 and manifest["counts"]["by_system"] == {"ORPHA": 4}
    manifest["format"] = 999
    (dest / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="rebuild"):
        snapshot.read(dest)
    with pytest.raises(SnapshotError, match="not a raremap snapshot"):
        snapshot.read(tmp_path)


def test_write_never_replaces_what_is_not_a_snapshot(tmp_path: Path) -> None:
    compiler = Compiler()
    compiler.add(_pack())
    compiled = compiler.compile()
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "draft.txt").write_text("keep me")
    with pytest.raises(SnapshotError, match="refusing to replace"):
        snapshot.write(compiled, precious)
    assert (precious / "draft.txt").read_text() == "keep me"
    a_file = tmp_path / "README.md"
    a_file.write_text("keep me too")
    with pytest.raises(SnapshotError):
        snapshot.write(compiled, a_file)
    assert a_file.read_text() == "keep me too"
    # an earlier snapshot and an empty directory are replaced
    first = snapshot.write(compiled, tmp_path / "snap")
    assert snapshot.write(compiled, first) == first
    (tmp_path / "empty").mkdir()
    assert (snapshot.write(compiled, tmp_path / "empty") / "manifest.json").is_file()


_DATES = ("", "2021-07-01", "2023-06-21", "2025-12-09")
_CODES = ("ORPHA:166024", "ORPHA:251", "ORPHA:93419", "ORPHA:156")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(_CODES), st.sampled_from(_CODES),
                          st.sampled_from(("orphanet:156", "orphanet:187"))), max_size=12),
       st.randoms(use_true_random=False))
def test_parents_are_those_of_the_newest_release_in_any_reading_order(edges, rnd) -> None:
    """Whatever order the releases are read in, a code's parents in a hierarchy are the union
    of those the newest release stating any of them gives."""
    releases = [Release(id=f"r{i}:{d or 'undated'}", system="ORPHA", name=f"r{i}", date=d) for i, d in enumerate(_DATES)]
    streams = [[r, *(Edge(c, p, h, r.id) for i, c, p, h in edges if i == n)] for n, r in enumerate(releases)]
    rnd.shuffle(streams)
    compiler = Compiler()
    for stream in streams:
        compiler.add(stream)
    got: dict[tuple[str, str], set[str]] = {}
    for e in compiler.compile().edges:
        got.setdefault((e.child, e.hierarchy), set()).add(e.parent)
    newest: dict[tuple[str, str], int] = {}
    for i, c, _p, h in edges:
        newest[(c, h)] = max(newest.get((c, h), -1), i)
    expected = {key: {p for i, c, p, h in edges if (c, h) == key and i == n} for key, n in newest.items()}
    assert got == expected
