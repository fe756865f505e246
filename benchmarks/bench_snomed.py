"""Benchmark of the SNOMED CT RF2 reader on a synthetic International-size Snapshot.

    python benchmarks/bench_snomed.py                 # full size (370k concepts, 1.6M descriptions)
    python benchmarks/bench_snomed.py --small         # 1/20 of that, for a quick check
    python benchmarks/bench_snomed.py --scale 0.5     # any fraction
    python benchmarks/bench_snomed.py --keep DIR      # generate into DIR and keep it (reused if present)
    python benchmarks/bench_snomed.py --zip           # also time reading the same release from a zip
    python benchmarks/bench_snomed.py --tracemalloc   # also report Python heap peak (slower)

No International release is available here, so the release is synthetic, with the shape of a
real Snapshot: Verhoeff-valid ids (made-up item numbers), FSN + synonyms per concept, US and GB
language refset rows for every active description, ~1M inferred IS-A rows among ~3M
relationships, historical associations and inactivation reasons for inactive concepts, and
100k ICD-10 extended map rows (mixed TRUE / OTHERWISE TRUE / IFA rules, some without target).
Generation takes a minute or two at full size. Each measurement runs in a fresh subprocess, so
the peak RSS (ru_maxrss) belongs to reading that release alone: time and memory cover find()
plus reading every record the reader yields (records are counted, then dropped).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from raremap.codes import verhoeff_digit

DATE = "20990131"
CORE = "900000000000207008"
FULL = {"concepts": 370_000, "descriptions": 1_600_000, "isa": 1_000_000, "other_relationships": 2_000_000,
        "map_rows": 100_000}
WORDS = ("acute chronic congenital hereditary familial juvenile disorder syndrome disease deficiency dysplasia "
         "atrophy of the left right heart kidney liver bone muscle nerve skin eye type with without due to "
         "\"primary\" secondary early late onset progressive").split()
ICD10 = [f"{chr(65 + i % 26)}{j:02d}" for i in range(26) for j in range(0, 100, 7)]


def sctid(item: int, partition: str) -> str:
    base = f"{item}{partition}"
    return base + verhoeff_digit(base)


def uuid_like(n: int) -> str:
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Writer:
    """Buffered CRLF writer of one RF2 file."""

    def __init__(self, path: Path, header: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.buf: list[str] = [header]
        self.rows = 0

    def row(self, *cells: object) -> None:
        self.buf.append("\t".join(map(str, cells)))
        self.rows += 1
        if len(self.buf) >= 50_000:
            self.flush()

    def flush(self) -> None:
        self.fh.write("\r\n".join(self.buf) + "\r\n")
        self.buf = []

    def close(self) -> int:
        if self.buf:
            self.flush()
        self.fh.close()
        return self.rows


def generate(root: Path, scale: float, seed: int = 7) -> dict[str, int]:
    """Write a synthetic Snapshot release under ``root``; return row counts per file kind."""
    rnd = random.Random(seed)
    n = {k: max(10, int(v * scale)) for k, v in FULL.items()}
    term = root / "Snapshot" / "Terminology"
    refset = root / "Snapshot" / "Refset"
    concepts = [sctid(1_000_000 + i, "00") for i in range(n["concepts"])]
    active = [rnd.random() > 0.2 for _ in concepts]
    counts: dict[str, int] = {}

    w = Writer(term / f"sct2_Concept_Snapshot_INT_{DATE}.txt", "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId")
    for cid, on in zip(concepts, active):
        w.row(cid, DATE, int(on), CORE, "900000000000074008" if rnd.random() < 0.7 else "900000000000073002")
    counts["concepts"] = w.close()

    desc = Writer(term / f"sct2_Description_Snapshot-en_INT_{DATE}.txt",
                  "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId")
    lang = Writer(refset / "Language" / f"der2_cRefset_LanguageSnapshot-en_INT_{DATE}.txt",
                  "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId")
    per_concept = n["descriptions"] / n["concepts"]
    item = member = 0
    for cid in concepts:
        words = " ".join(rnd.choices(WORDS, k=rnd.randint(2, 6)))
        k = max(2, int(per_concept + rnd.random()))
        for j in range(k):
            item += 1
            did = sctid(10_000_000 + item, "01")
            fsn = j == 0
            text = f"{words} {cid} (disorder)" if fsn else f"{words} {j} {cid}"
            on = fsn or rnd.random() > 0.1
            desc.row(did, DATE, int(on), CORE, cid, "en", "900000000000003001" if fsn else "900000000000013009", text,
                     "900000000000448009")
            if on:
                acc = "900000000000548007" if j <= 1 else "900000000000549004"
                for refset_id in ("900000000000509007", "900000000000508004"):
                    member += 1
                    lang.row(uuid_like(member), DATE, 1, CORE, refset_id, did, acc)
    counts["descriptions"] = desc.close()
    counts["language refset rows"] = lang.close()

    rel = Writer(term / f"sct2_Relationship_Snapshot_INT_{DATE}.txt",
                 "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\t"
                 "characteristicTypeId\tmodifierId")
    item = 0
    isa_left = n["isa"]
    for i, cid in enumerate(concepts[1:], start=1):
        for _ in range(1 if isa_left <= 0 else rnd.choice((1, 2, 3, 3, 4, 4)) if i > 10 else 1):
            item += 1
            parent = concepts[rnd.randrange(0, i)]
            rel.row(sctid(100_000_000 + item, "02"), DATE, int(rnd.random() > 0.05), CORE, cid, parent, 0, "116680003",
                    "900000000000011006", "900000000000451002")
            isa_left -= 1
    for _ in range(n["other_relationships"]):
        item += 1
        rel.row(sctid(100_000_000 + item, "02"), DATE, int(rnd.random() > 0.3), CORE,
                concepts[rnd.randrange(len(concepts))], concepts[rnd.randrange(len(concepts))], rnd.randint(0, 3),
                "363698007", "900000000000011006", "900000000000451002")
    counts["relationships"] = rel.close()

    assoc = Writer(refset / "Content" / f"der2_cRefset_AssociationSnapshot_INT_{DATE}.txt",
                   "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\ttargetComponentId")
    attr = Writer(refset / "Content" / f"der2_cRefset_AttributeValueSnapshot_INT_{DATE}.txt",
                  "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tvalueId")
    for cid, on in zip(concepts, active):
        if on:
            continue
        member += 1
        assoc.row(uuid_like(member), DATE, 1, CORE, rnd.choice(("900000000000526001", "900000000000527005", "900000000000523009")),
                  cid, concepts[rnd.randrange(len(concepts))])
        member += 1
        attr.row(uuid_like(member), DATE, 1, CORE, "900000000000489007", cid,
                 rnd.choice(("900000000000482003", "900000000000483008", "900000000000484002")))
    counts["associations"] = assoc.close()
    counts["attribute values"] = attr.close()

    emap = Writer(refset / "Map" / f"der2_iisssccRefset_ExtendedMapSnapshot_INT_{DATE}.txt",
                  "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\t"
                  "mapAdvice\tmapTarget\tcorrelationId\tmapCategoryId")
    for i in range(n["map_rows"]):
        member += 1
        code = f"{rnd.choice(ICD10)}.{rnd.randint(0, 9)}"
        rule, target, category = rnd.choices(
            [("TRUE", code, "447637006"), ("OTHERWISE TRUE", code, "447637006"),
             ("IFA 445518008 | Age at onset of clinical finding (observable entity) | < 15.0 years", code, "447639009"),
             ("TRUE", "", "447638001")], weights=(70, 10, 15, 5))[0]
        advice = f"ALWAYS {target}" if target else "MAP SOURCE CONCEPT CANNOT BE CLASSIFIED WITH AVAILABLE DATA"
        emap.row(uuid_like(member), DATE, 1, "449080006", "447562003", concepts[rnd.randrange(len(concepts))],
                 1 + i % 2, 1, rule, advice, target, "447561005", category)
    counts["extended map rows"] = emap.close()
    return counts


def measure(paths: list[Path], root: Path, use_tracemalloc: bool) -> dict[str, object]:
    """Run find() and read every record; time, record counts and peak memory of this process."""
    import tracemalloc

    from raremap.release_input import BuildReport, ReadContext
    from raremap.sources.snomed.rf2_release import READER

    if use_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    groups = READER.find(paths)
    found = time.perf_counter() - start
    kinds: Counter[str] = Counter()
    report = BuildReport()
    for group in groups:
        for record in READER.read(group, ReadContext(root=root, report=report)):
            kinds[type(record).__name__] += 1
    seconds = time.perf_counter() - start
    result: dict[str, object] = {
        "find_seconds": round(found, 2),
        "read_seconds": round(seconds, 2),
        "records": dict(kinds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "skipped_rows": sum(report.skipped.values()),
    }
    if use_tracemalloc:
        result["python_heap_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    return result


def _subprocess(args: list[str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", help="1/20 of full size")
    size.add_argument("--scale", type=float, default=1.0, help="fraction of full size (default 1 = International size)")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it (reused when it exists)")
    ap.add_argument("--zip", action="store_true", help="also measure reading the release from a zip")
    ap.add_argument("--tracemalloc", action="store_true", help="also report the Python heap peak (slower)")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure is not None:  # child process
        target = args.measure
        paths = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
        print(json.dumps(measure(paths, target if target.is_dir() else target.parent, args.tracemalloc)))
        return

    scale = 0.05 if args.small else args.scale
    with tempfile.TemporaryDirectory(prefix="bench_snomed_") as tmp:
        base = args.keep or Path(tmp)
        root = base / f"SnomedCT_SyntheticRF2_scale{scale:g}"
        if not root.exists():
            start = time.perf_counter()
            counts = generate(root, scale)
            size_mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20
            print(f"generated {root} in {time.perf_counter() - start:.0f} s ({size_mb:.0f} MB): {counts}")
        extra = ["--tracemalloc"] if args.tracemalloc else []
        result = _subprocess(["--measure", str(root), *extra])
        print("folder:", json.dumps(result))
        if args.zip:
            archive = base / f"{root.name}.zip"
            if not archive.exists():
                with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                    for p in sorted(root.rglob("*")):
                        if p.is_file():
                            zf.write(p, f"{root.name}/{p.relative_to(root).as_posix()}")
            print("zip:   ", json.dumps(_subprocess(["--measure", str(archive), *extra])))


if __name__ == "__main__":
    main()
