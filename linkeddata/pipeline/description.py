"""Describes a release as a VoID and DCAT dataset: counts, license, sources, dumps and the SPARQL endpoint."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF

from linkeddata.file_digests import FileDigest
from linkeddata.formats import RDF_FORMATS
from linkeddata.namespaces import DCAT, DCTERMS, LD, ONTOLOGY_IRI, OWL, PREFIXES, RDF, RDFS, SCHEMA, VOID, XSD
from linkeddata.pipeline.canonical import BYTEWISE, CanonicalFiles, sort_command
from linkeddata.release.files import DUMP_STEM

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
SPDX = "http://spdx.org/rdf/terms#"


def dataset_iri(base_iri: str) -> URIRef:
    """Return the IRI of the dataset described by a release."""
    return URIRef(f"{base_iri}dataset")


# Release files that are not RDF dumps: the tables, their CSVW metadata (W3C CSVW §5.1's media type) and the nanopublications.
TABLE_MEDIA_TYPES = {".csv": "text/csv", ".parquet": "application/vnd.apache.parquet", "csv-metadata.json": "application/csvm+json"}


def _media_type_of(name: str) -> str:
    plain = name.removesuffix(".gz")
    for suffix, media_type in TABLE_MEDIA_TYPES.items():
        if plain.endswith(suffix):
            return media_type
    for fmt in RDF_FORMATS:
        if plain.endswith(fmt.suffix):
            return fmt.media_type
    return "text/plain"


def _add_distribution(graph: Graph, dataset: URIRef, base_iri: str, path: Path, digest: FileDigest) -> None:
    download = URIRef(f"{base_iri}dumps/{path.name}")
    checksum = URIRef(f"{download}#sha256")
    graph.add((dataset, DCAT.distribution, download))
    graph.add((download, RDF.type, DCAT.Distribution))
    graph.add((download, DCAT.downloadURL, download))
    graph.add((download, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{_media_type_of(path.name)}")))
    if path.name.endswith(".gz"):
        graph.add((download, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip")))
    graph.add((download, DCAT.byteSize, Literal(digest.size, datatype=XSD.nonNegativeInteger)))
    graph.add((download, URIRef(f"{SPDX}checksum"), checksum))
    graph.add((checksum, URIRef(f"{SPDX}algorithm"), URIRef(f"{SPDX}checksumAlgorithm_sha256")))
    graph.add((checksum, URIRef(f"{SPDX}checksumValue"), Literal(digest.sha256, datatype=XSD.hexBinary)))
    if not path.name.endswith(".gz") and path.name.startswith(f"{DUMP_STEM}."):  # the dataset's own dumps, not links, tables or nanopublications
        graph.add((dataset, VOID.dataDump, download))
    if path.name == "csv-metadata.json":
        graph.add((download, DCTERMS.conformsTo, URIRef("http://www.w3.org/ns/csvw")))
    elif path.name.startswith("nanopubs."):
        graph.add((download, DCTERMS.conformsTo, URIRef("http://www.nanopub.org/nschema")))


@dataclass(frozen=True, slots=True)
class DatasetCounts:
    """The VoID statistics of the published dataset and its triple count per named graph."""

    statistics: dict[str, int]
    per_graph: dict[str, int]


RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def count_dataset(canonical: CanonicalFiles, scratch: Path) -> DatasetCounts:
    """Return the VoID counts of the published dataset, read in one pass over its sorted, distinct union N-Triples.

    In N-Triples a subject and a predicate never hold a space, so each line splits into subject, predicate
    and object without a parser; the lines come grouped by subject, and GNU sort counts distinct objects.
    """
    triples = subjects = entities = 0
    properties: set[bytes] = set()
    classes: set[bytes] = set()
    previous = None
    with subprocess.Popen(sort_command(None, scratch, unique=True), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=BYTEWISE) as objects:
        assert objects.stdin is not None and objects.stdout is not None
        sorted_objects = objects.stdout
        counted: list[int] = []
        reader = threading.Thread(target=lambda: counted.append(sum(chunk.count(b"\n") for chunk in iter(lambda: sorted_objects.read(1 << 20), b""))))
        reader.start()
        with canonical.ntriples.open("rb") as lines:
            batch = []
            for line in lines:
                subject, predicate, rest = line.split(b" ", 2)
                triples += 1
                if subject != previous:
                    subjects += 1
                    entities += subject.startswith(b"<")
                    previous = subject
                properties.add(predicate)
                if predicate == RDF_TYPE:
                    classes.add(rest)
                batch.append(rest[:-3] + b"\n")  # the object, without " .\n"
                if len(batch) >= 100_000:
                    objects.stdin.write(b"".join(batch))
                    batch = []
            objects.stdin.write(b"".join(batch))
        objects.stdin.close()
        reader.join()
    statistics = {"triples": triples, "distinctSubjects": subjects, "distinctObjects": counted[0], "properties": len(properties),
                  "classes": len(classes), "entities": entities}
    return DatasetCounts(statistics, {name: count for name, count in canonical.graph_quads.items() if name})


def describe_release(counts: DatasetCounts, link_count: int, articles: list[tuple[str, str, str]], dumps: dict[Path, FileDigest],
                     base_iri: str) -> Graph:
    """Return the VoID/DCAT description of a release; `articles` holds (id, title, url) of each source, `dumps` each dump's digest."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("spdx", SPDX)
    dataset = dataset_iri(base_iri)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("Alliance stances, evidence-backed", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        "Who supports, recognizes or condemns whom, as stated in news articles; every fact carries the verbatim quote it rests on. "
        "The archived article texts remain their publishers' and are quoted as evidence.", lang="en")))
    graph.add((dataset, DCTERMS.license, LICENSE))
    graph.add((dataset, VOID.uriSpace, Literal(base_iri)))
    graph.add((dataset, VOID.vocabulary, URIRef(str(LD))))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base_iri}sparql")))
    graph.add((dataset, VOID.exampleResource, URIRef(f"{base_iri}actor/china")))
    graph.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    graph.add((dataset, FOAF.homepage, URIRef(base_iri)))
    for key, value in counts.statistics.items():
        graph.add((dataset, VOID[key], Literal(value, datatype=XSD.integer)))
    service = URIRef(f"{base_iri}sparql")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((dataset, DCAT.accessService, service))
    for article_id, title, url in articles:
        graph.add((dataset, DCTERMS.source, URIRef(url)))
        subset = URIRef(f"{base_iri}graph/{article_id}")
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, DCTERMS.title, Literal(title)))
        graph.add((subset, DCTERMS.source, URIRef(url)))
        graph.add((subset, VOID.triples, Literal(counts.per_graph.get(str(subset), 0), datatype=XSD.integer)))
    linkset = URIRef(f"{base_iri}dataset/wikidata-links")
    graph.add((dataset, VOID.subset, linkset))
    graph.add((linkset, RDF.type, VOID.Linkset))
    graph.add((linkset, RDFS.label, Literal("Links from actors to their Wikidata entities", lang="en")))
    graph.add((linkset, VOID.linkPredicate, OWL.sameAs))
    graph.add((linkset, VOID.subjectsTarget, dataset))
    graph.add((linkset, VOID.objectsTarget, URIRef("http://www.wikidata.org/")))
    graph.add((linkset, VOID.triples, Literal(link_count, datatype=XSD.integer)))
    graph.add((linkset, VOID.dataDump, URIRef(f"{base_iri}dumps/links-wikidata.nt")))
    for path in sorted(dumps):
        _add_distribution(graph, dataset, base_iri, path, dumps[path])
    graph.add((URIRef(ONTOLOGY_IRI), SCHEMA.url, URIRef(f"{base_iri}dumps/ontology.html")))
    return graph
