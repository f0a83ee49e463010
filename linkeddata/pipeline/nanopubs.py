"""Writes every stance fact as a nanopublication with a trusty URI (module RA) into nanopubs.trig(.gz)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
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


def trusty_text(quads: Iterable[ox.Quad], placeholder_uri: str) -> str:
    """Return the text whose SHA-256 is the RA trusty artefact of quads whose nanopublication IRI is `placeholder_uri`.

    This is the trustyuri RA algorithm as the nanopub library implements it (trustyuri/rdf/RdfHasher.py): the
    artefact is replaced by a space (an IRI Oxigraph refuses, hence the placeholder, swapped here in the text),
    the quads sorted by graph, subject, predicate, object (IRIs before literals, IRIs and lexical forms by their
    UTF-8 bytes, then datatype, then language), each written as four lines (a literal as "@lang text" or
    "^datatype text", backslashes and newlines escaped), duplicates dropped; trusty_artefact() hashes it.
    """
    spaced = placeholder_uri.rsplit("/", 1)[0] + "/ "
    # A nanopublication names its four graphs, its fact and its selectors again and again: each term's text once.
    texts: dict[Term, tuple[tuple[object, ...], str]] = {}

    def text(term: Term) -> tuple[tuple[object, ...], str]:
        found = texts.get(term)
        if found is None:
            value = term.value
            if isinstance(term, ox.Literal):
                escaped = value.replace("\\", "\\\\").replace("\n", "\\n")
                language = term.language
                line = f"@{language.lower()} {escaped}" if language else f"^{term.datatype.value} {escaped}"
                # A language-tagged literal counts as having no datatype, which sorts before any datatype.
                key: tuple[object, ...] = (1, value.encode("utf-8"), 0 if language else 1, "" if language else term.datatype.value, language or "")
            else:
                line = spaced + value[len(placeholder_uri):] if value.startswith(placeholder_uri) else value
                key = (0, line.encode("utf-8"))
            found = texts[term] = (key, line)
        return found

    normalized = set()
    for quad in quads:
        (graph_key, graph), (subject_key, subject), (predicate_key, predicate), (object_key, line) = (
            text(quad.graph_name), text(quad.subject), text(quad.predicate), text(quad.object))  # type: ignore[arg-type]
        normalized.add(((graph_key[1], subject_key[1], predicate_key[1], object_key), f"{graph}\n{subject}\n{predicate}\n{line}\n"))
    return "".join(line for _key, line in sorted(normalized))


def trusty_artefact(text: str) -> str:
    """Return the RA trusty artefact ("RA" + 43 base64url characters) of a trusty_text: SHA-256, URL-safe base64 without padding."""
    return "RA" + base64.urlsafe_b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii").rstrip("=")


def fact_terms(store: ox.Store, fact: str) -> list[tuple[ox.NamedNode, Term]]:
    """Return every (predicate, object) of a fact in the release, sorted."""
    found = {(quad.predicate, quad.object) for quad in store.quads_for_pattern(ox.NamedNode(fact), None, None, None)}
    return sorted(found, key=lambda pair: (pair[0].value, str(pair[1])))  # type: ignore[return-value]


# The constant IRIs of every nanopublication, as terms made once rather than for each of a million (0.4 µs a term, 50 a fact).
TYPE_TERM, LABEL_TERM = ox.NamedNode(RDF_TYPE), ox.NamedNode(RDFS_LABEL)
NP_NANOPUBLICATION, NP_HAS_ASSERTION = ox.NamedNode(f"{NP}Nanopublication"), ox.NamedNode(f"{NP}hasAssertion")
NP_HAS_PROVENANCE, NP_HAS_PUBINFO = ox.NamedNode(f"{NP}hasProvenance"), ox.NamedNode(f"{NP}hasPublicationInfo")
PROV_DERIVED_FROM, PROV_QUOTED_FROM = ox.NamedNode(f"{PROV}wasDerivedFrom"), ox.NamedNode(f"{PROV}wasQuotedFrom")
PROV_ATTRIBUTED_TO = ox.NamedNode(f"{PROV}wasAttributedTo")
SCHEMA_NEWS_ARTICLE, LD_EVIDENCE = ox.NamedNode(f"{SCHEMA}NewsArticle"), ox.NamedNode(f"{LD}Evidence")
OA_ANNOTATION, OA_HAS_BODY, OA_HAS_TARGET = ox.NamedNode(f"{OA}Annotation"), ox.NamedNode(f"{OA}hasBody"), ox.NamedNode(f"{OA}hasTarget")
OA_MOTIVATED_BY, OA_DESCRIBING = ox.NamedNode(f"{OA}motivatedBy"), ox.NamedNode(f"{OA}describing")
OA_SPECIFIC_RESOURCE, OA_HAS_SOURCE, OA_HAS_SELECTOR = ox.NamedNode(f"{OA}SpecificResource"), ox.NamedNode(f"{OA}hasSource"), ox.NamedNode(f"{OA}hasSelector")
OA_QUOTE_SELECTOR, OA_EXACT = ox.NamedNode(f"{OA}TextQuoteSelector"), ox.NamedNode(f"{OA}exact")
OA_PREFIX, OA_SUFFIX = ox.NamedNode(f"{OA}prefix"), ox.NamedNode(f"{OA}suffix")
OA_POSITION_SELECTOR, OA_START, OA_END = ox.NamedNode(f"{OA}TextPositionSelector"), ox.NamedNode(f"{OA}start"), ox.NamedNode(f"{OA}end")
DCTERMS_CREATOR, DCTERMS_LICENSE, DCTERMS_CREATED = ox.NamedNode(f"{DCTERMS}creator"), ox.NamedNode(f"{DCTERMS}license"), ox.NamedNode(f"{DCTERMS}created")
DCTERMS_IS_PART_OF, LICENSE_TERM = ox.NamedNode(f"{DCTERMS}isPartOf"), ox.NamedNode(LICENSE)
VOID_IN_DATASET_TERM, NPX_INTRODUCES = ox.NamedNode(VOID_IN_DATASET), ox.NamedNode(f"{NPX}introduces")
ARTICLE_PROPERTIES = tuple((ox.NamedNode(f"{SCHEMA}{name}"), key) for name, key in (
    ("identifier", "articleId"), ("url", "articleUrl"), ("publisher", "publisher"), ("datePublished", "published"),
    ("headline", "headline"), ("archivedAt", "archive")))


def nanopub_quads(row: dict[str, Any], terms: list[tuple[ox.NamedNode, Term]], artefact: str, base_iri: str, release: str, created: ox.Literal) -> list[ox.Quad]:
    """Return the quads of one fact's nanopublication, named with `artefact` (PLACEHOLDER while hashing)."""
    uri = f"{base_iri}np/{artefact}"
    head, assertion, provenance, pubinfo = (ox.NamedNode(f"{uri}#{name}") for name in GRAPHS)
    this = ox.NamedNode(uri)
    fact = row["fact"]
    quad = ox.Quad
    quads = [quad(this, TYPE_TERM, NP_NANOPUBLICATION, head), quad(this, NP_HAS_ASSERTION, assertion, head),
             quad(this, NP_HAS_PROVENANCE, provenance, head), quad(this, NP_HAS_PUBINFO, pubinfo, head)]
    # Assertion: the fact as the release states it, and its direct triple when affirmed (a negated fact has none).
    for predicate, value in terms:
        quads.append(quad(fact, predicate, value, assertion if predicate.value in ASSERTED else provenance))
    if row["polarity"].value.endswith("#Affirmed"):
        quads.append(quad(row["holder"], row["directProperty"], row["target"], assertion))
    # Provenance: where the assertion comes from (the article, the words' speaker or publication) and the evidence annotation.
    article, evidence, target = row["article"], row["evidence"], row["evidenceTarget"]
    quote, position = row["quoteSelector"], row["positionSelector"]
    quads += [quad(assertion, PROV_DERIVED_FROM, article, provenance), quad(assertion, PROV_QUOTED_FROM, row["archive"], provenance)]
    for role in ("speaker", "source"):
        if role in row:
            quads += [quad(assertion, PROV_ATTRIBUTED_TO, row[role], provenance), quad(row[role], LABEL_TERM, row[f"{role}Label"], provenance)]
    quads += [
        quad(article, TYPE_TERM, SCHEMA_NEWS_ARTICLE, provenance),
        *(quad(article, predicate, row[key], provenance) for predicate, key in ARTICLE_PROPERTIES if key in row),
        quad(evidence, TYPE_TERM, OA_ANNOTATION, provenance),
        quad(evidence, TYPE_TERM, LD_EVIDENCE, provenance),
        quad(evidence, OA_HAS_BODY, fact, provenance),
        quad(evidence, OA_HAS_TARGET, target, provenance),
        quad(evidence, OA_MOTIVATED_BY, OA_DESCRIBING, provenance),
        quad(target, TYPE_TERM, OA_SPECIFIC_RESOURCE, provenance),
        quad(target, OA_HAS_SOURCE, row["archive"], provenance),
        quad(target, OA_HAS_SELECTOR, quote, provenance),
        quad(target, OA_HAS_SELECTOR, position, provenance),
        quad(quote, TYPE_TERM, OA_QUOTE_SELECTOR, provenance),
        quad(quote, OA_EXACT, row["quote"], provenance),
        quad(quote, OA_PREFIX, row["quotePrefix"], provenance),
        quad(quote, OA_SUFFIX, row["quoteSuffix"], provenance),
        quad(position, TYPE_TERM, OA_POSITION_SELECTOR, provenance),
        quad(position, OA_START, row["start"], provenance),
        quad(position, OA_END, row["end"], provenance),
    ]
    # Publication info: who, under which licence, in which release, introducing which fact; the date comes from the seeds.
    quads += [
        quad(this, DCTERMS_CREATOR, ox.NamedNode(f"{base_iri}dataset#curators"), pubinfo),
        quad(this, DCTERMS_LICENSE, LICENSE_TERM, pubinfo),
        quad(this, DCTERMS_CREATED, created, pubinfo),
        quad(this, DCTERMS_IS_PART_OF, ox.NamedNode(release), pubinfo),
        quad(this, VOID_IN_DATASET_TERM, ox.NamedNode(f"{base_iri}dataset"), pubinfo),
        quad(this, NPX_INTRODUCES, fact, pubinfo),
        quad(this, LABEL_TERM, ox.Literal(f"{row['label'].value} (stance fact {row['articleId'].value}/{row['factKey'].value})", language="en"), pubinfo),
    ]
    return quads


