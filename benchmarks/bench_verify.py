"""What snapshot verification costs: opening a snapshot without any check (the baseline: manifest
parsed, every table memory-mapped), with the checks every open makes (manifest checksum, each
file's size, schema and row count), and the full SHA-256 verification (``raremap verify``,
``load(verify=True)``). Median of ``--repeat`` runs each, in the same process.

    python benchmarks/bench_verify.py [--releases ../shared/data] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

import raremap
from raremap import snapshot


def _unchecked_open(path: Path) -> int:
    manifest = json.loads((path / snapshot.MANIFEST).read_text(encoding="utf-8"))
    rows = 0
    for name in manifest["tables"]:
        rows += ipc.open_file(pa.memory_map(str(path / f"{name}.arrow"), "r")).read_all().num_rows
    return rows


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=Path, default=here.parents[1] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    releases = args.releases if args.releases.is_dir() else None
    path = raremap.load(releases=releases).snapshot.path
    size = sum(f.stat().st_size for f in path.glob("*.arrow"))
    tables = len(list(path.glob("*.arrow")))
    print(f"snapshot {path} ({'bundled sample' if releases is None else releases}): {tables} table files, {size / 1e6:.1f} MB")
    runs: dict[str, list[float]] = {"base": [], "checked": [], "full": []}
    calls = {"base": lambda: _unchecked_open(path), "checked": lambda: snapshot.read(path),
             "full": lambda: snapshot.verify(path)}
    for fn in calls.values():
        fn()  # warm the page cache for all three
    order = list(calls)
    for i in range(args.repeat):  # interleaved in rotating order: a busy moment of the shared machine hits all three
        for what in order[i % 3:] + order[:i % 3]:
            runs[what].append(_median_ms(calls[what], 1))
    base, checked, full = (statistics.median(runs[w]) for w in ("base", "checked", "full"))
    print(f"{'open, no checks (baseline)':44}{base:9.1f} ms")
    print(f"{'open with size/schema/row-count checks':44}{checked:9.1f} ms   (+{checked - base:.1f} ms)")
    print(f"{'full SHA-256 of every table file (verify)':44}{full:9.1f} ms   ({size / 1e6 / (full / 1000):.0f} MB/s)")
    print("(median of", args.repeat, "interleaved runs each, same process, warm page cache; the machine may be shared)")


if __name__ == "__main__":
    main()
