"""Re-checks a release anyone downloaded, with nothing but the release itself: checksums, archived texts, evidence anchors, counts.

What `verify` trusts is only what the release states about itself: SHA256SUMS for its files, each
archived text's schema:sha256 in the dataset, each fact's selectors (the exact quote at its start and
end offsets in Unicode code points, with its prefix and suffix), and the VoID description's triple
counts for each dump. A failure names the file or the fact IRI, one line each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from linkeddata.file_digests import file_sha256
from linkeddata.formats import rdf_format_for_path
from linkeddata.release.files import CHECKSUMS, DATA_FILE, DESCRIPTION_FILE, STORE_DIR, release_base_iri

ANCHORS = """
PREFIX ld: <https://alliances.example.org/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?fact ?source ?exact ?prefix ?suffix ?start ?end WHERE {
  GRAPH ?g { ?fact ld:evidence/oa:hasTarget ?target .
             ?target oa:hasSource ?source ; oa:hasSelector ?quote, ?position .
             ?quote oa:exact ?exact . OPTIONAL { ?quote oa:prefix ?prefix } OPTIONAL { ?quote oa:suffix ?suffix }
             ?position oa:start ?start ; oa:end ?end . }
} ORDER BY ?fact
"""
ARCHIVES = """
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?archive ?sha256 WHERE { GRAPH ?g { ?archive schema:sha256 ?sha256 } } ORDER BY ?archive
"""
DUMP_COUNTS = """
PREFIX void: <http://rdfs.org/ns/void#>
SELECT ?dump ?triples WHERE {
  { ?dataset void:dataDump ?dump ; void:triples ?triples . FILTER NOT EXISTS { ?dataset a void:Linkset } }
  UNION { ?dataset a void:Linkset ; void:dataDump ?dump ; void:triples ?triples }
} ORDER BY ?dump
"""


@dataclass(frozen=True, slots=True)
class Failure:
    """One thing that does not hold: the file or fact IRI it is about, and what is wrong."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def _listed_files(release: Path) -> tuple[dict[str, str], list[Failure]]:
    sums = release / CHECKSUMS
    if not sums.is_file():
        return {}, [Failure(str(sums), "missing: not a release written by `linkeddata build`")]
    listed = {}
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    return listed, []


def check_checksums(release: Path) -> Iterator[Failure]:
    """Every SHA256SUMS line holds, and every published file is listed."""
    listed, failures = _listed_files(release)
    yield from failures
    for name, digest in sorted(listed.items()):
        path = release / name
        if not path.is_file():
            yield Failure(str(path), "listed in SHA256SUMS but missing")
        elif file_sha256(path) != digest:
            yield Failure(str(path), "SHA-256 differs from SHA256SUMS: the file was changed or truncated")
    folder = release.resolve()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != CHECKSUMS and relative.split("/", 1)[0] != STORE_DIR and relative not in listed:
            yield Failure(str(release / relative), "not listed in SHA256SUMS")


def _dataset(release: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(release / DATA_FILE), format=ox.RdfFormat.N_QUADS)
    return store


def _archived_text(release: Path, base_iri: str, archive_iri: str) -> Path | None:
    if not archive_iri.startswith(f"{base_iri}text/"):
        return None
    return release / "articles" / f"{archive_iri.removeprefix(f'{base_iri}text/')}.txt"


def check_archived_texts(release: Path, store: ox.Store, base_iri: str) -> Iterator[Failure]:
    """Each archived text is the one whose SHA-256 the dataset states."""
    for row in store.query(ARCHIVES):
        path = _archived_text(release, base_iri, row["archive"].value)
        if path is None or not path.is_file():
            yield Failure(row["archive"].value, "its archived text is missing from the release")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"].value:
            yield Failure(str(path), f"SHA-256 differs from the schema:sha256 the dataset states for {row['archive'].value}")


def check_anchors(release: Path, store: ox.Store, base_iri: str) -> Iterator[Failure]:
    """Each fact's exact quote lies at its start and end offsets, between its prefix and suffix."""
    texts: dict[str, str | None] = {}
    for row in store.query(ANCHORS):
        fact, source = row["fact"].value, row["source"].value
        if source not in texts:
            path = _archived_text(release, base_iri, source)
            texts[source] = path.read_text(encoding="utf-8") if path is not None and path.is_file() else None
        text = texts[source]
        if text is None:
            yield Failure(fact, f"its evidence points at {source}, which the release does not hold")
            continue
        start, end, exact = int(row["start"].value), int(row["end"].value), row["exact"].value
        if text[start:end] != exact:
            yield Failure(fact, f"the quote is not at characters {start}-{end} of {source}")
            continue
        prefix = row["prefix"].value if row["prefix"] is not None else ""
        suffix = row["suffix"].value if row["suffix"] is not None else ""
        if text[max(start - len(prefix), 0):start] != prefix or text[end:end + len(suffix)] != suffix:
            yield Failure(fact, "the quote's prefix or suffix does not surround it in the archived text")


def _distinct_triples(path: Path) -> int:
    fmt = rdf_format_for_path(path.name)
    if fmt is None:
        raise ValueError('not an RDF file name')
    seen = set()
    for statement in ox.parse(path=str(path), format=fmt.oxigraph):
        triple = statement.triple if isinstance(statement, ox.Quad) else statement
        seen.add(hashlib.sha256(str(triple).encode()).digest())
    return len(seen)


def check_counts(release: Path, base_iri: str) -> Iterator[Failure]:
    """Each dump holds as many distinct triples as the VoID description says of its dataset or linkset."""
    description = ox.Store()
    description.load(path=str(release / DESCRIPTION_FILE), format=ox.RdfFormat.TURTLE)
    for row in description.query(DUMP_COUNTS):
        name = row["dump"].value.removeprefix(f"{base_iri}dumps/")
        path = release / name
        if not path.is_file():
            yield Failure(str(path), "named as a data dump by the VoID description but missing")
            continue
        expected = int(row["triples"].value)
        try:
            found = _distinct_triples(path)
        except (SyntaxError, ValueError, OSError) as error:
            yield Failure(str(path), f"cannot be parsed: {error}")
            continue
        if found != expected:
            yield Failure(str(path), f"holds {found} distinct triples; the VoID description says {expected}")


def verify_release(release: Path) -> list[Failure]:
    """Return every failure found in a release folder (empty when it verifies)."""
    failures = list(check_checksums(release))
    if not (release / DATA_FILE).is_file() or not (release / DESCRIPTION_FILE).is_file():
        return failures + [Failure(str(release), f"has no {DATA_FILE} or {DESCRIPTION_FILE}: not a release written by `linkeddata build`")]
    base_iri = release_base_iri(release)
    try:
        store = _dataset(release)
    except SyntaxError as error:
        return failures + [Failure(str(release / DATA_FILE), f"cannot be parsed: {error}")]
    failures += check_archived_texts(release, store, base_iri)
    failures += check_anchors(release, store, base_iri)
    failures += check_counts(release, base_iri)
    return failures
