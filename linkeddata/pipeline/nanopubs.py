"""Writes every stance fact as a nanopublication with a trusty URI (module RA) into nanopubs.trig(.gz)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from linkeddata.namespaces import LD, PREFIXES
from linkeddata.pipeline.citation import release_date
from linkeddata.pipeline.dumps import write_gzip
from linkeddata.release.files import NANOPUBS_FILE

NP = "http://www.nanopub.org/nschema#"
NPX = "http://purl.org/nanopub/x/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
SKOS_NOTE = "http://www.w3.org/2004/02/skos/core#editorialNote"
VOID_IN_DATASET = "http://rdfs.org/ns/void#inDataset"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
GRAPHS = ("Head", "assertion", "provenance", "pubinfo")
PLACEHOLDER = "RAartefactPlaceholder"  # the trusty artefact while hashing (trusty_hash replaces it by a space, as the RA module does)

# Terms of a fact that belong to its assertion; its evidence, source article and curator's note go to the provenance graph.
ASSERTED = {f"{LD}{name}" for name in ("holder", "target", "stance", "polarity", "claimType", "modality", "speaker", "reportedBy",
                                        "condition", "aspect", "date", "reports")} | {RDF_TYPE, RDFS_LABEL, f"{PROV}wasAttributedTo"}

Term = ox.NamedNode | ox.Literal


def nanopub_prefixes(base_iri: str) -> dict[str, str]:
    """Return the prefixes nanopubs.trig declares once at its top."""
    return {**PREFIXES, "np": NP, "npx": NPX, "actor": f"{base_iri}actor/", "article": f"{base_iri}article/"}


def trusty_hash(quads: Iterable[ox.Quad], placeholder_uri: str) -> str:
    """Return the RA trusty artefact ("RA" + 43 base64url characters) of quads whose nanopublication IRI is `placeholder_uri`.

    This is the trustyuri RA algorithm as the nanopub library implements it (trustyuri/rdf/RdfHasher.py): the
    artefact is replaced by a space (an IRI Oxigraph refuses, hence the placeholder, swapped here in the text),
    the quads sorted by graph, subject, predicate, object (IRIs before literals, IRIs and lexical forms by their
    UTF-8 bytes, then datatype, then language), each written as four lines (a literal as "@lang text" or
    "^datatype text", backslashes and newlines escaped), duplicates dropped, SHA-256, URL-safe base64 without padding.
    """
    spaced = placeholder_uri.rsplit("/", 1)[0] + "/ "

    def iri(value: str) -> str:
        return spaced + value[len(placeholder_uri):] if value.startswith(placeholder_uri) else value

    normalized = set()
    for quad in quads:
        term = quad.object
        if isinstance(term, ox.Literal):
            escaped = term.value.replace("\\", "\\\\").replace("\n", "\\n")
            line = f"@{term.language.lower()} {escaped}" if term.language else f"^{term.datatype.value} {escaped}"
            # A language-tagged literal counts as having no datatype, which sorts before any datatype.
            key: tuple[object, ...] = (1, term.value.encode("utf-8"), 0 if term.language else 1, "" if term.language else term.datatype.value, term.language or "")
        else:
            line = iri(term.value)  # type: ignore[union-attr]
            key = (0, line.encode("utf-8"))
        graph, subject, predicate = (iri(t.value) for t in (quad.graph_name, quad.subject, quad.predicate))  # type: ignore[union-attr]
        normalized.add(((graph.encode("utf-8"), subject.encode("utf-8"), predicate.encode("utf-8"), key), f"{graph}\n{subject}\n{predicate}\n{line}\n"))
    text = "".join(line for _key, line in sorted(normalized))
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "RA" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def fact_terms(store: ox.Store, fact: str) -> list[tuple[ox.NamedNode, Term]]:
    """Return every (predicate, object) of a fact in the release, sorted."""
    found = {(quad.predicate, quad.object) for quad in store.quads_for_pattern(ox.NamedNode(fact), None, None, None)}
    return sorted(found, key=lambda pair: (pair[0].value, str(pair[1])))  # type: ignore[return-value]


def nanopub_quads(row: dict[str, Any], terms: list[tuple[ox.NamedNode, Term]], artefact: str, base_iri: str, release: str, created: ox.Literal) -> list[ox.Quad]:
    """Return the quads of one fact's nanopublication, named with `artefact` (PLACEHOLDER while hashing)."""
    uri = f"{base_iri}np/{artefact}"
    head, assertion, provenance, pubinfo = (ox.NamedNode(f"{uri}#{name}") for name in GRAPHS)
    this = ox.NamedNode(uri)
    fact = row["fact"]
    node = ox.NamedNode
    quads = [ox.Quad(this, node(RDF_TYPE), node(f"{NP}Nanopublication"), head), ox.Quad(this, node(f"{NP}hasAssertion"), assertion, head),
             ox.Quad(this, node(f"{NP}hasProvenance"), provenance, head), ox.Quad(this, node(f"{NP}hasPublicationInfo"), pubinfo, head)]
    # Assertion: the fact as the release states it, and its direct triple when affirmed (a negated fact has none).
    for predicate, value in terms:
        quads.append(ox.Quad(fact, predicate, value, assertion if predicate.value in ASSERTED else provenance))
    if row["polarity"].value.endswith("#Affirmed"):
        quads.append(ox.Quad(row["holder"], row["directProperty"], row["target"], assertion))
    # Provenance: where the assertion comes from (the article, the words' speaker or publication) and the evidence annotation.
    article, evidence, target = row["article"], row["evidence"], row["evidenceTarget"]
    quads += [ox.Quad(assertion, node(f"{PROV}wasDerivedFrom"), article, provenance),
              ox.Quad(assertion, node(f"{PROV}wasQuotedFrom"), row["archive"], provenance)]
    for role in ("speaker", "source"):
        if role in row:
            quads += [ox.Quad(assertion, node(f"{PROV}wasAttributedTo"), row[role], provenance),
                      ox.Quad(row[role], node(RDFS_LABEL), row[f"{role}Label"], provenance)]
    quads += [
        ox.Quad(article, node(RDF_TYPE), node(f"{SCHEMA}NewsArticle"), provenance),
        *(ox.Quad(article, node(f"{SCHEMA}{name}"), row[key], provenance)
          for name, key in (("identifier", "articleId"), ("url", "articleUrl"), ("publisher", "publisher"), ("datePublished", "published"),
                            ("headline", "headline"), ("archivedAt", "archive")) if key in row),
        ox.Quad(evidence, node(RDF_TYPE), node(f"{OA}Annotation"), provenance),
        ox.Quad(evidence, node(RDF_TYPE), node(f"{LD}Evidence"), provenance),
        ox.Quad(evidence, node(f"{OA}hasBody"), fact, provenance),
        ox.Quad(evidence, node(f"{OA}hasTarget"), target, provenance),
        ox.Quad(evidence, node(f"{OA}motivatedBy"), node(f"{OA}describing"), provenance),
        ox.Quad(target, node(RDF_TYPE), node(f"{OA}SpecificResource"), provenance),
        ox.Quad(target, node(f"{OA}hasSource"), row["archive"], provenance),
        ox.Quad(target, node(f"{OA}hasSelector"), row["quoteSelector"], provenance),
        ox.Quad(target, node(f"{OA}hasSelector"), row["positionSelector"], provenance),
        ox.Quad(row["quoteSelector"], node(RDF_TYPE), node(f"{OA}TextQuoteSelector"), provenance),
        ox.Quad(row["quoteSelector"], node(f"{OA}exact"), row["quote"], provenance),
        ox.Quad(row["quoteSelector"], node(f"{OA}prefix"), row["quotePrefix"], provenance),
        ox.Quad(row["quoteSelector"], node(f"{OA}suffix"), row["quoteSuffix"], provenance),
        ox.Quad(row["positionSelector"], node(RDF_TYPE), node(f"{OA}TextPositionSelector"), provenance),
        ox.Quad(row["positionSelector"], node(f"{OA}start"), row["start"], provenance),
        ox.Quad(row["positionSelector"], node(f"{OA}end"), row["end"], provenance),
    ]
    # Publication info: who, under which licence, in which release, introducing which fact; the date comes from the seeds.
    quads += [
        ox.Quad(this, node(f"{DCTERMS}creator"), node(f"{base_iri}dataset#curators"), pubinfo),
        ox.Quad(this, node(f"{DCTERMS}license"), node(LICENSE), pubinfo),
        ox.Quad(this, node(f"{DCTERMS}created"), created, pubinfo),
        ox.Quad(this, node(f"{DCTERMS}isPartOf"), node(release), pubinfo),
        ox.Quad(this, node(VOID_IN_DATASET), node(f"{base_iri}dataset"), pubinfo),
        ox.Quad(this, node(f"{NPX}introduces"), fact, pubinfo),
        ox.Quad(this, node(RDFS_LABEL), ox.Literal(f"{row['label'].value} (stance fact {row['articleId'].value}/{row['factKey'].value})", language="en"), pubinfo),
    ]
    return quads


