"""Real SPARQL clients against the live server, and the shipped example queries answering the article's questions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from rdflib import OWL, RDFS, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((PROJECT / "linkeddata" / "queries" / "examples").glob("*.rq"))
ARTICLE_TEXT = PROJECT / "seeds" / "articles" / "000_73df04759b344adc.txt"
BASE = "https://alliances.example.org/"
CHINA = URIRef(f"{BASE}actor/china")
CHINA_WIKIDATA = URIRef("http://www.wikidata.org/entity/Q148")
PREFIXES = f"PREFIX ld: <{BASE}ontology#> PREFIX rdfs: <{RDFS}> PREFIX owl: <{OWL}> PREFIX actor: <{BASE}actor/>\n"
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return f"{live_server.url}/sparql"


def run_example(endpoint: str, name: str) -> list[dict[str, str]]:
    (path,) = [path for path in EXAMPLES if path.stem == name]
    response = httpx.post(endpoint, data={"query": path.read_text(encoding="utf-8")}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return [{key: value["value"] for key, value in row.items()} for row in response.json()["results"]["bindings"]]


# ---------------------------------------------------------------- SPARQLWrapper


def test_sparqlwrapper_select_json(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(PREFIXES + "SELECT ?name ?same WHERE { actor:china rdfs:label ?name ; owl:sameAs ?same }")
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    rows = [{key: value["value"] for key, value in row.items()} for row in result["results"]["bindings"]]
    assert {"name": "China", "same": str(CHINA_WIKIDATA)} in rows


def test_sparqlwrapper_select_by_post(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setQuery(PREFIXES + "SELECT (COUNT(?fact) AS ?n) WHERE { ?fact a ld:StanceFact }")
    client.setReturnFormat(JSON)
    assert int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize(("query", "expected"), [
    ("ASK { actor:china ld:supports actor:serbia }", True),
    ("ASK { actor:china ld:recognizes actor:kosovo }", False),  # the article says China did NOT recognize Kosovo
])
def test_sparqlwrapper_ask(endpoint: str, query: str, expected: bool) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(PREFIXES + query)
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is expected


@pytest.mark.parametrize("return_format", [XML, TURTLE])
def test_sparqlwrapper_construct_to_rdflib_graph(endpoint: str, return_format: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(PREFIXES + "CONSTRUCT { ?a ld:supports ?b } WHERE { ?a ld:supports ?b }")
    client.setReturnFormat(return_format)
    converted = client.queryAndConvert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
    assert (CHINA, URIRef(f"{BASE}ontology#supports"), URIRef(f"{BASE}actor/serbia")) in graph


def test_sparqlwrapper_describe(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery("DESCRIBE <https://alliances.example.org/actor/china>")
    client.setReturnFormat(XML)
    graph = client.queryAndConvert()
    assert (CHINA, OWL.sameAs, CHINA_WIKIDATA) in graph


# ---------------------------------------------------------------- rdflib's SPARQLStore


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint))
    rows = list(graph.query(PREFIXES + "SELECT ?name WHERE { ?who ld:supports actor:kosovo ; rdfs:label ?name } ORDER BY ?name"))
    assert [str(row.name) for row in rows] == ["European Union", "United States"]
    assert (CHINA, OWL.sameAs, CHINA_WIKIDATA) in graph
    assert "China" in {str(label) for label in graph.objects(CHINA, RDFS.label)}
    ask = graph.query(PREFIXES + "ASK { actor:russia ld:supports actor:serbia }")
    assert ask.askAnswer is True
    constructed = graph.query(PREFIXES + "CONSTRUCT { ?a ld:supports actor:serbia } WHERE { ?a ld:supports actor:serbia }")
    assert len(constructed.graph) >= 2


# ---------------------------------------------------------------- the example queries: every one runs, and answers like the article


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_example_runs_and_returns_rows(endpoint: str, path: Path) -> None:
    assert len(EXAMPLES) >= 6
    assert run_example(endpoint, path.stem), f"{path.name} returned no rows"


def test_who_supports_serbia(endpoint: str) -> None:
    names = {row["name"] for row in run_example(endpoint, "01-who-supports-serbia")}
    assert {"China", "Russia"} <= names


def test_who_does_not_recognize_kosovo(endpoint: str) -> None:
    rows = run_example(endpoint, "02-who-does-not-recognize-kosovo")
    assert {row["name"] for row in rows} == {"China"}
    assert all(row["quote"] in ARTICLE_TEXT.read_text(encoding="utf-8") for row in rows)


def test_who_supports_kosovo(endpoint: str) -> None:
    assert {row["name"] for row in run_example(endpoint, "03-who-supports-kosovo")} == {"United States", "European Union"}


def test_the_ambassadors_facts_quote_the_article(endpoint: str) -> None:
    rows = run_example(endpoint, "04-what-the-russian-ambassador-said")
    article = ARTICLE_TEXT.read_text(encoding="utf-8")
    quotes = [row["quote"] for row in rows]
    assert len(quotes) == 4 and len(set(quotes)) == 4
    for quote in quotes:
        assert quote in article, quote


def test_condemnations_and_wikidata_links(endpoint: str) -> None:
    condemnations = run_example(endpoint, "05-condemnations")
    assert all(row["holderName"] and row["targetName"] for row in condemnations)
    links = {row["name"]: row.get("wikidata") for row in run_example(endpoint, "06-wikidata-links")}
    assert links["China"] == str(CHINA_WIKIDATA)
