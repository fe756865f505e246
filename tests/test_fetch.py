"""Fetching releases from a publisher: a local HTTP server on 127.0.0.1 plays the publisher."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from pathlib import Path

import pytest

from raremap.fetch import Catalogue, Download, FetchError, fetch, ingest
from paths import FIXTURES

# A real Orphadata product1 disorder (ORPHA:558, values of the 2023 pack), in the product1 layout.
PRODUCT1 = """<?xml version="1.0" encoding="UTF-8"?>
<JDBOR date="2025-12-09 07:06:32" version="1.3.42 / 4.1.8 [2025-03-03]" copyright="Orphanet (c) 2025" dbserver="test">
  <Availability>
    <Licence>
      <FullName lang="en">Creative Commons Attribution 4.0 International</FullName>
      <ShortIdentifier>CC-BY-4.0</ShortIdentifier>
      <LegalCode>https://creativecommons.org/licenses/by/4.0/legalcode</LegalCode>
    </Licence>
  </Availability>
  <DisorderList count="1">
    <Disorder id="2101">
      <OrphaCode>558</OrphaCode>
      <ExpertLink lang="en">http://www.orpha.net/consor/cgi-bin/OC_Exp.php?lng=en&amp;Expert=558</ExpertLink>
      <Name lang="en">Marfan syndrome</Name>
      <DisorderFlagList count="1">
        <DisorderFlag id="475">
          <Value>1</Value>
          <Label>on-line</Label>
        </DisorderFlag>
      </DisorderFlagList>
      <SynonymList count="0">
      </SynonymList>
      <DisorderType id="21394">
        <Name lang="en">Disease</Name>
      </DisorderType>
      <DisorderGroup id="36547">
        <Name lang="en">Disorder</Name>
      </DisorderGroup>
      <ExternalReferenceList count="0">
      </ExternalReferenceList>
    </Disorder>
  </DisorderList>
