"""Mutation audit of the release readers: damage small real release files the way a hostile or
unlucky user would and classify what each reader does.

Run ``python tests/reader_mutations.py [--data ../shared/data] [--timeout 20]``: it prints one
row per reader and a total, with the columns

    tried  typed error  counted skip  intact  raw crash  silent loss  hang

* typed error: a :class:`~raremap.errors.RaremapError` (the reader refused the file);
* counted skip: the reader finished, every record the mutation did not damage is there, and
  the build report counts at least one more skipped row than for the undamaged file;
* intact: the reader finished with every record it gives for the undamaged file (a harmless
  mutation: a BOM added or removed, CRLF line ends, a file cut exactly at a line end);
* raw crash: any other exception;
* silent loss: the reader finished, and an undamaged record is missing or changed, or a damaged
  row was taken as a record, with no skip counted;
* hang: no answer within ``--timeout`` seconds (each mutation runs in a forked process).

The specimens are the first rows/elements of the real files in ``../shared/data`` (written to a
temporary directory at run time, never into the project), or the bundled sample when the shared
data is absent. The test suite uses the same mutations (tests/sources/test_reader_mutations.py).
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"
SAMPLE = HERE.parent / "data"

OUTCOMES = ("typed error", "counted skip", "intact", "raw crash", "silent loss", "hang")


# --- specimens: small real release files --------------------------------------------------------

@dataclass(frozen=True)
class Specimen:
    """One reader input: files (relative path -> bytes, stored as written, .gz compressed) and
    which of them the mutations damage."""

    reader: str
    files: dict[str, bytes]
    targets: tuple[str, ...]
    header: bool = False  # first line is a header row
    xml: bool = False


def _head_lines(data: bytes, n: int, keep_end: bool = True) -> bytes:
    """The first ``n`` lines, ending like the original file (with or without a final newline)."""
    lines = data.splitlines(keepends=True)[:n]
    out = b"".join(lines)
    if not data.endswith((b"\n", b"\r")):
        out = out.rstrip(b"\r\n")
    return out


def _read(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.name.endswith(".gz") else raw


def specimens(data: Path) -> list[Specimen]:
    """Small real inputs of every text and XML reader, cut from ``data`` (shared/data layout)."""
    out: list[Specimen] = []
    icd = data / "icd10se"
    if (icd / "digit3.txt").exists():
        def chapter_a(name: str) -> bytes:
            raw = (icd / name).read_bytes()
            lines = [line for line in raw.split(b"\n") if re.match(rb"^(\xef\xbb\xbf)?A0", line)] or raw.split(b"\n")
            return (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + b"\n".join(
                line.removeprefix(b"\xef\xbb\xbf") for line in lines[:60])
        files = {f"icd10se/{n}": chapter_a(n) for n in ("digit3.txt", "digit4.txt", "digit5.txt")}
        files["icd10se/block.txt"] = _head_lines((icd / "block.txt").read_bytes(), 20)
        files["icd10se/diagnoskapitel.txt"] = _head_lines((icd / "diagnoskapitel.txt").read_bytes(), 5)
        files["icd10se/digit5.txt.gz"] = gzip.compress(files.pop("icd10se/digit5.txt"), mtime=0)  # releases come gzipped too
        out.append(Specimen("icd10se-inera", files, tuple(files)))
        if (icd / "KSH97P_SFAMALT.ANS").exists():
            ksh = {f"icd10se/{n}": _head_lines((icd / n).read_bytes(), 60) for n in ("KSH97P_KOD.ANS", "KSH97P_SFAMALT.ANS")}
            ksh["icd10se/KSH97P_SFAMALT.ANS.gz"] = gzip.compress(ksh.pop("icd10se/KSH97P_SFAMALT.ANS"), mtime=0)
            out.append(Specimen("ksh97p", ksh, tuple(ksh)))
    tab = data / "icd11" / "SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz"
    if tab.exists():
        f = "icd11/SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz"
        out.append(Specimen("icd11-simple-tabulation", {f: gzip.compress(_head_lines(_read(tab), 80), mtime=0)}, (f,), header=True))
        who = data / "icd11" / "mapping_2024-01" / "10To11MapToOneCategory.txt.gz"
        f = "icd11/mapping_2024-01/10To11MapToOneCategory.txt.gz"
        out.append(Specimen("who-icd10-icd11-maps", {f: gzip.compress(_head_lines(_read(who), 80), mtime=0)}, (f,), header=True))
    elif (SAMPLE / "icd11").exists():
        f = "icd11/SimpleTabulation-ICD-11-MMS-en.txt"
        out.append(Specimen("icd11-simple-tabulation", {f: _head_lines((SAMPLE / f).read_bytes(), 80)}, (f,), header=True))
    uk = data / "snomed" / "rdiagnosislist_uk_sample_v1.5.1"
    if uk.exists():
        names = ("sct2_Concept_Snapshot_sample.txt", "sct2_Description_Snapshot-en_sample.txt",
                 "sct2_Relationship_Snapshot_sample.txt", "der2_iisssccRefset_ExtendedMapSnapshot_sample.txt")
        files = {f"snomed/{n}": _head_lines((uk / n).read_bytes(), 60) for n in names}
        out.append(Specimen("snomed-rf2", files, tuple(files), header=True))
    alpha = data / "alpha_id_se" / "icd10gm2020_alphaid_se_muster_edvtxt_20191004.txt"
    if alpha.exists():
        f = "alpha_id_se/icd10gm2020_alphaid_se_muster_edvtxt_20191004.txt"
        out.append(Specimen("alpha-id-se", {f: _head_lines(alpha.read_bytes(), 80)}, (f,)))
        out.append(Specimen("alpha-id-se (.gz)", {f + ".gz": gzip.compress(_head_lines(alpha.read_bytes(), 80), mtime=0)}, (f + ".gz",)))
    orpha = data / "orphanet"
    fixtures = orpha / "fixtures_orphanet_link_2025"
    if fixtures.exists():
        for name in ("en_product1.xml", "en_product3_156.xml", "en_product7.xml"):
            f = f"orphanet/{name}"
            out.append(Specimen(f"orphanet {name}", {f: (fixtures / name).read_bytes()}, (f,), xml=True))
        f = "orphanet/ORPHAnomenclature_fr_short_2021-07.xml"
        out.append(Specimen("orphanet pack (fr)", {f: (orpha / "ORPHAnomenclature_fr_short_2021-07.xml").read_bytes()}, (f,), xml=True))
        cls = orpha / "nomenclature_pack_2023_en" / "Classifications" / "ORPHAclassification_146_rare_cardiac_diseases_en_2023.xml.gz"
        f = "orphanet/Classifications/" + cls.name
        out.append(Specimen("orphanet classification", {f: cls.read_bytes()}, (f,), xml=True))
    ordo = SAMPLE / "orphanet" / "ORDO_en_4.3.owl"
    if ordo.exists():
        out.append(Specimen("ordo", {"orphanet/ORDO_en_4.3.owl": ordo.read_bytes()}, ("orphanet/ORDO_en_4.3.owl",), xml=True))
    return out


# --- mutations ------------------------------------------------------------------------------------

KEEP_ALL = "all"  # the reference is the undamaged file: every record expected


@dataclass(frozen=True)
class Mutation:
    """``apply(text, rng)`` -> (damaged text, reference text or KEEP_ALL). The reference is the
    file as it would be without the damaged rows: its records are the ones that must survive.
    ``damage_ok``: the damaged row may be taken as a record (its content is what the file says)."""

    name: str
    apply: Callable[[bytes, random.Random], tuple[bytes, bytes | str]]
    damage_ok: bool = False
    compressed: bool = False  # applies to the bytes on disk (a .gz file as stored)


def _lines(text: bytes) -> list[bytes]:
    return text.splitlines(keepends=True)


def _pick(lines: list[bytes], rng: random.Random, header: bool) -> int:
    first = 1 if header and len(lines) > 2 else 0
    body = [i for i in range(first, len(lines)) if lines[i].strip()]
    return rng.choice(body) if body else 0


def _without(lines: list[bytes], i: int) -> bytes:
    return b"".join(lines[:i] + lines[i + 1:])


def text_mutations(header: bool) -> list[Mutation]:
    def cut_mid_line(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        line = lines[i].rstrip(b"\r\n")
        at = rng.randrange(1, max(2, len(line)))
        return b"".join(lines[:i]) + line[:at], b"".join(lines[:i])

    def cut_at_line_end(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        kept = b"".join(lines[:i + 1])
        return kept, kept

    def empty(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return b"", KEEP_ALL

    def latin1(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        try:
            return text.decode("utf-8").encode("latin-1", "replace"), KEEP_ALL
        except UnicodeDecodeError:  # a Latin-1 file: write it as UTF-8 instead
            return text.decode("latin-1").encode("utf-8"), KEEP_ALL

    def utf16(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        try:
            return text.decode("utf-8").encode("utf-16"), KEEP_ALL
        except UnicodeDecodeError:
            return text.decode("latin-1").encode("utf-16"), KEEP_ALL

    def bom_added(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return (text if text.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" + text), KEEP_ALL

    def bom_removed(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return text.removeprefix(b"\xef\xbb\xbf"), KEEP_ALL

    def crlf(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return re.sub(rb"\r?\n", b"\r\n", text), KEEP_ALL

    def sep_of(text: bytes) -> bytes:
        return b"|" if text.count(b"|") > text.count(b"\t") else b"\t"

    def extra_column(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        body = lines[i].rstrip(b"\r\n")
        end = lines[i][len(body):]
        mutated = lines[:i] + [body + sep_of(text) + b"extra" + end] + lines[i + 1:]
        return b"".join(mutated), _without(lines, i)

    def missing_column(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        body = lines[i].rstrip(b"\r\n")
        end = lines[i][len(body):]
        parts = body.split(sep_of(text))
        if len(parts) > 1:
            del parts[rng.randrange(len(parts))]
            body = sep_of(text).join(parts)
        else:
            body = body[: max(1, len(body) // 3)]
        return b"".join(lines[:i] + [body + end] + lines[i + 1:]), _without(lines, i)

    def duplicated_header(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, True)
        first = lines[0].removeprefix(b"\xef\xbb\xbf")
        if not first.endswith(b"\n"):
            first += b"\n"
        return b"".join(lines[:i] + [first] + lines[i:]), KEEP_ALL

    def long_line(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        body = lines[i].rstrip(b"\r\n")
        end = lines[i][len(body):]
        return b"".join(lines[:i] + [body + b"x" * 200_000 + end] + lines[i + 1:]), _without(lines, i)

    def nul_bytes(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        body = lines[i].rstrip(b"\r\n")
        end = lines[i][len(body):]
        at = rng.randrange(len(body) + 1) if body else 0
        return b"".join(lines[:i] + [body[:at] + b"\x00\x00" + body[at:] + end] + lines[i + 1:]), _without(lines, i)

    def mojibake(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        body = lines[i].rstrip(b"\r\n")
        end = lines[i][len(body):]
        broken = body + " Ã¥Ã¤Ã¶".encode()  # UTF-8 read as Latin-1, written back as UTF-8
        return b"".join(lines[:i] + [broken + end] + lines[i + 1:]), _without(lines, i)

    def garbage_line(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        lines = _lines(text)
        i = _pick(lines, rng, header)
        end = b"\n" if lines[i].endswith(b"\n") else b""
        junk = bytes(rng.randrange(32, 127) for _ in range(40))
        return b"".join(lines[:i] + [junk + end] + lines[i + 1:]), _without(lines, i)

    return [
        Mutation("cut mid-line", cut_mid_line), Mutation("cut mid-line", cut_mid_line),
        Mutation("cut at a line end", cut_at_line_end), Mutation("empty", empty),
        Mutation("other encoding", latin1), Mutation("UTF-16", utf16),
        Mutation("BOM added", bom_added), Mutation("BOM removed", bom_removed), Mutation("CRLF", crlf),
        Mutation("extra column", extra_column, damage_ok=True), Mutation("missing column", missing_column),
        Mutation("duplicated header", duplicated_header) if header else Mutation("duplicated row", duplicated_header, damage_ok=True),
        Mutation("very long line", long_line, damage_ok=True),
        Mutation("NUL bytes", nul_bytes), Mutation("mojibake", mojibake), Mutation("garbage line", garbage_line),
    ]


def gzip_mutations() -> list[Mutation]:
    def cut_gzip(fraction: float) -> Callable[[bytes, random.Random], tuple[bytes, bytes | str]]:
        def apply(raw: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
            return raw[: max(10, int(len(raw) * fraction))], KEEP_ALL
        return apply

    def trailer(raw: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return raw[:-4], KEEP_ALL

    return [Mutation("gzip cut (half)", cut_gzip(0.5), compressed=True),
            Mutation("gzip cut (90%)", cut_gzip(0.9), compressed=True),
            Mutation("gzip trailer missing", trailer, compressed=True)]


def xml_mutations() -> list[Mutation]:
    def cut(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        at = rng.randrange(len(text) // 4, len(text) - 2)
        return text[:at], KEEP_ALL

    def cut_after_element(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        ends = [m.end() for m in re.finditer(rb"</[^>]+>", text)]
        at = ends[len(ends) // 2] if ends else len(text) // 2
        return text[:at], KEEP_ALL

    def empty(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return b"", KEEP_ALL

    def decoded(text: bytes) -> str:
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:  # a file declaring ISO-8859-1
            return text.decode("latin-1")

    def utf16(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return decoded(text).encode("utf-16"), KEEP_ALL

    def latin1(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        value = decoded(text)
        if value.isascii():
            value = value.replace("</", "é</", 1)
        try:
            text.decode("utf-8")
            return value.encode("latin-1", "replace"), KEEP_ALL
        except UnicodeDecodeError:
            return value.encode("utf-8"), KEEP_ALL

    def bom_added(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        return (text if text.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" + text), KEEP_ALL

    def nul(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        at = text.index(b"</", len(text) // 2)
        return text[:at] + b"\x00" + text[at:], KEEP_ALL

    def long_attribute(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        m = re.search(rb"<[A-Za-z][^?!>\s]*", text[text.index(b"<", 1) if text.startswith(b"<?") else 0:])
        start = text.index(m.group(0)) + len(m.group(0)) if m else 1
        return text[:start] + b' junk="' + b"a" * 48_000_000 + b'"' + text[start:], KEEP_ALL

    def long_text(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        at = text.index(b"</", len(text) // 2)
        return text[:at] + b"b" * 40_000_000 + text[at:], KEEP_ALL

    def deep(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        at = text.index(b"</", len(text) // 2)
        return text[:at] + b"<d>" * 200_000 + b"</d>" * 200_000 + text[at:], KEEP_ALL

    def mojibake(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        at = text.index(b"</", len(text) // 2)
        return text[:at] + " Ã¥Ã¤Ã¶ \u0080".encode() + text[at:], KEEP_ALL

    def drop_element(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        # remove the first code-bearing child element (OrphaCode / rdf:about / class IRI)
        for pattern in (rb"<OrphaCode>[^<]*</OrphaCode>", rb' rdf:about="[^"]*"', rb"<IRI>[^<]*</IRI>"):
            m = re.search(pattern, text[len(text) // 3:])
            if m:
                at = len(text) // 3 + m.start()
                return text[:at] + text[at + len(m.group(0)):], KEEP_ALL
        return text, KEEP_ALL

    def garbage(text: bytes, rng: random.Random) -> tuple[bytes, bytes | str]:
        at = text.index(b"</", len(text) // 2)
        return text[:at] + b"<<&&>>" + text[at:], KEEP_ALL

    return [Mutation("cut mid-element", cut), Mutation("cut mid-element", cut),
            Mutation("cut after an element", cut_after_element), Mutation("empty", empty),
            Mutation("UTF-16", utf16), Mutation("other encoding", latin1), Mutation("BOM added", bom_added),
            Mutation("NUL byte", nul), Mutation("48 MB attribute", long_attribute), Mutation("40 MB text", long_text),
            Mutation("200,000 levels deep", deep), Mutation("mojibake", mojibake, damage_ok=True),
            Mutation("code element removed", drop_element), Mutation("garbage markup", garbage)]


# --- running a reader ------------------------------------------------------------------------------

def _key(record: object) -> tuple[object, ...] | None:
    from raremap.model import AddedTerm, Concept, Edge, Mapping

    if isinstance(record, Concept):
        return ("concept", record.code, record.label, tuple(sorted(record.labels.items())),
                tuple((t.text, t.lang, str(t.kind)) for t in record.synonyms), str(record.status), record.kind,
                record.definition, tuple(sorted(record.attributes.items())),
                tuple((r.target, r.relation) for r in record.replaced_by))
    if isinstance(record, Edge):
        return ("edge", record.child, record.parent, record.hierarchy)
    if isinstance(record, Mapping):
        return ("mapping", record.source, record.target, str(record.relation), str(record.icd_relation),
                record.validated, record.published, record.qualifier)
    if isinstance(record, AddedTerm):
        return ("term", record.code, record.term.text, record.term.lang, str(record.term.kind))
    return None  # the Release record: checksums differ by construction


def _ids(records: Counter[tuple[object, ...]]) -> Counter[tuple[object, ...]]:
    """Records reduced to what identifies them (a concept's code, a term's code and kind)."""
    out: Counter[tuple[object, ...]] = Counter()
    for key in records:
        out[key[:2] if key[0] == "concept" else key[:2] + key[3:4] if key[0] == "term" else key[:4]] = 1
    return out


def read_dir(root: Path) -> tuple[Counter[tuple[object, ...]], int, list[str]]:
    """(records, rows skipped, readers that claimed files) of everything under ``root``."""
    from raremap.sources import discover
    from raremap.release_input import BuildReport, ReadContext

    report = BuildReport()
    inputs = discover(root, report=report)
    records: Counter[tuple[object, ...]] = Counter()
    for reader, files in inputs:
        for record in reader.read(files, ReadContext(root=root, report=report)):
            key = _key(record)
            if key is not None:
                records[key] += 1
    skipped = sum(n for (file, reason), n in report.skipped.items() if reason != "not a release file raremap recognises")
    skipped += sum(getattr(report, "repaired", {}).values())  # rows kept after a repair count as reported
    return records, skipped, [reader.name for reader, _ in inputs]


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _child(conn, root: str) -> None:  # runs in a forked process
    try:
        records, skipped, claimed = read_dir(Path(root))
        conn.send(("ok", records, skipped, claimed))
    except BaseException as err:  # noqa: BLE001 — classify every outcome, the audit's purpose
        from raremap.errors import RaremapError

        kind = "typed" if isinstance(err, RaremapError) else "raw"
        conn.send((kind, f"{type(err).__name__}: {str(err)[:200]}", traceback.format_exc(limit=3)[-600:]))
    finally:
        conn.close()


def run_isolated(root: Path, timeout: float) -> tuple:
    """read_dir(root) in a forked process: ("ok", records, skipped, claimed) / ("typed"|"raw", message, tb)
    / ("hang",)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, str(root)))
    proc.start()
    child.close()
    if parent.poll(timeout):
        try:
            result = parent.recv()
        except EOFError:
            result = ("raw", "reader process died", "")
    else:
        result = ("hang",)
    proc.kill() if result == ("hang",) else None
    proc.join()
    return result


