"""Shared fixtures: the real release data in ../shared/data, skipped cleanly when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("RAREMAP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; the test is skipped when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real release data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def make_map(tmp_path: Path):
    """Build a RareMap from in-memory record streams (one list per release, Release first)."""
    from raremap import snapshot
    from raremap.snapshot.compile import Compiler
    from raremap.indexes import build_indexes
    from raremap.services.rare_map import RareMap

    made = []

    def make(*streams, partial: tuple[int, ...] = (), complete: tuple[int, ...] = ()) -> RareMap:
        made.append(1)
        compiler = Compiler()
        for i, records in enumerate(streams):
            compiler.add(records, partial=i in partial, complete=i in complete, reader=f"test{i}")
        compiled = compiler.compile()
        path = snapshot.write(compiled, tmp_path / f"snapshot{len(made)}", extra_tables=build_indexes(compiled))
        return RareMap(snapshot.read(path))

    return make


@pytest.fixture(scope="session")
def shared_map(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """Everything in ../shared/data, built once per test session (skipped when absent)."""
    import raremap

    return raremap.load(releases=shared_data, cache=tmp_path_factory.mktemp("raremap-cache"))


@pytest.fixture(scope="session")
def sample_map(tmp_path_factory: pytest.TempPathFactory):
    """The bundled sample releases (the embedded default), built once per test session."""
    import raremap

    return raremap.load(cache=tmp_path_factory.mktemp("raremap-sample-cache"))
