"""The package as a user installs it: `pip install .` (not editable) into a fresh venv, then build and serve a
project folder that holds only seeds/, ontology/ and mappings/; and the server side never loads the build side."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_fixtures import PROJECT, LiveServer, start_server, stop_server


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the package installed from a wheel built here; its dependencies come from the test venv's site-packages.

    A .pth file adds the test venv's site-packages to the new venv's path (that folder's own .pth files, the
    editable install's hook among them, are not run), so only `linkeddata` itself is installed, non-editable.
    """
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    source = tmp_path_factory.mktemp("source")
    for name in ("linkeddata", "pyproject.toml", "setup.py", "README.md", "package.json", "package-lock.json"):
        copy = shutil.copytree if (PROJECT / name).is_dir() else shutil.copyfile
        copy(PROJECT / name, source / name)
    (source / "node_modules").symlink_to(PROJECT / "node_modules")
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(source)],
                   check=True, capture_output=True, text=True)
    (wheel,) = wheels.glob("linkeddata-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, text=True)
    return venv


@pytest.fixture(scope="module")
def data_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data-only")
    for name in ("seeds", "ontology", "mappings"):
        shutil.copytree(PROJECT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def installed_server(installed: Path, data_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    build = subprocess.run([str(installed / "bin" / "linkeddata"), "-q", "build"], cwd=data_project, capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stderr
    server = start_server(["--project", str(data_project)], tmp_path_factory.mktemp("installed") / "server.log",
                          command=[str(installed / "bin" / "linkeddata"), "serve"], cwd=data_project)
    try:
        yield server
    finally:
        stop_server(server.process)


def test_the_installed_package_is_not_the_source_tree(installed: Path) -> None:
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import linkeddata; print(linkeddata.__file__)"],
                           cwd=installed, check=True, capture_output=True, text=True).stdout.strip()
    assert "site-packages" in where and not where.startswith(str(PROJECT / "linkeddata"))


def test_pages_their_scripts_and_styles_and_yasgui_answer_from_an_installed_package(installed_server: LiveServer) -> None:
    page = httpx.get(f"{installed_server.url}/actor/china.html")
    assert page.status_code == 200 and "China" in page.text
    home = httpx.get(f"{installed_server.url}/")
    editor = httpx.get(f"{installed_server.url}/sparql", headers={"Accept": "text/html"})
    assert home.status_code == 200 and editor.status_code == 200
    referenced = set()
    for html in (page.text, home.text, editor.text):
        referenced |= set(re.findall(r'<script[^>]+src="(/[^"]+)"', html)) | set(re.findall(r'<link[^>]+href="(/static/[^"]+)"', html))
    assert any("yasgui" in path for path in referenced) and any("cytoscape" in path for path in referenced), referenced
    for path in sorted(referenced):
        assert httpx.get(f"{installed_server.url}{path}").status_code == 200, path
    answer = httpx.get(f"{installed_server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert answer.json()["boolean"] is True


SERVE_SIDE = ["linkeddata.serve.server", "linkeddata.serve.app", "linkeddata.serve.data", "linkeddata.serve.workers"]
BUILD_SIDE = ("linkeddata.pipeline", "linkeddata.curate", "pyshacl", "pylode")


def test_serving_imports_no_build_side_module() -> None:
    """A change to the build cannot reach the server: importing every serving module loads no pipeline, curation, pySHACL or pyLODE."""
    probe = "import sys; " + "; ".join(f"import {name}" for name in SERVE_SIDE) + "; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT, check=True, capture_output=True, text=True).stdout.split()
    assert "linkeddata.serve.app" in loaded
    assert [name for name in loaded if name.startswith(BUILD_SIDE)] == []
