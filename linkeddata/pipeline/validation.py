"""Runs the SHACL shapes (pySHACL, or compiled to SPARQL for large graphs) and turns each result into an InputError at its record."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from linkeddata.errors import InputError, SourceLocation
from linkeddata.namespaces import ONTOLOGY_GRAPH, RDF, SH
from linkeddata.pipeline.mapping import graph_ntriples, published_graphs
from linkeddata.pipeline.shacl_compiled import CompiledValidator, Finding, pyshacl_findings
from linkeddata.project.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """The SHACL report graph, its violations and its warnings as located errors."""

    report: Graph  # same findings, same Turtle (ShardedValidation.outcome)
    violations: list[InputError]
    warnings: list[InputError]


def to_rdflib(store: ox.Store) -> Graph:
    """Return the union of the published graphs' triples as an rdflib Graph (SHACL targets span graphs)."""
    graph = Graph()
    for name in published_graphs(store):
        graph.parse(data=graph_ntriples(store, name), format="nt")
    return graph


def locate_findings(findings: list[Finding], origins: dict[str, SourceLocation]) -> list[tuple[Finding, SourceLocation]]:
    """Return each finding with the location of the record its focus node was made from."""
    return [(finding, _owner(finding.focus, origins)) for finding in findings]


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


def report_graph(findings: list[Finding]) -> Graph:
    """Return a sh:ValidationReport graph holding the findings, its blank nodes labelled by the findings' order.

    The labels make equal findings give equal Turtle without rdflib's canonicalization of blank nodes,
    which took 4 s at 10,000 facts (a result per actor without a Wikidata link, in every build).
    """
    report = Graph()
    node = BNode("report")
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(not any(f.severity == str(SH.Violation) for f in findings))))
    for number, finding in enumerate(sorted(findings)):
        result = BNode(f"result{number:09d}")
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


def _quads_in(store: ox.Store, graph: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


class ShardedValidation:
    """Validates a dataset shard by shard and gathers one outcome.

    A shard holds the actors and whole articles (mapping.shards), and every shape of ontology/shapes.ttl
    looks only at a focus node's own article graph and the actors: a fact's evidence and quote lie in its
    article, and a direct stance triple is written into the article graph of the affirmed fact it comes
    from. So each shard reports what validating the union would report for its nodes, and the actors'
    findings, repeated in every shard, are kept once (tests/test_sharding.py compares with
    pySHACL over the whole graph). A build of one small shard runs pySHACL itself and publishes its report.
    """

    def __init__(self, vocabulary: Vocabulary, *, single_shard: bool) -> None:
        self.vocabulary = vocabulary
        self.single_shard = single_shard
        self.compiled = CompiledValidator(vocabulary.shapes)
        self.findings: set[Finding] = set()
        self.errors: set[tuple[InputError, bool]] = set()
        self.pyshacl_report: Graph | None = None

    def check(self, store: ox.Store, origins: dict[str, SourceLocation]) -> None:
        """Validate one shard's store (its published graphs and the ontology in its working graph)."""
        if self.single_shard and len(store) - _quads_in(store, ONTOLOGY_GRAPH) <= PYSHACL_MAX_QUADS:
            self.pyshacl_report, findings = validate_with_pyshacl(store, self.vocabulary)
        else:
            findings = self.compiled.validate(store)
        self.record(locate_findings(findings, origins))

    def record(self, located: list[tuple[Finding, SourceLocation]]) -> None:
        """Keep the findings of a shard validated elsewhere (locate_findings, in a shard worker process)."""
        for finding, location in located:
            self.findings.add(finding)
            self.errors.add((InputError(location, _message(finding)), finding.severity == str(SH.Violation)))

    def outcome(self) -> ValidationOutcome:
        """Return the SHACL outcome of every shard checked; violations block publishing, warnings do not.

        Its report serializes to the same Turtle for the same findings: pySHACL's (one small shard) is
        canonicalized, the compiled validator's has its blank nodes labelled in order (report_graph).
        """
        report = to_canonical_graph(self.pyshacl_report) if self.pyshacl_report is not None else report_graph(sorted(self.findings))
        violations = sorted(error for error, violation in self.errors if violation)
        warnings = sorted(error for error, violation in self.errors if not violation)
        return ValidationOutcome(report, violations, warnings)
