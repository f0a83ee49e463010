"""A build maps, validates and writes shard by shard: the result must be what the whole dataset in one store gives."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, PROJECT
from test_shacl_compiled import MUTATIONS, Quads, reference

from linkeddata.namespaces import ONTOLOGY_GRAPH
from linkeddata.pipeline.canonical import CanonicalWriter
from linkeddata.pipeline.mapping import map_seeds, map_shards, read_mappings, shards
from linkeddata.pipeline.positions import PositionCounter
from linkeddata.pipeline.validation import ShardedValidation
from linkeddata.project.seeds import read_seeds
from linkeddata.project.vocabulary import Vocabulary, read_vocabulary

FIRST_GRAPH = f"{BASE}graph/000_73df04759b344adc"


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return read_vocabulary(PROJECT)


def test_canonical_files_gathered_from_small_shards_are_the_release_dumps(release: Path, vocabulary: Vocabulary, tmp_path: Path) -> None:
    seeds = read_seeds(PROJECT, vocabulary)
    groups = shards(seeds, shard_facts=1)
    assert len(groups) == len(seeds.articles) > 1, "every article its own shard"
    writer = CanonicalWriter(tmp_path / "alliances.nq", tmp_path / "alliances.nt", tmp_path)
    positions = PositionCounter()
    for shard in map_shards(seeds.actors, vocabulary.ontology_turtle, read_mappings(PROJECT), BASE, groups):
        assert not shard.errors
        writer.add(shard.store)
        positions.add(shard.store)
    writer.add(positions.store(BASE))  # counted across shards, as the build does: one shard per article must give the same counts
    canonical = writer.finish()
    assert canonical.nquads.read_bytes() == (release / "alliances.nq").read_bytes()
    assert canonical.ntriples.read_bytes() == (release / "alliances.nt").read_bytes()
    assert canonical.quads == (release / "alliances.nq").read_bytes().count(b"\n")
    assert sorted(canonical.graph_quads) == sorted(["", f"{BASE}graph/positions", *(f"{BASE}graph/{article.record.id}" for article in seeds.articles)])
    assert not canonical.may_hold_blank_nodes, "the seed release names every node, so the store loads it in blocks"


def test_a_graph_written_by_two_shards_is_merged_as_a_set(tmp_path: Path) -> None:
    graph, other = ox.NamedNode("http://example.org/g"), ox.NamedNode("http://example.org/h")
    shared = ox.Quad(ox.NamedNode("http://example.org/b"), ox.NamedNode("http://example.org/p"), ox.Literal("both"), graph)
    first, second = ox.Store(), ox.Store()
    first.extend([shared, ox.Quad(ox.NamedNode("http://example.org/c"), shared.predicate, ox.Literal("first"), graph)])
    second.extend([shared, ox.Quad(ox.NamedNode("http://example.org/a"), shared.predicate, ox.Literal("second"), graph),
                   ox.Quad(shared.subject, shared.predicate, ox.Literal("elsewhere"), other)])
    writer = CanonicalWriter(tmp_path / "all.nq", tmp_path / "all.nt", tmp_path)
    writer.add(first)
    writer.add(second)
    canonical = writer.finish()
    lines = canonical.nquads.read_bytes().decode().splitlines()
    assert lines == [
        '<http://example.org/a> <http://example.org/p> "second" <http://example.org/g> .',
        '<http://example.org/b> <http://example.org/p> "both" <http://example.org/g> .',
        '<http://example.org/c> <http://example.org/p> "first" <http://example.org/g> .',
        '<http://example.org/b> <http://example.org/p> "elsewhere" <http://example.org/h> .',
    ]
    assert canonical.graph_quads == {"": 0, graph.value: 3, other.value: 1}
    assert canonical.ntriples.read_bytes().decode().count("\n") == 4
    assert not canonical.may_hold_blank_nodes


def test_the_canonical_files_say_when_a_graph_holds_a_blank_node(tmp_path: Path) -> None:
    named, blank = ox.Store(), ox.Store()
    named.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("x"), ox.NamedNode("http://example.org/g")))
    blank.add(ox.Quad(ox.BlankNode("b1"), ox.NamedNode("http://example.org/p"), ox.Literal("y"), ox.NamedNode("http://example.org/h")))
    writer = CanonicalWriter(tmp_path / "all.nq", tmp_path / "all.nt", tmp_path)
    writer.add(named)
    writer.add(blank)
    canonical = writer.finish()
    assert b"_:" in canonical.nquads.read_bytes()
    assert canonical.may_hold_blank_nodes


def _articles_keep_their_triples(before: Quads, after: Quads) -> Quads:
    # The mutations add triples to the default graph; a mapping writes a fact's triples into its article's
    # graph (actors stay in the default graph), which is what sharded validation relies on.
    kept = set(before)
    return [q if q in kept or not isinstance(q.graph_name, ox.DefaultGraph) or q.subject.value.startswith(f"{BASE}actor/")
            else ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(FIRST_GRAPH)) for q in after]


SHARDED_MUTATIONS = ["clean", "fact without holder", "negated fact with a direct triple", "quote offsets moved",
                     "two English labels", "reported speech without speaker"]


@pytest.mark.parametrize("mutation", SHARDED_MUTATIONS)
def test_validating_shard_by_shard_reports_what_pyshacl_reports_on_the_whole_graph(vocabulary: Vocabulary, mutation: str) -> None:
    quads = map_seeds(read_seeds(PROJECT, vocabulary), vocabulary.ontology_turtle, read_mappings(PROJECT), BASE).quads
    mutated = _articles_keep_their_triples(quads, MUTATIONS[mutation](list(quads)))
    graphs = sorted({q.graph_name.value for q in mutated if isinstance(q.graph_name, ox.NamedNode)})
    assert len(graphs) == 4
    validation = ShardedValidation(vocabulary, single_shard=False)
    for graph in graphs:  # one shard per article, each with the actors and the ontology, as a build has them
        store = ox.Store()
        store.extend(q for q in mutated if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value == graph)
        store.load(vocabulary.ontology_turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
        validation.check(store, {})
    theirs = reference(vocabulary, mutated)
    key = lambda finding: (finding.focus, finding.path, finding.component, finding.severity, finding.value)
    assert sorted(map(key, validation.findings)) == sorted(set(map(key, theirs)))
    assert (mutation == "clean") == (not validation.outcome().violations)
