"""Dumps: reproducible bytes, every format re-parses to the same data, and the release describes itself truthfully."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import BASE, PROJECT, published_files, run_cli, seed_actors
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import OWL, RDF, RDFS, VOID

from linkeddata.formats import RDF_BY_KEY
from linkeddata.pipeline.canonical import CanonicalWriter
from linkeddata.pipeline.dumps import CanonicalDump, DumpMismatch, check_reparses, write_dumps
from linkeddata.pipeline.mapping import map_seeds, read_mappings
from linkeddata.pipeline.positions import PositionCounter
from linkeddata.project.seeds import read_seeds
from linkeddata.project.vocabulary import read_vocabulary

TRIPLE_DUMPS = {"alliances.ttl": "turtle", "alliances.jsonld": "json-ld", "alliances.rdf": "xml", "alliances.nt": "nt"}
QUAD_DUMPS = {"alliances.trig": "trig", "alliances.nq": "nquads"}
DCAT_DISTRIBUTION = URIRef("http://www.w3.org/ns/dcat#distribution")  # rdflib's closed DCAT namespace upsets pytest's collector
DCAT_BYTE_SIZE = URIRef("http://www.w3.org/ns/dcat#byteSize")
LINK_DUMPS = {"links-wikidata.nt": "nt", "links-wikidata.ttl": "turtle"}
# rdflib's own parsers use its deprecated ConjunctiveGraph API internally.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")

ARTICLE_IDS = sorted(path.stem for path in (PROJECT / "seeds" / "articles").glob("*.yaml"))


def read_dump(release: Path, name: str) -> bytes:
    data = (release / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def parse_graph(release: Path, name: str, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=read_dump(release, name), format=fmt)
    return graph


def quads_by_graph(release: Path, name: str, fmt: str) -> dict[str, set[tuple[Any, ...]]]:
    dataset = Dataset()
    dataset.parse(data=read_dump(release, name), format=fmt)
    graphs: dict[str, set[tuple[Any, ...]]] = {}
    for s, p, o, g in dataset.quads():
        key = "" if g is None or g == DATASET_DEFAULT_GRAPH_ID else str(g)
        graphs.setdefault(key, set()).add((s, p, o))
    return graphs


@pytest.fixture(scope="module")
def ntriples(release: Path) -> Graph:
    return parse_graph(release, "alliances.nt", "nt")


@pytest.fixture(scope="module")
def void(release: Path) -> Graph:
    return parse_graph(release, "void.ttl", "turtle")


def release_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in published_files(folder)}


# ---------------------------------------------------------------- reproducibility and checksums


def test_two_builds_into_different_out_and_on_another_malloc_give_byte_identical_files(release: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "site"
    # The session's release was built on jemalloc where the machine has it (.ci/run installs it); this one on glibc's malloc.
    result = run_cli("-q", "build", "--project", str(PROJECT), "--out", str(other), env={"LINKEDDATA_ALLOCATOR": "system"})
    assert result.returncode == 0, result.stderr
    assert (other / "SHA256SUMS").read_bytes() == (release / "SHA256SUMS").read_bytes()
    first, second = release_files(release.resolve()), release_files(other.resolve())
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs between two builds"
    assert release.resolve().name == other.resolve().name, "the release folder is named after its content"


def test_sha256sums_lists_every_file_with_its_digest(release: Path) -> None:
    listed = {}
    for line in (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {name: data for name, data in release_files(release.resolve()).items() if name != "SHA256SUMS"}
    assert sorted(listed) == sorted(files)
    for name, data in files.items():
        assert listed[name] == hashlib.sha256(data).hexdigest(), name


def test_gzip_dumps_carry_no_time_stamp_or_file_name(release: Path) -> None:
    for path in sorted(release.glob("*.gz")):
        header = path.read_bytes()[:10]
        assert header[3] & 0x08 == 0, f"{path.name} stores a file name"
        assert header[4:8] == b"\0\0\0\0", f"{path.name} stores a time stamp"
        assert gzip.decompress(path.read_bytes()) == (release / path.name.removesuffix(".gz")).read_bytes()


# ---------------------------------------------------------------- every format says the same thing


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", sorted(TRIPLE_DUMPS))
def test_every_triple_dump_reparses_to_the_ntriples_graph(release: Path, ntriples: Graph, name: str, compressed: bool) -> None:
    graph = parse_graph(release, name + (".gz" if compressed else ""), TRIPLE_DUMPS[name])
    assert len(graph) == len(ntriples)
    assert isomorphic(graph, ntriples)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", sorted(QUAD_DUMPS))
def test_every_quad_dump_has_the_same_quads_in_one_named_graph_per_article(release: Path, ntriples: Graph, name: str, compressed: bool) -> None:
    """One named graph per article, plus graph/positions: the report counts, which span articles."""
    graphs = quads_by_graph(release, name + (".gz" if compressed else ""), QUAD_DUMPS[name])
    assert graphs == quads_by_graph(release, "alliances.nq", "nquads")
    assert sorted(graphs) == sorted(["", f"{BASE}graph/positions", *(f"{BASE}graph/{identifier}" for identifier in ARTICLE_IDS)])
    union = Graph()
    for triples in graphs.values():
        for triple in triples:
            union.add(triple)
    assert isomorphic(union, ntriples)


def test_actors_live_in_the_default_graph_and_facts_in_their_articles_graph(release: Path) -> None:
    graphs = quads_by_graph(release, "alliances.nq", "nquads")
    ld = "https://alliances.example.org/ontology#"
    actors = {s for s, p, o in graphs[""] if p == RDF.type and o == URIRef(f"{ld}Actor")}
    assert {str(a) for a in actors} == {f"{BASE}actor/{actor['key']}" for actor in seed_actors()}
    for identifier in ARTICLE_IDS:
        facts = {s for s, p, o in graphs[f"{BASE}graph/{identifier}"] if p == RDF.type and o == URIRef(f"{ld}StanceFact")}
        assert facts and all(str(fact).startswith(f"{BASE}fact/{identifier}/") for fact in facts)


def test_jsonld_dump_parses_offline_with_its_embedded_context(release: Path, ntriples: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    document = json.loads((release / "alliances.jsonld").read_text(encoding="utf-8"))
    remote = [value for value in _contexts(document) if not isinstance(value, dict)]
    assert isinstance(document["@context"], dict) and remote == [], f"remote or non-embedded contexts: {remote}"

    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the JSON-LD parser tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    graph = Graph()
    graph.parse(data=json.dumps(document), format="json-ld")
    assert isomorphic(graph, ntriples)


def _contexts(node: object) -> list[object]:
    if isinstance(node, dict):
        found = [node["@context"]] if "@context" in node else []
        return found + [context for value in node.values() for context in _contexts(value)]
    if isinstance(node, list):
        return [context for item in node for context in _contexts(item)]
    return []


def test_jsonld_dump_follows_the_streaming_profile(release: Path, ntriples: Graph) -> None:
    # A reader in the JSON-LD 1.1 Streaming profile refuses any object whose @type is not its first key.
    streamed = ox.serialize(ox.parse(path=str(release / "alliances.jsonld"), format=ox.RdfFormat.STREAMING_JSON_LD),
                            format=ox.RdfFormat.N_TRIPLES)
    graph = Graph()
    graph.parse(data=streamed, format="nt")
    assert isomorphic(graph, ntriples)


def test_a_dump_that_does_not_say_what_was_written_is_refused(release: Path, tmp_path: Path) -> None:
    canonical = CanonicalDump.of(release / "alliances.nt", holds_quads=False)
    turtle = RDF_BY_KEY["turtle"]
    intact = tmp_path / "intact.ttl"
    intact.write_bytes((release / "alliances.ttl").read_bytes())
    check_reparses(turtle, intact, canonical, tmp_path)  # the published dump passes
    lines = (release / "alliances.ttl").read_bytes().split(b"\n")
    dropped = next(i for i, line in enumerate(lines) if line.startswith(b"\t") and line.endswith(b";"))
    damaged = tmp_path / "damaged.ttl"
    damaged.write_bytes(b"\n".join(lines[:dropped] + lines[dropped + 1:]))  # one statement fewer, still valid Turtle
    with pytest.raises(DumpMismatch, match="turtle dump re-parses"):
        check_reparses(turtle, damaged, canonical, tmp_path)


def test_jsonld_nodes_in_any_property_order_still_pass_the_check(release: Path, tmp_path: Path) -> None:
    canonical = CanonicalDump.of(release / "alliances.nt", holds_quads=False)
    document = json.loads((release / "alliances.jsonld").read_text(encoding="utf-8"))
    document["@graph"].reverse()
    reordered = tmp_path / "reordered.jsonld"
    reordered.write_text(json.dumps(document), encoding="utf-8")
    check_reparses(RDF_BY_KEY["jsonld"], reordered, canonical, tmp_path)
    document["@graph"].pop()
    reordered.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DumpMismatch):
        check_reparses(RDF_BY_KEY["jsonld"], reordered, canonical, tmp_path)


def test_dumps_written_by_two_processes_are_the_bytes_written_in_process(release: Path, tmp_path: Path) -> None:
    # Releases from 100,000 quads write their dumps in two worker processes; the seed release is small
    # enough to be written in-process, so here the same dumps are written by the workers.
    vocabulary = read_vocabulary(PROJECT)
    mapped = map_seeds(read_seeds(PROJECT, vocabulary), vocabulary.ontology_turtle, read_mappings(PROJECT), BASE)
    context = json.loads((PROJECT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    (tmp_path / "scratch").mkdir()
    writer = CanonicalWriter(tmp_path / "alliances.nq", tmp_path / "alliances.nt", tmp_path / "scratch")
    writer.add(mapped.store)
    positions = PositionCounter()
    positions.add(mapped.store)
    writer.add(positions.store(BASE))  # the report counts, a graph of their own, as the build writes it
    written = write_dumps(tmp_path, writer.finish(), BASE, context, parallel_from=0)
    assert len(written) == 16 and not [p for p in tmp_path.iterdir() if p.name.startswith(".dumps-")]
    for path in written:
        assert path.read_bytes() == (release / path.name).read_bytes(), f"{path.name} differs"


def test_jsonld_context_file_is_the_embedded_context(release: Path) -> None:
    embedded = json.loads((release / "alliances.jsonld").read_text(encoding="utf-8"))["@context"]
    assert json.loads((release / "context.jsonld").read_text(encoding="utf-8"))["@context"] == embedded


# ---------------------------------------------------------------- the VoID/DCAT description


def test_void_states_the_real_triple_counts(release: Path, ntriples: Graph, void: Graph) -> None:
    dataset = URIRef(f"{BASE}dataset")
    assert void.value(dataset, VOID.triples) == Literal(len(ntriples))
    graphs = quads_by_graph(release, "alliances.nq", "nquads")
    for identifier in ARTICLE_IDS:
        subset = URIRef(f"{BASE}graph/{identifier}")
        assert (dataset, VOID.subset, subset) in void
        assert void.value(subset, VOID.triples).toPython() == len(graphs[str(subset)])
    links = parse_graph(release, "links-wikidata.nt", "nt")
    assert void.value(URIRef(f"{BASE}dataset/wikidata-links"), VOID.triples).toPython() == len(links)


def test_void_lists_every_dump_with_its_size_and_checksum(release: Path, void: Graph) -> None:
    dataset = URIRef(f"{BASE}dataset")
    from linkeddata.release.files import NANOPUBS_FILE, TABLE_FILES

    extras = {*TABLE_FILES, NANOPUBS_FILE, f"{NANOPUBS_FILE}.gz"}  # the tables and nanopublications (issue 18) are distributions, not data dumps
    rdf_dumps = sorted(p.name for p in release.iterdir() if p.name.startswith(("alliances.", "links-wikidata.")) or p.name in extras)
    distributions = {str(d).removeprefix(f"{BASE}dumps/"): d for d in void.objects(dataset, DCAT_DISTRIBUTION)}
    assert sorted(distributions) == rdf_dumps
    spdx = "http://spdx.org/rdf/terms#"
    for name, download in distributions.items():
        data = (release / name).read_bytes()
        assert void.value(download, DCAT_BYTE_SIZE).toPython() == len(data)
        checksum = void.value(download, URIRef(f"{spdx}checksum"))
        assert str(void.value(checksum, URIRef(f"{spdx}checksumValue"))) == hashlib.sha256(data).hexdigest()
    data_dumps = {str(d).removeprefix(f"{BASE}dumps/") for d in void.objects(dataset, VOID.dataDump)}
    assert data_dumps == {*TRIPLE_DUMPS, *QUAD_DUMPS}


# ---------------------------------------------------------------- actors and their Wikidata links


def test_links_dump_has_exactly_one_same_as_per_linked_actor(release: Path) -> None:
    expected = {(f"{BASE}actor/{a['key']}", f"http://www.wikidata.org/entity/{a['wikidata']}") for a in seed_actors() if a.get("wikidata")}
    for name, fmt in LINK_DUMPS.items():
        links = parse_graph(release, name, fmt)
        assert {(str(s), str(o)) for s, p, o in links} == expected, name
        assert {p for _s, p, _o in links} == {OWL.sameAs}
        assert len(links) == len(expected)


def test_every_actor_has_exactly_one_english_label(ntriples: Graph) -> None:
    for actor in seed_actors():
        labels = list(ntriples.objects(URIRef(f"{BASE}actor/{actor['key']}"), RDFS.label))
        assert labels == [Literal(actor["label"], lang="en")], actor["key"]


def test_unverified_actor_has_no_same_as_and_validate_warns_about_it(ntriples: Graph, validate_run: Any) -> None:
    unverified = [actor for actor in seed_actors() if not actor.get("wikidata")]
    assert unverified, "every actor is linked; this test would check nothing"
    # The release links exactly the verified actors: the unlinked ones are those without `wikidata` in actors.yaml.
    actors = {str(actor) for actor in ntriples.subjects(RDF.type, URIRef(f"{BASE}ontology#Actor"))}
    unlinked = {actor for actor in actors if not list(ntriples.objects(URIRef(actor), OWL.sameAs))}
    assert unlinked == {f"{BASE}actor/{actor['key']}" for actor in unverified}
    actors_yaml = (PROJECT / "seeds" / "actors.yaml").read_text(encoding="utf-8").splitlines()
    assert validate_run.returncode == 0, validate_run.stderr
    warnings = [line for line in validate_run.stdout.splitlines() if line.endswith("(warning)")]
    for actor in unverified:
        assert list(ntriples.objects(URIRef(f"{BASE}actor/{actor['key']}"), OWL.sameAs)) == []
        line = actors_yaml.index(f"  - key: {actor['key']}") + 1
        named = [w for w in warnings if w.startswith(f"seeds/actors.yaml:{line}: ") and f"actor/{actor['key']}>" in w]
        assert len(named) == 1 and "not linked to a verified Wikidata entity" in named[0], warnings
    assert len(warnings) == len(unverified)
