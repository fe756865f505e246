"""Benchmark: batch mapping throughput on the hard cases and on a synthetic registry table, and
crosswalk() latency.

    python benchmarks/bench_crosswalk.py                      # 10 million rows, shared data if present
    python benchmarks/bench_crosswalk.py --rows 2000000 --releases data
    python benchmarks/bench_crosswalk.py --hard-only          # only the hard cases below

Hard cases (each option set in a fresh process, so "first pass" resolves every distinct code from
scratch and peak RSS is that run's own): --hard-rows (1,000,000) rows of ICD-10-SE 4-character
codes drawn uniformly (``uniform``), and the same table with a sixth of the rows ``Q87.8``, a broad
code with hundreds of ORPHA targets (``broad``); ``explode=False`` and ``explode=True``, first pass
and cached second pass, rows/s of input, output rows, peak RSS over the process's RSS before the
pass. Paired in the same process with the limit of this shape: plain pyarrow dictionary-encode of
the column + ``take`` of a precomputed per-distinct-code answer.

The registry table (patient id, date, diagnosis code) is written as Parquet to a temporary
directory in 1-million-row row groups and then streamed through ``RareMap.map_table`` batch by
batch: distinct codes are resolved once and cached, so throughput is Arrow work per row. Codes are
drawn from every ICD-10-SE code of the loaded releases (dotted and undotted spellings), ORPHA codes,
and a few empty and invalid values. Peak RSS is printed to show memory stays flat.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import raremap  # noqa: E402
from raremap.services.batch import write_batches  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def vocabulary(rm: raremap.RareMap, seed: int) -> list[str]:
    rng = random.Random(seed)
    codes: list[str] = []
    for code, system in zip(rm._concepts["code"], rm._concepts["system"]):
        value = code.partition(":")[2]
        if system == "ICD10SE" and "-" not in value and len(value) > 2:
            codes.append(value if rng.random() < 0.5 else value.replace(".", ""))  # Q87.4 / Q874
        elif system == "ORPHA":
            codes.append(code)
    codes += ["", "XYZ", "Q99.99", "ORPHA:0"]  # empty, invalid and unknown values
    return codes


def write_registry(path: Path, rows: int, codes: list[str], seed: int, group: int = 1_000_000) -> None:
    """A synthetic registry: one row per (patient, visit, diagnosis), written in row groups."""
    rng = random.Random(seed)
    dictionary = pa.array(codes, pa.string())
    schema = pa.schema([("patient", pa.int64()), ("visit", pa.date32()), ("diagnosis", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        done = 0
        while done < rows:
            n = min(group, rows - done)
            try:
                import numpy as np

                gen = np.random.default_rng(rng.randrange(1 << 30))
                picks = pa.array(gen.integers(0, len(codes), n, dtype=np.int32))
                patients = pa.array(gen.integers(1, 2_000_000, n, dtype=np.int64))
                days = pa.array(gen.integers(7000, 20000, n, dtype=np.int32)).cast(pa.date32())
            except ImportError:
                picks = pa.array([rng.randrange(len(codes)) for _ in range(n)], pa.int32())
                patients = pa.array([rng.randrange(1, 2_000_000) for _ in range(n)], pa.int64())
                days = pa.array([rng.randrange(7000, 20000) for _ in range(n)], pa.int32()).cast(pa.date32())
            diagnosis = dictionary.take(picks)
            writer.write_table(pa.table([patients, days, diagnosis], schema=schema))
            done += n


def bench_batch(rm: raremap.RareMap, path: Path, rows: int, to: str, batch_size: int, out: Path | None,
                umi: bool, explode: bool, label: str) -> None:
    samples = []
    start = time.perf_counter()
    reader = rm.map_table(path, "diagnosis", to=to, stream=True, batch_size=batch_size, umi=umi, explode=explode)

    def watched(r):
        for batch in r:
            samples.append(rss_mb())
            yield batch

    watched_reader = pa.RecordBatchReader.from_batches(reader.schema, watched(reader))
    if out is None:
        n_out = sum(b.num_rows for b in watched_reader)
    else:
        n_out = write_batches(watched_reader, out)
    elapsed = time.perf_counter() - start
    what = f"{label}, to={to}, {'written to ' + out.suffix if out else 'consumed'}"
    print(f"  {what:36s} {rows / elapsed / 1e6:6.2f} M input rows/s  ({rows:,} rows -> {n_out:,} in {elapsed:.2f} s;"
          f" RSS during stream {min(samples):.0f}-{max(samples):.0f} MB, peak {peak_rss_mb():.0f} MB)")


def bench_latency(rm: raremap.RareMap, label: str, codes: list[str], to: str | None, **kw) -> None:
    cw = rm.crosswalker
    cold, warm, cached = [], [], []
    for code in codes:
        cw._answers.cache_clear()
        cw._adjacent_cache.clear()
        cw._bridge_cache.clear()
        cw._rows.clear()
        t = time.perf_counter()
        found = rm.crosswalk(code, to, **kw)
        cold.append(time.perf_counter() - t)
        cw._answers.cache_clear()  # the steps out of every code are known now; the answer is recomputed
        t = time.perf_counter()
        rm.crosswalk(code, to, **kw)
        warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        rm.crosswalk(code, to, **kw)
        cached.append(time.perf_counter() - t)
        del found

    def q(values: list[float]) -> str:
        values = sorted(values)
        return (f"median {statistics.median(values) * 1e6:7.1f} µs, p95 {values[int(len(values) * 0.95)] * 1e6:7.1f} µs")

    print(f"  {label:48s} cold {q(cold)} | recomputed {q(warm)} | cached {statistics.median(cached) * 1e6:.1f} µs"
          f"  (n={len(codes)})")


def hard_codes(rm: raremap.RareMap) -> list[str]:
    """Every ICD-10-SE 4-character code (``A00.0``) of the loaded releases."""
    return sorted(code.partition(":")[2] for code, system in zip(rm._concepts["code"], rm._concepts["system"])
                  if system == "ICD10SE" and re.match(r"^[A-Z][0-9]{2}\.[0-9A-Z]$", code.partition(":")[2]))


def hard_table(codes: list[str], rows: int, broad: bool, seed: int) -> pa.Table:
    import numpy as np

    gen = np.random.default_rng(seed)
    values = pa.array(codes + ["Q87.8"], pa.string())
    picks = gen.integers(0, len(codes), rows, dtype=np.int32)
    if broad:
        picks[gen.random(rows) < 1 / 6] = len(codes)
    return pa.table({"patient": pa.array(gen.integers(1, 2_000_000, rows, dtype=np.int64)),
                     "diagnosis": values.take(pa.array(picks))})


def hard_child(releases: str | None, rows: int, broad: bool, explode: bool, batch_size: int, seed: int,
               cold: bool) -> None:
    """One option set in this (fresh) process: pyarrow baseline, first pass, cached pass. ``cold``:
    the answers a previous process kept on disk are removed first."""
    rm = raremap.load(releases=releases)
    table = hard_table(hard_codes(rm), rows, broad, seed)
    mapper = rm.batch_mapper("diagnosis", "ORPHA", explode=explode, umi=True)
    if cold:
        mapper.answers_path.unlink(missing_ok=True)
    # the limit of this shape: dictionary-encode + take of a precomputed answer per distinct value
    base = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for batch in table.to_batches(max_chunksize=batch_size):
            encoded = pc.dictionary_encode(batch.column(1))
            answer = pa.array([f"ORPHA:{i}" for i in range(len(encoded.dictionary))], pa.string())
            answer.take(encoded.indices)
        base = max(base, rows / (time.perf_counter() - t))
    figures = []
    for label in ("first (nothing on disk)" if cold else "first (answers on disk)", "cached"):
        gc.collect()
        before = rss_mb()
        resource_peak = peak_rss_mb()
        t = time.perf_counter()
        try:
            reader = rm.map_table(table, "diagnosis", to="ORPHA", stream=True, batch_size=batch_size,
                                  explode=explode, umi=True)
            out = 0
            largest = 0
            for b in reader:
                out += b.num_rows
                largest = max(largest, b.num_rows)
            elapsed = time.perf_counter() - t
            figures.append(f"{label} {rows / elapsed / 1e6:5.2f} M rows/s ({out:,} rows out, largest batch "
                           f"{largest:,})")
        except Exception as err:  # the benchmark reports a crash instead of stopping
            figures.append(f"{label} CRASH after {time.perf_counter() - t:.1f} s: {type(err).__name__}: "
                           f"{str(err)[:70]}")
        peak = peak_rss_mb()
        figures[-1] += f", peak RSS +{max(0.0, peak - max(before, resource_peak)):.0f} MB over {before:.0f} MB"
    print(f"  {'broad' if broad else 'uniform':8s} explode={str(explode):5s} | pyarrow encode+take (best of 3) {base / 1e6:5.2f} M rows/s"
          f" | " + " | ".join(figures), flush=True)


def hard_cases(args: argparse.Namespace) -> None:
    print(f"hard cases: {args.hard_rows:,} rows of uniformly drawn ICD-10-SE 4-character codes (broad: a sixth "
          f"Q87.8), to=ORPHA, umi=True, batch_size {args.batch_size:,}; each line one fresh process "
          f"(the machine is shared: figures are noisy, compare within a line):", flush=True)
    for broad, explode, cold in [(b, e, c) for b in (False, True) for e in (False, True) for c in (True, False)]:
        cmd = [sys.executable, __file__, "--child", f"{int(broad)}{int(explode)}{int(cold)}", "--hard-rows",
               str(args.hard_rows), "--batch-size", str(args.batch_size), "--seed", str(args.seed)]
        if args.releases:
            cmd += ["--releases", args.releases]
        subprocess.run(cmd, check=False)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000_000, help="registry rows (default 10,000,000)")
    p.add_argument("--releases", default=str(SHARED) if SHARED.is_dir() else None,
                   help="release directory (default ../shared/data when present, else the bundled sample)")
    p.add_argument("--to", default="ORPHA", help="target system of the batch run (default ORPHA)")
    p.add_argument("--batch-size", type=int, default=1 << 20, help="rows per record batch (default 1,048,576)")
    p.add_argument("--latency-codes", type=int, default=2000, help="codes sampled per latency measurement")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="only the code->code throughput run")
    p.add_argument("--hard-rows", type=int, default=1_000_000, help="rows of the hard-case tables (default 1,000,000)")
    p.add_argument("--hard-only", action="store_true", help="only the hard cases")
    p.add_argument("--no-hard", action="store_true", help="skip the hard cases")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        hard_child(args.releases, args.hard_rows, args.child[0] == "1", args.child[1] == "1", args.batch_size,
                   args.seed, args.child[2:3] == "1")
        return 0
    if not args.no_hard:
        hard_cases(args)
        if args.hard_only:
            return 0

    t = time.perf_counter()
    rm = raremap.load(releases=args.releases)
    print(f"loaded {rm!r} in {time.perf_counter() - t:.1f} s; RSS {rss_mb():.0f} MB")
    codes = vocabulary(rm, args.seed)
    with tempfile.TemporaryDirectory(prefix="raremap-bench-") as tmp:
        path = Path(tmp) / "registry.parquet"
        t = time.perf_counter()
        write_registry(path, args.rows, codes, args.seed)
        print(f"synthetic registry: {args.rows:,} rows, {len(codes):,} distinct codes, "
              f"{path.stat().st_size / 1e6:.0f} MB Parquet, written in {time.perf_counter() - t:.1f} s")
        gc.collect()
        print(f"batch mapping (streamed, {args.batch_size:,} rows per batch; RSS before {rss_mb():.0f} MB):")
        # the first run of each option set resolves every distinct code once (cold); later runs
        # reuse those answers (steady state)
        print(" code -> code:")
        bench_batch(rm, path, args.rows, args.to, args.batch_size, None, umi=False, explode=False, label="cold")
        bench_batch(rm, path, args.rows, args.to, args.batch_size, None, umi=False, explode=False, label="cached")
        if not args.quick:
            print(" one row per target, with the UMI flag:")
            bench_batch(rm, path, args.rows, args.to, args.batch_size, None, umi=True, explode=True, label="cold")
            bench_batch(rm, path, args.rows, args.to, args.batch_size, None, umi=True, explode=True, label="cached")
            bench_batch(rm, path, args.rows, args.to, args.batch_size, Path(tmp) / "mapped.parquet", umi=True,
                        explode=True, label="cached")
    if args.quick:
        return 0
    rng = random.Random(args.seed)
    orpha = [c for c, s in zip(rm._concepts["code"], rm._concepts["system"]) if s == "ORPHA"]
    se = [c for c, s in zip(rm._concepts["code"], rm._concepts["system"]) if s == "ICD10SE" and "-" not in c]
    mapped_orpha = [c for c in orpha if c in rm._by_source] or orpha
    n = args.latency_codes
    print("crosswalk() latency (cold: no caches; recomputed: answer recomputed, steps known; cached: repeat call):")
    bench_latency(rm, "direct: ORPHA -> ICD10 (statements only)", rng.sample(mapped_orpha, min(n, len(mapped_orpha))),
                  "ICD10", transitive=False)
    bench_latency(rm, "direct+edition: ORPHA -> ICD10SE", rng.sample(mapped_orpha, min(n, len(mapped_orpha))), "ICD10SE")
    bench_latency(rm, "transitive: ICD10SE -> ICD11", rng.sample(se, min(n, len(se))), "ICD11")
    bench_latency(rm, "transitive: ICD10SE -> ORPHA (one-to-many)", rng.sample(se, min(n, len(se))), "ORPHA")
    bench_latency(rm, "all systems: ORPHA -> * (with hierarchy fallback)", rng.sample(orpha, min(n, len(orpha))), None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
