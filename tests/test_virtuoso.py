"""Publishing to a real Virtuoso (Debian's virtuoso-opensource, installed by .ci/run) that asks for HTTP Digest, and serving
SPARQL from it: the release's questions answered through `serve --sparql-backend`, a second publish dropping an article's
graph, and wrong credentials refused in one line that never shows the password."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import BASE, FIRST_ARTICLE, copy_project, drop_newest_article, run_cli
from server_fixtures import LiveServer, start_server, stop_server

VIRTUOSO = shutil.which("virtuoso-t")
DEFAULT_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
CREDENTIALS = {"LINKEDDATA_PUBLISH_USER": "dba", "LINKEDDATA_PUBLISH_PASSWORD": "dba"}  # Virtuoso's default account
ACTORS_GRAPH = f"{BASE}graph/actors"
SUPPORTERS = """PREFIX ld: <https://alliances.example.org/ontology#> PREFIX actor: <https://alliances.example.org/actor/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?name WHERE { ?who ld:supports actor:serbia ; rdfs:label ?name } ORDER BY ?name"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def load_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the test's Virtuoso may read files from (its DirsAllowed), for `publish --bulk-loader virtuoso`."""
    return tmp_path_factory.mktemp("virtuoso-load")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, load_dir: Path) -> Iterator[str]:
    """A Virtuoso with its own database folder and free ports on 127.0.0.1; yields its base URL."""
    if VIRTUOSO is None or not DEFAULT_INI.exists():
        pytest.fail("Debian's virtuoso-opensource is not installed; .ci/run installs it (apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = DEFAULT_INI.read_text(encoding="utf-8").replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    ini = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., /usr/share/virtuoso-opensource-7/vad, {load_dir}", ini)
    ini = ini.replace("ServerPort               = 1111", f"ServerPort               = 127.0.0.1:{sql_port}")
    ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = 127.0.0.1:{http_port}")
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    log = (folder / "virtuoso.out").open("w")
    process = subprocess.Popen([VIRTUOSO, "-f", "-c", "virtuoso.ini"], cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail(f"virtuoso exited: {(folder / 'virtuoso.out').read_text()}")
            time.sleep(0.5)
        else:
            pytest.fail("virtuoso did not answer within 90 s")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def publish(release: Path, virtuoso: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*run_cli_prefix(), "publish", "--to", f"{virtuoso}/sparql-graph-crud-auth", "--release", str(release),
                           "--default-graph-as", ACTORS_GRAPH], capture_output=True, text=True, env={**os.environ, **env}, timeout=120, check=False)


def run_cli_prefix() -> list[str]:
    return [sys.executable, "-m", "linkeddata"]


