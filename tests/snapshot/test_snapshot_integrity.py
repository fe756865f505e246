"""Corrupted snapshots: byte flips, truncation, swapped files and an edited manifest are a
SnapshotError naming the file, for every table file — never a wrong answer or a raw exception;
a damaged cached snapshot is rebuilt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import raremap
from raremap import snapshot
from raremap.cli import main
from raremap.errors import SnapshotError
from raremap.loader import build, sample_dir


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the bundled sample (built once; each test damages a copy)."""
    return build(sample_dir(), tmp_path_factory.mktemp("snap") / "sample")


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """A copy of the built snapshot to damage."""
    dest = tmp_path / "copy"
    shutil.copytree(built, dest)
    return dest


def _tables(path: Path) -> list[str]:
    return [f"{name}.arrow" for name in json.loads((path / "manifest.json").read_text())["tables"]]


def test_manifest_records_every_table_file(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    on_disk = sorted(p.name for p in built.glob("*.arrow"))
    assert sorted(manifest["files"]) == on_disk == sorted(_tables(built))
    for name, stated in manifest["files"].items():
        assert stated["size"] == (built / name).stat().st_size
        assert len(stated["sha256"]) == 64 and len(stated["schema"]) == 16
    assert snapshot.verify(built) == {name: manifest["files"][name]["size"] for name in _tables(built)}


def _flip(path: Path, at_fraction: float = 0.5, n: int = 64) -> None:
    data = bytearray(path.read_bytes())
    start = min(int(len(data) * at_fraction), max(0, len(data) - n))
    for i in range(start, min(len(data), start + n)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _each_table(built: Path, tmp_path: Path):
    """(fresh copy of the snapshot, table file name) for every table file the manifest lists."""
    for name in _tables(built):
        copy = tmp_path / f"copy-{name}"
        shutil.copytree(built, copy)
        yield copy, name
        shutil.rmtree(copy)


@pytest.mark.parametrize("where", [0.0, 0.5, 0.97])
def test_byte_flips_in_every_table_file_fail_verification(built: Path, tmp_path: Path, where: float) -> None:
    assert len(_tables(built)) >= 8
    for copy, name in _each_table(built, tmp_path):
        _flip(copy / name, where)
        with pytest.raises(SnapshotError, match=f"{name}: SHA-256 .* damaged or replaced"):
            snapshot.verify(copy)
        with pytest.raises(SnapshotError, match=name):
            raremap.load(snapshot=copy, verify=True)
        assert main(["verify", "--snapshot", str(copy)]) == 2


def test_truncated_table_files_fail_at_open(built: Path, tmp_path: Path) -> None:
    for copy, name in _each_table(built, tmp_path):
        file = copy / name
        file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
        with pytest.raises(SnapshotError, match=f"{name}: .* bytes, the manifest says"):
            snapshot.read(copy)


def test_missing_table_files_fail_at_open(built: Path, tmp_path: Path) -> None:
    for copy, name in _each_table(built, tmp_path):
        (copy / name).unlink()
        with pytest.raises(SnapshotError, match=f"{name}: table file missing"):
            snapshot.read(copy)


def test_every_pair_of_swapped_table_files_fails_at_open(built: Path, tmp_path: Path) -> None:
    names = _tables(built)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            copy = tmp_path / f"{a}-{b}"
            shutil.copytree(built, copy)
            (copy / a).rename(copy / "tmp")
            (copy / b).rename(copy / a)
            (copy / "tmp").rename(copy / b)
            with pytest.raises(SnapshotError, match=rf"({a}|{b}): "):
                snapshot.read(copy)
            shutil.rmtree(copy)


@pytest.mark.parametrize("edit", ["counts", "size", "sha256", "schema", "tables", "list", "garbage", "files"])
def test_edited_manifest_is_refused(copy: Path, edit: str) -> None:
    path = copy / "manifest.json"
    manifest = json.loads(path.read_text())
    first = _tables(copy)[0]
    if edit == "counts":
        manifest["counts"]["concepts"] += 1
    elif edit == "size":
        manifest["files"][first]["size"] += 1
    elif edit == "sha256":
        manifest["files"][first]["sha256"] = "0" * 64
    elif edit == "schema":
        manifest["files"][first]["schema"] = "0" * 16
    elif edit == "tables":
        manifest["tables"] = manifest["tables"][1:]
    elif edit == "files":
        del manifest["files"][first]
    if edit == "list":
        path.write_text("[]")
    elif edit == "garbage":
        path.write_bytes(path.read_bytes()[:100])
    else:
        path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="manifest"):
        snapshot.read(copy)


def test_edited_manifest_with_a_fresh_self_checksum_is_still_caught(copy: Path) -> None:
    """Someone who recomputes the manifest checksum still cannot change what a table holds."""
    from raremap.snapshot.store import SELF_CHECKSUM, _manifest_digest

    path = copy / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["counts"]["labels"] += 3
    manifest[SELF_CHECKSUM] = _manifest_digest(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="labels.arrow: .* rows, the manifest says"):
        snapshot.read(copy)


def test_damaged_cached_snapshot_is_rebuilt_not_answered_from(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rm = raremap.load(cache=cache)
    label = rm.concept("ORPHA:558").label
    target = rm.snapshot.path
    concepts = target / "concepts.arrow"
    concepts.write_bytes(concepts.read_bytes()[:-100])  # truncated: caught at open
    again = raremap.load(cache=cache)
    assert again.concept("ORPHA:558").label == label
    assert snapshot.verify(again.snapshot.path)
    _flip(target / "labels.arrow")  # same size: only the checksums see it
    third = raremap.load(cache=cache, verify=True)
    assert third.concept("ORPHA:558").label == label
    assert snapshot.verify(third.snapshot.path)


def test_verify_command_reports_every_file(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--snapshot", str(built)]) == 0
    out = capsys.readouterr().out
    for name in _tables(built):
        assert f"ok  {name}" in out
    assert "every SHA-256 matches" in out


def test_verify_command_rebuilds_a_damaged_cached_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path / "cache"))
    assert main(["verify"]) == 0
    cached = raremap.load().snapshot.path
    _flip(cached / "labels.arrow")  # same size: opening does not see it, verify does
    capsys.readouterr()
    assert main(["verify"]) == 0
    captured = capsys.readouterr()
    assert "failed its check, rebuilding" in captured.err and "labels.arrow" in captured.err
    assert "every SHA-256 matches" in captured.out
    assert snapshot.verify(cached)


CORE = ("concepts", "labels", "terms", "attributes", "replacements", "edges", "mappings")


@pytest.mark.parametrize("where", [0.2, 0.5, 0.8])
def test_unverified_byte_flips_in_core_tables_never_raise_raw(built: Path, tmp_path: Path, where: float) -> None:
    """Opened without checksums, a flipped table either still answers or raises SnapshotError when
    the damage is met — never UnicodeDecodeError, IndexError, SystemError ... (a flip that keeps
    the bytes valid can still change an answer: only raremap verify / load(verify=True) sees it)."""
    from raremap.services.rare_map import RareMap

    for name in CORE:
        copy = tmp_path / f"{name}-{where}"
        shutil.copytree(built, copy)
        _flip(copy / f"{name}.arrow", where)
        try:
            rm = RareMap(snapshot.read(copy))
            for code in rm.snapshot.table("concepts").column("code").to_pylist()[:300]:
                rm.concept(code), rm.mappings(code), rm.parents(code)
        except SnapshotError:
            pass
        shutil.rmtree(copy)
