"""Where raremap keeps what it derives from release files: snapshots and batch answers."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path:
    """Where snapshots built from release directories are kept (``$RAREMAP_CACHE`` overrides)."""
    if os.environ.get("RAREMAP_CACHE"):
        return Path(os.environ["RAREMAP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "raremap"
