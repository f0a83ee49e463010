"""Runs pySHACL with the ontology and shapes, and turns each result into an InputError at its record."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from pyshacl import validate
from rdflib import Graph, Literal, URIRef

from linkeddata.errors import InputError, SourceLocation
from linkeddata.namespaces import RDF, SH
from linkeddata.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """The SHACL report graph, its violations and its warnings as located errors."""

    report: Graph
    violations: list[InputError]
    warnings: list[InputError]


def to_rdflib(quads: list[ox.Quad]) -> Graph:
    """Return the union of the quads' triples as an rdflib Graph (SHACL targets span graphs)."""
    graph = Graph()
    graph.parse(data=ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _owner(focus: str, origins: dict[str, SourceLocation]) -> SourceLocation:
    # Evidence and selectors are hash IRIs of their fact, so they belong to the fact's record.
    return origins.get(focus) or origins.get(focus.split("#", 1)[0]) or SourceLocation("(generated)", 0)


def _describe(report: Graph, result: URIRef) -> tuple[str, str]:
    focus = str(report.value(result, SH.focusNode))
    path = report.value(result, SH.resultPath)
    message = report.value(result, SH.resultMessage)
    text = str(message) if isinstance(message, Literal) else "SHACL constraint violated"
    where = f" (path {path.n3()})" if isinstance(path, URIRef) else ""
    return focus, f"<{focus}>{where}: {text}"


def check_graph(data: Graph, vocabulary: Vocabulary, origins: dict[str, SourceLocation]) -> ValidationOutcome:
    """Return the SHACL outcome of `data`; violations block publishing, warnings do not."""
    # The shapes look up stance concepts and their direct properties, which the ontology defines.
    _conforms, report, _text = validate(
        data + vocabulary.ontology,
        shacl_graph=vocabulary.shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    violations, warnings = [], []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus, message = _describe(report, result)
        error = InputError(_owner(focus, origins), message)
        severity = report.value(result, SH.resultSeverity)
        (violations if severity == SH.Violation else warnings).append(error)
    return ValidationOutcome(report, sorted(set(violations)), sorted(set(warnings)))
