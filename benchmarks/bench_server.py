"""Bounded load against ``raremap serve`` on 127.0.0.1: requests/s and p50/p99 latency of
CodeSystem/$lookup, ValueSet/$expand with a filter (autocomplete) and ConceptMap/$translate at
1, 16 and 64 concurrent connections, with 1 and 2 worker processes, and the memory (RSS, PSS,
private) of each worker.

    python benchmarks/bench_server.py [--releases DIR | --snapshot PATH] [--requests 2000]
                                      [--duration 15] [--connections 1,16,64] [--workers 1,2]

Each scenario sends a fixed number of requests (--requests) from an async httpx loop and stops
early after --duration seconds; nothing but 127.0.0.1 is ever addressed. Requests cycle through
real codes of the loaded releases (ORPHA codes for $lookup and $translate) and through the
beginnings (3 to 8 letters) of real names for $expand, as someone typing would send them.
Baselines in the same run: GET /health over the same connections (HTTP and framework cost
without terminology work) and the same Python API call in-process (rm.concept, rm.complete,
rm.crosswalk), single thread. The load generator shares the machine with the server: on a
2-core machine both compete for the cores, so figures are lower bounds of what the server does
on its own. Anchor (issue 11): hermes serves autocomplete at 7,541 req/s, p50 38.8 ms, p99 79 ms
from 300 connections on an i3 NUC.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

import raremap

ORPHA = "http://www.orpha.net"
ALL_CODES = "https://raremap.invalid/fhir/ValueSet/all"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int, source: list[str], port: int) -> subprocess.Popen:
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
                    return proc
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("raremap serve did not come up")


def worker_pids(pid: int) -> list[int]:
    """The uvicorn worker processes of the server (the server itself when it has no children)."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]
    workers = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return workers or [pid]


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and private memory of a process in MiB (/proc/PID/smaps_rollup)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name.strip()] = int(rest.split()[0])
    mib = 1024
    return {"rss": fields["Rss"] / mib, "pss": fields["Pss"] / mib,
            "private": (fields["Private_Clean"] + fields["Private_Dirty"]) / mib,
            "shared": (fields["Shared_Clean"] + fields["Shared_Dirty"]) / mib}


async def load(base: str, paths: list[str], requests: int, connections: int, duration: float) -> dict[str, float]:
    """Send ``requests`` GETs (cycling ``paths``) over ``connections`` connections; stop after ``duration`` s."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for path in paths[:connections]:  # open the connections before the clock starts
            await client.get(path)
        start = time.perf_counter()
        stop_at = start + duration

        async def one_connection() -> None:
            nonlocal sent, errors
            while sent < requests and time.perf_counter() < stop_at:
                path = paths[sent % len(paths)]
                sent += 1
                t0 = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors += 1

        await asyncio.gather(*(one_connection() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {"n": len(latencies), "rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "errors": errors,
            "elapsed": elapsed}


def scenarios(rm: raremap.RareMap, rng: random.Random) -> tuple[dict[str, list[str]], list[str], list[str]]:
    orpha = [c.code.split(":")[1] for c in rm.concepts("ORPHA", active_only=True)]
    rng.shuffle(orpha)
    orpha = orpha[:500]
    names = [c.label for c in rm.concepts(active_only=True) if len(c.label) >= 8]
    rng.shuffle(names)
    prefixes = [n[:rng.randint(3, 8)] for n in names[:500]]
    return {
        "health (baseline)": ["/health"],
        "$lookup": [f"/CodeSystem/$lookup?system={ORPHA}&code={c}" for c in orpha],
        "$expand filter": [f"/ValueSet/$expand?url={ALL_CODES}&filter={httpx.QueryParams({'f': p})['f']}&count=10"
                           for p in prefixes],
        "$translate": [f"/ConceptMap/$translate?system={ORPHA}&code={c}" for c in orpha],
    }, orpha, prefixes


def in_process(rm: raremap.RareMap, orpha: list[str], prefixes: list[str]) -> dict[str, float]:
    """Median µs of the Python API call behind each operation, single thread, warm."""
    calls = {"$lookup": lambda i: rm.concept(f"ORPHA:{orpha[i % len(orpha)]}"),
             "$expand filter": lambda i: rm.complete(prefixes[i % len(prefixes)], limit=10),
             "$translate": lambda i: rm.crosswalk(f"ORPHA:{orpha[i % len(orpha)]}")}
    out = {}
    for name, call in calls.items():
        for i in range(200):
            call(i)
        times = []
        for i in range(1000):
            t0 = time.perf_counter()
            call(i)
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times) * 1e6
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--releases", help="release directory (default: the bundled sample)")
    ap.add_argument("--snapshot", help="compiled snapshot")
    ap.add_argument("--requests", type=int, default=2000, help="requests per scenario (default 2000)")
    ap.add_argument("--duration", type=float, default=15.0, help="at most this many seconds per scenario (default 15)")
    ap.add_argument("--connections", default="1,16,64", help="concurrent connections (default 1,16,64)")
    ap.add_argument("--workers", default="1,2", help="worker processes (default 1,2)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    source = ["--releases", args.releases] if args.releases else ["--snapshot", args.snapshot] if args.snapshot else []
    rm = raremap.load(releases=args.releases, snapshot=args.snapshot)
    paths, orpha, prefixes = scenarios(rm, random.Random(args.seed))
    print(f"raremap serve on 127.0.0.1, {rm!r}")
    print(f"machine: {os.cpu_count()} cores shared by the server, this load generator and other work; "
          f"{args.requests} requests or {args.duration:g} s per scenario")
    print("\nin-process Python API (baseline, median, 1 thread): " + ", ".join(
        f"{name} {us:.0f} µs" for name, us in in_process(rm, orpha, prefixes).items()))
    del rm
    connections = [int(c) for c in args.connections.split(",")]
    for workers in [int(w) for w in args.workers.split(",")]:
        port = free_port()
        proc = start(workers, source, port)
        try:
            base = f"http://127.0.0.1:{port}"
            pids = worker_pids(proc.pid)
            before = [memory(p) for p in pids]
            print(f"\n{workers} worker(s): ")
            print(f"{'operation':<18} {'conn':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>8} {'errors':>6}")
            for name, cycle in paths.items():
                for c in connections:
                    r = asyncio.run(load(base, cycle, args.requests, c, args.duration))
                    print(f"{name:<18} {c:>4} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['n']:>8} "
                          f"{r['errors']:>6}")
            after = [memory(p) for p in pids]
            for i, (b, a) in enumerate(zip(before, after)):
                print(f"worker {i + 1} (pid {pids[i]}): RSS {b['rss']:.0f} MiB after start, {a['rss']:.0f} MiB after the "
                      f"load; PSS {a['pss']:.0f} MiB, private {a['private']:.0f} MiB, shared {a['shared']:.0f} MiB")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
