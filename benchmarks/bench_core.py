"""Build, load and concept() figures for the Orphanet releases and for everything in ../shared/data.

    python benchmarks/bench_core.py [--shared PATH]

Prints: build time per source group (fresh snapshot), snapshot load time (cold process-level
open + index, median of 5), concept() latency cold (first call per code) and warm (cached).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import raremap
from raremap import snapshot as snap
from raremap.loader import build
from raremap.services.rare_map import RareMap

HERE = Path(__file__).resolve().parent


def _release_dir(tmp: Path, shared: Path, parts: list[str]) -> Path:
    """A releases directory holding only ``parts`` of shared (symlinks, nothing copied)."""
    root = tmp / ("releases-" + "-".join(p.replace("/", "_") for p in parts))
    root.mkdir()
    for part in parts:
        (root / part.replace("/", "_")).symlink_to(shared / part)
    return root


def bench(label: str, releases: Path, tmp: Path) -> None:
    dest = tmp / f"snap-{abs(hash(label))}"
    t0 = time.perf_counter()
    build(releases, dest)
    t_build = time.perf_counter() - t0
    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        rm = RareMap(snap.read(dest))
        loads.append(time.perf_counter() - t0)
    codes = list(rm._index)
    random.seed(1)
    sample = random.sample(codes, min(20000, len(codes)))
    t0 = time.perf_counter()
    rm.concept(sample[0])  # the first call converts the concept columns it reads, once
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for code in sample[1:]:
        rm.concept(code)
    cold = (time.perf_counter() - t0) / (len(sample) - 1)
    t0 = time.perf_counter()
    for _ in range(5):
        for code in sample:
            rm.concept(code)
    warm = (time.perf_counter() - t0) / (5 * len(sample))
    spelled = [f"Orphanet_{c.split(':')[1]}" for c in sample if c.startswith("ORPHA:")][:5000]
    t0 = time.perf_counter()
    for code in spelled:
        rm.concept(code)
    alt = (time.perf_counter() - t0) / max(1, len(spelled))
    print(f"{label:<34} {len(rm):>8} {t_build:>9.2f} s {statistics.median(loads)*1000:>9.1f} ms "
          f"{first*1000:>8.1f} ms {cold*1e6:>9.1f} µs {warm*1e6:>8.2f} µs {alt*1e6:>9.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=HERE.parents[1] / "shared" / "data")
    args = parser.parse_args()
    print(f"{'releases':<34} {'concepts':>8} {'build':>11} {'load':>12} {'1st call':>11} "
          f"{'concept()':>12} {'cached':>11} {'other spelling':>12}")
    print("concept(): first call per code (not cached); cached: the same code again; "
          "other spelling: Orphanet_<n> for a cached code")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bench("bundled sample", raremap.loader.sample_dir(), tmp)
        if args.shared.is_dir():
            bench("Orphanet 2023 pack (+34 classif.)", _release_dir(tmp, args.shared, ["orphanet/nomenclature_pack_2023_en"]), tmp)
            bench("everything in shared/data", args.shared, tmp)
        else:
            print(f"({args.shared} not found: only the bundled sample measured)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