</JDBOR>
""".encode() + b"<!--" + b"padding " * 4000 + b"-->\n"  # large enough to be cut in the middle


class Publisher(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    cut_after: int | None = None  # close the connection after this many bytes, once

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if (rng := self.headers.get("Range")) and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Last-Modified", "Tue, 09 Dec 2025 07:06:32 GMT")
        self.end_headers()
        chunk = body[start:]
        cut = type(self).cut_after
        if cut is not None:
            type(self).cut_after = None
            self.wfile.write(chunk[:cut])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(chunk)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def publisher():
    Publisher.files = {"/data/xml/en_product1.xml": PRODUCT1}
    Publisher.cut_after = None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _catalogue(base: str, sha: str = "") -> Catalogue:
    return Catalogue([Download("orphanet", "en_product1.xml", f"{base}/data/xml/en_product1.xml", "CC BY 4.0", sha256=sha)])


def test_fetch_writes_file_and_manifest(publisher: str, tmp_path: Path) -> None:
    seen = []
    [path] = fetch(_catalogue(publisher, hashlib.sha256(PRODUCT1).hexdigest()), tmp_path, progress=lambda n, g, t: seen.append((g, t)))
    assert path.read_bytes() == PRODUCT1
    manifest = json.loads((tmp_path / "orphanet" / "fetch-manifest.json").read_text())
    entry = manifest["files"]["en_product1.xml"]
    assert entry["sha256"] == hashlib.sha256(PRODUCT1).hexdigest()
    assert entry["source"].endswith("/data/xml/en_product1.xml") and entry["licence"] == "CC BY 4.0"
    assert entry["last_modified"] == "Tue, 09 Dec 2025 07:06:32 GMT"
    assert seen[-1] == (len(PRODUCT1), len(PRODUCT1))


def test_interrupted_download_resumes_and_is_never_half_picked_up(publisher: str, tmp_path: Path) -> None:
    from raremap.sources import discover

    Publisher.cut_after = 1000
    with pytest.raises(FetchError, match="resume"):
        fetch(_catalogue(publisher), tmp_path)
    part = tmp_path / "orphanet" / ".en_product1.xml.part"
    assert part.exists() and part.stat().st_size == 1000
    assert not (tmp_path / "orphanet" / "en_product1.xml").exists()
    assert discover(tmp_path) == []  # a build sees nothing half-written
    [path] = fetch(_catalogue(publisher), tmp_path)  # resumes with a Range request
    assert path.read_bytes() == PRODUCT1 and not part.exists()
    assert [files for _, files in discover(tmp_path)] == [(path,)]


def test_checksum_mismatch_discards_the_file(publisher: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="checksum mismatch"):
        fetch(_catalogue(publisher, "0" * 64), tmp_path)
    assert list((tmp_path / "orphanet").iterdir()) == []


def test_moved_url_and_offline_errors_are_clear(publisher: str, tmp_path: Path) -> None:
    moved = Catalogue([Download("orphanet", "en_product7.xml", f"{publisher}/data/xml/en_product7.xml", "")])
    with pytest.raises(FetchError, match="moved or removed"):
        fetch(moved, tmp_path)
    # a closed port on the loopback stands in for "offline"
    offline = Catalogue([Download("orphanet", "en_product1.xml", "http://127.0.0.1:9/en_product1.xml", "")])
    with pytest.raises(FetchError, match="offline"):
        fetch(offline, tmp_path, timeout=5)


def test_who_mapping_zip_unpacks_into_its_own_folder_and_is_read(publisher: str, tmp_path: Path) -> None:
    import io
    import zipfile

    from raremap.sources import discover
    from raremap.sources.who.mapping_tables import READER as WHO_MAPS

    tables = FIXTURES / "icd11" / "mapping_2024-01"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for table in sorted(tables.iterdir()):
            zf.write(table, table.name)
        zf.writestr("readme.txt", b"ICD10Code\t:ICD-10 code for the entity.\r\n")
    Publisher.files["/mapping.zip"] = buffer.getvalue()
    [item] = [d for d in Catalogue.official(icd11_release="2024-01").downloads if d.url.endswith("/mapping.zip")]
    local = Download(item.system, item.name, f"{publisher}/mapping.zip", item.licence, extract=True,
                     unpack_to=item.unpack_to)
    written = fetch(Catalogue([local]), tmp_path)
    folder = tmp_path / "icd11" / "mapping_2024-01"
    assert sorted(p.name for p in written if p.parent == folder) == sorted([*(t.name for t in tables.iterdir()), "readme.txt"])
    assert (folder / "10To11MapToOneCategory.txt").read_bytes() == (tables / "10To11MapToOneCategory.txt").read_bytes()
    groups = [files for reader, files in discover(tmp_path) if reader is WHO_MAPS]
    assert len(groups) == 1 and {p.parent for p in groups[0]} == {folder}


def test_only_filters_systems() -> None:
    catalogue = Catalogue.official()
    assert {d.system for d in catalogue.only(["icd11"]).downloads} == {"icd11"}
    assert all("snomed" not in d.url.lower() for d in catalogue.downloads)  # SNOMED CT is never downloaded


def test_ingest_hand_downloaded_files(tmp_path: Path) -> None:
    hand = tmp_path / "downloads"
    hand.mkdir()
    (hand / "en_product1.xml").write_bytes(PRODUCT1)
    [path] = ingest(hand, tmp_path / "releases")
    assert path == tmp_path / "releases" / "orphanet" / "en_product1.xml"
    entry = json.loads((path.parent / "fetch-manifest.json").read_text())["files"]["en_product1.xml"]
    assert entry["source"].startswith("local file") and "CC BY 4.0" in entry["licence"]


def test_zip_release_is_unpacked_flat_and_safely(publisher: str, tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("Orphanet_Nomenclature_Pack_EN/en_product1.xml", PRODUCT1)
        zf.writestr("../../escape.xml", b"<JDBOR/>")  # a path inside the archive is never honoured
    Publisher.files["/pack.zip"] = buffer.getvalue()
    catalogue = Catalogue([Download("orphanet", "pack.zip", f"{publisher}/pack.zip", "CC BY 4.0", extract=True)])
    written = fetch(catalogue, tmp_path)
    folder = tmp_path / "orphanet"
    assert sorted(p.name for p in written) == ["en_product1.xml", "escape.xml", "pack.zip"]
    assert all(p.parent == folder for p in written)
    assert (folder / "en_product1.xml").read_bytes() == PRODUCT1
    assert not (tmp_path.parent / "escape.xml").exists()
