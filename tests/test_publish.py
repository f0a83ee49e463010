"""`linkeddata publish --to URL` loads a release into a real Oxigraph server through the Graph Store Protocol."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import FIRST_ARTICLE, run_cli

BASE = "https://alliances.example.org/"
GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    """A real Oxigraph server (the `oxigraph` package's CLI) on 127.0.0.1 with an on-disk store; yields its base URL.

    It queries the union of its graphs by default, as `linkeddata serve` does for a release.
    """
    beside_python = Path(sys.executable).parent / "oxigraph"  # the venv's bin/, which need not be on PATH
    binary = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    assert binary, "the oxigraph CLI comes with the test dependencies (pip install -e '.[test]')"
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "store"), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def graph_counts(url: str) -> dict[str, int]:
    response = httpx.get(f"{url}/query", params={"query": GRAPHS}, headers={"Accept": "application/sparql-results+json"})
    response.raise_for_status()
    return {row["g"]["value"]: int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def test_publish_loads_one_graph_per_article_and_replaces_the_previous_release(release: Path, oxigraph_server: str, project_copy: Path) -> None:
    first = run_cli("publish", "--to", f"{oxigraph_server}/store", "--release", str(release))
    assert first.returncode == 0, first.stderr
    counts = graph_counts(oxigraph_server)
    articles = sorted(path.stem for path in (release / "articles").iterdir())
    assert {f"{BASE}graph/{article}" for article in articles} <= set(counts)
    assert f"{BASE}dataset" in counts
    ask = 'ASK { GRAPH ?g { <https://alliances.example.org/fact/000_73df04759b344adc/china-does-not-recognize-kosovo> ?p ?o } }'
    assert httpx.get(f"{oxigraph_server}/query", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}).json()["boolean"]

    # A release without one of the articles: its graph must go, the others stay.
    dropped = articles[-1]
    assert dropped != FIRST_ARTICLE
    for folder, suffix in (("articles", ".txt"), ("articles", ".yaml"), ("facts", ".yaml")):
        (project_copy / "seeds" / folder / f"{dropped}{suffix}").unlink()
    out = project_copy / "dist"
    assert run_cli("-q", "build", "--project", str(project_copy), "--out", str(out)).returncode == 0
    second = run_cli("publish", "--to", f"{oxigraph_server}/store", "--release", str(out))
    assert second.returncode == 0, second.stderr
    assert "deleted 1 stale graph" in second.stdout
    after = graph_counts(oxigraph_server)
    assert f"{BASE}graph/{dropped}" not in after
    assert f"{BASE}graph/{FIRST_ARTICLE}" in after


def test_publish_to_an_unreachable_store_fails_clearly(release: Path) -> None:
    result = run_cli("publish", "--to", f"http://127.0.0.1:{free_port()}/store", "--release", str(release), "--timeout-s", "2")
    assert result.returncode == 1
    assert "publishing to" in result.stderr and "failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_a_sparql_backend_answers_from_it_and_keeps_pages_and_safety(release: Path, oxigraph_server: str, tmp_path: Path) -> None:
    from server_fixtures import start_server, stop_server

    assert run_cli("publish", "--to", f"{oxigraph_server}/store", "--release", str(release)).returncode == 0
    server = start_server(["--release", str(release), "--sparql-backend", f"{oxigraph_server}/query"], tmp_path / "server.log")
    try:
        query = ("PREFIX ld: <https://alliances.example.org/ontology#> PREFIX actor: <https://alliances.example.org/actor/> "
                 "SELECT ?who WHERE { ?who ld:supports actor:serbia }")
        answer = httpx.get(f"{server.url}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.text
        assert f"{BASE}actor/china" in {row["who"]["value"] for row in answer.json()["results"]["bindings"]}
        page = httpx.get(f"{server.url}/actor/china.html")
        assert page.status_code == 200 and "China did not recognize Kosovo’s independence in 2008" in page.text
        before = graph_counts(oxigraph_server)
        update = httpx.post(f"{server.url}/sparql", data={"update": "DROP ALL"})
        assert update.status_code == 403
        assert graph_counts(oxigraph_server) == before
        refused = httpx.get(f"{server.url}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"})
        assert refused.status_code == 403
    finally:
        stop_server(server.process)
