"""raremap.load() end to end: bundled sample, real releases, snapshots, cache, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raremap
from raremap import cli
from raremap.errors import ReleaseFormatError, UnknownCodeError
from raremap.model import Status


def test_default_is_the_bundled_sample(sample_map) -> None:
    assert sample_map.releases and all(r.bundled_sample for r in sample_map.releases)
    assert sample_map.concept("ORPHA:558").label == "Marfan syndrome"
    for spelling in ("Orphanet_558", "orpha 558", "http://www.orpha.net/ORDO/Orphanet_558"):
        assert sample_map.concept(spelling).code == "ORPHA:558"


def test_code_systems_name_the_releases_of_each_systems_concepts(sample_map) -> None:
    found = sample_map.code_systems()
    assert found["ORPHA"] == {"orphanet-nomenclature:2023-06-21": 100}
    assert sum(n for per in found.values() for n in per.values()) == len(sample_map)
    assert set(found) == set(sample_map.snapshot.manifest["counts"]["by_system"])
    assert all(rid in {r.id for r in sample_map.releases} for per in found.values() for rid in per)


def test_snapshot_reuse_and_explicit_snapshot(tmp_path: Path) -> None:
    first = raremap.load(cache=tmp_path)
    again = raremap.load(cache=tmp_path)
    assert again.snapshot.path == first.snapshot.path
    assert [p.name for p in tmp_path.iterdir()] == [first.snapshot.path.name]  # built once
    direct = raremap.load(snapshot=first.snapshot.path)
    assert direct.concept("ORPHA:558") == first.concept("ORPHA:558")


def test_snapshot_of_other_builder_code_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from raremap import loader

    first = raremap.load(cache=tmp_path)
    # a reader changed (an editable install keeps its version number): the cached snapshot
    # was built by other code and must not answer
    monkeypatch.setattr(loader, "_builder_digest", lambda: "another reader")
    rebuilt = raremap.load(cache=tmp_path)
    assert rebuilt.snapshot.path != first.snapshot.path
    assert len(list(tmp_path.iterdir())) == 2


def test_cli_show(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path))
    assert cli.main(["show", "ORPHA:558"]) == 0
    assert "Marfan syndrome" in capsys.readouterr().out
    assert cli.main(["show", "orpha 558", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["concept"]["code"] == "ORPHA:558" and data["concept"]["status"] == "active"
    assert cli.main(["show", "ORPHA:1"]) == 2
    assert "unknown code ORPHA:1" in capsys.readouterr().err
    assert cli.main(["releases", "--json"]) == 0
    assert all(r["bundled_sample"] for r in json.loads(capsys.readouterr().out)["releases"])


def test_broken_release_leaves_existing_snapshot_untouched(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    shutil.copytree(raremap.loader.sample_dir() / "orphanet", releases / "orphanet")
    dest = tmp_path / "snapshot"
    raremap.build(releases, dest)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    nomenclature = next(releases.rglob("ORPHAnomenclature_*.xml"))
    data = nomenclature.read_bytes()
    nomenclature.write_bytes(data[: len(data) // 2])  # truncated download
    with pytest.raises(ReleaseFormatError) as err:
        raremap.build(releases, dest)
    assert err.value.file.endswith(nomenclature.name) and err.value.position
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["releases", "snapshot"]


# --- the real releases in ../shared/data -----------------------------------------------------

def test_shared_counts(shared_map) -> None:
    counts = shared_map.snapshot.manifest["counts"]["by_system"]
    assert counts["ICD10SE"] == 35_684 + 264 + 22
    orpha_2023 = [c for c in shared_map.concepts("ORPHA") if c.release == "orphanet-nomenclature:2023-06-21"]
    assert len(orpha_2023) >= 10_830  # a few codes are restated by the newer product1 fixture
    active = [c for c in shared_map.concepts("ORPHA", active_only=True)]
    assert len(active) >= 9_479


def test_every_active_orpha_disorder_reaches_a_classification_root(shared_map) -> None:
    heads = {c.code for c in shared_map.concepts("ORPHA") if "orphanet_classification" in c.attributes}
    missing = []
    for c in shared_map.concepts("ORPHA", active_only=True):
        if c.kind == "disorder" and c.code not in heads and not (shared_map.ancestors(c.code) & heads):
            missing.append(c.code)
    assert missing == []


def test_shared_icd10se_show(shared_map, capsys: pytest.CaptureFixture[str]) -> None:
    for spelling, system in (("ICD10SE:Q87.4", None), ("Q874", "ICD10SE"), ("q87.4", "ICD10SE")):
        c = shared_map.concept(spelling, system)
        assert (c.code, c.labels["sv"], c.parents) == ("ICD10SE:Q87.4", "Marfans syndrom", ("ICD10SE:Q87",))
    fdk = shared_map.concept("ICD10SE:E10.0A")
    assert fdk.parents == ("ICD10SE:E10.0",) and fdk.attributes["national_extension"] == "true"


def test_obsolete_orpha_code_answers_with_replacement(shared_map) -> None:
    c = shared_map.concept("ORPHA:166068")
    assert c.status is Status.DEPRECATED and [r.target for r in c.replaced_by] == ["ORPHA:166063"]
    with pytest.raises(UnknownCodeError):
        shared_map.concept("ORPHA:9999999")


_NOMENCLATURE = (raremap.loader.sample_dir() / "orphanet" / "ORPHAnomenclature_en_2023.xml").read_bytes()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, len(_NOMENCLATURE) - 1), st.one_of(st.none(), st.binary(min_size=1, max_size=4)))
def test_malformed_release_never_touches_the_snapshot(cut: int, insert: bytes | None) -> None:
    """Truncated or corrupted nomenclature: a typed error (or a build that is whole), never a
    damaged snapshot."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        releases = tmp / "releases"
        releases.mkdir()
        target = releases / "ORPHAnomenclature_en_2023.xml"
        target.write_bytes(_NOMENCLATURE)
        dest = raremap.build(releases, tmp / "snapshot")
        before = {p.name: p.read_bytes() for p in dest.iterdir()}
        broken = _NOMENCLATURE[:cut] if insert is None else _NOMENCLATURE[:cut] + insert + _NOMENCLATURE[cut:]
        target.write_bytes(broken)
        try:
            raremap.build(releases, dest)
        except ReleaseFormatError as err:
            assert err.file.endswith(target.name) and err.position
            assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
        else:
            assert raremap.snapshot.read(dest).manifest["counts"]["concepts"] >= 0  # a whole, readable snapshot
        assert sorted(p.name for p in tmp.iterdir()) == ["releases", "snapshot"]


