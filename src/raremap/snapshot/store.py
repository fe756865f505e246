"""Snapshots: compiled releases as Arrow IPC tables plus a JSON manifest, memory-mapped on load.

A snapshot is a directory::

    manifest.json     format version, inputs with checksums, releases, counts, build report
    concepts.arrow    one row per code; *_start/*_stop columns index the child tables
    labels.arrow      preferred label per language          (rows grouped by concept)
    terms.arrow       synonyms, abbreviations, index terms   (rows grouped by concept)
    attributes.arrow  key/value facts                        (rows grouped by concept)
    replacements.arrow where an inactive code points         (rows grouped by concept)
    edges.arrow       hierarchy edges, sorted by child
    mappings.arrow    mappings as the releases state them, sorted by source
    mapping_targets.arrow, icd10_keys.arrow, icd10se_subdivisions.arrow
                      per-code indexes (:mod:`raremap.snapshot.code_index`)
    <extra>.arrow     tables added by indexes (e.g. the search index)

The manifest records, for every table file, its size, a fingerprint of its Arrow schema and its
SHA-256, and carries a SHA-256 of itself. :func:`read` checks the manifest's own checksum, every
file's size and schema and every table's row count (cheap: no table data is read);
:func:`verify` also recomputes the SHA-256 of every file. Any mismatch is a SnapshotError
naming the file.

It is written into a temporary directory and renamed into place, so a reader never sees a
half-written snapshot and a failed build leaves the previous one untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping as MappingType
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.ipc as ipc

from ..debris import clean_stale, temporary_name
from ..errors import SnapshotError
from ..model import Release, SourceFile
from ..release_input import sha256_file
from .code_index import code_index_tables

if TYPE_CHECKING:
    from .compile import Compiled

FORMAT_VERSION = 2  # 2: the manifest records size, schema and SHA-256 of every table file
MANIFEST = "manifest.json"
SELF_CHECKSUM = "manifest_sha256"
_CHILDREN = ("labels", "terms", "attributes", "replacements", "parents")


def write(compiled: Compiled, dest: Path, *, key: str = "", extra_tables: MappingType[str, pa.Table] | None = None,
          bundled_sample: bool = False, options: MappingType[str, Any] | None = None) -> Path:
    """Write ``compiled`` as a snapshot directory at ``dest`` (atomically replacing it). Only an
    earlier snapshot or an empty directory is replaced: anything else raises SnapshotError.
    ``options`` (the build options, e.g. ``{"lexical": False}``) are recorded in the manifest."""
    dest = Path(dest)
    if dest.exists() and not (dest / MANIFEST).is_file() and not (dest.is_dir() and not any(dest.iterdir())):
        raise SnapshotError(f"{dest}: not a raremap snapshot or an empty directory; refusing to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(dest.parent)  # temporary folders of killed earlier builds (never a live build's)
    tmp = Path(tempfile.mkdtemp(prefix=temporary_name(dest.name, "building"), dir=dest.parent))
    try:
        tables = _tables(compiled)
        tables.update(extra_tables or {})
        files = {}
        for name, table in tables.items():
            file = tmp / f"{name}.arrow"
            _write_table(file, table)
            files[file.name] = {"size": file.stat().st_size, "schema": schema_fingerprint(table.schema),
                                "sha256": sha256_file(file)}
        manifest = {
            "format": FORMAT_VERSION,
            "key": key,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "bundled_sample": bundled_sample,
            "options": dict(options or {}),
            "inputs": compiled.inputs,
            "releases": [_release_dict(r) for r in compiled.releases],
            "counts": {name: t.num_rows for name, t in tables.items()} | {"by_system": _by_system(compiled)},
            "report": compiled.report.as_dict(),
            "tables": sorted(tables),
            "files": dict(sorted(files.items())),
        }
        manifest[SELF_CHECKSUM] = _manifest_digest(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _replace_dir(tmp: Path, dest: Path) -> None:
    if not dest.exists():
        os.replace(tmp, dest)
        return
    old = dest.with_name(f"{temporary_name(dest.name, 'old')}-{time.monotonic_ns()}")
    os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


def schema_fingerprint(schema: pa.Schema) -> str:
    """A short digest of an Arrow schema (field names, types, nullability, metadata)."""
    return hashlib.sha256(schema.serialize().to_pybytes()).hexdigest()[:16]


def _manifest_digest(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != SELF_CHECKSUM}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _write_table(path: Path, table: pa.Table) -> None:
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _by_system(compiled: Compiled) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in compiled.concepts:
        counts[c.system] = counts.get(c.system, 0) + 1
    return dict(sorted(counts.items()))


def _release_dict(release: Release) -> dict[str, Any]:
    data = asdict(release)
    data["files"] = [asdict(f) for f in release.files]
    return data


def _tables(compiled: Compiled) -> dict[str, pa.Table]:
    index = {c.code: i for i, c in enumerate(compiled.concepts)}
    child: dict[str, dict[str, list[Any]]] = {
        "labels": {"lang": [], "text": []},
        "terms": {"text": [], "lang": [], "kind": []},
        "attributes": {"key": [], "value": []},
        "replacements": {"target": [], "relation": []},
    }
    bounds: dict[str, list[int]] = {f"{n}_{e}": [] for n in _CHILDREN for e in ("start", "stop")}
    edges_by_child: dict[int, list[int]] = {}
    for j, e in enumerate(compiled.edges):
        i = index.get(e.child)
        if i is not None:
            edges_by_child.setdefault(i, []).append(j)
    cols: dict[str, list[Any]] = {k: [] for k in ("code", "system", "label", "status", "kind", "definition", "release")}
    for i, c in enumerate(compiled.concepts):
        for k in cols:
            cols[k].append(str(getattr(c, k)) if k == "status" else getattr(c, k))
        rows: dict[str, list[tuple[str, ...]]] = {
            "labels": [(lang, text) for lang, text in sorted(c.labels.items())],
            "terms": [(t.text, t.lang, str(t.kind)) for t in c.synonyms],
            "attributes": sorted(c.attributes.items()),
            "replacements": [(r.target, r.relation) for r in c.replaced_by],
        }
        for name, values in rows.items():
            table = child[name]
            bounds[f"{name}_start"].append(len(next(iter(table.values()))))
            for row in values:
                for col, v in zip(table, row):
                    table[col].append(v)
            bounds[f"{name}_stop"].append(len(next(iter(table.values()))))
    # parents: edge rows are sorted by child, so each concept's edges are contiguous
    for i in range(len(compiled.concepts)):
        rows_i = edges_by_child.get(i, [])
        bounds["parents_start"].append(rows_i[0] if rows_i else 0)
        bounds["parents_stop"].append(rows_i[-1] + 1 if rows_i else 0)
    concepts = pa.table({
        "code": pa.array(cols["code"], pa.string()),
        "system": pa.array(cols["system"], pa.string()).dictionary_encode(),
        "label": pa.array(cols["label"], pa.string()),
        "status": pa.array(cols["status"], pa.string()).dictionary_encode(),
        "kind": pa.array(cols["kind"], pa.string()).dictionary_encode(),
        "definition": pa.array(cols["definition"], pa.string()),
        "release": pa.array(cols["release"], pa.string()).dictionary_encode(),
        **{k: pa.array(v, pa.int32()) for k, v in bounds.items()},
    })
    edges = compiled.edges
    mappings = compiled.mappings
    return {
        "concepts": concepts,
        "labels": pa.table({k: pa.array(v, pa.string()) for k, v in child["labels"].items()}),
        "terms": pa.table({k: pa.array(v, pa.string()) for k, v in child["terms"].items()}),
        "attributes": pa.table({k: pa.array(v, pa.string()) for k, v in child["attributes"].items()}),
        "replacements": pa.table({k: pa.array(v, pa.string()) for k, v in child["replacements"].items()}),
        "edges": pa.table({
            "child": pa.array([e.child for e in edges], pa.string()),
            "parent": pa.array([e.parent for e in edges], pa.string()),
            "hierarchy": pa.array([e.hierarchy for e in edges], pa.string()).dictionary_encode(),
        }),
        "mappings": pa.table({
            "source": pa.array([m.source for m in mappings], pa.string()),
            "target": pa.array([m.target for m in mappings], pa.string()),
            "relation": pa.array([str(m.relation) for m in mappings], pa.string()).dictionary_encode(),
            "icd_relation": pa.array([str(m.icd_relation) if m.icd_relation else None for m in mappings], pa.string()).dictionary_encode(),
            "validated": pa.array([m.validated for m in mappings], pa.bool_()),
            "published": pa.array([m.published for m in mappings], pa.string()),
            "qualifier": pa.array([m.qualifier for m in mappings], pa.string()),
            "release": pa.array([m.provenance.release if m.provenance else "" for m in mappings], pa.string()).dictionary_encode(),
            "file": pa.array([m.provenance.file if m.provenance else "" for m in mappings], pa.string()).dictionary_encode(),
            "position": pa.array([m.provenance.position if m.provenance else "" for m in mappings], pa.string()),
        }),
        **code_index_tables(cols["code"], cols["system"], [m.source for m in mappings], [m.target for m in mappings]),
    }


class Snapshot:
    """A loaded snapshot: memory-mapped Arrow tables and the manifest."""

    def __init__(self, path: Path, manifest: dict[str, Any], tables: dict[str, pa.Table]) -> None:
        self.path = path
        self.manifest = manifest
        self.tables = tables

    @property
    def releases(self) -> tuple[Release, ...]:
        return tuple(
            Release(**{**r, "files": tuple(SourceFile(**f) for f in r["files"])}) for r in self.manifest["releases"]
        )

    def table(self, name: str) -> pa.Table:
        try:
            return self.tables[name]
        except KeyError:
            raise SnapshotError(f"{self.path}: snapshot has no table {name!r}") from None


def read(path: Path, *, verify_checksums: bool = False) -> Snapshot:
    """Open a snapshot directory; tables are memory-mapped, not copied.

    Checked at open (no table data read): the manifest's own checksum, and for every table
    file its size, schema and row count against the manifest. ``verify_checksums=True`` also
    recomputes each file's SHA-256 (see :func:`verify`). Any mismatch is a SnapshotError.
    """
    path = Path(path)
    manifest = read_manifest(path)
    if verify_checksums:
        verify(path, manifest)
    files = manifest["files"]
    tables = {}
    for name in manifest["tables"]:
        file = path / f"{name}.arrow"
        stated = _stated(files, file)
        try:
            size = file.stat().st_size
        except OSError as err:
            raise SnapshotError(f"{file}: table file missing or unreadable: {err.strerror or err}") from None
        if size != stated["size"]:
            raise SnapshotError(f"{file}: {size:,} bytes, the manifest says {stated['size']:,}: damaged or replaced; rebuild the snapshot")
        try:
            table = ipc.open_file(pa.memory_map(str(file), "r")).read_all()
        except (OSError, pa.ArrowException) as err:
            raise SnapshotError(f"{file}: unreadable table: {err}") from None
        if schema_fingerprint(table.schema) != stated["schema"]:
            raise SnapshotError(f"{file}: its columns are not the ones the manifest records (another table's file?); rebuild the snapshot")
        counted = manifest.get("counts", {}).get(name)
        if counted is not None and counted != table.num_rows:
            raise SnapshotError(f"{file}: {table.num_rows:,} rows, the manifest says {counted:,}; rebuild the snapshot")
        tables[name] = table
    return Snapshot(path, manifest, tables)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the snapshot at ``path``, checked for format version, shape and its own checksum."""
    manifest_path = Path(path) / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: not a raremap snapshot (no {MANIFEST})") from None
    except (OSError, ValueError) as err:
        raise SnapshotError(f"{manifest_path}: unreadable manifest: {err}") from None
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{manifest_path}: not a raremap manifest (a JSON {type(manifest).__name__}, not an object)")
    if manifest.get("format") != FORMAT_VERSION:
        raise SnapshotError(f"{path}: snapshot format {manifest.get('format')} is not {FORMAT_VERSION}; rebuild it")
    if manifest.get(SELF_CHECKSUM) != _manifest_digest(manifest):
        raise SnapshotError(f"{manifest_path}: the manifest was edited or damaged (its checksum does not match); rebuild the snapshot")
    if not isinstance(manifest.get("tables"), list) or not isinstance(manifest.get("files"), dict):
        raise SnapshotError(f"{manifest_path}: manifest lacks its table list or file records; rebuild the snapshot")
    return manifest


