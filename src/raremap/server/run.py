"""Running the application under uvicorn: ``serve()`` behind ``raremap serve``.

One worker answers from the loaded map in this process. With ``workers > 1`` the snapshot is
built (or found in the cache) first, and each worker process memory-maps that one snapshot
directory: the Arrow tables are shared through the page cache, each worker keeps its own Python
indexes (see the README for the RSS each costs).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from ..loader import load
from ..services.disease_groups import group_matches
from ..services.rare_map import RareMap
from .app import create_app

_SNAPSHOT_ENV = "RAREMAP_SERVE_SNAPSHOT"
_OPTIONS_ENV = "RAREMAP_SERVE_OPTIONS"
GRACEFUL_SHUTDOWN = 10  # seconds in-flight requests get after SIGTERM/SIGINT
LIMIT_CONCURRENCY = 1000  # connections + tasks per worker before uvicorn answers 503


def serve(releases: str | Path | None = None, snapshot: str | Path | None = None, *, host: str = "127.0.0.1",
          port: int = 8080, workers: int = 1, cors_origins: Iterable[str] = (), timeout: float = 10.0,
          log_level: str = "info", loaded: RareMap | None = None) -> None:
    """Serve the terminology from ``releases`` or ``snapshot`` (default: the bundled sample), or
    the map already ``loaded``, on ``host:port`` until interrupted; shuts down gracefully on
    SIGINT/SIGTERM."""
    rm = loaded if loaded is not None else load(releases=releases, snapshot=snapshot)
    options = {"cors_origins": list(cors_origins), "timeout": timeout}
    common = dict(host=host, port=port, log_level=log_level, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
                  limit_concurrency=LIMIT_CONCURRENCY, server_header=False, proxy_headers=False)
    if workers <= 1:
        uvicorn.run(_warm(create_app(rm, **options), rm), **common)  # type: ignore[arg-type]
        return
    os.environ[_SNAPSHOT_ENV] = str(rm.snapshot.path)
    os.environ[_OPTIONS_ENV] = json.dumps(options)
    del rm, loaded  # each worker memory-maps the snapshot itself
    uvicorn.run("raremap.server.run:app_from_environment", factory=True, workers=workers, **common)  # type: ignore[arg-type]


def app_from_environment() -> FastAPI:
    """The application of one worker process: the snapshot the parent named, memory-mapped."""
    rm = load(snapshot=os.environ[_SNAPSHOT_ENV])
    options = json.loads(os.environ.get(_OPTIONS_ENV, "{}"))
    return _warm(create_app(rm, **options), rm)


def _warm(app: FastAPI, rm: RareMap) -> FastAPI:
    """Open the search index and the crosswalk tables before the first request (not during it)."""
    group_matches(rm, rm.crosswalker, rm.complete("ma", limit=24))  # the grouped $expand's tables too
    rm.lookup("a", limit=1)
    for code in rm.code_systems():
        first = next(rm.concepts(code), None)
        if first is not None:
            rm.crosswalk(first.code)
            break
    return app
