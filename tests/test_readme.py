"""README.md's examples run as written.

Every ```python block runs, in README order and in one namespace (later blocks use the ``rm`` of
the first), from a working folder beside a ``shared/data`` that is ../shared/data, with a
temporary ``RAREMAP_CACHE``. A block that needs something absent here (the real releases, pyspark
and a Java runtime) is skipped with the reason, and so is a later block using a name it binds.
The shell blocks are not run (they create venvs and call pip): the ``raremap`` commands of
'Two commands' are run with the installed command, and the extras they install must exist in
pyproject.toml.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from raremap import codes, sources

from conftest import SHARED_DATA
from paths import ROOT

README = ROOT / "README.md"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


def blocks(lang: str) -> list[tuple[int, str]]:
    """(line number of the fence, dedented code) of every ```lang block of the README."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, textwrap.dedent(m["body"]))
            for m in _FENCE.finditer(text) if m["lang"] == lang]


PYTHON = blocks("python")
SHELL = blocks("sh")


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isfile(os.path.join(home, "bin", "java")):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def _missing(code: str) -> str | None:
    """Why ``code`` cannot run here, or None."""
    if "../shared/data" in code and not SHARED_DATA.is_dir():
        return f"it loads ../shared/data, and the real releases are not present at {SHARED_DATA}"
    for module, extra in (("pyspark", "spark"), ("dask", "test")):
        if re.search(rf"^\s*(?:import|from) {module}\b", code, re.M):
            try:
                __import__(module)
            except ImportError:
                return f"{module} is not installed (pip install -e '.[{extra}]')"
    if "pyspark" in code and _java() is None:
        return "no Java runtime for Spark (apt-get install openjdk-17-jre-headless)"
    return None


def _bound(code: str) -> set[str]:
    """Names a block binds at its top level (assignments, imports, definitions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _used(code: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


@pytest.fixture(scope="module")
def readme_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The namespace, working folder and cache the blocks share, and the first block that did not run."""
    base = tmp_path_factory.mktemp("readme")
    work = base / "work"
    work.mkdir()
    cache = base / "cache"
    if SHARED_DATA.is_dir():
        (base / "shared").mkdir()
        (base / "shared" / "data").symlink_to(SHARED_DATA.resolve(), target_is_directory=True)
        # reuse the session's build of the shared releases: the same files give the same snapshot key
        cache = request.getfixturevalue("shared_map").snapshot.path.parent
    # not_run: name -> README line of the block that binds it and did not run
    systems, readers = {row.prefix for row in codes.code_systems()}, set(map(id, sources.readers()))
    yield {"namespace": {"__name__": "readme"}, "work": work, "cache": cache, "not_run": {}}
    # a system and reader the README registers stay with the README, not with the tests after it
    for reader in sources.readers():
        if id(reader) not in readers:
            sources.unregister_reader(reader)
    for row in codes.code_systems():
        if row.prefix not in systems:
            codes.unregister_system(row.prefix)
    if "pyspark.sql" in sys.modules:  # the Spark block's session (getOrCreate) ends with the blocks
        session = sys.modules["pyspark.sql"].SparkSession.getActiveSession()
        if session is not None:
            session.stop()


def test_the_readme_has_its_examples() -> None:
    assert len(PYTHON) >= 4 and "rm" in _bound(PYTHON[0][1])  # the first example loads the terminology the others use
    assert any("raremap lookup" in code for _, code in SHELL)


@pytest.mark.parametrize("line, code", PYTHON, ids=[f"README.md:{line}" for line, _ in PYTHON])
def test_python_block_runs_as_written(line: int, code: str, readme_run: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    not_run = readme_run["not_run"]
    reason = _missing(code)
    missing = sorted(_used(code) & not_run.keys())
    if reason is None and missing:
        reason = f"it uses {', '.join(missing)} of the block at README.md:{not_run[missing[0]]}, which did not run"
    if reason is not None:
        not_run.update(dict.fromkeys(_bound(code), line))
        pytest.skip(f"README.md:{line} not run: {reason}")
    monkeypatch.chdir(readme_run["work"])
    monkeypatch.setenv("RAREMAP_CACHE", str(readme_run["cache"]))
    bound = _bound(code)
    not_run.update(dict.fromkeys(bound, line))  # until the block has run through
    exec(compile(code, f"README.md:{line}", "exec"), readme_run["namespace"])
    for name in bound:
        del not_run[name]


def _raremap_commands() -> list[list[str]]:
    """The ``raremap ...`` commands of the 'Two commands' section (its shell block and the line after)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Two commands"):text.index("\n## ", text.index("## Two commands") + 1)]
    commands = re.findall(r"\.venv/bin/(raremap [^`&\n]*?)\s*(?:`|&&|$)", section, re.M)
    return [shlex.split(c) for c in commands]


def test_two_commands_section_runs(tmp_path: Path) -> None:
    commands = _raremap_commands()
    assert [c[:2] for c in commands] == [["raremap", "lookup"], ["raremap", "show"], ["raremap", "map"], ["raremap", "umi"]]
    exe = Path(sys.executable).with_name("raremap")
    if not exe.exists():
        pytest.skip(f"the raremap command is not installed beside {sys.executable}")
    env = {**os.environ, "RAREMAP_CACHE": str(tmp_path / "cache")}
    outputs = []
    for argv in commands:
        done = subprocess.run([str(exe), *argv[1:]], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
        assert done.returncode == 0, (argv, done.stderr)
        outputs.append(done.stdout)
    assert outputs[0].startswith("ORPHA:558 ") and "ICD10SE:Q87.4" in outputs[0]  # marfans syndrom
    assert "ICD10SE:Q87.4" in outputs[2]


def test_installed_extras_exist() -> None:
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    named = {e for _, code in SHELL for group in re.findall(r"\.\[([\w,-]+)\]", code) for e in group.split(",")}
    text = README.read_text(encoding="utf-8")
    named |= {e for group in re.findall(r"pip install -e '\.\[([\w,-]+)\]'", text) for e in group.split(",")}
    assert named and named <= extras, named - extras
