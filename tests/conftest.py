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
