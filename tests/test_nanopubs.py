"""Every fact as a nanopublication: structure and trusty URI checked by the nanopub library, one per fact, stable IRIs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE, LD, select
from rdflib import Dataset, Graph, Literal, URIRef

nanopub = pytest.importorskip("nanopub")
GRAPH_NAMES = ("#Head", "#assertion", "#provenance", "#pubinfo")
TRUSTY = re.compile(rf"^{re.escape(BASE)}np/RA[A-Za-z0-9_-]{{43}}$")
NPX_INTRODUCES = URIRef("http://purl.org/nanopub/x/introduces")


def split_nanopubs(path: Path) -> dict[str, Any]:
    """Return each nanopublication of a TriG file as its own rdflib graph set, by nanopublication IRI."""
    from rdflib import ConjunctiveGraph

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the nanopub library takes a ConjunctiveGraph
        whole = Dataset()
        whole.parse(path, format="trig")
        heads = sorted(str(g.identifier)[: -len("#Head")] for g in whole.graphs() if str(g.identifier).endswith("#Head"))
        found = {}
        for uri in heads:
            single = ConjunctiveGraph()
            for name in GRAPH_NAMES:
                context = single.get_context(URIRef(uri + name))
                for triple in whole.graph(URIRef(uri + name)):
                    context.add(triple)
            found[uri] = single
    return found


@pytest.fixture(scope="module")
def nanopubs(release: Path) -> dict[str, Any]:
    return split_nanopubs(release / "nanopubs.trig")


def test_every_fact_is_one_valid_nanopublication_with_a_trusty_uri(nanopubs: dict[str, Any], release_store: Any) -> None:
    from nanopub import Nanopub

    facts = {row["fact"] for row in select(release_store, "SELECT ?fact WHERE { ?fact a ld:StanceFact }")}
    assert len(nanopubs) == len(facts) > 0
    introduced = set()
    for uri, graph in nanopubs.items():
        assert TRUSTY.match(uri), uri
        publication = Nanopub(rdf=graph)
        assert publication.is_valid  # four graphs, provenance about the assertion, pubinfo about the nanopublication
        assert publication.has_valid_trusty  # raises MalformedNanopubError on a wrong artefact
        facts_here = {str(o) for o in publication.pubinfo.objects(URIRef(uri), NPX_INTRODUCES)}
        assert len(facts_here) == 1
        introduced |= facts_here
    assert introduced == facts


def test_assertion_holds_the_fact_and_its_direct_triple_only_when_affirmed(nanopubs: dict[str, Any], release_store: Any) -> None:
    from nanopub import Nanopub

    direct = {row["stance"]: row["p"] for row in select(release_store, "SELECT ?stance ?p WHERE { ?stance ld:directProperty ?p }")}
    for uri, graph in nanopubs.items():
        publication = Nanopub(rdf=graph)
        fact = next(publication.pubinfo.objects(URIRef(uri), NPX_INTRODUCES))
        assertion: Graph = publication.assertion
        holder, target = assertion.value(fact, URIRef(f"{LD}holder")), assertion.value(fact, URIRef(f"{LD}target"))
        stance, polarity = assertion.value(fact, URIRef(f"{LD}stance")), assertion.value(fact, URIRef(f"{LD}polarity"))
        has_direct = (holder, URIRef(direct[str(stance)]), target) in assertion
        assert has_direct == (polarity == URIRef(f"{LD}Affirmed")), fact
        evidence = publication.provenance.value(fact, URIRef(f"{LD}evidence"))
        assert evidence is not None and (evidence, URIRef("http://www.w3.org/ns/oa#hasBody"), fact) in publication.provenance
        assert publication.pubinfo.value(URIRef(uri), URIRef("http://purl.org/dc/terms/license")) is not None
        created = publication.pubinfo.value(URIRef(uri), URIRef("http://purl.org/dc/terms/created"))
        assert isinstance(created, Literal) and re.match(r"^\d{4}(-\d{2}){0,2}$", str(created))


def test_a_changed_nanopublication_fails_the_trusty_check(nanopubs: dict[str, Any]) -> None:
    from nanopub import Nanopub
    from nanopub.utils import MalformedNanopubError

    uri, graph = next(iter(sorted(nanopubs.items())))
    assertion = graph.get_context(URIRef(uri + "#assertion"))
    fact = next(iter(assertion.subjects(URIRef("http://www.w3.org/2000/01/rdf-schema#label"))))
    assertion.add((fact, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal("tampered")))
    with pytest.raises(MalformedNanopubError):
        assert Nanopub(rdf=graph).has_valid_trusty


def test_nanopublications_are_listed_and_described(release: Path) -> None:
    sums = (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  nanopubs.trig\n" in sums and "  nanopubs.trig.gz\n" in sums
    void = (release / "void.ttl").read_text(encoding="utf-8")
    assert "dumps/nanopubs.trig>" in void
