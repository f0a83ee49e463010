"""Applies the declarative mappings in `mappings/` to the seed records, shard by shard (map_shards)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.namespaces import CONFIG_NODE, ONTOLOGY_GRAPH, ORIGINS_GRAPH, RECORD, RECORDS_GRAPH
from linkeddata.project.evidence import QuoteNotFound, TextSpan, locate_quote
from linkeddata.project.seeds import Article, Record, Seeds

RECORDS = ox.NamedNode(RECORDS_GRAPH)
WORKING_GRAPHS = {RECORDS_GRAPH, ONTOLOGY_GRAPH, ORIGINS_GRAPH}


@dataclass(frozen=True, slots=True)
class MappedDataset:
    """The whole mapped dataset in one store (map_seeds), its published quad count, and for each minted subject the
    record that made it; the store holds the published quads plus the ontology in its working graph."""

    store: ox.Store
    origins: dict[str, SourceLocation]
    quad_count: int

    @property
    def quads(self) -> list[ox.Quad]:
        """The published quads, sorted (for small datasets and tests; large ones stay in the store)."""
        return list(ox.parse(published_nquads(self.store), ox.RdfFormat.N_QUADS))


def locate_evidence(articles: list[Article], facts: list[Record]) -> tuple[dict[str, TextSpan], list[InputError]]:
    """Return each fact's quote span in its article, keyed by fact id, and an error for each quote not found."""
    texts = {article.record.id: article for article in articles}
    spans, errors = {}, []
    for fact in facts:
        article = texts[fact.fields["article"]]
        occurrence = int(fact.fields["occurrence"]) if "occurrence" in fact.fields else None
        try:
            spans[fact.id] = locate_quote(article.text, fact.fields["quote"], occurrence)
        except QuoteNotFound as problem:
            errors.append(InputError(fact.located("quote"), f'fact "{fact.fields["key"]}": {problem} ({article.text_path})'))
    return spans, errors


def _literal(value: Any) -> ox.Literal:
    return ox.Literal(str(value)) if not isinstance(value, int) else ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def represent_record(record: Record, extra: dict[str, Any]) -> list[ox.Quad]:
    """Return the direct representation of one record: one rec:<field> literal per field value."""
    subject = ox.NamedNode(f"tag:linkeddata,2026:{record.type}/{record.id}")
    quads = [ox.Quad(subject, ox.NamedNode(RECORD.type), ox.Literal(record.type), RECORDS)]
    for name, value in {**record.fields, **extra}.items():
        predicate = ox.NamedNode(RECORD[name])
        for item in value if isinstance(value, list) else [value]:
            quads.append(ox.Quad(subject, predicate, _literal(item), RECORDS))
    return quads


SHARD_FACTS = 1_000
"""Facts per mapping shard. Oxigraph's plan for the facts mapping grows faster than linearly with the
records in the store (2.5 s at 10,000 facts, 20 s at 30,000), so the mappings run over shards of about
this many facts and their work stays linear in the whole."""


def represent_config(base_iri: str) -> list[ox.Quad]:
    """Return the direct representation of the build configuration."""
    return [ox.Quad(ox.NamedNode(CONFIG_NODE), ox.NamedNode(RECORD.base), ox.Literal(base_iri), RECORDS)]


def represent_article(article: Article) -> list[ox.Quad]:
    """Return the direct representation of one article record, its text included."""
    return represent_record(article.record, {"text": article.text, "text_characters": len(article.text)})


def represent_fact(fact: Record, span: TextSpan) -> list[ox.Quad]:
    """Return the direct representation of one fact record with the located span of its quote."""
    evidence = {"quote_start": span.start, "quote_end": span.end, "quote_prefix": span.prefix, "quote_suffix": span.suffix}
    return represent_record(fact, evidence)


