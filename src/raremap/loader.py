"""``raremap.load()``: find release files, build a snapshot once (cached by checksum), load it."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import snapshot as snap
from .cache import cache_dir
from .errors import NoReleasesError, SnapshotError, UsageError
from .services.rare_map import RareMap

if TYPE_CHECKING:
    from .release_input import BuildReport, ReleaseReader

# The readers, the compiler and the index builders are imported when a snapshot is built, not
# when a cached one is loaded (start-up: openpyxl, defusedxml, rapidfuzz and pyarrow.compute).

Inputs = list[tuple["ReleaseReader", tuple[Path, ...]]]

__all__ = ["build", "cache_dir", "load", "sample_dir"]


def sample_dir() -> Path:
    """The bundled sample releases (the embedded default)."""
    # the repository's data/ folder, installed as package raremap.sample (no module source in
    # src/raremap, hence imported by name)
    sample = importlib.import_module("raremap.sample")
    return Path(next(iter(sample.__path__)))


def load(releases: str | os.PathLike[str] | None = None, snapshot: str | os.PathLike[str] | None = None, *,
         cache: str | os.PathLike[str] | None = None, rebuild: bool = False,
         progress: Callable[[str], None] | None = None, lexical: bool = True, verify: bool = False) -> RareMap:
    """Load terminology.

    ``load()`` uses the bundled sample; ``load(releases=DIR)`` builds a snapshot from the
    release files it recognises under DIR (once; later calls reuse the snapshot cached under a
    key made of the input checksums); ``load(snapshot=PATH)`` opens a compiled snapshot.
    ``lexical=False`` builds without the lexical bridges between ICD-10-SE titles and ORPHA
    names (:mod:`raremap.indexes.lexical_bridges`; a separate cache entry).

    Opening checks the manifest's checksum and every table file's size, schema and row count;
    ``verify=True`` also recomputes every table file's SHA-256 (reads all of it). A damaged
    snapshot raises SnapshotError; a damaged cached one is rebuilt.
    """
    if releases is not None and snapshot is not None:
        raise UsageError("give releases= or snapshot=, not both")
    if snapshot is not None:
        return RareMap(snap.read(_snapshot_dir(Path(snapshot)), verify_checksums=verify))
    root = Path(releases) if releases is not None else sample_dir()
    bundled = releases is None
    dest = Path(cache) if cache is not None else cache_dir()
    listing = _listing(root, lexical) if root.is_dir() else None
    if not rebuild and listing is not None:
        known = _known_key(dest, listing)
        if known is not None and (dest / known / snap.MANIFEST).exists():
            try:
                return RareMap(snap.read(dest / known, verify_checksums=verify))
            except SnapshotError:
                pass  # stale or damaged cache entry: found again (and rebuilt) below
    from .release_input import BuildReport

    report = BuildReport()
    inputs = _discover(root, report)
    key = _key(root, inputs, lexical=lexical)
    target = dest / key
    if not rebuild and (target / snap.MANIFEST).exists():
        try:
            rm = RareMap(snap.read(target, verify_checksums=verify))
        except SnapshotError as err:
            if progress:
                progress(f"cached snapshot failed its check, rebuilding: {err}")
            # stale or damaged cache entry: rebuilt below, never answered from
        else:
            _remember_key(dest, listing, key)
            return rm
    _build(root, target, inputs=inputs, key=key, bundled_sample=bundled, progress=progress, report=report,
           lexical=lexical)
    rm = RareMap(snap.read(target))
    _remember_key(dest, listing, key)
    return rm


def build(releases: str | os.PathLike[str], dest: str | os.PathLike[str], *, inputs: Inputs | None = None,
          key: str = "", bundled_sample: bool = False, progress: Callable[[str], None] | None = None,
          report: BuildReport | None = None, lexical: bool = True) -> Path:
    """Compile the releases under ``releases`` into a snapshot directory ``dest`` (atomic);
    ``lexical=False`` leaves out the lexical bridges.

    ``dest`` may be new, an empty directory or an earlier snapshot (replaced); anything else
    raises :class:`UsageError` rather than being replaced.
    """
    from .release_input import BuildReport

    root = Path(releases)
    report = report if report is not None else BuildReport()
    inputs = inputs if inputs is not None else _discover(root, report)
    _check_dest(Path(dest))
    return _build(root, Path(dest), inputs=inputs, key=key, bundled_sample=bundled_sample, progress=progress,
                  report=report, lexical=lexical)


def _build(root: Path, dest: Path, *, inputs: Inputs, key: str, bundled_sample: bool,
           progress: Callable[[str], None] | None, report: BuildReport, lexical: bool = True) -> Path:
    from .indexes import build_indexes
    from .snapshot.compile import compile_inputs

    compiled = compile_inputs(inputs, root, bundled_sample=bundled_sample, progress=progress, report=report)
    if progress:
        progress(f"merged: {len(compiled.concepts):,} concepts, {len(compiled.mappings):,} mappings; building the search index")
    extra = build_indexes(compiled, lexical=lexical)
    if progress:
        progress(f"writing the snapshot to {dest}")
    return snap.write(compiled, Path(dest), key=key or _key(root, inputs, lexical=lexical), extra_tables=extra,
                      bundled_sample=bundled_sample, options={"lexical": lexical})


def _discover(root: Path, report: BuildReport) -> Inputs:
    """The release inputs under ``root``; a missing or empty releases directory is an error."""
    if not root.exists():
        raise NoReleasesError(root, "no such releases directory")
    if not root.is_dir():
        raise NoReleasesError(root, "not a directory (give the folder that holds the release files)")
    from .sources import discover

    inputs = discover(root, report=report)
    if not inputs:
        raise NoReleasesError(root, "no release files recognised (Orphadata XML, ORDO OWL, ICD-10-SE, "
                                    "ICD-11 MMS, SNOMED CT RF2 or Alpha-ID-SE files; see README 'Releases')")
    return inputs


def _snapshot_dir(path: Path) -> Path:
    """``path`` if it can be a snapshot directory (snapshot.read checks the rest)."""
    if not path.exists():
        raise SnapshotError(f"{path}: no such snapshot directory")
    if not path.is_dir():
        raise SnapshotError(f"{path}: a file, not a snapshot directory (one holding {snap.MANIFEST} and .arrow tables)")
    return path


def _check_dest(dest: Path) -> None:
    """Refuse to build over anything but an earlier snapshot or an empty directory: the
    snapshot replaces ``dest`` as a whole."""
    if not dest.exists() or (dest / snap.MANIFEST).is_file():
        return
    if dest.is_dir() and not any(dest.iterdir()):
        return
    what = "a file" if not dest.is_dir() else "a directory that is not a raremap snapshot"
    raise UsageError(f"{dest}: {what}; a snapshot would replace it (choose a new path or an earlier snapshot)")


@functools.lru_cache(maxsize=1)
def _builder_digest() -> str:
    """Checksum of the code that turns release files into a snapshot (readers, compiler, index,
    codes, model): a snapshot cached by another version of that code is never reused, even
    within one version number (an editable install)."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    files = [package / "codes.py", package / "model.py", package / "release_input.py"]
    for folder in ("sources", "snapshot", "indexes"):
        files += sorted((package / folder).rglob("*.py"))  # the readers are grouped in subpackages
    for f in files:
        digest.update(f"{f.relative_to(package).as_posix()}\0".encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def _key(root: Path, inputs: Inputs, *, lexical: bool = True) -> str:
    from .version import __version__
    from .indexes import LAYOUT_VERSION
    from .release_input import sha256_file

    digest = hashlib.sha256()
    digest.update(json.dumps([snap.FORMAT_VERSION, LAYOUT_VERSION, __version__, _builder_digest()]).encode())
    if not lexical:  # the build options are part of the key (the default adds nothing)
        digest.update(b"lexical=False\n")
    for reader, files in inputs:
        for f in files:
            digest.update(f"{reader.name}\0{f.relative_to(root).as_posix()}\0{sha256_file(f)}\n".encode())
    return digest.hexdigest()[:24]


def _listing(root: Path, lexical: bool) -> str:
    """A fingerprint of everything that decides a releases directory's snapshot key: the path,
    name, size and modification time of every file under it (as :func:`discover` walks it), the
    build options and the code that builds snapshots."""
    from .version import __version__

    digest = hashlib.sha256()
    digest.update(json.dumps([str(root.resolve()), snap.FORMAT_VERSION, __version__, _builder_digest(), lexical]).encode())
    for folder, dirs, names in sorted(os.walk(root, followlinks=True)):
        dirs.sort()
        rel = Path(folder).relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        for name in sorted(names):
            if name.startswith("."):
                continue
            try:
                st = os.stat(Path(folder) / name)
            except OSError:
                continue
            digest.update(f"{(rel / name).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def _known_key(dest: Path, listing: str) -> str | None:
    """The key of the cached snapshot built earlier from a directory with this fingerprint (its
    marker file says so): a cached load then neither imports the readers nor checksums the
    release files again."""
    marker = f".listed-{listing}"
    try:
        for entry in os.scandir(dest):
            if entry.is_dir() and os.path.exists(os.path.join(entry.path, marker)):
                return entry.name
    except OSError:
        return None
    return None


def _remember_key(dest: Path, listing: str | None, key: str) -> None:
    if listing is None:
        return
    try:
        (dest / key / f".listed-{listing}").touch()
    except OSError:
        pass  # a read-only cache: the key is computed again next time
