"""Swedish coder's eval: do ICD-10-SE titles of rare diseases reach the ORPHA concept in lookup?

    python benchmarks/bench_swedish.py [--shared PATH] [--seed 1] [--max-misses 30]

Query set, built from the releases the way a coder types: every active ICD-10-SE code whose
title the snapshot bridges to exactly one best ORPHA code (a release links the two and the
title names the disease: raremap.indexes.lexical_bridges) — those are the codes of rare
diseases whose right ORPHA answer the data fixes. Kinds:

- title:  the title lower-cased
- typo:   the lower-cased title with one random edit (delete, insert or substitute a keyboard
          neighbour, swap) on a letter of a word of at least 5 letters
- ascii:  titles holding å/ä/ö, lower-cased and typed with a/a/o

Printed per kind: the share with the ORPHA code among the first 5 of an unfiltered lookup and
first with ``system="ORPHA"`` (target ≥ 0.98), before and after; the misses (after). "Before"
is the same code and releases built with ``lexical=False`` (no bridges, no borrowed names: the
index main had before the change), so both run in the same process on the same machine.
Speed: lookup p50/p90 of the whole query set, before and after, interleaved query by query
(single thread, time.perf_counter around the public call), plus grouped lookup p50 (after).
The machine may be shared: compare the two columns of one run, not runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import raremap
from raremap.services.rare_map import RareMap

from bench_lookup import NEIGHBOURS  # the same keyboard neighbours as the lookup benchmark

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parents[1] / "shared" / "data"
_ASCII = str.maketrans("åäöÅÄÖ", "aaoAAO")


def typo(text: str, rng: random.Random) -> str:
    """One edit on a letter of a word of at least 5 letters (the title when it has none)."""
    spans = [(i, i + len(w)) for i, w in _words(text) if len(w) >= 5 and w.isalpha()]
    if not spans:
        return text
    start, stop = rng.choice(spans)
    i = rng.randrange(start, stop)
    op = rng.choice(("delete", "insert", "substitute", "swap"))
    ch = text[i]
    if op == "delete":
        return text[:i] + text[i + 1:]
    if op == "insert":
        return text[:i] + rng.choice(NEIGHBOURS.get(ch, ch) or ch) + text[i:]
    if op == "substitute":
        return text[:i] + rng.choice(NEIGHBOURS.get(ch, ch) or ch) + text[i + 1:]
    j = i + 1 if i + 1 < stop else i - 1
    a, b = sorted((i, j))
    return text[:a] + text[b] + text[a] + text[b + 1:]


def _words(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for w in text.split(" "):
        out.append((pos, w))
        pos += len(w) + 1
    return out


def query_set(rm: RareMap, rng: random.Random) -> dict[str, list[tuple[str, str, str]]]:
    """kind → [(query, expected ORPHA code, ICD-10-SE code)]."""
    kinds: dict[str, list[tuple[str, str, str]]] = {"title": [], "typo": [], "ascii": []}
    seen: set[str] = set()
    for m in rm.all_lexical_mappings():
        if m.source in seen:
            continue
        seen.add(m.source)
        pairs = rm.lexical_mappings(m.source)
        if len(pairs) > 1 and pairs[0].score == pairs[1].score:
            continue  # no single right answer
        title = rm.concept(m.source).label.lower()
        orpha = pairs[0].target
        kinds["title"].append((title, orpha, m.source))
        kinds["typo"].append((typo(title, rng), orpha, m.source))
        if any(ch in title for ch in "åäö"):
            kinds["ascii"].append((title.translate(_ASCII), orpha, m.source))
    return kinds


def evaluate(rm: RareMap, queries: list[tuple[str, str, str]]) -> tuple[float, float, list[str]]:
    top5 = first = 0
    misses: list[str] = []
    for text, orpha, icd in queries:
        in5 = orpha in [h.code for h in rm.lookup(text, limit=5)]
        best = rm.lookup(text, system="ORPHA", limit=1)
        is_first = bool(best) and best[0].code == orpha
        top5 += in5
        first += is_first
        if not (in5 and is_first):
            got = best[0].code if best else "-"
            misses.append(f"{text!r} ({icd}) -> want {orpha} {rm.concept(orpha).label!r}: "
                          f"top5={'yes' if in5 else 'no'}, first ORPHA={got}")
    n = max(len(queries), 1)
    return top5 / n, first / n, misses


def timings(before: RareMap, after: RareMap, texts: list[str]) -> tuple[list[float], list[float], list[float]]:
    tb: list[float] = []
    ta: list[float] = []
    tg: list[float] = []
    for text in texts:
        for rm, out in ((before, tb), (after, ta)):
            t = time.perf_counter()
            rm.lookup(text, limit=10)
            out.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        after.lookup_diseases(text, limit=10)
        tg.append((time.perf_counter() - t) * 1000)
    return tb, ta, tg


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-misses", type=int, default=30)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        after = raremap.load(releases=args.shared, cache=Path(tmp) / "on")
        built_after = time.perf_counter() - t
        t = time.perf_counter()
        before = raremap.load(releases=args.shared, cache=Path(tmp) / "off", lexical=False)
        built_before = time.perf_counter() - t
        print(f"snapshot build: lexical on {built_after:.1f} s, off {built_before:.1f} s (shared machine)")
        counts = after.snapshot.manifest["report"]["counts"]
        total = next(v for k, v in counts.items() if k.startswith("lexical mappings ("))
        print(f"lexical pairs: {total}")
        kinds = query_set(after, rng)
        print(f"{'kind':<7} {'n':>5}  {'top5 before':>11} {'top5 after':>10}  {'ORPHA#1 before':>14} {'ORPHA#1 after':>13}")
        all_misses: list[str] = []
        for kind, queries in kinds.items():
            b5, b1, _ = evaluate(before, queries)
            a5, a1, misses = evaluate(after, queries)
            print(f"{kind:<7} {len(queries):>5}  {b5:>11.3f} {a5:>10.3f}  {b1:>14.3f} {a1:>13.3f}")
            all_misses += [f"[{kind}] {m}" for m in misses]
        print(f"misses after ({len(all_misses)}):")
        for line in all_misses[:args.max_misses]:
            print("  " + line)
        if len(all_misses) > args.max_misses:
            print(f"  … {len(all_misses) - args.max_misses} more")
        texts = [q for queries in kinds.values() for q, _, _ in queries]
        for rm in (before, after):  # warm up the index pages and caches
            for text in texts[:50]:
                rm.lookup(text, limit=10)
        after.lookup_diseases(texts[0], limit=10)
        tb, ta, tg = timings(before, after, texts)
        print(f"lookup over {len(texts)} queries (ms): before p50 {statistics.median(tb):.2f} p90 {_pct(tb, 0.9):.2f}; "
              f"after p50 {statistics.median(ta):.2f} p90 {_pct(ta, 0.9):.2f} "
              f"({(statistics.median(ta) / statistics.median(tb) - 1) * 100:+.0f} % p50)")
        print(f"grouped lookup_diseases (after, ms): p50 {statistics.median(tg):.2f} p90 {_pct(tg, 0.9):.2f}")


if __name__ == "__main__":
    main()
