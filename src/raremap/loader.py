"""``raremap.load()``: find release files, build a snapshot once (cached by checksum), load it."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from . import snapshot as snap
from .errors import RaremapError, SnapshotError
from .indexes import LAYOUT_VERSION, build_indexes
from .snapshot.compile import compile_inputs
from .services.rare_map import RareMap
from .sources import discover
from .sources.base import BuildReport, sha256_file

__all__ = ["build", "cache_dir", "load", "sample_dir"]


def sample_dir() -> Path:
    """The bundled sample releases (the embedded default)."""
    # the repository's data/ folder, installed as package raremap.sample (no module source in
    # src/raremap, hence imported by name)
    sample = importlib.import_module("raremap.sample")
    return Path(next(iter(sample.__path__)))


def cache_dir() -> Path:
    """Where snapshots built from release directories are kept (``$RAREMAP_CACHE`` overrides)."""
    if os.environ.get("RAREMAP_CACHE"):
        return Path(os.environ["RAREMAP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "raremap"


def load(releases: str | os.PathLike[str] | None = None, snapshot: str | os.PathLike[str] | None = None, *,
         cache: str | os.PathLike[str] | None = None, rebuild: bool = False,
         progress: Callable[[str], None] | None = None) -> RareMap:
    """Load terminology.

    ``load()`` uses the bundled sample; ``load(releases=DIR)`` builds a snapshot from the
    release files it recognises under DIR (once; later calls reuse the snapshot cached under a
    key made of the input checksums); ``load(snapshot=PATH)`` opens a compiled snapshot.
    """
    if releases is not None and snapshot is not None:
        raise RaremapError("give releases= or snapshot=, not both")
    if snapshot is not None:
        return RareMap(snap.read(Path(snapshot)))
    root = Path(releases) if releases is not None else sample_dir()
    bundled = releases is None
    report = BuildReport()
    inputs = discover(root, report=report)
    if not inputs:
        raise RaremapError(f"{root}: no release files recognised")
    key = _key(root, inputs)
    dest = Path(cache) if cache is not None else cache_dir()
    target = dest / key
    if not rebuild and (target / snap.MANIFEST).exists():
        try:
            return RareMap(snap.read(target))
        except SnapshotError:
            pass  # stale or damaged cache entry: rebuild below
    build(root, target, inputs=inputs, key=key, bundled_sample=bundled, progress=progress, report=report)
    return RareMap(snap.read(target))


def build(releases: str | os.PathLike[str], dest: str | os.PathLike[str], *, inputs=None, key: str = "",
          bundled_sample: bool = False, progress: Callable[[str], None] | None = None,
          report: BuildReport | None = None) -> Path:
    """Compile the releases under ``releases`` into a snapshot directory ``dest`` (atomic)."""
    root = Path(releases)
    report = report if report is not None else BuildReport()
    inputs = inputs if inputs is not None else discover(root, report=report)
    if not inputs:
        raise RaremapError(f"{root}: no release files recognised")
    compiled = compile_inputs(inputs, root, bundled_sample=bundled_sample, progress=progress, report=report)
    if progress:
        progress(f"merged: {len(compiled.concepts):,} concepts, {len(compiled.mappings):,} mappings; building the search index")
    extra = build_indexes(compiled)
    if progress:
        progress(f"writing the snapshot to {dest}")
    return snap.write(compiled, Path(dest), key=key or _key(root, inputs), extra_tables=extra,
                      bundled_sample=bundled_sample)


@functools.lru_cache(maxsize=1)
def _builder_digest() -> str:
    """Checksum of the code that turns release files into a snapshot (readers, compiler, index,
    codes, model): a snapshot cached by another version of that code is never reused, even
    within one version number (an editable install)."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    files = [package / "codes.py", package / "model.py"]
    for folder in ("sources", "snapshot", "indexes"):
        files += sorted((package / folder).glob("*.py"))
    for f in files:
        digest.update(f"{f.relative_to(package).as_posix()}\0".encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def _key(root: Path, inputs) -> str:
    from . import __version__

    digest = hashlib.sha256()
    digest.update(json.dumps([snap.FORMAT_VERSION, LAYOUT_VERSION, __version__, _builder_digest()]).encode())
    for reader, files in inputs:
        for f in files:
            digest.update(f"{reader.name}\0{f.relative_to(root).as_posix()}\0{sha256_file(f)}\n".encode())
    return digest.hexdigest()[:24]
