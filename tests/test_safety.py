"""Safety of the live server: no outbound requests but to the federation allow-list, no file outside the release,
no unescaped echo, no redirect off the site.

Outbound requests are observed, not assumed: a real listening socket on 127.0.0.1 records every
connection, and each query that names it must be refused with nobody knocking. The smuggling
corpus is first run on a bare Oxigraph store to prove each query *would* reach the socket
without the endpoint's pre-check, so none of these tests can pass vacuously.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pyoxigraph as ox
import pytest
from server_fixtures import PROJECT, LiveServer, start_server, stop_server

JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CHINA = "https://alliances.example.org/actor/china"


# ---------------------------------------------------------------- a socket that records who knocks


@dataclass
class Listener:
    """A TCP server thread on 127.0.0.1 that accepts, records and closes every connection."""

    sock: socket.socket
    connections: list[bytes] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def endpoint(self) -> str:
        return f"{self.base}sparql"

    def serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(0.5)
                try:
                    self.connections.append(connection.recv(4096) or b"(connected, sent nothing)")
                except OSError:
                    self.connections.append(b"(connected)")

    def quiet_since(self, mark: int, settle_s: float = 0.3) -> bool:
        """Return True if nobody connected after `mark` (waiting a moment for a late knock)."""
        time.sleep(settle_s)
        return len(self.connections) == mark


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    recorder = Listener(sock)
    thread = threading.Thread(target=recorder.serve, daemon=True)
    thread.start()
    yield recorder
    recorder.stopped.set()
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as session:
        yield session


# ---------------------------------------------------------------- queries that would reach out: each must be refused, silently

# {L} is the listener's SPARQL endpoint, {P} its base; every query is a way to reach them.
SMUGGLED = {
    "service": "SELECT * WHERE { SERVICE <{L}> { ?s ?p ?o } }",
    "service-silent": "SELECT * WHERE { SERVICE SILENT <{L}> { ?s ?p ?o } }",
    "lower-case": "select * where { service <{L}> { ?s ?p ?o } }",
    "in-ask": "ASK { SERVICE <{L}> { ?s ?p ?o } }",
    "in-construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{L}> { ?s ?p ?o } }",
    "in-subquery-optional": "SELECT * WHERE { { SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <{L}> { ?s ?p ?o } } } LIMIT 1 } }",
    "prefixed-name": "PREFIX e: <{P}> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "prefix-declared-twice": "PREFIX e: <http://example.invalid/> PREFIX e: <{P}> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "variable-from-values": "SELECT * WHERE { VALUES ?endpoint { <{L}> } SERVICE ?endpoint { ?s ?p ?o } }",
    "escaped-iri": "SELECT * WHERE { SERVICE <{P}\\u0073parql> { ?s ?p ?o } }",
    "comment-ended-by-cr": "SELECT * WHERE { ?a ?b ?c # a note\r SERVICE <{L}> { ?s ?p ?o } }",
    "after-boolean-dot": "SELECT * WHERE { ?a ?b true.SERVICE <{L}> { ?s ?p ?o } }",
    "run-together-boolean": "SELECT * WHERE { ?a ?b trueSERVICE <{L}> { ?s ?p ?o } }",
    "after-language-tag-dot": 'SELECT * WHERE { ?a ?b "x"@en.SERVICE <{L}> { ?s ?p ?o } }',
    "run-together-silent": "SELECT * WHERE { ?a ?b ?c . SERVICESILENT <{L}> { ?s ?p ?o } }",
    "no-spaces": "SELECT*WHERE{?a ?b ?c FILTER(true)SERVICE<{L}>{?s ?p ?o}}",
    # The keyword fused to a prefixed name: the engine reads `SERVICE:sparql` as SERVICE and `:sparql`.
    "fused-prefixed-name": "PREFIX : <{P}> SELECT * WHERE { SERVICE:sparql { ?s ?p ?o } }",
    "fused-lower-case": "PREFIX : <{P}> select * where { service:sparql { ?s ?p ?o } }",
    "fused-mixed-case": "PREFIX : <{P}> SELECT * WHERE { SeRvIcE:sparql { ?s ?p ?o } }",
    "fused-in-optional": "PREFIX : <{P}> SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE:sparql { ?s ?p ?o } } }",
    "fused-in-subquery": "PREFIX : <{P}> SELECT * WHERE { { SELECT * WHERE { SERVICE:sparql { ?s ?p ?o } } LIMIT 1 } }",
    "fused-in-construct": "PREFIX : <{P}> CONSTRUCT { ?s ?p ?o } WHERE { SERVICE:sparql { ?s ?p ?o } }",
    "fused-after-triple-dot": "PREFIX : <{P}> SELECT * WHERE { ?a ?b ?c .SERVICE:sparql { ?s ?p ?o } }",
    "fused-silent": "PREFIX : <{P}> SELECT * WHERE { SERVICE SILENT:sparql { ?s ?p ?o } }",
    "prefix-named-service": "PREFIX service: <{P}> SELECT * WHERE { SERVICE service:sparql { ?s ?p ?o } }",
}


def fill(template: str, listener: Listener) -> str:
    return template.replace("{L}", listener.endpoint).replace("{P}", listener.base)


def corpus_store() -> ox.Store:
    """A store holding what the corpus's patterns match: an IRI, a boolean and a language-tagged object."""
    store = ox.Store()
    subject, predicate = ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p")
    for value in (ox.NamedNode("urn:x:o"), ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
                  ox.Literal("x", language="en")):
        store.add(ox.Quad(subject, predicate, value))
    return store


