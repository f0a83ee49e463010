"""The RDF namespaces the project reads and writes, as rdflib namespaces."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

LD = Namespace("https://alliances.example.org/ontology#")
ONTOLOGY_IRI = "https://alliances.example.org/ontology"
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
WIKIDATA_ENTITY = Namespace("http://www.wikidata.org/entity/")
RECORD = Namespace("tag:linkeddata,2026:record#")
RECORDS_GRAPH = "tag:linkeddata,2026:records"
ONTOLOGY_GRAPH = "tag:linkeddata,2026:ontology"
ORIGINS_GRAPH = "tag:linkeddata,2026:origins"
CONFIG_NODE = "tag:linkeddata,2026:config"

# Prefixes written into Turtle/TriG dumps and the JSON-LD context, in this order.
PREFIXES: dict[str, str] = {
    "ld": str(LD),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "prov": str(PROV),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "sh": str(SH),
    "sd": str(SD),
    "wd": str(WIKIDATA_ENTITY),
}



def dataset_prefixes(base_iri: str) -> dict[str, str]:
    """Return the prefixes for Turtle and TriG: the vocabularies plus the dataset's own IRI spaces."""
    return {**PREFIXES, "actor": f"{base_iri}actor/", "article": f"{base_iri}article/", "graph": f"{base_iri}graph/"}


__all__ = ["DCAT", "DCTERMS", "LD", "OA", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SD", "SH", "SKOS", "VOID", "XSD", "dataset_prefixes"]
