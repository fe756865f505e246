"""Start-up, build, load and concept() figures for the bundled sample and ../shared/data.

    python benchmarks/bench_core.py [--shared PATH] [--baseline-src /work/main/src] [--cold-only]

Prints first the cold-process figures: fresh Python processes (median of --runs, at least 5)
doing ``import raremap``; ``raremap.load(releases=...)`` of the cached snapshot; the first
``rm.lookup()``; the first ``rm.lookup_diseases()`` (grouped by disease, in a process of its own:
nothing before it but the load); and the one-shot command ``raremap lookup "..."`` (grouped by disease, and
``--flat``: one line per code, when the tree has it) — for the bundled sample and
for ../shared/data. ``--baseline-src`` runs the same processes with another source tree first on
``sys.path`` (e.g. main before a change), paired in the same run. The import share comes from
``python -X importtime``: pyarrow (+ numpy, which it imports), rapidfuzz and raremap's own modules.
Then: build time per source group (fresh snapshot), snapshot load time (in-process open + index,
median of 5), concept() latency cold (first call per code) and warm (cached).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
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


_COLD = """
import time
t0 = time.perf_counter()
import raremap
t1 = time.perf_counter()
rm = raremap.load(releases={releases!r})
t2 = time.perf_counter()
rm.lookup("marfans syndrom")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t3 - t0)
"""
# the first grouped lookup of a fresh process (what the CLI's default lookup answers with)
_COLD_GROUPED = """
import time
import raremap
rm = raremap.load(releases={releases!r})
t0 = time.perf_counter()
rm.lookup_diseases("marfans syndrom")
print(time.perf_counter() - t0)
"""
_CLI = "import sys; from raremap.cli import main; sys.exit(main(sys.argv[1:]))"


def _env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def cold(label: str, releases: Path | None, runs: int, src: Path | None) -> None:
    """Fresh processes: import, load of the cached snapshot, first lookup; and the one-shot CLI."""
    env = _env(src)
    code = _COLD.format(releases=str(releases) if releases else None)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)  # builds/caches once
    figures = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
        figures.append([float(x) for x in out.stdout.split()])
    imp, load, first, total = (statistics.median(col) for col in zip(*figures))
    grouped_code = _COLD_GROUPED.format(releases=str(releases) if releases else None)
    grouped = statistics.median(
        float(subprocess.run([sys.executable, "-c", grouped_code], env=env, check=True, capture_output=True,
                             text=True).stdout) for _ in range(runs))
    argv = [sys.executable, "-c", _CLI, "lookup", "marfans syndrom"] + (["--releases", str(releases)] if releases else [])
    cli = _timed(argv, env, runs)
    flat = _timed(argv + ["--flat"], env, runs) if "--flat" in subprocess.run(
        [sys.executable, "-c", _CLI, "lookup", "--help"], env=env, capture_output=True, text=True).stdout else []
    # the import share: python -X importtime of the same process
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, check=True, capture_output=True,
                         text=True).stderr
    share = {name: 0.0 for name in ("pyarrow", "numpy", "rapidfuzz", "pandas", "networkx", "openpyxl", "defusedxml")}
    total_import = 0.0
    for line in out.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line.split("|")
        if not cumulative.strip().isdigit():
            continue
        if len(name) - len(name.lstrip()) == 1:  # a top-level import of the process
            total_import += int(cumulative) / 1e6
        if name.strip() in share:  # each package appears once, where it is first imported
            share[name.strip()] += int(cumulative) / 1e6
    shares = f"all imports {total_import * 1000:.0f} ms, of which " + ", ".join(
        f"{k} {v * 1000:.0f} ms" for k, v in share.items() if v) + " (pyarrow includes numpy)"
    print(f"  {label:46s} import {imp * 1000:6.0f} ms  load {load * 1000:6.0f} ms  first lookup {first * 1000:5.0f} ms"
          f"  total {total * 1000:6.0f} ms | first grouped lookup {grouped * 1000:5.0f} ms | CLI one-shot lookup {statistics.median(cli) * 1000:6.0f} ms"
          f" (--flat {statistics.median(flat) * 1000 if flat else float('nan'):4.0f} ms)"
          f"  (median of {runs}; -X importtime: {shares})", flush=True)


def _timed(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(argv, env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per cold-process figure (at least 5)")
    parser.add_argument("--baseline-src", type=Path, help="another source tree (e.g. main's src) to pair with")
    parser.add_argument("--cold-only", action="store_true", help="only the cold-process figures")
    args = parser.parse_args()
    runs = max(5, args.runs)
    print("cold process (fresh python processes; the machine is shared, figures are noisy — compare within a pair):")
    for label, releases in [("bundled sample", None), ("../shared/data", args.shared if args.shared.is_dir() else None)]:
        if label != "bundled sample" and releases is None:
            print(f"  ({args.shared} not found)")
            continue
        if args.baseline_src is not None:
            cold(f"{label}, baseline {args.baseline_src}", releases, runs, args.baseline_src)
        cold(f"{label}, this tree", releases, runs, None)
    if args.cold_only:
        return
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