def test_one_loaded_map_answers_many_threads_alike(tmp_path: Path) -> None:
    """A clinical tool serves requests from threads: the lazily built caches and indexes of a
    freshly loaded map give the answers a single thread gives."""
    from concurrent.futures import ThreadPoolExecutor

    sequential = raremap.load(cache=tmp_path)
    codes = [c.code for c in sequential.concepts()]
    queries = ["marfans syndrom", "Marfan", "cystisk fibros", "MFS", "chondrodysplasia punctata"]

    def answers(rm, code: str) -> tuple:
        umi = rm.umi(code) if code.startswith(("ORPHA:", "ICD10SE:")) else None
        return (tuple((m.target, m.relation, m.basis) for m in rm.crosswalk(code)),
                (umi.needs_attention, umi.recommended) if umi else None)

    expected = [answers(sequential, c) for c in codes]
    expected_lookup = [[m.code for m in sequential.lookup(q)] for q in queries]
    fresh = raremap.load(snapshot=sequential.snapshot.path)
    with ThreadPoolExecutor(8) as pool:
        looked_up = list(pool.map(lambda q: [m.code for m in fresh.lookup(q)], queries * 8))
        got = list(pool.map(lambda c: answers(fresh, c), codes))
    assert got == expected
    assert looked_up == expected_lookup * 8


def test_bad_arguments_are_usage_errors(sample_map) -> None:
    from raremap.errors import UsageError

    with pytest.raises(UsageError, match="limit"):
        sample_map.lookup("marfan", limit=-1)
    with pytest.raises(UsageError, match="limit"):
        sample_map.complete("marf", limit=-2)
    assert sample_map.lookup("marfan", limit=0) == []
    with pytest.raises(UsageError, match="direction"):
        sample_map.mappings("ORPHA:558", direction="sideways")