def release_iri(base_iri: str, data_sha256: str) -> str:
    """Return the IRI naming this release: the dataset's, with the SHA-256 of its canonical N-Quads as fragment."""
    return f"{base_iri}dataset#release-sha256-{data_sha256}"


ARTICLE_DATES = "SELECT DISTINCT ?published WHERE { GRAPH ?g { ?article a <https://schema.org/NewsArticle> ; <https://schema.org/datePublished> ?published } }"


def release_literal(store: ox.Store) -> ox.Literal:
    """Return the release's date (citation.release_date over every article in the store), with that date's datatype."""
    dates = {term.value: term for term in (row["published"] for row in store.query(ARTICLE_DATES)) if isinstance(term, ox.Literal)}
    newest = dates[release_date(dates)]
    return ox.Literal(newest.value, datatype=newest.datatype)


def nanopublication(store: ox.Store, row: dict[str, Any], base_iri: str, release: str, created: ox.Literal) -> tuple[str, list[ox.Quad]]:
    """Return (trusty URI, quads) of one fact's nanopublication: hashed with the placeholder, then named with its artefact."""
    terms = fact_terms(store, row["fact"].value)
    artefact = trusty_hash(nanopub_quads(row, terms, PLACEHOLDER, base_iri, release, created), f"{base_iri}np/{PLACEHOLDER}")
    return f"{base_iri}np/{artefact}", nanopub_quads(row, terms, artefact, base_iri, release, created)


