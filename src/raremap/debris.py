"""Temporary files and folders of interrupted runs: named after the process writing them, and
removed by the next run writing into the same folder once that process is gone.

A temporary name is ``.<name>.<pid>-<start>.<kind><anything>`` (``kind``: ``partial`` for a
batch output, ``building``/``old`` for a snapshot folder), where ``start`` is the writing
process's start time (Linux clock ticks since boot; 0 where unknown). :func:`clean_stale`
removes such an entry only if it is older than the running process and its writer is not
running — no process with that pid, or one with another start time (the pid was reused) — so
another live process's temporary file is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

_STARTED = time.time()
_TEMP = re.compile(r"^\..+\.(?P<pid>\d+)-(?P<start>\d+)\.(?:partial|building|old)")
_LEGACY_PARTIAL = re.compile(r"^\..+\.(?P<pid>\d+)\.partial$")  # batch outputs before the start-time marker


def _start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` (clock ticks since boot), None if it does not run or is unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the command name may hold spaces
    except (IndexError, ValueError):
        return None


def marker() -> str:
    """``<pid>-<start>`` of this process, the owner part of a temporary name."""
    pid = os.getpid()
    return f"{pid}-{_start_ticks(pid) or 0}"


def temporary_name(name: str, kind: str) -> str:
    """The hidden temporary name for ``name`` written by this process (``kind``: partial, building, old)."""
    return f".{name}.{marker()}.{kind}"


def _running(pid: int, start: int | None) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, as another user
    except OSError:
        return True  # cannot tell: keep the file
    if start:
        actual = _start_ticks(pid)
        if actual is not None and actual != start:
            return False  # the pid now belongs to another process
    return True


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders of finished or killed raremap runs in ``folder``
    (see the module docstring); returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name) or _LEGACY_PARTIAL.match(entry.name)
        if m is None:
            continue
        start = int(m.group("start")) if "start" in m.groupdict() else None
        try:
            if entry.lstat().st_mtime >= _STARTED or _running(int(m.group("pid")), start):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue  # gone meanwhile or not ours to remove
        removed.append(entry)
    return removed
