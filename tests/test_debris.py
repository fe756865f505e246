"""Temporary debris: a killed batch's .partial file and a killed build's temporary snapshot folder
are removed by the next run into the same folder — never a live process's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from raremap import debris
from raremap.cli import main

PYTHON = sys.executable
RAREMAP = [PYTHON, "-c", "import sys; from raremap.cli import main; sys.exit(main(sys.argv[1:]))"]  # a fresh process


def _old(path: Path) -> Path:
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([PYTHON, "-c", "pass"])
    proc.wait()
    return proc.pid


def _ticks(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


@pytest.fixture
def sleeper():
    proc = subprocess.Popen([PYTHON, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()
    proc.wait()


def test_clean_stale_removes_only_dead_writers_entries(tmp_path: Path, sleeper) -> None:
    if not Path(f"/proc/{os.getpid()}/stat").exists():
        pytest.skip("no /proc: process start times unknown")
    dead = _dead_pid()
    live, live_start = sleeper.pid, _ticks(sleeper.pid)
    names = {
        "dead": f".out.csv.{dead}-{live_start}.partial",
        "legacy dead": f".out.csv.{dead}.partial",
        "reused pid": f".out.csv.{live}-{live_start + 1}.partial",
        "live": f".out.csv.{live}-{live_start}.partial",
        "legacy live": f".out.csv.{live}.partial",
        "dead, newer than this run": f".new.csv.{dead}-1.partial",
        "own": debris.temporary_name("mine.csv", "partial"),
        "not a temporary": "out.csv",
    }
    entries = {name: tmp_path / file for name, file in names.items()}
    for name, path in entries.items():
        path.touch()
        if name != "dead, newer than this run":
            _old(path)
    folder = tmp_path / f".snap.{dead}-7.buildingab12"
    folder.mkdir()
    (folder / "concepts.arrow").write_bytes(b"half")
    _old(folder)
    removed = set(debris.clean_stale(tmp_path))
    assert removed == {entries["dead"], entries["legacy dead"], entries["reused pid"], folder}
    for name in ("live", "legacy live", "dead, newer than this run", "own", "not a temporary"):
        assert entries[name].exists(), name


def _killed_batch(folder: Path) -> Path:
    """Run a batch that blocks after its first batch, SIGKILL it, return the .partial it left."""
    script = f"""
import time, pyarrow as pa, raremap
from raremap.services.batch import write_batches
rm = raremap.load()
table = pa.table({{"code": ["ORPHA:558"] * 10}})
def slow():
    yield from table.to_batches(max_chunksize=5)[:1]
    print("written", flush=True)
    time.sleep(120)
    yield from table.to_batches(max_chunksize=5)[1:]
mapped = rm.map_table(pa.RecordBatchReader.from_batches(table.schema, slow()), "code", to="ICD10SE", stream=True)
write_batches(mapped, {str(folder / "out.parquet")!r})
"""
    proc = subprocess.Popen([PYTHON, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = list(folder.glob(".out.parquet.*.partial"))
    assert len(left) == 1
    return left[0]


def test_killed_batch_partial_is_removed_by_the_next_batch(tmp_path: Path) -> None:
    partial = _killed_batch(tmp_path)
    _old(partial)  # the next run starts later than the killed one wrote
    source = tmp_path / "in.csv"
    pacsv.write_csv(pa.table({"code": ["ORPHA:558", "Q87.4"]}), source)
    run = subprocess.run([*RAREMAP, "batch", str(source), "--to", "ORPHA", "-o",
                          str(tmp_path / "out.parquet"), "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert not partial.exists() and (tmp_path / "out.parquet").exists()


def test_killed_build_folder_is_removed_by_the_next_build(tmp_path: Path) -> None:
    dest = tmp_path / "snap"
    env = {**os.environ, "RAREMAP_CACHE": str(tmp_path / "cache")}
    from raremap.loader import sample_dir

    proc = subprocess.Popen([*RAREMAP, "build", "--releases", str(sample_dir()), "-o", str(dest)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob(".snap.*.building*")) and proc.poll() is None:
        time.sleep(0.005)
    building = list(tmp_path.glob(".snap.*.building*"))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if not building or dest.exists():
        pytest.skip("the build finished before it could be killed")
    for path in building:
        _old(path)
    run = subprocess.run([*RAREMAP, "build", "--releases", str(sample_dir()), "-o", str(dest)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert not any(p.exists() for p in building) and (dest / "manifest.json").is_file()
    assert not list(tmp_path.glob(".snap.*"))


def test_batch_refuses_to_replace_its_input_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = tmp_path / "same.csv"
    pacsv.write_csv(pa.table({"code": ["ORPHA:558", "Q87.4"]}), same)
    before = same.read_bytes()
    assert main(["batch", str(same), "--to", "ORPHA", "-o", str(same), "-q"]) == 2
    assert "the output is the input" in capsys.readouterr().err
    assert same.read_bytes() == before
    assert main(["batch", str(same), "--to", "ORPHA", "-o", str(tmp_path / "." / "same.csv"), "-q"]) == 2
    assert main(["batch", str(same), "--to", "ORPHA", "-o", str(same), "-q", "--force"]) == 0
    assert "status" in same.read_text().splitlines()[0]
