"""The one table of RDF and SPARQL result formats: key, media type, file suffix and engine format."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True, slots=True)
class RdfFormat:
    """An RDF serialization the release writes and the server negotiates."""

    key: str
    media_type: str
    suffix: str
    oxigraph: ox.RdfFormat
    rdflib: str
    holds_quads: bool
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultsFormat:
    """A SPARQL SELECT/ASK results serialization."""

    key: str
    media_type: str
    suffix: str
    oxigraph: ox.QueryResultsFormat
    aliases: tuple[str, ...] = ()


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", "text/turtle", ".ttl", ox.RdfFormat.TURTLE, "turtle", False, ("ttl", "application/x-turtle")),
    RdfFormat("jsonld", "application/ld+json", ".jsonld", ox.RdfFormat.JSON_LD, "json-ld", False, ("json-ld", "json")),
    RdfFormat("ntriples", "application/n-triples", ".nt", ox.RdfFormat.N_TRIPLES, "nt", False, ("nt", "text/plain")),
    RdfFormat("rdfxml", "application/rdf+xml", ".rdf", ox.RdfFormat.RDF_XML, "xml", False, ("xml", "rdf", "application/xml")),
    RdfFormat("trig", "application/trig", ".trig", ox.RdfFormat.TRIG, "trig", True),
    RdfFormat("nquads", "application/n-quads", ".nq", ox.RdfFormat.N_QUADS, "nquads", True, ("nq",)),
)

RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", "application/sparql-results+json", ".srj", ox.QueryResultsFormat.JSON, ("application/json",)),
    ResultsFormat("xml", "application/sparql-results+xml", ".srx", ox.QueryResultsFormat.XML, ("application/xml", "text/xml")),
    ResultsFormat("csv", "text/csv", ".csv", ox.QueryResultsFormat.CSV),
    ResultsFormat("tsv", "text/tab-separated-values", ".tsv", ox.QueryResultsFormat.TSV),
)

RDF_BY_KEY = {fmt.key: fmt for fmt in RDF_FORMATS}


def rdf_format_for_path(name: str) -> RdfFormat | None:
    """Return the RDF format a file name implies (a trailing .gz is ignored), or None."""
    stem = name.removesuffix(".gz")
    for fmt in RDF_FORMATS:
        if stem.endswith(fmt.suffix):
            return fmt
    extra = {".n3": "turtle", ".owl": "rdfxml", ".xml": "rdfxml", ".json": "jsonld", ".nquads": "nquads", ".ntriples": "ntriples"}
    for suffix, key in extra.items():
        if stem.endswith(suffix):
            return RDF_BY_KEY[key]
    return None