def _stated(files: dict[str, Any], file: Path) -> dict[str, Any]:
    stated = files.get(file.name)
    if not isinstance(stated, dict) or not {"size", "schema", "sha256"} <= stated.keys():
        raise SnapshotError(f"{file}: the manifest records no size, schema and checksum for it; rebuild the snapshot")
    return stated


def verify(path: Path, manifest: dict[str, Any] | None = None) -> dict[str, int]:
    """Recompute the SHA-256 of every table file of the snapshot at ``path`` and compare it with
    the manifest; a mismatch is a SnapshotError naming the file. Returns file name -> bytes checked."""
    path = Path(path)
    manifest = manifest if manifest is not None else read_manifest(path)
    checked = {}
    for name in manifest["tables"]:
        file = path / f"{name}.arrow"
        stated = _stated(manifest["files"], file)
        try:
            actual = sha256_file(file)
        except OSError as err:
            raise SnapshotError(f"{file}: table file missing or unreadable: {err.strerror or err}") from None
        if actual != stated["sha256"]:
            raise SnapshotError(f"{file}: SHA-256 {actual[:12]}… is not the manifest's {stated['sha256'][:12]}…: "
                                "the file is damaged or replaced; rebuild the snapshot")
        checked[file.name] = file.stat().st_size
    return checked
