"""Bounded load against a real ``raremap serve`` (uvicorn) on 127.0.0.1: requests/s and p50/p99
latency of CodeSystem/$lookup, ValueSet/$expand with a filter (autocomplete) and
ConceptMap/$translate at 1, 16 and 64 concurrent connections (the autocomplete twice: over every
loaded code, grouped by disease, and flat over the ORPHA code system), with 1 and 2 worker processes; the
memory (RSS, PSS, private, shared) of each worker process; and in the same run two in-process
baselines, so the cost of each layer shows: the Python API call alone (rm.concept,
rm.complete grouped by disease, rm.crosswalk) and the FHIR operation without HTTP (the server's
Terminology object building the same JSON resource).

    python benchmarks/bench_server.py [--releases DIR | --snapshot PATH] [--requests 2000]
                                      [--duration 10] [--connections 1,16,64] [--workers 1,2]

The server is started as a subprocess on a free port of 127.0.0.1 (nothing else is ever
addressed), awaited on /health and stopped (SIGTERM) at the end. Each scenario sends a fixed
number of requests (--requests) from one async httpx loop and stops by itself after --duration
seconds, whichever comes first. Requests cycle through real codes of the loaded releases (ORPHA
codes for $lookup and $translate) and, for $expand, through real Swedish and English names typed
letter by letter ("ma", "mar", "marf" ...), as an autocomplete field sends them. The load client
runs on the same machine as the server (on a 2-core machine they compete for the cores), so the
figures are lower bounds of what the server does on its own. Anchor (issue 11): hermes serves
autocomplete at 7,541 req/s, p50 38.8 ms, p99 79 ms from 300 connections on an i3 NUC.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

import raremap
from raremap.server.fhir import ALL_CODES
from raremap.services.disease_groups import group_matches
from raremap.server.operations import Terminology
from raremap.server.params import Args

ORPHA = "http://www.orpha.net"
FIRST_LETTERS = 2  # an autocomplete field asks from the second letter on
TYPED = 14  # ... up to this many letters of a name
NAMES = 20  # names drawn from the releases per language
# names a Swedish coder and an English-reading clinician type, besides those drawn from the releases
TYPED_NAMES = [("sv", "marfans syndrom"), ("sv", "tuberös skleros"), ("sv", "cystisk fibros"),
               ("en", "Marfan syndrome"), ("en", "tuberous sclerosis"), ("en", "Gaucher disease")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int, source: list[str], port: int) -> subprocess.Popen:
    """``raremap serve`` on 127.0.0.1:port with ``workers`` processes, once every worker answers."""
    command = Path(sys.executable).with_name("raremap")
    proc = subprocess.Popen([str(command), "serve", "--port", str(port), "--workers", str(workers),
                             "--log-level", "warning", *source], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"raremap serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                if workers == 1 or len(worker_pids(proc.pid)) == workers:
                    time.sleep(2 if workers > 1 else 0)  # the other workers finish warming up
                    return proc
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stop(proc)
    raise SystemExit("raremap serve did not come up within 300 s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_pids(pid: int) -> list[int]:
    """The uvicorn worker processes of the server (the server itself when it has no workers)."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]
    workers = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return workers or [pid]


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS, private and shared memory of a process in MiB (/proc/PID/smaps_rollup)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name.strip()] = int(rest.split()[0])
    mib = 1024
    return {"rss": fields["Rss"] / mib, "pss": fields["Pss"] / mib,
            "private": (fields["Private_Clean"] + fields["Private_Dirty"]) / mib,
            "shared": (fields["Shared_Clean"] + fields["Shared_Dirty"]) / mib}


