"""Download official releases from their publishers into a releases directory.

Every download goes to a hidden ``.<name>.part`` file (never picked up by a build), resumes
with an HTTP Range request when interrupted, is checked against the publisher's checksum where
one is known, and is renamed into place only when complete. Each release folder gets a
``fetch-manifest.json`` naming the source URL, time, HTTP validators (Last-Modified, ETag),
SHA-256, licence and attribution.

SNOMED CT is never downloaded: its licence is the user's own (SNOMED CT Affiliate Licence);
pass the path of your RF2 release zip and it is copied in.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import codes
from .codes import System
from .errors import RaremapError
from .release_input import sha256_file

# Licences and folders are the code-system registry's (codes.CodeSystem.licence / fetch_folder).
ORPHADATA_LICENCE = codes.ORPHADATA_LICENCE
WHO_LICENCE = codes.WHO_LICENCE
SOCIALSTYRELSEN_LICENCE = codes.SOCIALSTYRELSEN_LICENCE
SNOMED_LICENCE = codes.SNOMED_LICENCE

# Orphadata product3 classification ids (one file per classification)
CLASSIFICATION_IDS = (146, 147, 148, 150, 152, 156, 181, 182, 183, 184, 185, 186, 187, 188, 189, 193, 194, 195,
                      196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 209, 212, 216, 231, 233, 235)


@dataclass(frozen=True)
class Download:
    system: str  # folder in the releases directory: orphanet, icd10se, icd11
    name: str  # file name written
    url: str
    licence: str
    sha256: str = ""  # expected checksum where the publisher provides one
    extract: bool = False  # a zip whose members the readers need unpacked
    unpack_to: str = ""  # sub-folder for the members (zips whose member names could collide)


@dataclass
class Catalogue:
    """Which files to fetch. The URLs are the publishers' published download locations;
    publishers move them now and then, so every URL can be overridden."""

    downloads: list[Download] = field(default_factory=list)

    @classmethod
    def official(cls, *, lang: str = "en", icd11_release: str = "2025-01") -> Catalogue:
        orphadata = "https://www.orphadata.com/data/xml"
        who = f"https://icdcdn.who.int/static/releasefiles/{icd11_release}"
        orpha, icd10se, icd11 = (codes.code_system(s) for s in (System.ORPHA, System.ICD10SE, System.ICD11))

        def orphanet(name: str, url: str, **kw: bool) -> Download:
            return Download(orpha.fetch_folder, name, url, orpha.licence, **kw)

        items = [
            orphanet(f"{lang}_product1.xml", f"{orphadata}/{lang}_product1.xml"),
            orphanet(f"{lang}_product7.xml", f"{orphadata}/{lang}_product7.xml"),
            *(orphanet(f"{lang}_product3_{i}.xml", f"{orphadata}/{lang}_product3_{i}.xml") for i in CLASSIFICATION_IDS),
            # the nomenclature pack for coding (yearly, July) from orphacode.org, and ORDO; both
            # file names are stable across versions
            orphanet(f"Orphanet_Nomenclature_Pack_{lang.upper()}.zip",
                     f"https://www.orphacode.org/data/packs/Orphanet_Nomenclature_Pack_{lang.upper()}.zip", extract=True),
            orphanet("ordo_orphanet.owl", "https://www.orphadata.org/data/ORDO/ordo_orphanet.owl"),
            Download(icd10se.fetch_folder, "icd-10-se.tsv",
                     "https://www.socialstyrelsen.se/globalassets/sharepoint-dokument/dokument-webb/klassifikationer-och-koder/icd-10-se.tsv",
                     icd10se.licence),
            Download(icd11.fetch_folder, f"SimpleTabulation-ICD-11-MMS-{lang}.zip",
                     f"{who}/SimpleTabulation-ICD-11-MMS-{lang}.zip", icd11.licence, extract=True),
            # WHO's ICD-10 <-> ICD-11 transition tables of the same release (txt and xlsx; the txt are read)
            Download(icd11.fetch_folder, f"mapping_{icd11_release}.zip", f"{who}/mapping.zip", icd11.licence,
                     extract=True, unpack_to=f"mapping_{icd11_release}"),
        ]
        return cls(items)

    def only(self, systems: Iterable[str]) -> Catalogue:
        wanted = {s.lower() for s in systems}
        return Catalogue([d for d in self.downloads if d.system in wanted])


class FetchError(RaremapError):
    """A download failed: offline, URL moved, checksum mismatch."""


Progress = Callable[[str, int, int | None], None]


def fetch(catalogue: Catalogue, dest: Path, *, progress: Progress | None = None, timeout: float = 60.0) -> list[Path]:
    """Download every file of ``catalogue`` into ``dest/<system>/``; returns the files written."""
    written = []
    for item in catalogue.downloads:
        folder = Path(dest) / item.system
        folder.mkdir(parents=True, exist_ok=True)
        path, meta = _download(item, folder, progress, timeout)
        _record(folder, item.name, {"source": item.url, "licence": item.licence, **meta})
        written.append(path)
        if item.extract:
            written.extend(_extract(path, folder / item.unpack_to if item.unpack_to else folder))
    return written


def _extract(archive: Path, folder: Path) -> list[Path]:
    """Unpack a downloaded zip beside it (each member through a temporary name)."""
    import zipfile

    out = []
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                name = Path(member.filename).name  # never honour paths inside the archive
                if member.is_dir() or not name or name.startswith("."):
                    continue
                target = folder / name
                tmp = folder / f".{name}.part"
                with zf.open(member) as src, tmp.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.replace(tmp, target)
                out.append(target)
    except zipfile.BadZipFile as err:
        raise FetchError(f"{archive}: downloaded file is not a valid zip ({err})") from None
    return out


def _download(item: Download, folder: Path, progress: Progress | None, timeout: float) -> tuple[Path, dict[str, str]]:
    final = folder / item.name
    part = folder / f".{item.name}.part"
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(item.url, headers={"User-Agent": "raremap-fetch"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the part file is already complete
            response = None
        elif err.code in (404, 410):
            raise FetchError(f"{item.url}: HTTP {err.code} — the publisher has moved or removed this file; "
                             f"download it by hand and use --from-dir, or pass the new URL") from None
        else:
            raise FetchError(f"{item.url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise FetchError(f"{item.url}: cannot reach the publisher ({reason}); are you offline? "
                         f"Partial data kept in {part.name}, run again to resume") from None
    meta: dict[str, str] = {}
    if response is not None:
        with response:
            resumed = response.status == 206
            if not resumed:
                have = 0
            total = response.headers.get("Content-Length")
            size = (int(total) + have) if total and total.isdigit() else None
            meta = {k: response.headers[h] for k, h in (("last_modified", "Last-Modified"), ("etag", "ETag")) if response.headers.get(h)}
            try:
                with part.open("ab" if resumed else "wb") as out:
                    got = have
                    while block := response.read(1 << 16):
                        out.write(block)
                        got += len(block)
                        if progress:
                            progress(item.name, got, size)
            except (OSError, TimeoutError) as err:
                raise FetchError(f"{item.url}: download interrupted ({err}); run again to resume") from None
            if size is not None and got != size:
                raise FetchError(f"{item.url}: got {got} of {size} bytes; run again to resume")
    digest = sha256_file(part)
    if item.sha256 and digest != item.sha256.lower():
        part.unlink()
        raise FetchError(f"{item.url}: checksum mismatch (expected sha256 {item.sha256}, got {digest}); the file was discarded")
    os.replace(part, final)
    meta.update({"sha256": digest, "size": str(final.stat().st_size),
                 "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return final, meta


def ingest(source: Path, dest: Path, *, system: str | None = None, licence: str = "") -> list[Path]:
    """Copy release files downloaded by hand (a file or a directory) into ``dest``.

    Recognised files are placed under the folder of their system, through a temporary name.
    A SNOMED CT release zip is taken as is (its licence is the user's own).
    """
    from .sources import discover

    source = Path(source)
    written = []
    groups: list[tuple[str, tuple[Path, ...]]]
    if source.is_file():
        groups = [(system or "snomed", (source,))]
        root = source.parent
    else:
        root = source
        groups = [(system or system_folder(reader.name), files) for reader, files in discover(source)]
        if not groups:
            raise FetchError(f"{source}: no release files recognised")
    for folder_name, files in groups:
        folder = Path(dest) / folder_name
        for f in files:
            rel = f.relative_to(root) if f.is_relative_to(root) else Path(f.name)
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.part")
            shutil.copyfile(f, tmp)
            os.replace(tmp, target)
            _record(target.parent, target.name, {
                "source": f"local file {f}", "sha256": sha256_file(target), "size": str(target.stat().st_size),
                "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "licence": licence or licence_for(folder_name),
            })
            written.append(target)
    return written


def system_folder(reader_name: str) -> str:
    """The releases-directory folder of a reader's files (``ordo`` → ``orphanet``): the folder of
    the code system whose ``reader_names`` the name starts with, else the reader's name."""
    for row in codes.code_systems():
        if row.fetch_folder and reader_name.startswith(row.reader_names):
            return row.fetch_folder
    return reader_name


def licence_for(folder: str) -> str:
    """Licence and attribution of the releases in a releases-directory folder ("" when none is recorded)."""
    return next((row.licence for row in codes.code_systems() if row.fetch_folder == folder), "")


def _record(folder: Path, name: str, entry: dict[str, str]) -> None:
    """Add ``entry`` for file ``name`` to the folder's fetch manifest (written atomically)."""
    path = folder / "fetch-manifest.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"files": {}}
    data["files"][name] = entry
    tmp = folder / ".fetch-manifest.json.part"
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def print_progress(name: str, got: int, total: int | None) -> None:
    """A one-line progress bar on stderr."""
    if total:
        done = int(30 * got / total)
        sys.stderr.write(f"\r{name[:40]:<40} [{'#' * done}{'.' * (30 - done)}] {got / 1e6:7.1f}/{total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{name[:40]:<40} {got / 1e6:7.1f} MB")
    if total and got >= total:
        sys.stderr.write("\n")