def _block(quads: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    order = {name: rank for rank, name in enumerate(GRAPHS)}
    ordered = sorted(quads, key=lambda q: (order[q.graph_name.value.rsplit("#", 1)[1]], q.subject.value, q.predicate.value, str(q.object)))  # type: ignore[union-attr]
    text = ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    return b"".join(line for line in text.splitlines(keepends=True) if not line.startswith(b"@prefix "))


def write_nanopubs(store: ox.Store, facts: list[dict[str, Any]], folder: Path, base_iri: str, data_sha256: str) -> tuple[Path, list[str]]:
    """Write nanopubs.trig (one nanopublication per fact, in fact order) and return its path and the trusty URIs.

    `data_sha256` is the N-Quads dump's SHA-256, which the build has already computed (gigabytes at a million facts)."""
    prefixes = nanopub_prefixes(base_iri)
    release = release_iri(base_iri, data_sha256)
    path = folder / NANOPUBS_FILE
    uris: list[str] = []
    created: ox.Literal | None = None
    with path.open("wb") as output:
        output.write("".join(f"@prefix {name}: <{iri}> .\n" for name, iri in prefixes.items()).encode("utf-8"))
        for row in facts:
            created = created or release_literal(store)
            uri, quads = nanopublication(store, row, base_iri, release, created)
            uris.append(uri)
            output.write(b"\n" + _block(quads, prefixes))
    write_gzip(path, path.with_name(path.name + ".gz"))
    return path, uris