def shards(seeds: Seeds, shard_facts: int = SHARD_FACTS) -> list[tuple[list[Article], list[Record]]]:
    """Return (articles, their facts) in groups of about `shard_facts` facts; an article never spans two shards."""
    facts_of: dict[str, list[Record]] = {}
    for fact in seeds.facts:
        facts_of.setdefault(fact.fields["article"], []).append(fact)
    groups: list[tuple[list[Article], list[Record]]] = []
    articles: list[Article] = []
    facts: list[Record] = []
    for article in seeds.articles:
        articles.append(article)
        facts += facts_of.get(article.record.id, [])
        if len(facts) >= shard_facts:
            groups.append((articles, facts))
            articles, facts = [], []
    if articles or not groups:  # the actors are mapped even in a project without articles
        groups.append((articles, facts))
    return groups


def read_mappings(project: Path) -> list[tuple[str, str]]:
    """Return (relative path, SPARQL Update text) of every mapping, in file-name order."""
    paths = sorted((project / "mappings").glob("*.ru"))
    if not paths:
        raise InputErrors([InputError(SourceLocation("mappings", 0), "no mapping (*.ru) file")])
    mappings, errors = [], []
    for path in paths:
        relative = path.relative_to(project).as_posix()
        data = path.read_bytes()
        try:
            mappings.append((relative, data.decode("utf-8")))
        except UnicodeDecodeError as error:
            errors.append(InputError(SourceLocation(relative, data[: error.start].count(b"\n") + 1), f"not UTF-8 text ({error.reason})"))
    if errors:
        raise InputErrors(errors)
    return mappings


@dataclass(frozen=True, slots=True)
class MappedShard:
    """One shard's mapped graphs, the record each minted subject was made from, and the shard's input errors.

    `store` holds the published graphs the mappings wrote plus the ontology in its working graph (the
    SHACL shapes and the network query look stance properties up there); it is empty when `errors`
    holds quotes that were not found, since facts without evidence cannot be mapped.
    """

    store: ox.Store
    origins: dict[str, SourceLocation]
    errors: list[InputError]


def map_shards(actors: list[Record], ontology_turtle: str, mappings: list[tuple[str, str]], base_iri: str,
               groups: Iterable[tuple[list[Article], list[Record]]]) -> Iterator[MappedShard]:
    """Map each group of articles (see shards()) in its own store and yield it; raises InputErrors for a malformed mapping.

    Each shard's store gets the configuration, every actor, its articles and their facts, and the ontology;
    so a mapping may join a fact with its article and with any actor, but not with another article's
    records (mappings/README.md). The records themselves are removed before the shard is yielded.
    """
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)
    shared = represent_config(base_iri) + [quad for actor in actors for quad in represent_record(actor, {})]
    # Parsed once, not once per shard (a thousand shards at a million facts).
    shared += [ox.Quad(q.subject, q.predicate, q.object, ontology) for q in ox.parse(ontology_turtle, ox.RdfFormat.TURTLE)]
    for articles, facts in groups:
        spans, errors = locate_evidence(articles, facts)
        if errors:
            yield MappedShard(ox.Store(), {}, errors)
            continue
        working = ox.Store()
        working.extend(shared)
        working.extend(quad for article in articles for quad in represent_article(article))
        working.extend(quad for fact in facts for quad in represent_fact(fact, spans[fact.id]))
        for relative, update in mappings:
            try:
                working.update(update)
            except SyntaxError as error:
                raise InputErrors([InputError(SourceLocation(relative, _error_line(error)), f"malformed SPARQL Update: {error}")]) from None
        working.remove_graph(RECORDS)
        records = [*actors, *(article.record for article in articles), *facts]
        origins = record_origins(working, records)
        unmapped = unmapped_records(working, records)
        working.remove_graph(ox.NamedNode(ORIGINS_GRAPH))
        yield MappedShard(working, origins, unmapped)


def _error_line(error: SyntaxError) -> int:
    text = str(error)
    # Oxigraph reports positions as "line:column" in its message.
    for token in text.replace("(", " ").replace(")", " ").split():
        head = token.split(":")[0]
        if ":" in token and head.isdigit():
            return int(head)
    return 0


