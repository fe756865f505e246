"""The raremap command and the public API surface as a newcomer meets them: exports, help,
user errors as one line and exit status 2, build never replacing what is not a snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import raremap
from raremap.cli import main
from paths import ROOT

COMMANDS = ("show", "lookup", "map", "umi", "batch", "export", "build", "releases", "diff", "fetch")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path_factory.getbasetemp() / "cli-cache"))


def test_public_names_are_exported() -> None:
    for name in ("load", "build", "diff", "RareMap", "Concept", "Match", "Mapping", "UmiAssessment", "Relation",
                 "IcdRelation", "Status", "Term", "TermKind", "Provenance", "Replacement", "Release", "Change",
                 "RaremapError", "InvalidCodeError", "UnknownCodeError", "ReleaseFormatError", "SnapshotError",
                 "MissingColumnError", "NoReleasesError", "UsageError", "FetchError", "BatchMapper"):
        assert name in raremap.__all__ and getattr(raremap, name) is not None
    assert not [n for n in raremap.__all__ if n.startswith("_") and n != "__version__"]
    for error in ("MissingColumnError", "NoReleasesError", "UsageError", "FetchError"):
        assert issubclass(getattr(raremap, error), raremap.RaremapError)


def test_every_command_has_help_with_examples_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    top = capsys.readouterr().out
    assert all(c in top for c in COMMANDS) and "exit status" in top
    for command in COMMANDS:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert "usage: raremap " + command in text
    with pytest.raises(SystemExit):
        main(["lookup", "--help"])
    assert "default: 10" in capsys.readouterr().out


def _user_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run a command that must fail as a user error: exit status 2, no traceback, the reason last."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse rejects the option
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, expected", [
    (["show", "ORPHA:558", "--releases", "{tmp}/none"], "no such releases directory"),
    (["show", "ORPHA:558", "--releases", "{tmp}"], "no release files recognised"),
    (["show", "ORPHA:558", "--snapshot", "{tmp}/none"], "no such snapshot directory"),
    (["show", "ORPHA:558", "--snapshot", "{tmp}/file.txt"], "a file, not a snapshot directory"),
    (["lookup", "marfan", "--limit", "-1"], "argument --limit: -1 is below 1"),
    (["lookup", "marfan", "--limit", "0"], "argument --limit: 0 is below 1"),
    (["lookup", "marfan", "--system", "ICD10SE,FOO"], "unknown code system 'FOO'"),
    (["map", "ORPHA:558", "--to", "FOO"], "unknown code system 'FOO'"),
    (["map", "ORPHA:558", "--max-hops", "0"], "argument --max-hops: 0 is below 1"),
    (["show", "558", "--system", "FOO"], "unknown code system 'FOO'"),
    (["batch", "{tmp}/file.txt", "-c", "code", "--to", "ORPHA", "-o", "{tmp}/out.csv", "--encoding", "nonsense"],
     "unknown text encoding 'nonsense'"),
    (["batch", "{tmp}/reg.csv", "-c", "code", "--to", "ORPHA", "-o", "{tmp}/out.csv", "--batch-size", "0"],
     "0 is below 1"),
    (["diff", "{tmp}/none", "{tmp}/none"], "no such releases directory"),
    (["diff", "data", "data", "--codes", "{tmp}/none.csv"], "none.csv: No such file or directory"),
    (["export", "sssom", "-o", "{tmp}/none/x.tsv"], "x.tsv: No such file or directory"),
    (["fetch", "--only", "foo", "--dest", "{tmp}/releases"], "invalid choice: 'foo'"),
    (["build", "--releases", "data", "-o", "{tmp}/file.txt"], "a file; a snapshot would replace it"),
])
def test_user_errors_are_one_line_and_status_2(argv: list[str], expected: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file.txt").write_text("not a snapshot\n")
    (tmp_path / "reg.csv").write_text("code\nQ87.4\n")
    root = ROOT
    argv = [a.replace("{tmp}", str(tmp_path)) if "{tmp}" in a else (str(root / a) if a == "data" else a) for a in argv]
    assert expected in _user_error(argv, capsys)
    assert (tmp_path / "file.txt").read_text() == "not a snapshot\n"  # never replaced


def test_build_never_replaces_a_directory_that_is_not_a_snapshot(tmp_path: Path) -> None:
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    with pytest.raises(raremap.UsageError, match="not a raremap snapshot"):
        raremap.build(raremap.loader.sample_dir(), keep)
    assert (keep / "notes.txt").read_text() == "mine"
    first = raremap.build(raremap.loader.sample_dir(), tmp_path / "snap")
    assert raremap.build(raremap.loader.sample_dir(), first) == first  # an earlier snapshot is replaced


def test_load_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(raremap.NoReleasesError, match="no such releases directory"):
        raremap.load(releases=tmp_path / "none")
    with pytest.raises(raremap.NoReleasesError, match="no release files recognised"):
        raremap.load(releases=tmp_path)
    with pytest.raises(raremap.SnapshotError, match="no such snapshot directory"):
        raremap.load(snapshot=tmp_path / "none")
    with pytest.raises(raremap.UsageError):
        raremap.load(releases=tmp_path, snapshot=tmp_path)


def test_json_output_is_valid_and_keeps_swedish_letters(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["show", "Q874"], ["lookup", "tuberos skleros", "--limit", "3"], ["map", "ORPHA:558"],
                 ["umi", "ICD10SE:Q87.8"], ["releases"]):
        assert main([*argv, "--json"]) == 0
        out = capsys.readouterr().out
        json.loads(out)
    assert main(["lookup", "tuberos skleros", "--system", "ICD10SE", "--limit", "1"]) == 0
    assert "Tuberös skleros" in capsys.readouterr().out
