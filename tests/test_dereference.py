"""Linked data on the live server: 303 from things to documents, suffix documents, ontology, VoID, dumps and the small routes."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import OWL, RDF, Graph, Namespace, URIRef

BASE = "https://alliances.example.org/"
LD = Namespace(f"{BASE}ontology#")
VOID = Namespace("http://rdfs.org/ns/void#")
CHINA = URIRef(f"{BASE}actor/china")
CHINA_WIKIDATA = URIRef("http://www.wikidata.org/entity/Q148")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DOCUMENTS = {".ttl": ("text/turtle", "turtle"), ".jsonld": ("application/ld+json", "json-ld"), ".nt": ("application/n-triples", "nt"),
             ".rdf": ("application/rdf+xml", "xml")}
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")


@pytest.fixture(scope="module")
def client(live_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as session:
        yield session


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def first_iri(client: httpx.Client, rdf_class: str) -> str:
    query = f"SELECT ?x WHERE {{ ?x a <{rdf_class}> }} ORDER BY ?x LIMIT 1"
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert rows, rdf_class
    return rows[0]["x"]["value"]


# ---------------------------------------------------------------- 303 See Other from a thing to the document describing it


@pytest.mark.parametrize(("accept", "suffix"), [
    ("text/html", ".html"),
    (BROWSER, ".html"),
    ("text/turtle", ".ttl"),
    ("application/ld+json", ".jsonld"),
    ("application/n-triples", ".nt"),
    ("application/rdf+xml", ".rdf"),
    ("text/turtle;q=0.5, application/ld+json", ".jsonld"),
    ("*/*", ".ttl"),
])
def test_actor_iri_redirects_303_by_accept(client: httpx.Client, accept: str, suffix: str) -> None:
    response = client.get("/actor/china", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == f"/actor/china{suffix}"
    assert "Accept" in response.headers["vary"]


def test_actor_iri_with_nothing_acceptable_is_406(client: httpx.Client) -> None:
    assert client.get("/actor/china", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("suffix", sorted(DOCUMENTS))
def test_suffix_documents_have_their_media_type_parse_and_link_wikidata(client: httpx.Client, suffix: str) -> None:
    expected_type, rdflib_format = DOCUMENTS[suffix]
    response = client.get(f"/actor/china{suffix}")
    assert response.status_code == 200
    assert media_type(response) == expected_type
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert (CHINA, OWL.sameAs, CHINA_WIKIDATA) in graph
    assert (CHINA, RDF.type, LD.State) in graph


def test_following_the_redirect_gives_the_document(client: httpx.Client) -> None:
    response = client.get("/actor/china", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    assert str(response.url).endswith("/actor/china.ttl")


def test_html_page_of_an_actor(client: httpx.Client) -> None:
    response = client.get("/actor/china.html")
    assert response.status_code == 200 and media_type(response) == "text/html"
    assert '<h1 id="label">China</h1>' in response.text
    assert 'href="http://www.wikidata.org/entity/Q148"' in response.text
    for suffix, (kind, _) in DOCUMENTS.items():
        assert f'<link rel="alternate" type="{kind}" href="/actor/china{suffix}">' in response.text


@pytest.mark.parametrize("path", ["/actor/nobody", "/actor/nobody.ttl", "/actor/nobody.html", "/actor/nobody.jsonld", "/fact/nothing/here",
                                  "/article/none.nt", "/graph/none"])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_unknown_things_are_404(client: httpx.Client, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404, (path, response.status_code, response.headers.get("location"))


@pytest.mark.parametrize("rdf_class", [f"{LD}StanceFact", "https://schema.org/NewsArticle"])
def test_fact_and_article_pages_exist(client: httpx.Client, rdf_class: str) -> None:
    iri = first_iri(client, rdf_class)
    assert iri.startswith(BASE)
    path = "/" + iri[len(BASE):]
    redirect = client.get(path, headers={"Accept": "text/html"})
    assert redirect.status_code == 303 and redirect.headers["location"] == f"{path}.html"
    page = client.get(f"{path}.html")
    assert page.status_code == 200 and media_type(page) == "text/html"
    assert iri in page.text
    graph = Graph().parse(data=client.get(f"{path}.ttl").text, format="turtle")
    assert (URIRef(iri), RDF.type, URIRef(rdf_class)) in graph


def test_dataset_iri_is_described(client: httpx.Client) -> None:
    assert client.get("/dataset", headers={"Accept": "text/turtle"}).headers["location"] == "/dataset.ttl"
    graph = Graph().parse(data=client.get("/dataset.ttl").text, format="turtle")
    assert (URIRef(f"{BASE}dataset"), RDF.type, VOID.Dataset) in graph


# ---------------------------------------------------------------- ontology and VoID


def test_ontology_in_turtle_defines_supports(client: httpx.Client) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    assert "Accept" in response.headers["vary"]
    graph = Graph().parse(data=response.text, format="turtle")
    assert (LD.supports, RDF.type, OWL.ObjectProperty) in graph
    assert (URIRef(f"{BASE}ontology"), RDF.type, OWL.Ontology) in graph


def test_ontology_in_html_is_its_documentation(client: httpx.Client) -> None:
    response = client.get("/ontology", headers={"Accept": BROWSER})
    assert response.status_code == 200 and media_type(response) == "text/html"
    assert "supports" in response.text and "<html" in response.text.lower()


@pytest.mark.parametrize(("path", "kind", "rdflib_format"), [("/ontology.ttl", "text/turtle", "turtle"), ("/ontology.jsonld", "application/ld+json", "json-ld"),
                                                             ("/ontology.nt", "application/n-triples", "nt"), ("/ontology.rdf", "application/rdf+xml", "xml")])
def test_ontology_documents_by_suffix(client: httpx.Client, path: str, kind: str, rdflib_format: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and media_type(response) == kind
    assert (LD.supports, RDF.type, OWL.ObjectProperty) in Graph().parse(data=response.text, format=rdflib_format)


def test_void_description(client: httpx.Client, live_server) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(f"{BASE}dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, VOID.sparqlEndpoint, None) in graph
    assert {str(dump) for dump in graph.objects(dataset, VOID.dataDump)} >= {f"{BASE}dumps/alliances.ttl", f"{BASE}dumps/alliances.nq"}
    as_jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert media_type(as_jsonld) == "application/ld+json"
    assert len(Graph().parse(data=as_jsonld.text, format="json-ld")) == len(graph)


# ---------------------------------------------------------------- dumps


def test_dumps_index_lists_every_release_file(client: httpx.Client, release: Path) -> None:
    response = client.get("/dumps/")
    assert response.status_code == 200 and media_type(response) == "text/html"
    names = sorted(path.name for path in release.iterdir() if path.is_file())
    assert "alliances.ttl" in names and "SHA256SUMS" in names
    for name in names:
        assert f'href="/dumps/{name}"' in response.text


def test_dump_has_validators_and_conditional_get_gives_304(client: httpx.Client, release: Path) -> None:
    response = client.get("/dumps/alliances.ttl", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    assert response.content == (release / "alliances.ttl").read_bytes()
    etag, last_modified = response.headers["etag"], response.headers["last-modified"]
    assert client.get("/dumps/alliances.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/dumps/alliances.ttl", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get("/dumps/alliances.ttl", headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_dump_is_gzipped_when_the_client_accepts_gzip(client: httpx.Client, release: Path) -> None:
    with httpx.Client(base_url=str(client.base_url), timeout=30) as raw:
        request = raw.build_request("GET", "/dumps/alliances.ttl", headers={"Accept-Encoding": "gzip"})
        response = raw.send(request, stream=True)
        compressed = b"".join(response.iter_raw())
        response.close()
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    assert gzip.decompress(compressed) == (release / "alliances.ttl").read_bytes()


def test_compressed_dump_is_served_as_is(client: httpx.Client, release: Path) -> None:
    response = client.get("/dumps/alliances.nq.gz", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.content == (release / "alliances.nq.gz").read_bytes()


def test_archived_article_text(client: httpx.Client, release: Path) -> None:
    text_files = sorted((release / "articles").glob("*.txt"))
    seeds = Path(__file__).resolve().parent.parent / "seeds" / "articles"
    assert [path.name for path in text_files] == sorted(path.name for path in seeds.glob("*.txt"))
    for text_file in text_files:
        response = client.get(f"/text/{text_file.stem}")
        assert response.status_code == 200 and media_type(response) == "text/plain", text_file.stem
        assert response.text == text_file.read_text(encoding="utf-8"), text_file.stem
    assert client.get("/text/not-an-article").status_code == 404


# ---------------------------------------------------------------- CORS, API docs, health, home


def test_cors_header_on_sparql_and_pages(client: httpx.Client) -> None:
    for path, params in (("/sparql", {"query": "ASK { ?s ?p ?o }"}), ("/actor/china.ttl", {})):
        response = client.get(path, params=params, headers={"Origin": "https://client.example"})
        assert response.headers["access-control-allow-origin"] in ("*", "https://client.example")


def test_api_docs_and_openapi(client: httpx.Client) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and media_type(docs) == "text/html" and "openapi.json" in docs.text
    schema = client.get("/openapi.json")
    assert schema.status_code == 200 and media_type(schema) == "application/json"
    assert "/sparql" in schema.json()["paths"]


def test_health(client: httpx.Client) -> None:
    document = client.get("/health").json()
    assert document["status"] == "ok" and document["quads"] > 0
    assert document["pool"]["max_workers"] >= 2


def test_home_page(client: httpx.Client) -> None:
    response = client.get("/", headers={"Accept": BROWSER})
    assert response.status_code == 200 and media_type(response) == "text/html"
    assert 'href="/sparql"' in response.text and 'href="/actor/china"' in response.text
    facts = int(response.text.split('<strong id="count-facts">', 1)[1].split("<", 1)[0])
    assert facts > 0


def test_every_response_tells_browsers_not_to_sniff(live_server) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/sparql?query=ASK%7B%7D", "/dumps/alliances.ttl", "/actor/nobody", "/text/000_73df04759b344adc"):
        response = httpx.get(f"{live_server.url}{path}")
        assert response.headers.get("x-content-type-options") == "nosniff", path
