"""Runs the SHACL shapes (pySHACL, or compiled to SPARQL for large graphs) and turns each result into an InputError at its record."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef

from linkeddata.errors import InputError, SourceLocation
from linkeddata.mapping import MappedDataset, graph_ntriples, published_graphs
from linkeddata.namespaces import RDF, SH
from linkeddata.shacl_compiled import CompiledValidator, Finding, pyshacl_findings
from linkeddata.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """The SHACL report graph, its violations and its warnings as located errors."""

    report: Graph
    violations: list[InputError]
    warnings: list[InputError]


def to_rdflib(store: ox.Store) -> Graph:
    """Return the union of the published graphs' triples as an rdflib Graph (SHACL targets span graphs)."""
    graph = Graph()
    for name in published_graphs(store):
        graph.parse(data=graph_ntriples(store, name), format="nt")
    return graph


def _owner(focus: str, origins: dict[str, SourceLocation]) -> SourceLocation:
    # Evidence and selectors are hash IRIs of their fact, so they belong to the fact's record.
    return origins.get(focus) or origins.get(focus.split("#", 1)[0]) or SourceLocation("(generated)", 0)


PYSHACL_MAX_QUADS = 20_000
"""Up to this size pySHACL validates (seconds); above it the shapes run compiled to SPARQL on Oxigraph."""


def _message(finding: Finding) -> str:
    where = f" (path <{finding.path}>)" if finding.path else ""
    return f"<{finding.focus}>{where}: {finding.message or 'SHACL constraint violated'}"


def validate_with_pyshacl(store: ox.Store, vocabulary: Vocabulary) -> tuple[Graph, list[Finding]]:
    """Return pySHACL's report graph and its findings over the store's published graphs."""
    # The shapes look up stance concepts and their direct properties, which the ontology defines.
    _conforms, report, _text = validate(
        to_rdflib(store) + vocabulary.ontology,
        shacl_graph=vocabulary.shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return report, pyshacl_findings(report)


def validate_compiled(store: ox.Store, vocabulary: Vocabulary) -> tuple[Graph, list[Finding]]:
    """Return the compiled validator's findings and a SHACL report graph written from them.

    The store holds the published graphs and the ontology (in any graph: the shapes query the union).
    """
    findings = CompiledValidator(vocabulary.shapes).validate(store)
    return report_graph(findings), findings


def report_graph(findings: list[Finding]) -> Graph:
    """Return a sh:ValidationReport graph holding the findings."""
    report = Graph()
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(not any(f.severity == str(SH.Violation) for f in findings))))
    for finding in findings:
        result = BNode()
        report.add((node, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, URIRef(finding.focus)))
        report.add((result, SH.sourceConstraintComponent, URIRef(finding.component)))
        report.add((result, SH.resultSeverity, URIRef(finding.severity)))
        report.add((result, SH.resultMessage, Literal(finding.message)))
        if finding.path:
            report.add((result, SH.resultPath, URIRef(finding.path)))
        if finding.value:
            report.add((result, SH.value, URIRef(finding.value) if finding.value.startswith(("http://", "https://")) else Literal(finding.value)))
    return report


def check_graph(mapped: MappedDataset, vocabulary: Vocabulary) -> ValidationOutcome:
    """Return the SHACL outcome of the mapped dataset; violations block publishing, warnings do not."""
    validator = validate_with_pyshacl if mapped.quad_count <= PYSHACL_MAX_QUADS else validate_compiled
    report, findings = validator(mapped.store, vocabulary)
    origins = mapped.origins
    violations, warnings = [], []
    for finding in findings:
        error = InputError(_owner(finding.focus, origins), _message(finding))
        (violations if finding.severity == str(SH.Violation) else warnings).append(error)
    return ValidationOutcome(report, sorted(set(violations)), sorted(set(warnings)))
