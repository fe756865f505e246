"""Quality and speed of rm.lookup() / rm.complete() against plain rapidfuzz, on the real releases
in ../shared/data and on a synthetic 1,000,000-name index.

    python benchmarks/bench_lookup.py [--shared PATH] [--queries 1000] [--baseline-queries 50]
                                      [--synthetic 1000000] [--seed 1]

Evaluation sets (derived from the releases; the index never sees a query):
- names:     labels as written (the easy case)
- typo:      preferred labels (at least 8 letters) with 1 or 2 random edits (delete, insert,
             substitute with a keyboard neighbour, swap) on letters; a variant that normalises to
             any existing name is redrawn
- ascii:     Swedish names containing å/ä/ö typed in lower case with a/a/o
- sv typo:   Swedish titles containing å/ä/ö typed without them (a/a/o) and with 1 or 2 edits
- shuffled:  labels of 2+ words, words in a shuffled order (punctuation dropped)
- paraphrase (held-out): synonyms removed from the index (leave-one-out: a second index is built without
             them) and then looked up; synonyms equal, once normalised, to another name of their
             own concept are not used (they would be exact hits)
Only names whose normalised form belongs to one active concept are used, so the expected code
is the single right answer. recall@k: the expected code is among the first k results.

Baseline: ``process.extract(query, all_names, scorer=fuzz.WRatio, limit=30)`` over the display
texts of every indexed name (rapidfuzz defaults, no preprocessing), deduplicated to 10
concepts; it runs on the first --baseline-queries queries of each set (it takes about a second
per query on the real names) and on --baseline-queries/2 queries of the synthetic index.
Speed: single thread, one query at a time, time.perf_counter around the public call; p50/p99
per set beside the baseline's (sampled) and the ratio of the medians, in the same run. Then
``rm.lookup(..., system=...)`` on the typo set and ``rm.lookup_many`` (every core) against a loop
of ``rm.lookup`` on all queries, in queries/s. The machine may be shared: compare within a row.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
from rapidfuzz import fuzz, process

import raremap
from raremap.model import Concept, Status
from raremap.services.search import SearchIndex
from raremap.indexes.search_index import PREFERRED, IndexTerm, build_search_tables, concept_terms
from raremap.indexes.textnorm import normalise, permutation_key

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parents[1] / "shared" / "data"

_ROWS = ["qwertyuiopå", "asdfghjklöä", "zxcvbnm"]
NEIGHBOURS: dict[str, str] = {}
for r, row in enumerate(_ROWS):
    for c, ch in enumerate(row):
        near = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
        for other in (r - 1, r + 1):
            if 0 <= other < len(_ROWS):
                near += [_ROWS[other][k] for k in (c - 1, c, c + 1) if 0 <= k < len(_ROWS[other])]
        NEIGHBOURS[ch] = "".join(n for n in near if n)


@dataclasses.dataclass
class Query:
    text: str
    code: str


# --- evaluation sets ----------------------------------------------------------------------


def name_owners(tables: dict[str, pa.Table], codes: Sequence[str]) -> dict[str, set[str]]:
    """Normalised name → codes of the concepts that carry it (every indexed name)."""
    terms = tables["search_terms"]
    owners: dict[str, set[str]] = defaultdict(set)
    for norm, concept in zip(terms.column("norm").to_pylist(), terms.column("concept").to_pylist()):
        owners[norm].add(codes[concept])
    return owners


def typo(text: str, rng: random.Random, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        letters = [i for i, ch in enumerate(chars) if ch.isalpha()]
        i = rng.choice(letters)
        ch = chars[i].lower()
        op = rng.choice(("delete", "insert", "substitute", "swap"))
        if op == "delete":
            del chars[i]
        elif op == "insert":
            chars.insert(i, rng.choice(NEIGHBOURS.get(ch, "aeiou")))
        elif op == "substitute":
            chars[i] = rng.choice(NEIGHBOURS.get(ch, "aeiou"))
        elif i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i - 1], chars[i] = chars[i], chars[i - 1]
    return "".join(chars)


def typo_set(labels: list[tuple[str, str]], owners: dict[str, set[str]], rng: random.Random, n: int) -> list[Query]:
    out: list[Query] = []
    for text, code in rng.sample(labels, len(labels)):
        if sum(ch.isalpha() for ch in text) < 8:
            continue
        for _ in range(10):
            variant = typo(text, rng, rng.choice((1, 2)))
            norm = normalise(variant)
            if norm and norm != normalise(text) and norm not in owners:
                out.append(Query(variant, code))
                break
        if len(out) == n:
            break
    return out


_FOLD = str.maketrans("åäöÅÄÖ", "aaoAAO")


def ascii_set(swedish: list[tuple[str, str]], rng: random.Random, n: int) -> list[Query]:
    chosen = [(t, c) for t, c in swedish if re.search("[åäöÅÄÖ]", t)]
    return [Query(t.lower().translate(_FOLD), c) for t, c in rng.sample(chosen, min(n, len(chosen)))]


def swedish_typo_set(swedish: list[tuple[str, str]], owners: dict[str, set[str]], rng: random.Random,
                     n: int) -> list[Query]:
    """Swedish titles with å/ä/ö typed as a/a/o, then 1-2 edits (a variant naming another name is redrawn)."""
    chosen = [(t.lower().translate(_FOLD), c) for t, c in swedish if re.search("[åäöÅÄÖ]", t)]
    return typo_set(chosen, owners, rng, n)


def names_set(labels: list[tuple[str, str]], rng: random.Random, n: int) -> list[Query]:
    return [Query(t, c) for t, c in rng.sample(labels, min(n, len(labels)))]


def shuffled_set(labels: list[tuple[str, str]], perm_owners: dict[str, set[str]], rng: random.Random, n: int) -> list[Query]:
    out: list[Query] = []
    for text, code in rng.sample(labels, len(labels)):
        words = re.findall(r"\w+", text)
        if len(words) < 2 or len(perm_owners.get(permutation_key(normalise(text)), ())) != 1:
            continue
        shuffled = words[:]
        while shuffled == words:
            rng.shuffle(shuffled)
        out.append(Query(" ".join(shuffled), code))
        if len(out) == n:
            break
    return out


def held_out(concepts: list[Concept], owners: dict[str, set[str]], rng: random.Random, n: int) -> tuple[list[Concept], list[Query]]:
    """Concepts with ``n`` synonyms removed, and those synonyms as queries."""
    pool = []
    for i, c in enumerate(concepts):
        if not c.active:
            continue
        own = {normalise(t) for t in c.labels.values()} | {normalise(c.label)}
        norms = [normalise(t.text) for t in c.synonyms]
        for j, (term, norm) in enumerate(zip(c.synonyms, norms)):
            others = own | {m for k, m in enumerate(norms) if k != j}
            if norm and norm not in others and owners.get(norm) == {c.code}:
                pool.append((i, j))
    chosen = rng.sample(pool, min(n, len(pool)))
    drop: dict[int, set[int]] = defaultdict(set)
    for i, j in chosen:
        drop[i].add(j)
    reduced = list(concepts)
    for i, js in drop.items():
        c = concepts[i]
        reduced[i] = dataclasses.replace(c, synonyms=tuple(t for j, t in enumerate(c.synonyms) if j not in js))
    return reduced, [Query(concepts[i].synonyms[j].text, concepts[i].code) for i, j in chosen]


# --- running ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_ours(search: Callable[[str], list[str]], queries: list[Query]) -> tuple[float, float, list[float]]:
    hit1 = hit10 = 0
    times = []
    for q in queries:
        t0 = time.perf_counter()
        codes = search(q.text)
        times.append(time.perf_counter() - t0)
        hit1 += bool(codes) and codes[0] == q.code
        hit10 += q.code in codes[:10]
    return hit1 / max(1, len(queries)), hit10 / max(1, len(queries)), times


def baseline_search(names: list[str], owners: list[str]) -> Callable[[str], list[str]]:
    def search(text: str) -> list[str]:
        found: list[str] = []
        for _, _, j in process.extract(text, names, scorer=fuzz.WRatio, limit=30):
            if owners[j] not in found:
                found.append(owners[j])
        return found[:10]

    return search


def index_search(index: SearchIndex, codes: Sequence[str]) -> Callable[[str], list[str]]:
    flt = index.filter()

    def search(text: str) -> list[str]:
        return [codes[h.concept] for h in index.lookup(text, flt, 10)]

    return search


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def print_table(title: str, header: Sequence[str], rows: list[Sequence[object]]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))


def completion_prefixes(labels: list[tuple[str, str]], rng: random.Random, n: int) -> list[str]:
    out = []
    for text, _ in rng.sample(labels, min(n, len(labels))):
        out.append(text[: rng.choice((2, 3, 2, 3, 4, 5, 6, 8))].lower())
    return out


def time_calls(fn: Callable[[str], object], inputs: list[str]) -> list[float]:
    times = []
    for x in inputs:
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return times


# --- synthetic index ----------------------------------------------------------------------


def synthetic_terms(base: list[IndexTerm], total: int, rng: random.Random) -> list[IndexTerm]:
    """``base`` plus made-up names up to ``total``: real names with one or two words replaced
    by words drawn from the real vocabulary (so word and trigram frequencies stay realistic)."""
    vocab = [w for t in base for w in t.text.split()]
    out = list(base)
    first = max(t.concept for t in base) + 1
    k = 0
    while len(out) < total:
        t = base[rng.randrange(len(base))]
        words = t.text.split()
        for _ in range(rng.choice((1, 2))):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        out.append(IndexTerm(first + k // 2, " ".join(words), t.lang, PREFERRED if k % 2 == 0 else 1, "SYNTH", True))
        k += 1
    return out


def mmap_tables(tables: dict[str, pa.Table], directory: Path) -> dict[str, pa.Table]:
    """Write tables as Arrow IPC files and memory-map them back (as a snapshot does)."""
    out = {}
    for name, table in tables.items():
        path = directory / f"{name}.arrow"
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        out[name] = ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    return out


# --- main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--queries", type=int, default=1000, help="queries per evaluation set")
    ap.add_argument("--baseline-queries", type=int, default=50, help="baseline queries per set (it is slow)")
    ap.add_argument("--synthetic", type=int, default=1_000_000, help="names in the synthetic index (0: skip)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    cache = Path(os.environ.get("RAREMAP_CACHE") or tempfile.mkdtemp(prefix="raremap-bench-"))

    t0 = time.perf_counter()
    rm = raremap.load(releases=args.shared, cache=cache)
    print(f"snapshot ready in {time.perf_counter() - t0:.1f} s: {rm}")
    load_figures(args.shared, cache)

    concepts = list(rm.concepts())
    codes = [c.code for c in concepts]
    t0 = time.perf_counter()
    tables = build_search_tables(concept_terms(concepts))
    t_build = time.perf_counter() - t0
    print(f"search index: {tables['search_terms'].num_rows} names of {len(concepts)} concepts, built in {t_build:.1f} s")

    owners = name_owners(tables, codes)
    perm_owners: dict[str, set[str]] = defaultdict(set)
    for norm, who in owners.items():
        perm_owners[permutation_key(norm)] |= who
    active = [c for c in concepts if c.status is Status.ACTIVE]
    labels = [(t, c.code) for c in active for t in {c.label, *c.labels.values()} if owners.get(normalise(t)) == {c.code}]
    swedish = [(t, c.code) for c in active for t in
               [x for lang, x in c.labels.items() if lang == "sv"] + [s.text for s in c.synonyms if s.lang == "sv"]
               if owners.get(normalise(t)) == {c.code}]
    sets = {
        "names": names_set(labels, rng, args.queries),
        "typo (1-2 edits)": typo_set(labels, owners, rng, args.queries),
        "ascii (å/ä/ö typed a/o)": ascii_set(swedish, rng, args.queries),
        "sv typo + a/o for å/ä/ö": swedish_typo_set(swedish, owners, rng, args.queries),
        "shuffled word order": shuffled_set(labels, perm_owners, rng, args.queries),
    }
    reduced, held = held_out(concepts, owners, rng, args.queries)
    t0 = time.perf_counter()
    held_tables = build_search_tables(concept_terms(reduced))
    held_index = SearchIndex(held_tables)
    print(f"held-out index (without {len(held)} synonyms) built in {time.perf_counter() - t0:.1f} s")

    all_names = tables["search_terms"].column("text").to_pylist()
    all_owners = [codes[i] for i in tables["search_terms"].column("concept").to_pylist()]
    held_names = held_tables["search_terms"].column("text").to_pylist()
    held_owners = [codes[i] for i in held_tables["search_terms"].column("concept").to_pylist()]

    def ours_api(text: str) -> list[str]:
        return [m.code for m in rm.lookup(text)]

    for q in list(sets.values())[1][:50]:  # warm up (imports, buffers)
        ours_api(q.text)
    rows = []
    all_times: list[float] = []
    base_times: list[float] = []
    plan = [(name, qs, ours_api, baseline_search(all_names, all_owners)) for name, qs in sets.items()]
    plan.append(("paraphrase (held-out synonyms)", held, index_search(held_index, codes),
                 baseline_search(held_names, held_owners)))
    for name, qs, ours, base in plan:
        gc.collect()
        r1, r10, times = run_ours(ours, qs)
        all_times += times
        bq = qs[: args.baseline_queries]
        b1, b10, btimes = run_ours(base, bq)
        base_times += btimes
        ratio = f"{statistics.median(btimes) / statistics.median(times):.0f}x" if btimes else "-"
        rows.append([name, len(qs), f"{r1:.3f}", f"{r10:.3f}", ms(statistics.median(times)), ms(percentile(times, 99)),
                     len(bq), f"{b1:.3f}", f"{b10:.3f}", median_ms(btimes), ratio])
    print_table(f"Quality and speed per set on {args.shared} ({tables['search_terms'].num_rows} names; rm.lookup top-10, "
                "one query at a time; baseline: rapidfuzz WRatio over every name, sampled)",
                ["set", "n", "R@1", "R@10", "p50 ms", "p99 ms", "n base", "base R@1", "base R@10", "base p50 ms",
                 "base/ours p50"], rows)

    typos = sets["typo (1-2 edits)"]
    filtered = [("system=ORPHA", "ORPHA"), ("system=ICD10SE", "ICD10SE")]
    frows = []
    for label, system in filtered:
        t = time_calls(lambda x: rm.lookup(x, system=system), [q.text for q in typos])
        frows.append([label, len(typos), ms(statistics.median(t)), ms(percentile(t, 99))])
    print_table("rm.lookup with a system filter, typo set", ["filter", "n", "p50 ms", "p99 ms"], frows)

    bulk = [q.text for qs in sets.values() for q in qs] + [q.text for q in held]
    if not hasattr(rm, "lookup_many"):  # an older raremap (a baseline source tree)
        bulk = []
    t0 = time.perf_counter()
    looped = [rm.lookup(q) for q in bulk]
    t_loop = time.perf_counter() - t0 or 1e-9
    t0 = time.perf_counter()
    many = rm.lookup_many(bulk) if bulk else []
    t_many = time.perf_counter() - t0 or 1e-9
    same = sum(a == b for a, b in zip(looped, many))
    if bulk:
        print_table("Bulk grounding: rm.lookup_many (every core) against a loop of rm.lookup, same queries, same run",
                    ["queries", "loop q/s", "lookup_many q/s", "speed-up", "identical answers"],
                    [[len(bulk), f"{len(bulk) / t_loop:.0f}", f"{len(bulk) / t_many:.0f}", f"{t_loop / t_many:.2f}x",
                      f"{same}/{len(bulk)}"]])

    prefixes = completion_prefixes(labels, rng, 2000)
    speed_rows = [speed_row("real", len(all_names), all_times, time_calls(lambda p: rm.complete(p), prefixes), prefixes, base_times)]

    if args.synthetic:
        speed_rows.append(synthetic_run(concepts, codes, sets, held, prefixes, args, rng))
    print_table("Speed (single thread, top-10). real: rm.lookup()/rm.complete() with Match objects, lookup over all "
                "sets; synthetic: SearchIndex.lookup()/complete() over the sets but paraphrase",
                ["index", "names", "lookup p50 ms", "lookup p99 ms", "complete p50 ms", "complete p99 ms",
                 "complete 2-3 letters p50 ms", "baseline p50 ms", "speed-up (p50)", "speed-up (mean)"], speed_rows)


def median_ms(values: list[float]) -> str:
    """Median in ms, or "-" when nothing was timed (--baseline-queries 0)."""
    return ms(statistics.median(values)) if values else "-"


def speed_row(label: str, names: int, times: list[float], ctimes: list[float], prefixes: list[str], base: list[float]) -> list[object]:
    short = [t for t, p in zip(ctimes, prefixes) if len(p) <= 3]
    speedup = (f"{statistics.median(base) / statistics.median(times):.0f}x", f"{statistics.mean(base) / statistics.mean(times):.0f}x") if base else ("-", "-")
    return [label, names, ms(statistics.median(times)), ms(percentile(times, 99)), ms(statistics.median(ctimes)),
            ms(percentile(ctimes, 99)), median_ms(short), median_ms(base), *speedup]


def synthetic_run(concepts: list[Concept], codes: list[str], sets: dict[str, list[Query]], held: list[Query],
                  prefixes: list[str], args: argparse.Namespace, rng: random.Random) -> list[object]:
    base = list(concept_terms(concepts))
    t0 = time.perf_counter()
    terms = synthetic_terms(base, int(args.synthetic * 1.01), rng)  # a few made-up names repeat and merge
    tables = build_search_tables(terms)
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        mapped = mmap_tables(tables, Path(tmp))
        del tables
        gc.collect()
        t0 = time.perf_counter()
        index = SearchIndex(mapped)
        t_open = time.perf_counter() - t0
        n = mapped["search_terms"].num_rows
        synth_codes = codes + [f"SYNTH:{i}" for i in range(n)]
        search = index_search(index, synth_codes)
        queries = [q for qs in sets.values() for q in qs]
        for q in queries[:50]:
            search(q.text)
        rows = []
        times: list[float] = []
        for name, qs in sets.items():
            r1, r10, t = run_ours(search, qs)
            times += t
            rows.append([name, len(qs), f"{r1:.3f}", f"{r10:.3f}"])
        print_table(f"Synthetic index: {n} names (built in {t_build:.0f} s, opened from memory-mapped Arrow in "
                    f"{t_open * 1000:.1f} ms); quality is informative only (made-up near-duplicates)",
                    ["set", "n", "R@1", "R@10"], rows)
        flt = index.filter()
        ctimes = time_calls(lambda p: index.complete(p, flt, 10), prefixes)
        names = mapped["search_terms"].column("text").to_pylist()
        owners = [synth_codes[i] for i in mapped["search_terms"].column("concept").to_pylist()]
        sample = rng.sample(queries, min(len(queries), max(10, args.baseline_queries // 2)))
        _, _, btimes = run_ours(baseline_search(names, owners), sample)
        print(f"(baseline on the synthetic index: {len(sample)} queries)")
        return speed_row("synthetic", n, times, ctimes, prefixes, btimes)


def load_figures(shared: Path, cache: Path) -> None:
    """raremap.load() of the cached snapshot, and what the search tables add to it."""
    code = (
        "import time; t0 = time.perf_counter(); import raremap; "
        f"rm = raremap.load(releases={str(shared)!r}, cache={str(cache)!r}); t1 = time.perf_counter(); "
        "rm.search_index; t2 = time.perf_counter(); rm.lookup('marfans syndrom'); t3 = time.perf_counter(); "
        "print(t1 - t0, t2 - t1, t3 - t2)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        runs.append([float(x) for x in out.split()])
    load, open_, first = (statistics.median(col) for col in zip(*runs))
    rm = raremap.load(releases=shared, cache=cache)
    directory = rm.snapshot.path
    t0 = time.perf_counter()
    for path in sorted(directory.glob("search_*.arrow")):
        ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    t_tables = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in directory.glob("search_*.arrow"))
    print_table("Index load (fresh process, median of 3)", ["what", "ms"], [
        ["raremap.load() of the cached snapshot, incl. import", ms(load)],
        [f"  of which: memory-map the search_* tables ({size / 1e6:.0f} MB)", ms(t_tables)],
        ["open the search index (first rm.lookup / rm.complete)", ms(open_)],
        ["first lookup after opening", ms(first)],
    ])


if __name__ == "__main__":
    main()