def classify(specimen: Specimen, rel: str, mutation: Mutation, rng: random.Random, work: Path,
             baseline: tuple, timeout: float, run: Callable[[Path, float], tuple] = run_isolated) -> tuple[str, str]:
    """(outcome, detail) of one mutation of file ``rel`` of ``specimen``."""
    stored = specimen.files[rel]
    gz = rel.endswith(".gz")
    if mutation.compressed:
        damaged, reference = mutation.apply(stored, rng)
    else:
        plain = gzip.decompress(stored) if gz else stored
        damaged, reference = mutation.apply(plain, rng)
        if gz:
            damaged = gzip.compress(damaged, mtime=0)
            if isinstance(reference, bytes):
                reference = gzip.compress(reference, mtime=0)
    mutated_root = work / "mutated"
    _clean(mutated_root)
    _write(mutated_root, {**specimen.files, rel: damaged})
    result = run(mutated_root, timeout)
    if result[0] == "hang":
        return "hang", f"no answer in {timeout:.0f} s"
    if result[0] == "typed":
        return "typed error", result[1]
    if result[0] == "raw":
        return "raw crash", result[1] + " | " + result[2].strip().splitlines()[-1] if result[2] else result[1]
    _, got, skipped, claimed = result
    base_records, base_skipped, base_claimed = baseline
    if reference == KEEP_ALL:
        expected = base_records
    else:
        ref_root = work / "reference"
        _clean(ref_root)
        _write(ref_root, {**specimen.files, rel: reference})
        ref = run(ref_root, timeout)
        expected = ref[1] if ref[0] == "ok" else Counter()
    if mutation.damage_ok:  # the damaged row may be taken as the file states it: compare codes only
        expected, got, base_records = _ids(expected), _ids(got), _ids(base_records)
    # without the damaged row a reader may place other rows differently: only what the undamaged
    # file also gives is owed; a record neither the reference nor the undamaged file gives is damage
    missing = (expected & base_records) - got
    accepted_damage = (got - expected) - base_records
    new_skips = skipped - base_skipped
    if sorted(claimed) != sorted(base_claimed):
        return "silent loss", f"file no longer recognised ({claimed} vs {base_claimed}); {sum(missing.values())} records gone"
    bad = bool(missing) or (bool(accepted_damage) and not mutation.damage_ok)
    if bad:
        if new_skips > 0:
            return "counted skip", f"{new_skips} skipped, {sum(missing.values())} missing"
        what = next(iter(missing or accepted_damage))
        return "silent loss", (f"{sum(missing.values())} records missing" if missing else "damaged row taken as a record") + f", e.g. {str(what)[:160]}"
    if new_skips > 0:
        return "counted skip", f"{new_skips} skipped"
    return "intact", ""


