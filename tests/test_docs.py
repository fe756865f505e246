"""The documentation site (mkdocs.yml, docs/) builds from the docstrings without a warning, and its
API reference names every module of the public packages."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from paths import ROOT

PUBLIC_PACKAGES = ("raremap.services", "raremap.snapshot", "raremap.sources")


def _documented() -> set[str]:
    return {m for page in (ROOT / "docs" / "api").glob("*.md")
            for m in re.findall(r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), re.M)}


def test_api_reference_names_every_public_module() -> None:
    import importlib

    modules = {"raremap", "raremap.model", "raremap.errors", "raremap.codes", "raremap.release_input"}
    for name in PUBLIC_PACKAGES:
        package = importlib.import_module(name)
        modules.add(name)
        modules |= {m.name for m in pkgutil.walk_packages(package.__path__, f"{name}.")
                    if not any(part.startswith("_") for part in m.name.split("."))}
    assert modules - _documented() == set()


def test_mkdocs_builds_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("mkdocstrings_handlers.python", reason="mkdocstrings[python] is not installed (pip install -e '.[docs]')")
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    reference = (site / "api" / "sources" / "index.html").read_text(encoding="utf-8")
    assert 'id="raremap.sources.orphanet.products.DisorderListReader"' in reference
    assert "Orphanet XML releases" in reference  # the module docstring, rendered
    assert 'id="raremap.load"' in (site / "api" / "raremap" / "index.html").read_text(encoding="utf-8")
