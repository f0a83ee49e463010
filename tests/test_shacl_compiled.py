"""The compiled SHACL validator (SPARQL on Oxigraph, used for large releases) reports exactly what pySHACL reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import Graph

from linkeddata.namespaces import LD, OA, ONTOLOGY_IRI, OWL, RDFS, SCHEMA, XSD
from linkeddata.pipeline.mapping import map_seeds, read_mappings
from linkeddata.pipeline.shacl_compiled import CompiledValidator, Finding, pyshacl_findings
from linkeddata.project.seeds import read_seeds
from linkeddata.project.vocabulary import Vocabulary, read_vocabulary

PROJECT = Path(__file__).resolve().parent.parent
BASE = "https://alliances.example.org/"
FACT = f"{BASE}fact/000_73df04759b344adc/china-does-not-recognize-kosovo"
REPORTED = f"{BASE}fact/000_73df04759b344adc/russia-support-any-support"
CHINA, KOSOVO = f"{BASE}actor/china", f"{BASE}actor/kosovo"
ARCHIVE = f"{BASE}text/000_73df04759b344adc"

Quads = list[ox.Quad]
N = ox.NamedNode


def _without(quads: Quads, subject: str, predicate: str) -> Quads:
    return [q for q in quads if not (q.subject.value == subject and q.predicate.value == predicate)]


def _with(quads: Quads, subject: str, predicate: str, obj: ox.NamedNode | ox.Literal) -> Quads:
    return [*quads, ox.Quad(N(subject), N(predicate), obj)]


def _replace(quads: Quads, subject: str, predicate: str, obj: ox.NamedNode | ox.Literal) -> Quads:
    return _with(_without(quads, subject, predicate), subject, predicate, obj)


MUTATIONS: dict[str, Callable[[Quads], Quads]] = {
    "clean": lambda q: q,
    "fact without holder": lambda q: _without(q, FACT, str(LD.holder)),
    "fact with two targets": lambda q: _with(q, FACT, str(LD.target), N(f"{BASE}actor/serbia")),
    "holder is a literal": lambda q: _replace(q, FACT, str(LD.holder), ox.Literal("China")),
    "polarity outside its list": lambda q: _replace(q, FACT, str(LD.polarity), N(str(LD.Support))),
    "negated fact with a direct triple": lambda q: _with(q, CHINA, str(LD.recognizes), N(KOSOVO)),
    "quote offsets moved": lambda q: _replace(q, f"{FACT}#position", str(OA.start), ox.Literal("5", datatype=N(str(XSD.integer)))),
    "date as plain text": lambda q: _replace(q, FACT, str(LD.date), ox.Literal("2008")),
    "aspect without language": lambda q: _replace(q, FACT, str(LD.aspect), ox.Literal("independence")),
    "two English labels": lambda q: _with(q, CHINA, str(RDFS.label), ox.Literal("PRC", language="en")),
    "label in French": lambda q: _with(q, KOSOVO, str(RDFS.label), ox.Literal("Kosovo", language="fr")),
    "sameAs outside Wikidata": lambda q: _replace(q, CHINA, str(OWL.sameAs), N("http://dbpedia.org/resource/China")),
    "two sameAs": lambda q: _with(q, CHINA, str(OWL.sameAs), N("http://www.wikidata.org/entity/Q29520")),
    "quote selector untyped": lambda q: [x for x in q if not (x.subject.value == f"{FACT}#quote" and x.predicate.value.endswith("#type"))],
    "empty quote": lambda q: _replace(q, f"{FACT}#quote", str(OA.exact), ox.Literal("")),
    "reported speech without speaker": lambda q: _without(q, REPORTED, str(LD.speaker)),
    "bad checksum": lambda q: _replace(q, ARCHIVE, str(SCHEMA.sha256), ox.Literal("not-a-checksum")),
}


@pytest.fixture(scope="module")
def seed() -> tuple[Vocabulary, Quads]:
    vocabulary = read_vocabulary(PROJECT)
    mapped = map_seeds(read_seeds(PROJECT, vocabulary), vocabulary.ontology_turtle, read_mappings(PROJECT), BASE)
    # The first article's graph and the actors keep pySHACL, the slow side of each comparison, quick.
    first = f"{BASE}graph/000_73df04759b344adc"
    return vocabulary, [q for q in mapped.quads if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value == first]


def compiled(vocabulary: Vocabulary, quads: Quads) -> list[Finding]:
    store = ox.Store()
    store.bulk_extend(quads)
    store.load(vocabulary.ontology_turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=N(ONTOLOGY_IRI))
    return CompiledValidator(vocabulary.shapes).validate(store)


def reference(vocabulary: Vocabulary, quads: Quads) -> list[Finding]:
    union = Graph().parse(data=ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES), format="nt")
    _conforms, report, _text = validate(union + vocabulary.ontology, shacl_graph=vocabulary.shapes,
                                        inference="none", advanced=True, allow_warnings=True)
    return pyshacl_findings(report)


def _key(finding: Finding) -> tuple[object, ...]:
    return (finding.focus, finding.path, finding.component, finding.severity, finding.value)


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_compiled_validator_reports_what_pyshacl_reports(seed: tuple[Vocabulary, Quads], mutation: str) -> None:
    vocabulary, quads = seed
    mutated = MUTATIONS[mutation](list(quads))
    ours, theirs = compiled(vocabulary, mutated), reference(vocabulary, mutated)
    assert sorted(map(_key, ours)) == sorted(map(_key, theirs))
    violations = [f for f in theirs if f.severity.endswith("#Violation")]
    assert (mutation == "clean") == (not violations), "each broken input must really break a shape"


def test_compiled_validator_uses_the_shapes_messages(seed: tuple[Vocabulary, Quads]) -> None:
    vocabulary, quads = seed
    mutated = MUTATIONS["fact without holder"](list(quads))
    messages = {f.message for f in compiled(vocabulary, mutated) if f.focus == FACT}
    assert "a fact needs exactly one holder that is a known actor" in messages