# Oxigraph 0.5 does not evaluate SERVICE on a variable; the endpoint refuses it anyway, in case a later engine does.
NOT_LIVE_ON_THIS_ENGINE = {"variable-from-values"}


@pytest.mark.parametrize("name", sorted(set(SMUGGLED) - NOT_LIVE_ON_THIS_ENGINE))
def test_each_smuggled_query_would_reach_out_on_a_bare_engine(listener: Listener, name: str) -> None:
    """The corpus is live: without the endpoint's pre-check the engine itself connects to the socket."""
    store = corpus_store()
    mark = len(listener.connections)
    try:
        result = store.query(fill(SMUGGLED[name], listener))
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except Exception:  # noqa: BLE001, S110 - the listener hangs up, so the engine reports some error after connecting
        pass  # the listener hangs up, so the engine reports an error after connecting
    assert not listener.quiet_since(mark, settle_s=0.1), f"{name}: the engine did not connect, so this case proves nothing"


@pytest.mark.parametrize("name", sorted(SMUGGLED))
def test_smuggled_service_is_refused_without_a_connection(live_server: LiveServer, client: httpx.Client, listener: Listener, name: str) -> None:
    mark = len(listener.connections)
    query = fill(SMUGGLED[name], listener)
    for response in (client.get(f"{live_server.url}/sparql", params={"query": query}, headers=JSON),
                     client.post(f"{live_server.url}/sparql", content=query.encode(), headers={**JSON, "Content-Type": "application/sparql-query"})):
        assert response.status_code == 403, (name, response.status_code, response.text)
        assert response.json()["error"] == "service_refused"
    assert listener.quiet_since(mark), listener.connections[mark:]


@pytest.mark.parametrize("name", sorted(set(SMUGGLED) - NOT_LIVE_ON_THIS_ENGINE))
def test_query_workers_cannot_reach_the_network_even_past_the_guard(listener: Listener, name: str) -> None:
    """The second wall: a worker of the embedded store runs with no network, so a spelling the guard misses still goes nowhere."""
    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import EngineError, QueryPool

    store = corpus_store()
    pool = QueryPool(lambda: store, 1, 1)
    try:
        mark = len(listener.connections)
        try:
            pool.run_blocking(QueryRequest(fill(SMUGGLED[name], listener), max_rows=10), timeout_s=10)
            assert "SILENT" in SMUGGLED[name].upper(), "only SERVICE SILENT may hide the refused connection"
        except EngineError as refused:
            assert refused.kind == "network", refused.message
        assert listener.quiet_since(mark), listener.connections[mark:]
    finally:
        pool.close()


DATASET_REACH = {
    "from": ("SELECT * FROM <{L}> WHERE { ?s ?p ?o }", {}),
    "from-named": ("SELECT * FROM NAMED <{L}> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    "from-prefixed": ("PREFIX e: <{P}> SELECT * FROM e:data WHERE { ?s ?p ?o }", {}),
    "from-undeclared-prefix": ("SELECT * FROM e:data WHERE { ?s ?p ?o }", {}),
    "default-graph-uri": ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": "{L}"}),
    "named-graph-uri": ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": "{L}"}),
    "default-graph-uri-beside-a-known-one": ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": ["https://alliances.example.org/ontology", "{L}"]}),
}


@pytest.mark.parametrize("name", sorted(DATASET_REACH))
def test_graphs_not_in_the_store_are_refused_without_a_connection(live_server: LiveServer, client: httpx.Client, listener: Listener, name: str) -> None:
    template, params = DATASET_REACH[name]
    filled = {key: [fill(v, listener) for v in value] if isinstance(value, list) else fill(value, listener) for key, value in params.items()}
    mark = len(listener.connections)
    response = client.get(f"{live_server.url}/sparql", params={"query": fill(template, listener), **filled}, headers=JSON)
    assert response.status_code in (400, 403), response.text
    assert response.json()["error"] == "unknown_graph"
    assert listener.quiet_since(mark)


def test_load_and_describe_of_a_remote_iri_make_no_connection(live_server: LiveServer, client: httpx.Client, listener: Listener) -> None:
    mark = len(listener.connections)
    load = f"LOAD <{listener.base}data.ttl>"
    assert client.get(f"{live_server.url}/sparql", params={"query": load}).status_code == 400
    assert client.post(f"{live_server.url}/sparql", content=load.encode(), headers={"Content-Type": "application/sparql-update"}).status_code == 403
    assert client.post(f"{live_server.url}/sparql", data={"update": load}).status_code == 403
    # DESCRIBE of an IRI the store does not hold is answered from the store: empty, never fetched.
    describe = client.get(f"{live_server.url}/sparql", params={"query": f"DESCRIBE <{listener.base}thing>"}, headers={"Accept": "application/n-triples"})
    assert describe.status_code == 200 and describe.text.strip() == ""
    assert listener.quiet_since(mark)


# ---------------------------------------------------------------- the federation allow-list


@pytest.fixture(scope="module")
def federating_server(live_server: LiveServer, release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A second server whose allow-list names the live server's endpoint, and nothing else."""
    log_path = tmp_path_factory.mktemp("federating") / "server.log"
    server = start_server(["--project", str(PROJECT), "--release", str(release), "--query-timeout-s", "5",
                           "--federation-allow-list", f"{live_server.url}/sparql"], log_path)
    try:
        yield server
    finally:
        stop_server(server.process)


def test_service_to_the_allowed_endpoint_returns_its_data(live_server: LiveServer, federating_server: LiveServer, client: httpx.Client) -> None:
    before = client.get(f"{live_server.url}/health").json()["pool"]["queries_run"]
    query = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?name ?wikidata WHERE {{ SERVICE <{live_server.url}/sparql> {{ <{CHINA}> rdfs:label ?name ; owl:sameAs ?wikidata }} }}"""
    response = client.get(f"{federating_server.url}/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    rows = [{key: value["value"] for key, value in row.items()} for row in response.json()["results"]["bindings"]]
    assert {"name": "China", "wikidata": "http://www.wikidata.org/entity/Q148"} in rows
    after = client.get(f"{live_server.url}/health").json()["pool"]["queries_run"]
    assert after > before, "the allowed endpoint was not asked"


def test_federating_server_still_refuses_endpoints_off_its_list(federating_server: LiveServer, live_server: LiveServer, client: httpx.Client,
                                                               listener: Listener) -> None:
    mark = len(listener.connections)
    for query in (fill(SMUGGLED["service"], listener), fill(SMUGGLED["run-together-boolean"], listener),
                  f"SELECT * WHERE {{ SERVICE <{live_server.url}/sparql/> {{ ?s ?p ?o }} }}",  # not the exact IRI listed
                  f"SELECT * WHERE {{ VALUES ?e {{ <{live_server.url}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}"):
        response = client.get(f"{federating_server.url}/sparql", params={"query": query}, headers=JSON)
        assert response.status_code == 403, (query, response.text)
    assert listener.quiet_since(mark)


def test_federating_server_describes_its_federation(federating_server: LiveServer, client: httpx.Client) -> None:
    description = client.get(f"{federating_server.url}/sparql", headers={"Accept": "text/turtle"}).text
    assert "BasicFederatedQuery" in description


# ---------------------------------------------------------------- path traversal: nothing outside the release is served

OUTSIDE_MARKERS = ("root:x:0:0", "[build-system]", "def create_app", '"name": "@zazuko/yasgui"', "[Unit]")
TRAVERSALS = [
    "/dumps/../pyproject.toml",
    "/dumps/..%2fpyproject.toml",
    "/dumps/%2e%2e/pyproject.toml",
    "/dumps/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/dumps/%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/dumps/..%5c..%5c..%5c..%5c..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/dumps/../../../../../../../../../../etc/passwd",
    "/dumps//etc/passwd",
    "/dumps/%2fetc%2fpasswd",
    "/dumps/....//....//....//....//....//....//etc/passwd",
    "/dumps/..%c0%af..%c0%af..%c0%af..%c0%af..%c0%af..%c0%afetc/passwd",
    "/dumps/%00../../../../../../etc/passwd",
    "/dumps/articles/../../../../../../../../etc/passwd",
    "/text/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/text/%2e%2e%2fSHA256SUMS",
    "/actor/..%2f..%2f..%2fpyproject.toml",
    "/actor/%2e%2e%2f%2e%2e%2fpyproject.toml.ttl",
    "/actor/../../pyproject.toml",
    "/fact/%252e%252e%252f%252e%252e%252fetc%252fpasswd.html",
    "/article/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd.nt",
    "/graph/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/ontology/../../pyproject.toml",
    "/ontology%2f..%2f..%2fpyproject.toml",
    "/ontology/..%2fserve%2fapp.py",
    "/static/site/..%2fserve%2fapp.py",
    "/static/site/%2e%2e/serve/app.py",
    "/static/site/%2e%2e%2fserve%2fapp.py",
    "/static/site/../serve/app.py",
    "/static/site//etc/passwd",
    "/static/vendor/yasgui/..%2fpackage.json",
    "/static/vendor/yasgui/%2e%2e/package.json",
    "/dumps/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fsystemd%2fsystem%2fmulti-user.target.wants%2fssh.service",
]


def get_raw(base: str, raw_path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """GET a path exactly as written: no client-side normalization of '..' or percent-escapes."""
    url = httpx.URL(base).copy_with(raw_path=raw_path.encode("ascii"))
    with httpx.Client(timeout=30) as session:
        return session.send(session.build_request("GET", url, headers=headers))


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_path_traversal_serves_nothing_outside_the_release(live_server: LiveServer, raw_path: str) -> None:
    for headers in (None, HTML, {"Accept": "text/turtle"}):
        response = get_raw(live_server.url, raw_path, headers)
        assert response.status_code in (400, 404), (raw_path, response.status_code, response.text[:200])
        assert not any(marker in response.text for marker in OUTSIDE_MARKERS), raw_path


def test_release_files_are_served_and_the_markers_do_exist(live_server: LiveServer, release: Path) -> None:
    """The traversal test looks for real files: check they are there, and that a file inside the release is served."""
    assert "[build-system]" in (PROJECT / "pyproject.toml").read_text()
    assert "def create_app" in (PROJECT / "linkeddata" / "serve" / "app.py").read_text()
    assert get_raw(live_server.url, "/dumps/SHA256SUMS").text == (release / "SHA256SUMS").read_text()
    assert get_raw(live_server.url, "/static/site/sparql.js").status_code == 200


# ---------------------------------------------------------------- what is echoed back is escaped

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize("raw_path", [
    "/actor/<script>alert(1)</script>",
    "/actor/%3Cscript%3Ealert(1)%3C/script%3E",
    "/actor/%3Cscript%3Ealert(1)%3C%2Fscript%3E.html",
    "/fact/x%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/dumps/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/ontology%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
])
def test_paths_are_never_echoed_raw(live_server: LiveServer, raw_path: str) -> None:
    response = get_raw(live_server.url, raw_path.replace("<", "%3C").replace(">", "%3E"), HTML)
    assert response.status_code == 404
    assert "<script>alert" not in response.text


@pytest.mark.parametrize("params", [
    {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": f"http://example.org/{SCRIPT}"},
    {"query": "SELECT * WHERE { ?s ?p ?o }", "named-graph-uri": f'x"><img src=x onerror=alert(1)>{SCRIPT}'},
    {"query": "ASK { ?s ?p ?o }", "format": SCRIPT},
    {"query": f"SELECT * WHERE {{ ?s ?p ?o }} {SCRIPT}"},
    {"query": f"{SCRIPT} SELECT"},
    {"query": f"SELECT * FROM <{SCRIPT}> WHERE {{ ?s ?p ?o }}"},
    {"query": f"SELECT * WHERE {{ SERVICE <http://x/{SCRIPT}> {{ ?s ?p ?o }} }}"},
])
def test_parameters_echoed_in_error_pages_are_escaped(live_server: LiveServer, client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get(f"{live_server.url}/sparql", params=params, headers=HTML)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in response.text and "<img src=x" not in response.text


def test_embedded_json_ld_cannot_close_its_script_element(live_server: LiveServer, client: httpx.Client) -> None:
    page = client.get(f"{live_server.url}/actor/china.html").text
    embedded = page.split('<script type="application/ld+json" id="jsonld">', 1)[1].split("</script>", 1)[0]
    assert "<" not in embedded  # Jinja's tojson escapes <, > and & inside the script element


# ---------------------------------------------------------------- every redirect stays on this site


@pytest.mark.parametrize("raw_path", [
    "/actor/china", "/dataset", "/actor/china?next=http://evil.example/", "/dumps", "/docs/", "/sparql/", "/health/", "/static/site",
    "//evil.example/actor/china", "/actor//evil.example", "/actor/%2F%2Fevil.example", "/actor/%5C%5Cevil.example", "/actor/china%0d%0aLocation:%20http://evil.example",
    "/actor/http://evil.example", "/actor/https:%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
])
@pytest.mark.parametrize("host", [None, "evil.example"])
def test_redirects_are_local_paths(live_server: LiveServer, raw_path: str, host: str | None) -> None:
    headers = {"Accept": "text/turtle", **({"Host": host} if host else {})}
    response = get_raw(live_server.url, raw_path, headers)
    assert response.status_code < 500
    if response.is_redirect:
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
        assert "evil" not in location
        assert urlsplit(urljoin(live_server.url + raw_path, location)).netloc == urlsplit(live_server.url).netloc