def ask(virtuoso: str, query: str) -> bool:
    response = httpx.get(f"{virtuoso}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


@pytest.fixture(scope="module")
def published_release(virtuoso: str, release: Path) -> Path:
    done = publish(release, virtuoso, CREDENTIALS)
    assert done.returncode == 0, done.stderr
    return release


@pytest.fixture(scope="module")
def backed_server(virtuoso: str, published_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(["--release", str(published_release), "--sparql-backend", f"{virtuoso}/sparql"],
                          tmp_path_factory.mktemp("virtuoso-backed") / "server.log")
    try:
        yield server
    finally:
        stop_server(server.process)


def test_publish_with_digest_credentials_puts_every_graph(virtuoso: str, published_release: Path) -> None:
    for graph in (f"{BASE}graph/{FIRST_ARTICLE}", ACTORS_GRAPH, f"{BASE}graph/positions", f"{BASE}dataset", f"{BASE}ontology"):
        assert ask(virtuoso, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"), graph


def test_serve_answers_the_question_from_virtuoso(backed_server: LiveServer) -> None:
    response = httpx.get(f"{backed_server.url}/sparql", params={"query": SUPPORTERS}, headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 200, response.text
    assert {"China", "Russia"} <= set(response.text.split("\r\n")[1:])
    refused = httpx.get(f"{backed_server.url}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"})
    assert refused.status_code == 403, "the safety rules stay in front of the backend"


def test_the_backed_server_knows_the_release_graphs_for_from(backed_server: LiveServer) -> None:
    """FROM names one of the release's graphs (known from the release, not by listing every graph of the store) or is refused."""
    article = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/{FIRST_ARTICLE}> WHERE {{ ?fact <{BASE}ontology#holder> ?who }}"
    response = httpx.get(f"{backed_server.url}/sparql", params={"query": article}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 0
    unknown = httpx.get(f"{backed_server.url}/sparql", params={"query": f"SELECT * FROM <{BASE}graph/no-such-article> WHERE {{ ?s ?p ?o }}"}, timeout=30)
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_graph", unknown.text


def test_a_second_publish_without_an_article_removes_its_graph(virtuoso: str, published_release: Path, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    dropped = drop_newest_article(project)
    built = run_cli("build", "--project", str(project))
    assert built.returncode == 0, built.stderr
    assert ask(virtuoso, f"ASK {{ GRAPH <{BASE}graph/{dropped}> {{ ?s ?p ?o }} }}")
    done = publish(project / "dist", virtuoso, CREDENTIALS)
    assert done.returncode == 0, done.stderr
    assert not ask(virtuoso, f"ASK {{ GRAPH <{BASE}graph/{dropped}> {{ ?s ?p ?o }} }}")
    assert ask(virtuoso, f"ASK {{ GRAPH <{BASE}graph/{FIRST_ARTICLE}> {{ ?s ?p ?o }} }}")
    assert publish(published_release, virtuoso, CREDENTIALS).returncode == 0  # leave the store as the other tests found it


def test_wrong_credentials_are_one_line_exit_1_without_the_password(virtuoso: str, release: Path) -> None:
    secret = "not-the-password-7f3a"
    done = publish(release, virtuoso, {"LINKEDDATA_PUBLISH_USER": "dba", "LINKEDDATA_PUBLISH_PASSWORD": secret})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "HTTP 401" in lines[0], done.stderr
    assert secret not in done.stderr + done.stdout


def test_credentials_in_the_url_are_refused(virtuoso: str, release: Path) -> None:
    url = virtuoso.replace("http://", "http://dba:dba@") + "/sparql-graph-crud-auth"
    done = subprocess.run([*run_cli_prefix(), "publish", "--to", url, "--release", str(release)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "credentials in the store URL are refused" in done.stderr
    assert "dba:dba" not in done.stderr



def release_triples_by_graph(release: Path) -> dict[str, int]:
    """Count the release's triples per graph with Oxigraph's parser (the default graph as ACTORS_GRAPH), independently of publish."""
    import pyoxigraph as ox

    counts: dict[str, int] = {}
    for quad in ox.parse(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ACTORS_GRAPH
        counts[graph] = counts.get(graph, 0) + 1
    return counts


def store_triples_by_graph(virtuoso: str, graphs: list[str]) -> dict[str, int]:
    values = " ".join(f"<{graph}>" for graph in graphs)
    response = httpx.get(f"{virtuoso}/sparql", params={"query": f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return {row["g"]["value"]: int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def bulk_publish(release: Path, virtuoso: str, load_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*run_cli_prefix(), "publish", "--bulk-loader", "virtuoso", "--to", f"{virtuoso}/sparql-auth", "--load-dir", str(load_dir),
                           "--release", str(release), "--default-graph-as", ACTORS_GRAPH], capture_output=True, text=True, env={**os.environ, **env},
                          timeout=300, check=False)


def test_the_bulk_loader_loads_every_graph_whole_and_drops_an_article_a_new_release_lacks(virtuoso: str, published_release: Path, load_dir: Path,
                                                                                           tmp_path: Path) -> None:
    expected = release_triples_by_graph(published_release)
    done = bulk_publish(published_release, virtuoso, load_dir, CREDENTIALS)
    assert done.returncode == 0, done.stderr
    assert store_triples_by_graph(virtuoso, sorted(expected)) == expected
    assert list(load_dir.iterdir()) == [], "the staged files are removed"
    project = copy_project(tmp_path / "project")
    dropped = drop_newest_article(project)
    assert run_cli("build", "--project", str(project)).returncode == 0
    again = bulk_publish(project / "dist", virtuoso, load_dir, CREDENTIALS)
    assert again.returncode == 0 and "deleted 1 stale graph(s)" in again.stdout, again.stdout + again.stderr
    assert not ask(virtuoso, f"ASK {{ GRAPH <{BASE}graph/{dropped}> {{ ?s ?p ?o }} }}")
    assert bulk_publish(published_release, virtuoso, load_dir, CREDENTIALS).returncode == 0  # leave the store as the other tests found it
    assert store_triples_by_graph(virtuoso, sorted(expected)) == expected


def test_the_bulk_loader_with_wrong_credentials_is_one_line_exit_1_without_the_password(virtuoso: str, published_release: Path, load_dir: Path) -> None:
    secret = "not-the-password-9c1d"
    done = bulk_publish(published_release, virtuoso, load_dir, {"LINKEDDATA_PUBLISH_USER": "dba", "LINKEDDATA_PUBLISH_PASSWORD": secret})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "HTTP 401" in lines[0], done.stderr
    assert secret not in done.stderr + done.stdout
    assert list(load_dir.iterdir()) == []


def test_the_bulk_loaders_count_reads_every_graph_past_the_servers_row_cap(virtuoso: str, published_release: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from linkeddata.release.bulk_load import VirtuosoLoader

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    loader = VirtuosoLoader(f"{virtuoso}/sparql-auth", timeout_s=60)
    try:
        whole = loader.graph_triples(BASE)
        assert loader.graph_triples(BASE, page=2) == whole  # pages of 2, as a release of 10,000 graphs meets a cap of 10,000 rows
    finally:
        loader.client.close()
    expected = release_triples_by_graph(published_release)
    assert {graph: count for graph, count in whole.items() if graph in expected} == expected


@pytest.fixture(scope="module")
def embedded_server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same release served from the embedded store, to compare pages with."""
    server = start_server(["--release", str(release)], tmp_path_factory.mktemp("virtuoso-embedded") / "server.log")
    try:
        yield server
    finally:
        stop_server(server.process)


FACT_LINK = re.compile(r'href="(/fact/[^"#.]+)"')
QUOTE = re.compile(r'<mark class="quote">(.*?)</mark>', re.DOTALL)
JSONLD = re.compile(r'<script type="application/ld\+json" id="jsonld">(.*?)</script>', re.DOTALL)


def page_facts(server: LiveServer, thing: str) -> tuple[list[str], list[str]]:
    """GET a thing's IRI, follow its 303 to the HTML page, and return the page's fact links and quoted words, in page order."""
    seen = httpx.get(f"{server.url}/{thing}", headers={"Accept": "text/html"}, timeout=60)
    assert seen.status_code == 303, seen.text
    page = httpx.get(f"{server.url}{seen.headers['location'].removeprefix(server.url)}", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200, page.text[:500]
    return FACT_LINK.findall(page.text), QUOTE.findall(page.text)


@pytest.mark.parametrize("thing", ["actor/china", f"fact/{FIRST_ARTICLE}/china-supports-serbia-sovereignty", f"article/{FIRST_ARTICLE}"])
def test_pages_from_virtuoso_show_the_facts_and_quotes_of_the_embedded_store(backed_server: LiveServer, embedded_server: LiveServer,
                                                                               thing: str) -> None:
    """In the same order too: an actor page orders its stances by the position's sentence, whose verb phrase comes from the
    ontology, which `publish` sends as its own graph."""
    links, quotes = page_facts(backed_server, thing)
    assert links, f"the {thing} page through Virtuoso lists no fact"
    assert quotes, f"the {thing} page through Virtuoso shows no quote"
    assert (links, quotes) == page_facts(embedded_server, thing)


def test_a_page_from_virtuoso_embeds_the_description_the_embedded_store_gives(backed_server: LiveServer, embedded_server: LiveServer) -> None:
    import rdflib
    from rdflib.compare import isomorphic

    def described(server: LiveServer) -> rdflib.Graph:
        response = httpx.get(f"{server.url}/actor/china.ttl", timeout=60)
        assert response.status_code == 200, response.text
        return rdflib.Graph().parse(data=response.text, format="turtle")

    backed, embedded = described(backed_server), described(embedded_server)
    assert isomorphic(backed, embedded), "the same description, the ontology's labels of its terms included"
    script = JSONLD.search(httpx.get(f"{backed_server.url}/actor/china.html", timeout=60).text)
    assert script is not None
    ids = [node["@id"] for node in json.loads(script.group(1))]
    assert len(ids) == len(set(ids)), "one JSON-LD node per resource, as from the embedded store"