def summary(latencies: list[float], elapsed: float, errors: int = 0) -> dict[str, float]:
    latencies = sorted(latencies)
    return {"n": len(latencies), "rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "errors": errors}


async def load(base: str, paths: list[str], requests: int, connections: int, duration: float) -> dict[str, float]:
    """Send ``requests`` GETs (cycling ``paths``) over ``connections`` keep-alive connections, each
    its own httpx client (one pool shared by 64 connections costs more than the server); stop
    after ``duration`` s."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=30) for _ in range(connections)]
    try:
        await asyncio.gather(*(c.get("/health") for c in clients))  # connect before the clock starts
        start = time.perf_counter()
        stop_at = start + duration

        async def one_connection(client: httpx.AsyncClient) -> None:
            nonlocal sent, errors
            while sent < requests and time.perf_counter() < stop_at:
                path = paths[sent % len(paths)]
                sent += 1
                t0 = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors += 1

        await asyncio.gather(*(one_connection(c) for c in clients))
        elapsed = time.perf_counter() - start
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return summary(latencies, elapsed, errors)


def typed_prefixes(rm: raremap.RareMap, rng: random.Random, names: int) -> list[str]:
    """Real Swedish and English names (ICD-10-SE titles, ORPHA labels) typed letter by letter."""
    swedish = [c.labels.get("sv", c.label) for c in rm.concepts("ICD10SE", active_only=True)]
    english = [c.labels.get("en", c.label) for c in rm.concepts("ORPHA", active_only=True)]
    drawn = []
    for lang, pool in (("sv", swedish), ("en", english)):
        pool = sorted({n for n in pool if len(n) >= 8})
        drawn += [(lang, n) for n in rng.sample(pool, min(names, len(pool)))]
    typed = [*TYPED_NAMES, *drawn]
    return [name[:k] for _, name in typed for k in range(FIRST_LETTERS, min(len(name), TYPED) + 1)
            if name[k - 1] != " "]


def scenarios(rm: raremap.RareMap, rng: random.Random) -> tuple[dict[str, list[str]], list[str], list[str]]:
    orpha = [c.code.split(":")[1] for c in rm.concepts("ORPHA", active_only=True)]
    rng.shuffle(orpha)
    orpha = orpha[:500]
    prefixes = typed_prefixes(rm, rng, NAMES)
    paths = {
        "health": ["/health"],
        "$lookup": [f"/CodeSystem/$lookup?{httpx.QueryParams(system=ORPHA, code=c)}" for c in orpha],
        "$expand filter": [f"/ValueSet/$expand?{httpx.QueryParams(url=ALL_CODES, filter=p, count=10)}"
                           for p in prefixes],
        "$expand ORPHA": [f"/ValueSet/$expand?{httpx.QueryParams(url=ORPHA + '?fhir_vs', filter=p, count=10)}"
                          for p in prefixes],
        "$translate": [f"/ConceptMap/$translate?{httpx.QueryParams(system=ORPHA, code=c)}" for c in orpha],
    }
    return paths, orpha, prefixes


def timed(call: Callable[[int], object], requests: int, duration: float) -> dict[str, float]:
    """``call(i)`` for i in 0..requests (after 50 warm-up calls), at most ``duration`` seconds, one thread."""
    for i in range(50):
        call(i)
    latencies = []
    start = time.perf_counter()
    for i in range(requests):
        t0 = time.perf_counter()
        call(i)
        latencies.append(time.perf_counter() - t0)
        if t0 - start > duration:
            break
    return summary(latencies, time.perf_counter() - start)


def in_process(rm: raremap.RareMap, paths: dict[str, list[str]], orpha: list[str], prefixes: list[str],
               requests: int, duration: float) -> dict[tuple[str, str], dict[str, float]]:
    """The Python API call behind each operation, and the FHIR operation without HTTP."""
    ops = Terminology(rm)
    operation = {"$lookup": ops.lookup, "$expand filter": ops.expand, "$expand ORPHA": ops.expand,
                 "$translate": ops.translate}

    def fhir(name: str) -> Callable[[int], object]:
        queries = [list(httpx.QueryParams(p.partition("?")[2]).multi_items()) for p in paths[name]]
        return lambda i: operation[name](Args(queries[i % len(queries)]))

    api = {"$lookup": lambda i: rm.concept(f"ORPHA:{orpha[i % len(orpha)]}"),
           "$expand filter": lambda i: group_matches(rm, rm.complete(prefixes[i % len(prefixes)], limit=40), limit=10),
           "$expand ORPHA": lambda i: rm.complete(prefixes[i % len(prefixes)], system="ORPHA", limit=10),
           "$translate": lambda i: rm.crosswalk(f"ORPHA:{orpha[i % len(orpha)]}")}
    out = {}
    for name in operation:
        out[(name, "Python API")] = timed(api[name], requests, duration)
        out[(name, "FHIR, no HTTP")] = timed(fhir(name), requests, duration)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--releases", help="release directory (default: the bundled sample)")
    ap.add_argument("--snapshot", help="compiled snapshot")
    ap.add_argument("--requests", type=int, default=2000, help="requests per scenario (default 2000)")
    ap.add_argument("--duration", type=float, default=10.0, help="at most this many seconds per scenario (default 10)")
    ap.add_argument("--connections", default="1,16,64", help="concurrent connections (default 1,16,64)")
    ap.add_argument("--workers", default="1,2", help="worker processes (default 1,2)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    source = ["--releases", args.releases] if args.releases else ["--snapshot", args.snapshot] if args.snapshot else []
    rm = raremap.load(releases=args.releases, snapshot=args.snapshot)
    paths, orpha, prefixes = scenarios(rm, random.Random(args.seed))
    print(f"raremap serve (uvicorn) on 127.0.0.1 over {', '.join(r.id for r in rm.releases)}: {len(rm):,} concepts")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores shared by the server, "
          f"this load client (one async httpx loop) and any other work on the machine: figures are lower bounds")
    print(f"each scenario: {args.requests} requests or {args.duration:g} s; $expand: {len(prefixes)} prefixes, "
          f"{NAMES} Swedish ICD-10-SE titles and {NAMES} English ORPHA labels of the releases and "
          f"{len(TYPED_NAMES)} common names typed letter by letter, count=10; '$expand filter': url={ALL_CODES} "
          f"(grouped by disease), '$expand ORPHA': url={ORPHA}?fhir_vs (flat)")
    rows: list[tuple[str, str, str, dict[str, float]]] = []
    for (name, where), r in in_process(rm, paths, orpha, prefixes, args.requests, args.duration).items():
        rows.append((name, where, "1", r))
    del rm
    connections = [int(c) for c in args.connections.split(",")]
    memories: list[str] = []
    for workers in [int(w) for w in args.workers.split(",")]:
        port = free_port()
        proc = start(workers, source, port)
        try:
            base = f"http://127.0.0.1:{port}"
            pids = worker_pids(proc.pid)
            before = [memory(p) for p in pids]
            where = f"HTTP, {workers} worker{'s' if workers > 1 else ''}"
            for name, cycle in paths.items():
                for c in connections:
                    rows.append((name, where, str(c), asyncio.run(load(base, cycle, args.requests, c, args.duration))))
            after = [memory(p) for p in pids]
            for i, (b, a) in enumerate(zip(before, after)):
                memories.append(f"{workers} worker(s), worker {i + 1}: RSS {b['rss']:.0f} MiB after start, "
                                f"{a['rss']:.0f} MiB after the load; PSS {a['pss']:.0f} MiB, private {a['private']:.0f} "
                                f"MiB, shared {a['shared']:.0f} MiB")
            if len(after) > 1:
                memories.append(f"{workers} workers together: PSS {sum(a['pss'] for a in after):.0f} MiB "
                                f"(RSS summed: {sum(a['rss'] for a in after):.0f} MiB)")
        finally:
            stop(proc)
    print(f"\n{'operation':<15} {'where':<16} {'conn':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>8} "
          f"{'errors':>6}")
    order = {name: i for i, name in enumerate(paths)}
    for name, where, conn, r in sorted(rows, key=lambda row: order[row[0]]):
        print(f"{name:<15} {where:<16} {conn:>4} {r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['n']:>8} "
              f"{r['errors']:>6}")
    print("\nmemory per worker process (/proc/PID/smaps_rollup; the snapshot's Arrow tables are memory-mapped, "
          "so their pages are shared between workers through the page cache):")
    for line in memories:
        print("  " + line)


if __name__ == "__main__":
    main()
