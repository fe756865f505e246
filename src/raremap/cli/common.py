"""What every ``raremap`` subcommand shares: opening the releases the options name (saying so
when a snapshot is built), JSON output, progress on stderr, and the exit status of an empty
answer.

Progress (tqdm: a small pure-Python library without dependencies of its own) is drawn only when
stderr is a terminal; otherwise a long step prints nothing but its final line, so logs and
pipes stay clean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from ..errors import UsageError
from ..loader import load
from ..services.rare_map import RareMap

NOTHING_FOUND = 1  # exit status of lookup, map and umi when the answer is empty (the JSON is still printed)


def open_map(args: argparse.Namespace) -> RareMap:
    """The :class:`RareMap` of ``--releases DIR`` / ``--snapshot PATH`` (default: the bundled
    sample). A build (the first use of a releases directory) says so on stderr: one line, or
    every step with ``--verbose``."""
    releases, snapshot = getattr(args, "releases", None), getattr(args, "snapshot", None)
    if releases is not None and snapshot is not None:
        raise UsageError("give --releases DIR or --snapshot PATH, not both")
    verbose = getattr(args, "verbose", False)
    notice = BuildNotice(releases, verbose=verbose)
    rm = load(releases=releases, snapshot=snapshot, progress=notice)
    notice.done(str(rm.snapshot.path))
    return rm


class BuildNotice:
    """The ``progress`` callback of :func:`raremap.load` for the command line: ``verbose``
    prints every message of the build; otherwise, on a terminal, one bar with the percentage and
    ETA of the release files read, and a final line when :meth:`done` (all a pipe gets);
    ``quiet`` prints nothing."""

    def __init__(self, releases: str | None, *, verbose: bool = False, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self.root = releases
        self.releases = releases or "the bundled sample"
        self.verbose = verbose
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.started: float | None = None
        self.bar: Any = None
        self.inputs = 0
        self.sizes: list[int] = []

    def __call__(self, message: str) -> None:
        if self.started is None:
            self.started = time.perf_counter()
        if self.quiet:
            return
        if self.verbose:
            running = message.endswith(" records") and " … " in message
            if self.stream.isatty():
                self.stream.write(f"\r\033[K{message}" + ("" if running else "\n"))
                self.stream.flush()
            elif not running:
                print(message, file=self.stream)
            return
        if not self.stream.isatty():
            return  # a log gets the final line only
        if self.bar is None:
            self.bar = self._bar()
        if " records in " in message:  # an input is read to its end (inputs are read in discovery order)
            if self.inputs < len(self.sizes):
                self.bar.update(self.sizes[self.inputs])
            self.inputs += 1
            step = message.split(":", 1)[0]
        elif message.startswith("merged:"):
            step = "merging, indexing"
        elif message.startswith("writing the snapshot"):
            step = "writing"
        else:
            step = message.split(":", 1)[0]
        self.bar.set_postfix_str(step[:30], refresh=True)

    def _bar(self) -> Any:
        """A tqdm bar over the bytes of the release files the build reads (percentage and ETA of
        the reading; merging, indexing and writing follow it, named)."""
        from tqdm import tqdm

        from ..loader import sample_dir
        from ..sources import discover

        root = Path(self.root) if self.root is not None else sample_dir()
        try:
            self.sizes = [sum(f.stat().st_size for f in files) for _, files in discover(root)]
        except OSError:
            self.sizes = []  # the build itself reports what is unreadable
        return tqdm(total=sum(self.sizes) or None, unit="B", unit_scale=True, file=self.stream, leave=False,
                    desc="raremap: building the snapshot (once)", dynamic_ncols=True,
                    bar_format="{desc}: {percentage:3.0f}% read [{elapsed}<{remaining}{postfix}]")

    def done(self, path: str) -> None:
        """The build (if there was one) is over: its final line."""
        if self.bar is not None:
            self.bar.close()
        if self.started is None or self.quiet:
            return
        seconds = time.perf_counter() - self.started
        print(f"raremap: built the snapshot of {self.releases} in {seconds:.1f} s: {path} "
              "(later runs open it at once)", file=self.stream)


class RowProgress:
    """Progress of a table being mapped, on stderr: with tqdm on a terminal (percentage and ETA
    when ``total`` input rows are known), nothing but the final line otherwise."""

    def __init__(self, total: int | None, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.started = time.perf_counter()
        self.rows = 0
        self.bar: Any = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=" rows", unit_scale=True, file=self.stream, leave=False,
                            desc="raremap: mapping", dynamic_ncols=True)

    def update(self, rows: int) -> None:
        """``rows`` more input rows are mapped."""
        self.rows += rows
        if self.bar is not None:
            self.bar.update(rows)

    def close(self, line: str | None = None) -> None:
        """Remove the bar; print ``line`` (the summary) unless quiet."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if line and not self.quiet:
            print(line, file=self.stream)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (Swedish letters kept, dates and paths as text)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


def verbose_arg(p: argparse.ArgumentParser) -> None:
    """``--verbose``: every step of a snapshot build on stderr (default: one line)."""
    p.add_argument("--verbose", "-v", action="store_true",
                   help="print every step of a snapshot build on stderr (default: one line saying a build ran)")