def published_graphs(store: ox.Store) -> list[ox.DefaultGraph | ox.NamedNode]:
    """Return the graphs of the published dataset: the default graph, then every named graph but the working ones, sorted."""
    named = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in WORKING_GRAPHS)
    return [ox.DefaultGraph(), *(ox.NamedNode(name) for name in named)]


def graph_ntriples(store: ox.Store, graph: ox.DefaultGraph | ox.NamedNode) -> bytes:
    """Return one graph of the store as N-Triples, written by Oxigraph (no Python object per triple)."""
    buffer = io.BytesIO()
    store.dump(buffer, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    return buffer.getvalue()


def canonical_graphs(store: ox.Store) -> Iterator[tuple[ox.DefaultGraph | ox.NamedNode, bytes, bytes]]:
    """Yield each published graph with its N-Triples as Oxigraph wrote them and its N-Quads sorted: the same store, the same bytes.

    Oxigraph's in-memory store iterates in insertion order, which SPARQL Update does not fix, so the
    order comes from sorting N-Triples lines, which Oxigraph writes without Python objects per quad.
    """
    for graph in published_graphs(store):
        data = graph_ntriples(store, graph)
        triples = data.splitlines()
        triples.sort()
        if isinstance(graph, ox.DefaultGraph):
            yield graph, data, b"".join(line + b"\n" for line in triples)
        else:
            graph_end = f" <{graph.value}> .\n".encode()  # replaces the N-Triples line's final " ."
            yield graph, data, b"".join(line[:-2] + graph_end for line in triples)


def published_nquads(store: ox.Store) -> bytes:
    """Return the published quads as canonical N-Quads (for small datasets; canonical.CanonicalWriter streams them)."""
    return b"".join(nquads for _graph, _triples, nquads in canonical_graphs(store))


def record_origins(store: ox.Store, records: list[Record]) -> dict[str, SourceLocation]:
    """Return, for each IRI a mapping minted, the location of the record it was made from."""
    locations = {f"tag:linkeddata,2026:{record.type}/{record.id}": record.location for record in records}
    origins = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(RECORD.madeFrom), None, ox.NamedNode(ORIGINS_GRAPH)):
        location = locations.get(quad.object.value)
        if location is not None:
            origins[quad.subject.value] = location
    return origins


def map_seeds(seeds: Seeds, ontology_turtle: str, mappings: list[tuple[str, str]], base_iri: str) -> MappedDataset:
    """Return the whole published dataset in one store (for small projects and tests); raises InputErrors on bad input.

    `build` never holds the whole dataset: it validates and writes shard by shard (release.check_project).
    """
    store = ox.Store()
    store.load(ontology_turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    origins: dict[str, SourceLocation] = {}
    errors: list[InputError] = []
    for shard in map_shards(seeds.actors, ontology_turtle, mappings, base_iri, shards(seeds)):
        errors += shard.errors
        origins.update(shard.origins)
        shard.store.remove_graph(ox.NamedNode(ONTOLOGY_GRAPH))
        mapped = io.BytesIO()
        shard.store.dump(mapped, format=ox.RdfFormat.N_QUADS)  # copied inside Oxigraph, no Python object per quad
        store.load(mapped.getvalue(), format=ox.RdfFormat.N_QUADS)
    if errors:
        raise InputErrors(sorted(set(errors)))
    count = len(store) - sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH)))
    return MappedDataset(store, origins, count)


def unmapped_records(store: ox.Store, records: list[Record]) -> list[InputError]:
    """Return an error for each record no mapping published anything from (it would vanish silently)."""
    made_from = {quad.object.value for quad in store.quads_for_pattern(None, ox.NamedNode(RECORD.madeFrom), None, ox.NamedNode(ORIGINS_GRAPH))}
    return [
        InputError(record.location, f"{record.type} {record.id!r}: the mappings in mappings/ published nothing from this record; "
                   "check that the concepts it names are complete in ontology/ (a stance needs ld:affirmedPhrase and ld:negatedPhrase)")
        for record in records
        if f"tag:linkeddata,2026:{record.type}/{record.id}" not in made_from
    ]
