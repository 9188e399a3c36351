"""The import contracts in pyproject.toml (`lint-imports`, run by make lint and .ci/run)
fail for an import that runs upwards, even one hidden inside a function.

Each test copies the packages' source to a temporary folder, changes the copy, and runs
lint-imports there, so the working tree is never touched."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["core", "people", "audit", "directory", "cms", "training", "drills", "terminal_logs",
            "reports", "config", "ops"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def tree(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.html"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # A wide terminal keeps each reported import on one line.
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "250"}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=60)


def append(path: Path, source: str) -> int:
    """Append `source` to the module; the number of its first line."""
    text = path.read_text()
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + source)
    return text.count("\n") + 1


def test_an_upward_import_inside_a_function_breaks_the_layers(tree):
    before = lint_imports(tree)
    assert "people.models -> drills" not in before.stdout
    first = append(tree / "people" / "models.py",
                   "\n\ndef drill_names():\n    import drills\n\n    return drills\n")

    after = lint_imports(tree)

    assert after.returncode != 0
    assert "people is not allowed to import drills" in after.stdout
    assert f"people.models -> drills (l.{first + 3})" in after.stdout


def test_a_sibling_import_breaks_the_layers(tree):
    """directory and cms share a layer and may not import each other."""
    first = append(tree / "cms" / "models.py", "\nfrom directory import views  # noqa\n")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert "cms is not allowed to import directory" in result.stdout
    assert f"cms.models -> directory.views (l.{first + 1})" in result.stdout


def test_the_drill_clock_may_not_read_the_database(tree):
    first = append(tree / "drills" / "clock.py", "\nfrom django.db import models  # noqa\n")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert "drills.clock is not allowed to import django" in result.stdout
    assert f"drills.clock -> django (l.{first + 1})" in result.stdout


def test_the_tree_keeps_every_contract(tree):
    result = lint_imports(tree)

    assert result.returncode == 0, result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout
