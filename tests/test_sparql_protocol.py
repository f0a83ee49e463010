"""The SPARQL 1.1 Protocol at /sparql on the live server: operations, dataset parameters, errors, read-only, limits.

Everything here talks HTTP to the session's `live_server` (started with --query-timeout-s 3 and
--max-result-rows 5000). Expected counts are computed through the endpoint itself (GRAPH queries),
never hard-coded, so the tests follow the release the seeds produce.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from rdflib import Graph, Namespace, URIRef

QUERY_TIMEOUT_S = 3.0
MAX_ROWS = 5000
BASE = "https://alliances.example.org/"
ARTICLE_GRAPH_PREFIX = f"{BASE}graph/"
ONTOLOGY_GRAPH = f"{BASE}ontology"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
JSON = {"Accept": "application/sparql-results+json"}
SIMPLE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE {?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l}"


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return f"{live_server.url}/sparql"


@pytest.fixture(scope="module")
def client() -> httpx.Client:
    with httpx.Client(timeout=30) as session:
        yield session


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == "application/sparql-results+json"
    return [{name: value["value"] for name, value in row.items()} for row in response.json()["results"]["bindings"]]


def count(client: httpx.Client, endpoint: str, query: str, **params: str | list[str]) -> int:
    (row,) = bindings(client.get(endpoint, params={"query": query, **params}, headers=JSON))
    return int(row["n"])


def assert_json_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, object]:
    """The one error shape: JSON with a readable message, for clients that do not ask for HTML."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json", response.headers
    document = response.json()
    assert isinstance(document["message"], str) and len(document["message"]) > 10
    if code is not None:
        assert document["error"] == code, document
    return document


@pytest.fixture(scope="module")
def article_graphs(client: httpx.Client, endpoint: str) -> list[str]:
    rows = bindings(client.get(endpoint, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"}, headers=JSON))
    graphs = [row["g"] for row in rows if row["g"].startswith(ARTICLE_GRAPH_PREFIX)]
    assert graphs, rows
    return graphs


def graph_size(client: httpx.Client, endpoint: str, graph: str) -> int:
    return count(client, endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


# ---------------------------------------------------------------- the three operations


def test_get_post_form_and_post_direct_give_the_same_answer(client: httpx.Client, endpoint: str) -> None:
    by_get = client.get(endpoint, params={"query": SIMPLE}, headers=JSON)
    by_form = client.post(endpoint, data={"query": SIMPLE}, headers=JSON)
    by_direct = client.post(endpoint, content=SIMPLE.encode(), headers={**JSON, "Content-Type": "application/sparql-query"})
    by_direct_charset = client.post(endpoint, content=SIMPLE.encode(), headers={**JSON, "Content-Type": "application/sparql-query; charset=UTF-8"})
    rows = bindings(by_get)
    assert len(rows) == 3
    assert bindings(by_form) == rows == bindings(by_direct) == bindings(by_direct_charset)


def test_non_ascii_query_text_round_trips_as_utf8(client: httpx.Client, endpoint: str) -> None:
    # The article's curly apostrophe: the quote must match byte for byte through GET and POST.
    query = 'ASK { ?s ?p "China did not recognize Kosovo’s independence in 2008" }'
    for response in (client.get(endpoint, params={"query": query}, headers=JSON),
                     client.post(endpoint, content=query.encode("utf-8"), headers={**JSON, "Content-Type": "application/sparql-query"})):
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is True


def test_post_form_carries_dataset_parameters_in_the_body(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    graph = article_graphs[0]
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = client.post(endpoint, data={"query": query, "default-graph-uri": graph}, headers=JSON)
    assert int(bindings(response)[0]["n"]) == graph_size(client, endpoint, graph)


# ---------------------------------------------------------------- the dataset: union default graph, FROM and the protocol parameters


def test_default_graph_is_the_union_of_the_named_graphs(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    union = count(client, endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert union > sum(graph_size(client, endpoint, graph) for graph in article_graphs) > 0
    # every article's stance facts are visible without naming a graph
    facts = count(client, endpoint, "PREFIX ld: <https://alliances.example.org/ontology#> SELECT (COUNT(?f) AS ?n) WHERE { ?f a ld:StanceFact }")
    assert facts > 0


def test_from_picks_one_graph_even_with_the_union_default(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    graph = article_graphs[0]
    assert count(client, endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}") == graph_size(client, endpoint, graph)


def test_from_named_alone_leaves_the_default_graph_empty(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    graph = article_graphs[0]
    assert count(client, endpoint, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ ?s ?p ?o }}") == 0
    rows = bindings(client.get(endpoint, params={"query": f"SELECT DISTINCT ?g FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}, headers=JSON))
    assert rows == [{"g": graph}]


def test_default_graph_uri_overrides_from(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    graph = article_graphs[0]
    ontology = graph_size(client, endpoint, ONTOLOGY_GRAPH)
    assert ontology != graph_size(client, endpoint, graph)
    query = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    assert count(client, endpoint, query, **{"default-graph-uri": ONTOLOGY_GRAPH}) == ontology


def test_several_default_graph_uris_are_merged(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    graph = article_graphs[0]
    merged = count(client, endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": [graph, ONTOLOGY_GRAPH]})
    assert merged == graph_size(client, endpoint, graph) + graph_size(client, endpoint, ONTOLOGY_GRAPH)


def test_named_graph_uri_overrides_from_named(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    query = f"SELECT DISTINCT ?g FROM NAMED <{article_graphs[0]}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    rows = bindings(client.get(endpoint, params={"query": query, "named-graph-uri": ONTOLOGY_GRAPH}, headers=JSON))
    assert rows == [{"g": ONTOLOGY_GRAPH}]


def test_protocol_dataset_is_the_whole_dataset(client: httpx.Client, endpoint: str, article_graphs: list[str]) -> None:
    """SPARQL 1.1 Protocol 2.1.4: with only named-graph-uri the default graph is empty, with only default-graph-uri there are no named graphs."""
    only_named = {"named-graph-uri": article_graphs[0]}
    assert count(client, endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **only_named) == 0
    only_default = {"default-graph-uri": article_graphs[0]}
    assert count(client, endpoint, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", **only_default) == 0


# ---------------------------------------------------------------- malformed requests: 400 with a readable JSON message


def test_malformed_query_is_400(client: httpx.Client, endpoint: str) -> None:
    document = assert_json_error(client.get(endpoint, params={"query": "SELECT ?s WHERE { ?s ?p "}), 400, "malformed_query")
    assert "malformed" in str(document["message"])


def test_text_that_is_no_query_is_400_whatever_the_accept(client: httpx.Client, endpoint: str) -> None:
    for accept in ("application/json", "text/turtle", "image/png"):
        response = client.get(endpoint, params={"query": "hello world"}, headers={"Accept": accept})
        assert response.status_code == 400, (accept, response.text)


def test_missing_query_on_post_is_400(client: httpx.Client, endpoint: str) -> None:
    assert_json_error(client.post(endpoint, data={"default-graph-uri": ONTOLOGY_GRAPH}), 400, "missing_query")
    assert_json_error(client.post(endpoint, content=b"", headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "missing_query")
    assert_json_error(client.post(endpoint, content=b"", headers={"Content-Type": "application/sparql-query"}), 400)


@pytest.mark.parametrize("how", ["get-twice", "form-twice", "get-and-form", "get-and-direct"])
def test_repeated_query_is_400(client: httpx.Client, endpoint: str, how: str) -> None:
    url = httpx.URL(endpoint)
    twice = url.copy_merge_params({"query": SIMPLE}).copy_add_param("query", "ASK {}")
    if how == "get-twice":
        response = client.get(twice)
    elif how == "form-twice":
        response = client.post(endpoint, content=f"query={SIMPLE}&query=ASK%20{{}}".encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    elif how == "get-and-form":
        response = client.post(url.copy_merge_params({"query": SIMPLE}), data={"query": "ASK {}"})
    else:
        response = client.post(url.copy_merge_params({"query": SIMPLE}), content=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert_json_error(response, 400, "repeated_query")


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data; boundary=x", ""])
def test_wrong_content_type_is_400(client: httpx.Client, endpoint: str, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    assert_json_error(client.post(endpoint, content=SIMPLE.encode(), headers=headers), 400, "bad_content_type")


@pytest.mark.parametrize("content_type", ["application/sparql-query; charset=iso-8859-1", "application/x-www-form-urlencoded; charset=latin1",
                                          "application/sparql-query; charset=utf-16"])
def test_non_utf8_charset_is_400(client: httpx.Client, endpoint: str, content_type: str) -> None:
    body = SIMPLE.encode() if "sparql-query" in content_type else f"query={SIMPLE}".encode()
    assert_json_error(client.post(endpoint, content=body, headers={"Content-Type": content_type}), 400, "bad_charset")


def test_invalid_utf8_bytes_are_400(client: httpx.Client, endpoint: str) -> None:
    bad_get = httpx.URL(endpoint).copy_with(query=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%FE%22%20%7D")
    assert_json_error(client.get(bad_get), 400, "bad_encoding")
    form = b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22%C3%28%22%20%7D"
    assert_json_error(client.post(endpoint, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "bad_encoding")
    raw_form = b"query=ASK \xff {}"
    assert_json_error(client.post(endpoint, content=raw_form, headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "bad_encoding")
    direct = 'ASK { ?s ?p "\xe9" }'.encode("latin-1")
    assert_json_error(client.post(endpoint, content=direct, headers={"Content-Type": "application/sparql-query"}), 400, "bad_encoding")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client: httpx.Client, endpoint: str, method: str) -> None:
    response = client.request(method, endpoint, params={"query": SIMPLE}, content=b"")
    assert response.status_code == 405
    assert "GET" in response.headers.get("allow", "")


def test_browsers_get_the_error_as_a_page(client: httpx.Client, endpoint: str) -> None:
    response = client.get(endpoint, params={"query": "SELECT ?s WHERE { ?s ?p "}, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "malformed" in response.text


# ---------------------------------------------------------------- read-only: every SPARQL Update is refused, nothing changes

UPDATES = [
    "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR DEFAULT",
    "CLEAR ALL",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "PREFIX x: <urn:x:> INSERT DATA { GRAPH x:g { x:s x:p x:o } }",
    "# a comment first\nDELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    f"WITH <{ONTOLOGY_GRAPH}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "CREATE GRAPH <urn:x:g>",
    f"COPY <{ONTOLOGY_GRAPH}> TO DEFAULT",
]


@pytest.mark.parametrize("update", UPDATES, ids=[update.split()[0] if not update.startswith("#") else "commented" for update in UPDATES])
def test_updates_are_refused_by_every_channel_and_change_nothing(client: httpx.Client, endpoint: str, update: str) -> None:
    """The update operation is refused (403); an update sent where a query belongs is a malformed query (400), as the Protocol tests expect."""
    before = count(client, endpoint, COUNT_ALL)
    update_channels = {
        "GET update=": client.get(endpoint, params={"update": update}),
        "POST form update=": client.post(endpoint, data={"update": update}),
        "POST sparql-update": client.post(endpoint, content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
    }
    query_channels = {
        "GET query=": client.get(endpoint, params={"query": update}),
        "POST form query=": client.post(endpoint, data={"query": update}),
        "POST sparql-query": client.post(endpoint, content=update.encode(), headers={"Content-Type": "application/sparql-query"}),
    }
    for channel, response in update_channels.items():
        assert response.status_code == 403, (channel, response.status_code, response.text)
        assert response.json()["error"] == "update_refused", channel
    for channel, response in query_channels.items():
        assert response.status_code == 400, (channel, response.status_code, response.text)
        assert response.json()["error"] == "malformed_query", channel
    assert count(client, endpoint, COUNT_ALL) == before


# ---------------------------------------------------------------- limits


def test_runaway_query_stops_at_the_time_limit_while_others_are_answered(live_server, endpoint: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = httpx.get(endpoint, params={"query": RUNAWAY}, headers=JSON, timeout=60)
        outcome["elapsed"] = time.monotonic() - started
        outcome["response"] = response

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is now busy in its worker
    # a query no cache has seen, on its own connection
    ask = f'ASK {{ ?s ?p ?o FILTER(?o != "{uuid.uuid4()}") }}'
    started = time.monotonic()
    answered = httpx.get(endpoint, params={"query": ask}, headers=JSON, timeout=30)
    ask_elapsed = time.monotonic() - started
    thread.join(timeout=60)
    assert answered.status_code == 200 and answered.json()["boolean"] is True
    assert ask_elapsed < 1.0, f"a simple ASK waited {ask_elapsed:.2f} s behind a runaway query"
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    assert_json_error(response, 422, "query_timeout")
    assert outcome["elapsed"] < QUERY_TIMEOUT_S + 2.5, outcome["elapsed"]
    health = httpx.get(f"{live_server.url}/health").json()
    assert health["pool"]["workers_replaced"] >= 1


def test_exactly_the_row_limit_is_answered_in_full(client: httpx.Client, endpoint: str) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s ?p ?o . ?a ?b ?c }} LIMIT {MAX_ROWS}"
    response = client.get(endpoint, params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.text)))) == MAX_ROWS + 1  # literals may span lines: count CSV records
    assert response.headers["x-result-rows"] == str(MAX_ROWS)


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"])
def test_more_rows_than_the_limit_is_422_never_a_truncated_200(client: httpx.Client, endpoint: str, accept: str) -> None:
    query = "SELECT ?s ?o WHERE { ?s ?p ?o . ?a ?b ?c }"  # hundreds of thousands of rows
    response = client.get(endpoint, params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"] == "row_limit"


def test_construct_with_more_triples_than_the_limit_is_422(client: httpx.Client, endpoint: str) -> None:
    query = "CONSTRUCT { ?s ?p ?a } WHERE { ?s ?p ?o . ?a ?b ?c }"
    response = client.get(endpoint, params={"query": query}, headers={"Accept": "text/turtle"})
    assert response.status_code == 422
    assert response.json()["error"] == "row_limit"


@pytest.mark.parametrize("nesting", ["braces", "parentheses", "negations"])
def test_query_nested_5000_deep_is_400_and_the_server_keeps_serving(client: httpx.Client, endpoint: str, nesting: str) -> None:
    depth = 5000
    query = {
        "braces": "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth,
        "parentheses": "SELECT * WHERE { FILTER(" + "(" * depth + "true" + ")" * depth + ") }",
        "negations": "SELECT * WHERE { FILTER(" + "!" * depth + "true) }",
    }[nesting]
    assert_json_error(client.post(endpoint, data={"query": query}), 400, "query_too_deep")
    assert client.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, headers=JSON).json()["boolean"] is True


def test_query_text_over_the_byte_limit_is_413(client: httpx.Client, endpoint: str) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 100_000
    assert_json_error(client.post(endpoint, content=query.encode(), headers={"Content-Type": "application/sparql-query"}), 413, "query_too_long")
    assert_json_error(client.post(endpoint, data={"query": query}), 413, "query_too_long")


def test_huge_body_is_413(client: httpx.Client, endpoint: str) -> None:
    body = b"query=" + b"x" * 3_000_000
    assert_json_error(client.post(endpoint, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}), 413, "body_too_large")

    def chunks():  # no Content-Length: the server must count while it reads
        for _ in range(40):
            yield b"x" * 100_000

    streamed = client.post(endpoint, content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert streamed.status_code == 413


def test_long_get_query_is_refused_with_a_hint_to_post(client: httpx.Client, endpoint: str) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 40_000
    response = client.get(endpoint, params={"query": query})
    assert response.status_code in (414, 431), response.status_code
    assert client.post(endpoint, data={"query": query}, headers=JSON).status_code == 200


def raw_exchange(url: str, request: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes to the server and return what it answers (b'' if it closes the connection)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as connection:
        try:
            connection.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
    return received


@pytest.mark.parametrize("shape", ["one-huge-header", "many-headers"])
def test_enormous_header_is_refused_and_the_server_keeps_serving(live_server, client: httpx.Client, shape: str) -> None:
    host = urlsplit(live_server.url).netloc
    if shape == "one-huge-header":
        headers = b"X-Filler: " + b"a" * 200_000 + b"\r\n"
    else:
        headers = b"".join(b"X-Filler-%d: %s\r\n" % (index, b"b" * 100) for index in range(3000))
    answer = raw_exchange(live_server.url, b"GET /health HTTP/1.1\r\nHost: " + host.encode() + b"\r\n" + headers + b"Connection: close\r\n\r\n")
    status_line = answer.split(b"\r\n", 1)[0]
    assert answer == b"" or status_line.split()[1] in (b"431", b"400"), status_line
    assert client.get(f"{live_server.url}/health").status_code == 200


# ---------------------------------------------------------------- GET /sparql without a query


def test_service_description_in_turtle_by_default(client: httpx.Client, endpoint: str) -> None:
    for headers in ({}, {"Accept": "text/turtle"}, {"Accept": "*/*"}):
        response = client.get(endpoint, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef(endpoint)
    assert (service, SD.endpoint, service) in graph
    formats = {str(value) for value in graph.objects(service, SD.resultFormat)}
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Triples", "RDF_XML", "TriG",
                 "N-Quads"):
        assert f"http://www.w3.org/ns/formats/{name}" in formats
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # no allow-list on the live server
    named = {str(name) for name in graph.objects(None, SD.name)}
    assert ONTOLOGY_GRAPH in named and any(name.startswith(ARTICLE_GRAPH_PREFIX) for name in named)


def test_service_description_in_other_rdf_formats(client: httpx.Client, endpoint: str) -> None:
    for media_type, rdflib_format in (("application/ld+json", "json-ld"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml")):
        response = client.get(endpoint, headers={"Accept": media_type})
        assert response.headers["content-type"].split(";")[0] == media_type
        graph = Graph().parse(data=response.text, format=rdflib_format)
        assert (URIRef(endpoint), SD.endpoint, URIRef(endpoint)) in graph


def test_browser_gets_the_query_editor(client: httpx.Client, endpoint: str) -> None:
    response = client.get(endpoint, headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/html"
    assert 'id="yasgui"' in response.text and "/static/vendor/yasgui/yasgui.min.js" in response.text
    examples = json.loads(response.text.split('<script type="application/json" id="examples">', 1)[1].split("</script>", 1)[0])
    assert len(examples) >= 6 and all(example["query"] for example in examples)
    assert client.get(f"{endpoint.rsplit('/', 1)[0]}/static/vendor/yasgui/yasgui.min.js").status_code == 200


# ---------------------------------------------------------------- caching and CORS on answers


def test_answers_carry_an_etag_and_if_none_match_gives_304(client: httpx.Client, endpoint: str) -> None:
    first = client.get(endpoint, params={"query": SIMPLE}, headers=JSON)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert "Accept" in first.headers["vary"]
    again = client.get(endpoint, params={"query": SIMPLE}, headers={**JSON, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(endpoint, params={"query": SIMPLE}, headers={**JSON, "If-None-Match": '"other"'}).status_code == 200
    as_csv = client.get(endpoint, params={"query": SIMPLE}, headers={"Accept": "text/csv"})
    assert as_csv.headers["etag"] != etag  # a different representation has a different tag


def test_cors_on_sparql(client: httpx.Client, endpoint: str) -> None:
    response = client.get(endpoint, params={"query": SIMPLE}, headers={**JSON, "Origin": "https://example.com"})
    assert response.headers["access-control-allow-origin"] in ("*", "https://example.com")
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    preflight = client.options(endpoint, headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
