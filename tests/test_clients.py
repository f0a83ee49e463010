"""Real SPARQL clients against the live server, and the shipped example queries answering the article's questions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import FIRST_ARTICLE, seed_facts, seed_holders
from rdflib import OWL, RDFS, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((PROJECT / "linkeddata" / "queries" / "examples").glob("*.rq"))
ARTICLE_TEXT = PROJECT / "seeds" / "articles" / f"{FIRST_ARTICLE}.txt"
BASE = "https://alliances.example.org/"
CHINA = URIRef(f"{BASE}actor/china")
CHINA_WIKIDATA = URIRef("http://www.wikidata.org/entity/Q148")
PREFIXES = f"PREFIX ld: <{BASE}ontology#> PREFIX rdfs: <{RDFS}> PREFIX owl: <{OWL}> PREFIX actor: <{BASE}actor/>\n"
PUBLISHED = [fact for fact in seed_facts() if fact.get("status") != "candidate"]
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
    assert [str(row.name) for row in rows] == sorted(seed_holders("supports", "kosovo", "affirmed"))
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


def article_text(identifier: str) -> str:
    return (PROJECT / "seeds" / "articles" / f"{identifier}.txt").read_text(encoding="utf-8")


def test_who_supports_serbia(endpoint: str) -> None:
    names = {row["name"] for row in run_example(endpoint, "01-who-supports-serbia")}
    assert names == seed_holders("supports", "serbia", "affirmed")
    assert {"China", "Russia"} <= names  # stated by the first article


def test_who_does_not_recognize_kosovo(endpoint: str) -> None:
    rows = run_example(endpoint, "02-who-does-not-recognize-kosovo")
    assert {row["name"] for row in rows} == seed_holders("recognizes", "kosovo", "negated")
    assert "China" in {row["name"] for row in rows}  # the first article: "China did not recognize Kosovo’s independence in 2008"
    # Every quote is that of a curated negated recognition of Kosovo, and lies in the text of that fact's own article.
    negated = {(f["quote"], f["article"]) for f in PUBLISHED
               if (f["stance"], f["target"], f["polarity"]) == ("recognizes", "kosovo", "negated")}
    assert {row["quote"] for row in rows} == {quote for quote, _article in negated}
    for quote, article in negated:
        assert quote in article_text(article), (article, quote)
    assert {row.get("date") for row in rows if row["name"] == "China"} == {"2008"}


def test_who_supports_kosovo(endpoint: str) -> None:
    names = {row["name"] for row in run_example(endpoint, "03-who-supports-kosovo")}
    assert names == seed_holders("supports", "kosovo", "affirmed")
    assert {"United States", "European Union"} <= names  # stated by the first article


def test_the_ambassadors_facts_quote_the_article(endpoint: str) -> None:
    rows = run_example(endpoint, "04-what-the-russian-ambassador-said")
    quotes = [row["quote"] for row in rows]
    spoken = [f for f in PUBLISHED if f.get("speaker") == "alexander-botsan-kharchenko"]
    assert len(quotes) == len(set(quotes)) == len(spoken) and set(quotes) == {f["quote"] for f in spoken}
    for fact in spoken:
        assert fact["quote"] in article_text(fact["article"]), fact["key"]
    # his four sayings in the first article
    article = ARTICLE_TEXT.read_text(encoding="utf-8")
    first = {f["quote"] for f in spoken if f["article"] == FIRST_ARTICLE}
    assert len(first) == 5 and all(quote in article for quote in first)


def test_condemnations_and_wikidata_links(endpoint: str) -> None:
    condemnations = run_example(endpoint, "05-condemnations")
    assert all(row["holderName"] and row["targetName"] for row in condemnations)
    links = {row["name"]: row.get("wikidata") for row in run_example(endpoint, "06-wikidata-links")}
    assert links["China"] == str(CHINA_WIKIDATA)
