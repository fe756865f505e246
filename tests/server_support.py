"""Helpers of the server tests: FHIR R4 validation and a real uvicorn process on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fhir.resources.R4B import get_fhir_model_class

ROOT = Path(__file__).resolve().parents[1]


def valid(resource: Any, kind: str) -> dict[str, Any]:
    """``resource`` validated against the FHIR R4 (R4B: 4.3, whose terminology resources are R4's)
    model of ``kind`` of fhir.resources; returns it."""
    assert isinstance(resource, dict), resource
    assert resource.get("resourceType") == kind, resource
    get_fhir_model_class(kind).model_validate(resource)
    return resource


def params(resource: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The Parameters entries called ``name``."""
    return [p for p in resource.get("parameter", []) if p["name"] == name]


def one(resource: dict[str, Any], name: str) -> Any:
    """The value of the single Parameters entry ``name`` (value[x] or its parts)."""
    found = params(resource, name)
    assert len(found) == 1, (name, found)
    entry = found[0]
    if "part" in entry:
        return entry["part"]
    return next(v for k, v in entry.items() if k.startswith("value"))


def parts(entry_parts: list[dict[str, Any]], name: str) -> list[Any]:
    """The values of the parts called ``name``."""
    return [next(v for k, v in p.items() if k.startswith("value")) if "part" not in p else p["part"]
            for p in entry_parts if p["name"] == name]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(*args: str, cache: Path, startup: float = 120.0) -> Iterator[str]:
    """``raremap serve`` in a subprocess on a free port of 127.0.0.1; yields its base URL and
    stops it (SIGTERM, graceful) afterwards."""
    port = free_port()
    env = {**os.environ, "RAREMAP_CACHE": str(cache)}
    command = Path(sys.executable).with_name("raremap")  # the console script pip installed
    proc = subprocess.Popen([str(command), "serve", "--port", str(port),
                             "--log-level", "warning", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"raremap serve exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"raremap serve did not answer on {base} within {startup:g} s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