def release_iri(base_iri: str, data_sha256: str) -> str:
    """Return the IRI naming this release: the dataset's, with the SHA-256 of its canonical N-Quads as fragment."""
    return f"{base_iri}dataset#release-sha256-{data_sha256}"


def release_literal(article_dates: Iterable[tuple[str, str]]) -> ox.Literal:
    """Return the release's date (citation.release_date over its articles' (date, datatype IRI) pairs) with that date's datatype."""
    datatypes = dict(article_dates)
    newest = release_date(datatypes)
    return ox.Literal(newest, datatype=ox.NamedNode(datatypes[newest]))


def _block(quads: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    order = {name: rank for rank, name in enumerate(GRAPHS)}
    ordered = sorted(quads, key=lambda q: (order[q.graph_name.value.rsplit("#", 1)[1]], q.subject.value, q.predicate.value, str(q.object)))  # type: ignore[union-attr]
    text = ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    return b"".join(line for line in text.splitlines(keepends=True) if not line.startswith(b"@prefix "))


# A fact's nanopublication is made in its shard's worker, before the release it belongs to is known (its IRI names the
# N-Quads dump's SHA-256): with these stand-ins for the release and its date, completed by ReleaseStamp. Each stands
# alone on a line of the RA hash text (a literal's newlines are escaped there) and is a whole term in the TriG block,
# and the pubinfo statements carrying them have one object per predicate, so neither their place in the hash text's
# order nor in the block's depends on the values they stand for.
RELEASE_STAND_IN = "urn:linkeddata:release-stand-in"
CREATED_STAND_IN = ox.Literal("linkeddata-created-stand-in")


@dataclass(frozen=True, slots=True)
class NanopubTemplate:
    """A fact's nanopublication with stand-ins for its release, its date and its trusty artefact: its RA hash text and TriG block."""

    hash_text: str
    block: bytes


def nanopub_template(row: dict[str, Any], terms: list[tuple[ox.NamedNode, Term]], base_iri: str, prefixes: dict[str, str]) -> NanopubTemplate:
    """Return the template of one fact's nanopublication, for its FACTS_QUERY row and fact_terms."""
    quads = nanopub_quads(row, terms, PLACEHOLDER, base_iri, RELEASE_STAND_IN, CREATED_STAND_IN)
    return NanopubTemplate(trusty_text(quads, f"{base_iri}np/{PLACEHOLDER}"), _block(quads, prefixes))


def _hash_line(term: ox.NamedNode | ox.Literal) -> str:
    return f"\n{term.value}\n" if isinstance(term, ox.NamedNode) else f"\n^{term.datatype.value} {term.value}\n"


def _trig_text(term: ox.NamedNode | ox.Literal, prefixes: dict[str, str]) -> bytes:
    """Return a term as the TriG writer writes it with `prefixes` ("2023-10-06"^^xsd:date)."""
    subject, predicate = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    text = ox.serialize([ox.Triple(subject, predicate, term)], format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    line = text.splitlines()[-1]
    assert line.startswith(b"<urn:s> <urn:p> ") and line.endswith(b" ."), line
    return line[len(b"<urn:s> <urn:p> "):-len(b" .")]


@dataclass(frozen=True, slots=True)
class ReleaseStamp:
    """Completes nanopublication templates once the release is known: its IRI and date, then each one's trusty artefact."""

    release_line: str
    created_line: str
    release_trig: bytes
    created_trig: bytes

    @classmethod
    def of(cls, release: str, created: ox.Literal, base_iri: str) -> ReleaseStamp:
        prefixes = nanopub_prefixes(base_iri)
        return cls(_hash_line(ox.NamedNode(release)), _hash_line(created), _trig_text(ox.NamedNode(release), prefixes), _trig_text(created, prefixes))

    def block(self, template: NanopubTemplate) -> bytes:
        """Return the finished TriG block of a template."""
        assert all(text.count(stand_in) == 1 for text, stand_in in ((template.hash_text, _RELEASE_HASH_LINE), (template.hash_text, _CREATED_HASH_LINE),
                                                                     (template.block, _RELEASE_TRIG), (template.block, _CREATED_TRIG))), \
            "a nanopublication states its release and its date once"
        trusty = trusty_artefact(template.hash_text.replace(_RELEASE_HASH_LINE, self.release_line).replace(_CREATED_HASH_LINE, self.created_line))
        return (template.block.replace(PLACEHOLDER.encode("ascii"), trusty.encode("ascii"))
                .replace(_RELEASE_TRIG, self.release_trig).replace(_CREATED_TRIG, self.created_trig))


# The stand-ins as they appear in a template, made once rather than for each of a million blocks.
_RELEASE_HASH_LINE, _CREATED_HASH_LINE = _hash_line(ox.NamedNode(RELEASE_STAND_IN)), _hash_line(CREATED_STAND_IN)
_RELEASE_TRIG, _CREATED_TRIG = f"<{RELEASE_STAND_IN}>".encode("ascii"), f'"{CREATED_STAND_IN.value}"'.encode("ascii")


def write_nanopubs(blocks: Iterable[bytes], folder: Path, base_iri: str) -> Path:
    """Write nanopubs.trig (one nanopublication block per fact, in fact order, under one set of prefixes) and its .gz; return its path."""
    path = folder / NANOPUBS_FILE
    with path.open("wb") as output:
        output.write("".join(f"@prefix {name}: <{iri}> .\n" for name, iri in nanopub_prefixes(base_iri).items()).encode("utf-8"))
        for block in blocks:
            output.write(b"\n" + block)
    write_gzip(path, path.with_name(path.name + ".gz"))
    return path
