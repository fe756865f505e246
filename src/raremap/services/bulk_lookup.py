"""Bulk lookup: many names (a registry's free-text diagnosis column) grounded on every core.

Each distinct query is looked up once. Up to a few hundred distinct queries are answered in this
process; more are split into chunks answered by worker processes. On Linux the workers are forked
from this process and share its loaded terminology (the snapshot's tables are memory-mapped, so
nothing is copied); elsewhere each worker opens the snapshot by path once.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import snapshot as snapshot_store
from ..errors import UsageError
from .terminology import Terminology

if TYPE_CHECKING:
    from ..model import Match

MIN_PARALLEL = 512  # distinct queries below this are answered in this process (starting workers costs more)
CHUNK = 256  # distinct queries per task sent to a worker

_WORKER: dict[str, Any] = {}  # in a worker process: the Terminology it answers from


def lookup_many(rm: Terminology, queries: Iterable[str], options: dict[str, Any], workers: int | None = None) -> list[list[Match]]:
    """``[rm.lookup(q, **options) for q in queries]``, each distinct query looked up once, spread
    over ``workers`` processes (default: every core)."""
    texts = list(queries)
    for i, q in enumerate(texts):
        if not isinstance(q, str):
            raise UsageError(f"queries[{i}] is a {type(q).__name__}, not a str")
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError(f"workers must be 1 or more, not {workers}")
    distinct = list(dict.fromkeys(texts))
    if workers == 1 or len(distinct) < MIN_PARALLEL:
        found = {q: rm.lookup(q, **options) for q in distinct}
        return [found[q] for q in texts]
    chunks = [distinct[i:i + CHUNK] for i in range(0, len(distinct), CHUNK)]
    if "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        _WORKER["rm"] = rm  # inherited by the forked workers
        gc.freeze()  # a worker's garbage collection would touch (and so copy) every object it inherits
        initargs: tuple[Any, ...] = (None,)
    else:
        context = multiprocessing.get_context("spawn")
        initargs = (str(rm.snapshot.path),)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context,
                                 initializer=_start, initargs=initargs) as pool:
            answers = list(pool.map(_answer, chunks, [options] * len(chunks)))
    finally:
        _WORKER.pop("rm", None)
        gc.unfreeze()
    found = {q: hits for chunk, hits in zip(chunks, answers) for q, hits in zip(chunk, hits)}
    return [found[q] for q in texts]


def _start(snapshot: str | None) -> None:
    if snapshot is not None:  # a spawned worker opens the snapshot itself
        _WORKER["rm"] = Terminology(snapshot_store.read(Path(snapshot)))


def _answer(chunk: list[str], options: dict[str, Any]) -> list[list[Match]]:
    rm = _WORKER["rm"]
    return [rm.lookup(q, **options) for q in chunk]
