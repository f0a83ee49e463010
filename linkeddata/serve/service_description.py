"""The SPARQL 1.1 Service Description of the endpoint, as an rdflib graph."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef

from linkeddata.formats import RDF_FORMATS, RESULTS_FORMATS
from linkeddata.namespaces import DCTERMS, RDF, SD, VOID
from linkeddata.settings import Settings

FORMATS = "http://www.w3.org/ns/formats/"
# W3C's unique IRIs for formats (https://www.w3.org/ns/formats/).
FORMAT_IRIS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV", "tsv": "SPARQL_Results_TSV",
               "turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF_XML", "trig": "TriG", "nquads": "N-Quads"}


def describe_service(endpoint: str, base_iri: str, graph_names: frozenset[str], settings: Settings, union_default_graph: bool) -> Graph:
    """Return the service description: languages, result formats, features and the default dataset."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*RESULTS_FORMATS, *RDF_FORMATS):
        graph.add((service, SD.resultFormat, URIRef(FORMATS + FORMAT_IRIS[fmt.key])))
    if union_default_graph:
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.federation_allow_list:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, DCTERMS.description, Literal(
        f"Read-only SPARQL 1.1 endpoint. Updates are refused; SERVICE reaches only its allow-list; each query stops after "
        f"{settings.query_timeout_s:g} s or {settings.max_result_rows} rows.", lang="en")))
    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((dataset, DCTERMS.source, URIRef(f"{base_iri}dataset")))
    for name in sorted(graph_names):
        named = BNode(f"graph{len(list(graph.objects(dataset, SD.namedGraph)))}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    return graph
