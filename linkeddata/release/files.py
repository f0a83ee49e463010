"""The names of a release's files and the checks of its checksums: the one place that spells them.

A release is a folder `build` writes and swaps into place whole; `serve`, `publish`, `diff` and
the benchmarks read it by these names only.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.file_digests import file_sha256
from linkeddata.namespaces import VOID

DUMP_STEM = "alliances"
LINKS_STEM = "links-wikidata"
DATA_FILE = f"{DUMP_STEM}.nq"  # the dataset with one named graph per article: what stores load
UNION_FILE = f"{DUMP_STEM}.nt"  # the union of every graph, sorted and distinct
ONTOLOGY_FILE = "ontology.ttl"
SHAPES_FILE = "shapes.ttl"
DESCRIPTION_FILE = "void.ttl"
CHECKSUMS = "SHA256SUMS"
STORE_DIR = "store"
STORE_MANIFEST = "store.json"
FACTS_TABLE, ACTORS_TABLE, STANCES_TABLE = "facts", "actors", "stances"  # each written as <name>.csv and <name>.parquet
CSVW_METADATA = "csv-metadata.json"  # W3C CSVW metadata of the three CSV tables
TABLE_FILES = (*(f"{stem}.{suffix}" for stem in (FACTS_TABLE, ACTORS_TABLE, STANCES_TABLE) for suffix in ("csv", "parquet")), CSVW_METADATA)
NANOPUBS_FILE = "nanopubs.trig"  # every fact as a nanopublication with a trusty URI (also .gz)
BIBTEX_FILE, CSL_FILE = "citation.bib", "citation.json"  # how to cite the release
DATASET_TITLE, DATASET_AUTHOR = "Alliance stances, evidence-backed", "linkeddata contributors"  # as citations name the dataset and its makers


def problem(path: Path, message: str, line: int = 0) -> InputErrors:
    """Return the one-line error naming a release file."""
    return InputErrors([InputError(SourceLocation(str(path), line), message)])


def verify_checksums(release_dir: Path, names: tuple[str, ...]) -> None:
    """Raise InputErrors naming any of `names` whose bytes differ from the release's SHA256SUMS."""
    sums_path = release_dir / CHECKSUMS
    if not sums_path.is_file():
        raise problem(sums_path, "missing: not a release written by `linkeddata build`")
    expected = {}
    for line in sums_path.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        expected[name] = digest
    for name in names:
        path = release_dir / name
        if not path.is_file():
            raise problem(path, "missing from the release")
        if file_sha256(path) != expected.get(name):
            raise problem(path, "checksum differs from SHA256SUMS: the file is corrupt or truncated; run `linkeddata build` again")


def release_base_iri(release_dir: Path) -> str:
    """Return the base IRI a release was built with, read from its VoID description."""
    description = release_dir / DESCRIPTION_FILE
    for quad in ox.parse(path=str(description), format=ox.RdfFormat.TURTLE):
        if quad.predicate.value == str(VOID.uriSpace):
            return quad.object.value
    raise problem(description, "has no void:uriSpace: not a release written by `linkeddata build`")