def _clean(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def mutations_for(specimen: Specimen, rel: str) -> list[Mutation]:
    if specimen.xml:
        found = xml_mutations()
    else:
        found = text_mutations(specimen.header)
    if rel.endswith(".gz"):
        found += gzip_mutations()
    return found


def audit(data: Path, timeout: float, seed: int = 12, out: Callable[[str], None] = print,
          verbose: bool = False) -> Counter[tuple[str, str]]:
    """Run every mutation of every specimen; the counts per (reader, outcome)."""
    import raremap.sources  # imported once here, not in every forked reader process
    import raremap.snapshot.compile  # noqa: F401

    raremap.sources.readers()  # imports every reader module
    counts: Counter[tuple[str, str]] = Counter()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="raremap-mutations-") as tmp:
        work = Path(tmp)
        for specimen in specimens(data):
            base_root = work / "baseline"
            _clean(base_root)
            _write(base_root, specimen.files)
            base = run_isolated(base_root, timeout)
            if base[0] != "ok" or not base[1]:
                raise SystemExit(f"{specimen.reader}: the undamaged specimen does not read: {base[:2]}")
            baseline = base[1:]
            for rel in specimen.targets:
                for mutation in mutations_for(specimen, rel):
                    started = time.perf_counter()
                    outcome, detail = classify(specimen, rel, mutation, rng, work, baseline, timeout)
                    counts[(specimen.reader, outcome)] += 1
                    if verbose or outcome in ("raw crash", "silent loss", "hang"):
                        out(f"  {outcome:12} {specimen.reader:24} {Path(rel).name:48} {mutation.name:22} "
                            f"{time.perf_counter() - started:5.1f} s  {detail}")
    return counts


def table(counts: Counter[tuple[str, str]]) -> str:
    readers = list(dict.fromkeys(r for r, _ in counts))
    head = f"{'reader':26}{'tried':>7}" + "".join(f"{o:>14}" for o in OUTCOMES)
    rows = [head, "-" * len(head)]
    for reader in readers + ["total"]:
        got = {o: sum(n for (r, oo), n in counts.items() if oo == o and (reader == "total" or r == reader)) for o in OUTCOMES}
        rows.append(f"{reader:26}{sum(got.values()):>7}" + "".join(f"{got[o]:>14}" for o in OUTCOMES))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/data (default: ../shared/data)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a mutation counts as a hang")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mutation, not only the failures")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_dir() else SAMPLE
    started = time.perf_counter()
    counts = audit(data, args.timeout, args.seed, verbose=args.verbose)
    print(table(counts))
    print(f"{sum(counts.values())} mutations in {time.perf_counter() - started:.0f} s (data: {data})")
    bad = sum(n for (_, o), n in counts.items() if o in ("raw crash", "silent loss", "hang"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
