"""Shared fixtures: the real release built once from the project's seeds, and copies of the project to break."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("seeds", "ontology", "mappings")
# The first seed article (ruetir.com, China and Russia on Serbia): the tests that edit or quote one
# particular article name it, since seeds/ holds several and curators keep adding more.
FIRST_ARTICLE = "000_73df04759b344adc"


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m linkeddata ARGS` as a user would (with `env` added to the environment), capturing its output."""
    return subprocess.run([sys.executable, "-m", "linkeddata", *args], cwd=cwd or PROJECT, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **env} if env else None)


def copy_project(destination: Path) -> Path:
    """Copy the data project (seeds, ontology, mappings) into `destination` and return it."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        shutil.copytree(PROJECT / part, destination / part)
    return destination


def drop_newest_article(project: Path) -> str:
    """Delete the project's newest article (its text, metadata and facts file), as a curator removing it would; return its id."""
    dropped = max((project / "seeds" / "articles").glob("*.yaml")).stem
    for path in (project / "seeds" / "articles" / f"{dropped}.yaml", project / "seeds" / "articles" / f"{dropped}.txt",
                 project / "seeds" / "facts" / f"{dropped}.yaml"):
        path.unlink()
    return dropped


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


# ---------------------------------------------------------------- shared by the pipeline tests

LD = "https://alliances.example.org/ontology#"
BASE = "https://alliances.example.org/"
ONTOLOGY_GRAPH = "https://alliances.example.org/ontology"
SPARQL_PREFIXES = f"""
PREFIX ld:     <{LD}>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:    <http://www.w3.org/2002/07/owl#>
PREFIX oa:     <http://www.w3.org/ns/oa#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX actor:  <{BASE}actor/>
"""


def seed_facts(project: Path = PROJECT) -> list[dict[str, Any]]:
    """Return every fact of every seed fact file, as plain YAML (with its `article`), to derive expectations from."""
    facts = []
    for path in sorted((project / "seeds" / "facts").glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        facts += [{**fact, "article": document["article"]} for fact in document["facts"]]
    return facts


def seed_actors(project: Path = PROJECT) -> list[dict[str, Any]]:
    """Return the actors of seeds/actors.yaml as plain YAML."""
    return yaml.safe_load((project / "seeds" / "actors.yaml").read_text(encoding="utf-8"))["actors"]


def seed_holders(stance: str, target: str, polarity: str, project: Path = PROJECT) -> set[str]:
    """Return the English labels of the holders of published seed facts with this stance, target and polarity."""
    labels = {actor["key"]: actor["label"] for actor in seed_actors(project)}
    return {labels[fact["holder"]] for fact in seed_facts(project)
            if fact.get("status") != "candidate" and (fact["stance"], fact["target"], fact["polarity"]) == (stance, target, polarity)}


def published_files(folder: Path) -> list[Path]:
    """Every published file of a release: all but its on-disk store, an index whose RocksDB files are not reproducible."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.relative_to(folder).parts[0] != "store")


def snapshot(root: Path) -> dict[str, str]:
    """Return every entry under `root` without following links: a file's SHA-256, a link's target, or 'dir'."""
    entries = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                entries[relative] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                entries[relative] = "dir"
            else:
                entries[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


@pytest.fixture()
def published(release: Path, tmp_path: Path) -> Path:
    """A private copy of the session's release (the --out link and its .releases folder); returns the link."""
    area = tmp_path / "published"
    shutil.copytree(release.parent, area, symlinks=True)
    return area / release.name


@pytest.fixture(scope="session")
def validate_run() -> subprocess.CompletedProcess[str]:
    """`linkeddata validate` on the real project, run once."""
    return run_cli("validate", "--project", str(PROJECT))


pytest_plugins = ["server_fixtures"]


@pytest.fixture(scope="session")
def release_store(release: Path) -> Any:
    """The release's alliances.nq in an in-memory pyoxigraph Store, with its ontology.ttl in the graph <ontology>.

    The ontology is needed to look up a stance's ld:directProperty, which the data dumps do not repeat.
    """
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    store.load(path=str(release / "ontology.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    return store


def select(store: Any, query: str) -> list[dict[str, Any]]:
    """Run a SELECT over every graph of `store` (default graph = union) and return rows of Python values."""
    import pyoxigraph as ox

    rows = []
    solutions = store.query(SPARQL_PREFIXES + query, use_default_graph_as_union=True)
    variables = [variable.value for variable in solutions.variables]
    for solution in solutions:
        row = {}
        for name in variables:
            term = solution[name]
            if isinstance(term, ox.Literal) and term.datatype.value == "http://www.w3.org/2001/XMLSchema#integer":
                row[name] = int(term.value)
            else:
                row[name] = None if term is None else term.value
        rows.append(row)
    return rows


SUMMARY = re.compile(r"^bad input, nothing written: (\d+) error\(s\)$")


def refused(project: Path, out: Path) -> list[str]:
    """Build `project` into `out`, assert it was refused as bad input with nothing written, return the error lines."""
    before = snapshot(out.parent)
    result = run_cli("-q", "build", "--project", str(project), "--out", str(out))
    after = snapshot(out.parent)
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = result.stderr.splitlines()
    summary = SUMMARY.match(lines[-1])
    assert summary, f"no summary line in:\n{result.stderr}"
    errors = lines[:-1]
    assert int(summary.group(1)) == len(errors)
    for error in errors:
        assert re.match(r"^[^:\s][^:]*:\d+: \S", error), f"not a `path:line: message` line: {error!r}"
    assert errors == sorted(errors, key=_sort_key), "errors are not sorted by file and line"
    assert after == before, "the release at --out changed (or something was written next to it)"
    return errors


def _sort_key(error: str) -> tuple[str, int, str]:
    path, line, message = error.split(":", 2)
    return path, int(line), message
