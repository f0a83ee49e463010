"""Shared fixtures: the real release built once from the project's seeds, and copies of the project to break."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("seeds", "ontology", "mappings")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m linkeddata ARGS` as a user would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "linkeddata", *args], cwd=cwd or PROJECT, capture_output=True, text=True, timeout=300)


def copy_project(destination: Path) -> Path:
    """Copy the data project (seeds, ontology, mappings) into `destination` and return it."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        shutil.copytree(PROJECT / part, destination / part)
    return destination


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the project's seeds once, through the CLI, and return the release folder."""
    out = tmp_path_factory.mktemp("release") / "dist"
    result = run_cli("-q", "build", "--project", str(PROJECT), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture()
def project_copy(tmp_path: Path) -> Path:
    """A private copy of the data project that a test may edit."""
    return copy_project(tmp_path / "project")
