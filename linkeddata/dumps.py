"""Serializes the published dataset into every dump format, deterministically, and proves each re-parses."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from linkeddata.formats import RDF_FORMATS, RdfFormat
from linkeddata.namespaces import PREFIXES

DUMP_STEM = "alliances"
LINKS_STEM = "links-wikidata"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
WIKIDATA_PREFIX = "http://www.wikidata.org/entity/"


class DumpMismatch(RuntimeError):
    """A written dump does not re-parse to the graph it was written from (our bug, not bad input)."""


def unique_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    """Return the distinct triples of the quads, sorted by their N-Triples form."""
    by_text = {str(quad.triple): quad.triple for quad in quads}
    return [by_text[key] for key in sorted(by_text)]


def dataset_prefixes(base_iri: str) -> dict[str, str]:
    """Return the prefixes for Turtle and TriG: the vocabularies plus the dataset's own IRI spaces."""
    return {**PREFIXES, "actor": f"{base_iri}actor/", "article": f"{base_iri}article/", "graph": f"{base_iri}graph/"}


def compact_jsonld(triples: list[ox.Triple], context: dict[str, object]) -> bytes:
    """Return the triples as JSON-LD compacted with `context`, embedded so it parses offline."""
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    document = json.loads(graph.serialize(format="json-ld", context=context["@context"], auto_compact=True))
    nodes = document.get("@graph", [document] if "@id" in document else [])
    for node in nodes:
        node.pop("@context", None)
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda node: str(node.get("@id", node.get("id", ""))))
    ordered = {"@context": context["@context"], "@graph": nodes}
    return (json.dumps(ordered, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def sort_prefix_lines(data: bytes) -> bytes:
    """Return Turtle/TriG with its leading @prefix lines sorted (Oxigraph writes them in hash order)."""
    lines = data.split(b"\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"\n".join(sorted(lines[:count]) + lines[count:])


def serialize_dump(fmt: RdfFormat, quads: list[ox.Quad], base_iri: str, context: dict[str, object]) -> bytes:
    """Return one dump's bytes; the same quads always give the same bytes."""
    if fmt.key == "jsonld":
        return compact_jsonld(unique_triples(quads), context)
    statements = quads if fmt.holds_quads else unique_triples(quads)
    if fmt.key in ("turtle", "trig"):
        return sort_prefix_lines(ox.serialize(statements, format=fmt.oxigraph, prefixes=dataset_prefixes(base_iri)))
    if fmt.key == "rdfxml":
        return ox.serialize(statements, format=fmt.oxigraph, prefixes=dict(sorted(dataset_prefixes(base_iri).items())))
    return ox.serialize(statements, format=fmt.oxigraph)


def gzip_bytes(data: bytes) -> bytes:
    """Return `data` gzip-compressed with no file name and no time stamp, so output is reproducible."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as compressed:
        compressed.write(data)
    return buffer.getvalue()


def _statements(data: bytes, rdflib_format: str) -> set[tuple[object, ...]]:
    dataset = Dataset()
    dataset.parse(data=data, format=rdflib_format)
    return {(s, p, o, None if g is None or g == DATASET_DEFAULT_GRAPH_ID else g) for s, p, o, g in dataset.quads()}


INDEPENDENT_REPARSE_MAX_QUADS = 20_000
"""Up to this size dumps are re-parsed with rdflib, a parser independent of the writer; above it rdflib's
Dataset takes minutes, so Oxigraph's parser (still a full parse of the written bytes) checks them."""


def check_reparses(fmt: RdfFormat, data: bytes, quads: list[ox.Quad]) -> None:
    """Parse a dump back and raise DumpMismatch unless it holds exactly the statements it was written from."""
    expected_quads = quads if fmt.holds_quads else [ox.Quad(t.subject, t.predicate, t.object) for t in unique_triples(quads)]
    if len(expected_quads) > INDEPENDENT_REPARSE_MAX_QUADS:
        expected: set[object] = {str(quad) for quad in expected_quads}
        parsed: set[object] = {str(quad) for quad in ox.parse(data, fmt.oxigraph)}
    else:
        expected = _statements(ox.serialize(expected_quads, format=ox.RdfFormat.N_QUADS), "nquads")
        parsed = _statements(data, fmt.rdflib)
    if parsed != expected:
        raise DumpMismatch(f"{fmt.key} dump re-parses to {len(parsed)} statements, {len(parsed ^ expected)} differing from the {len(expected)} written")


def wikidata_links(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Return the owl:sameAs links to Wikidata entities, as their own small dataset."""
    return [
        ox.Quad(quad.subject, quad.predicate, quad.object)
        for quad in quads
        if quad.predicate.value == SAME_AS and isinstance(quad.object, ox.NamedNode) and quad.object.value.startswith(WIKIDATA_PREFIX)
    ]


def write_dumps(folder: Path, quads: list[ox.Quad], base_iri: str, context: dict[str, object]) -> list[Path]:
    """Write every dump (plain and gzip) of the dataset and of its Wikidata links; return the paths written."""
    written = []
    links = wikidata_links(quads)
    for stem, data_quads, formats in ((DUMP_STEM, quads, RDF_FORMATS), (LINKS_STEM, links, [f for f in RDF_FORMATS if f.key in ("ntriples", "turtle")])):
        for fmt in formats:
            data = serialize_dump(fmt, data_quads, base_iri, context)
            check_reparses(fmt, data, data_quads)
            path = folder / f"{stem}{fmt.suffix}"
            path.write_bytes(data)
            compressed = folder / f"{stem}{fmt.suffix}.gz"
            compressed.write_bytes(gzip_bytes(data))
            written += [path, compressed]
    return written
