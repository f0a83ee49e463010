"""Opens what `serve` publishes: a release folder written by `build`, or any RDF files, as a read-only store."""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.formats import rdf_format_for_path
from linkeddata.release.files import (
    CHECKSUMS,
    DATA_FILE,
    DESCRIPTION_FILE,
    ONTOLOGY_FILE,
    STORE_DIR,
    STORE_MANIFEST,
    release_base_iri,
    verify_checksums,
)
from linkeddata.release.store import StoreManifest, fill_release_store, read_store_manifest

LOADED_RELEASE_FILES = (DATA_FILE, ONTOLOGY_FILE, DESCRIPTION_FILE)


@dataclass(frozen=True, slots=True)
class ServedData:
    """A loaded dataset and what the server needs to know about it."""

    store: ox.Store
    graph_names: frozenset[str]
    release_dir: Path | None
    base_iri: str
    union_default_graph: bool
    quad_count: int
    digest: str

    backend: str = ""

    def opener(self) -> Callable[[], ox.Store]:
        """Return a callable giving query workers their store: inherited by fork (in memory copy-on-write, or a read-only
        on-disk handle), or a remote endpoint."""
        if self.backend:
            from linkeddata.serve.backend import RemoteStore

            backend = self.backend
            return lambda: RemoteStore(backend, timeout_s=600)  # type: ignore[return-value]
        store = self.store
        return lambda: store


def _problem(path: Path, message: str, line: int = 0) -> InputErrors:
    return InputErrors([InputError(SourceLocation(str(path), line), message)])


def _syntax_line(error: Exception) -> int:
    # Oxigraph reports "error at LINE:COLUMN" or "on line LINE".
    text = str(error)
    for marker in ("at ", "line "):
        if marker in text:
            head = text.split(marker, 1)[1].split(":")[0].split()[0].strip(",")
            if head.isdigit():
                return int(head)
    return 0


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise _problem(path, "no such file")
    try:
        return gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise _problem(path, f"cannot read (corrupt or truncated gzip?): {error}") from None


def read_rdf_file(path: Path) -> list[ox.Quad]:
    """Return the quads of one RDF file (gzip allowed), keeping its named graphs; raises InputErrors naming the file."""
    data = _read_bytes(path)
    fmt = rdf_format_for_path(path.name)
    if fmt is None:
        return _read_with_rdflib(path, data)
    try:
        # Oxigraph's JSON-LD parser never fetches remote contexts: a remote @context is an error, not a request.
        return [q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object)
                for q in ox.parse(data, fmt.oxigraph, base_iri=path.resolve().as_uri(), rename_blank_nodes=True)]
    except SyntaxError as error:
        raise _problem(path, f"malformed {fmt.key}: {error}", _syntax_line(error)) from None


def bulk_load_file(store: ox.Store, path: Path) -> None:
    """Load one RDF file straight into the store with Oxigraph's bulk loader (no Python objects per quad)."""
    fmt = rdf_format_for_path(path.name)
    if fmt is None:
        store.bulk_extend(read_rdf_file(path))
        return
    try:
        store.bulk_load(_read_bytes(path), fmt.oxigraph, base_iri=path.resolve().as_uri())
    except SyntaxError as error:
        raise _problem(path, f"malformed {fmt.key}: {error}", _syntax_line(error)) from None


def _read_with_rdflib(path: Path, data: bytes) -> list[ox.Quad]:
    name = path.name.removesuffix(".gz")
    if name.endswith((".jsonld", ".json")):
        raise _problem(path, "JSON-LD is read by Oxigraph only")
    dataset = Dataset()
    try:
        dataset.parse(source=io.BytesIO(data), format=_rdflib_guess(name), publicID=path.resolve().as_uri())
    except Exception as error:  # noqa: BLE001 - rdflib parsers raise many exception types
        raise _problem(path, f"cannot parse as RDF: {error}") from None
    return list(ox.parse(dataset.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS))


def _rdflib_guess(name: str) -> str:
    from rdflib.util import guess_format

    guessed = guess_format(name)
    if guessed is None:
        raise ValueError(f"unknown RDF file type: {name}")
    return guessed


def load_files(paths: list[Path], base_iri: str, union_default_graph: bool) -> ServedData:
    """Return a store holding every quad of `paths`; raises InputErrors naming the first bad file."""
    store = ox.Store()
    digest = hashlib.sha256()
    for path in paths:
        if len(paths) == 1:
            bulk_load_file(store, path)
        else:
            # Blank node labels are scoped to their file, so files given together are renamed apart.
            store.bulk_extend(read_rdf_file(path))
        digest.update(path.read_bytes())
    return _served(store, None, base_iri, union_default_graph, digest.hexdigest())


IN_MEMORY_MAX_QUADS = 5_000_000
"""`--store-mode auto` loads a release into memory up to this many quads (queries run 3-5x faster there) and opens
its on-disk store above it (ready in about a second at any size, memory bounded by the page cache)."""


def load_release(release_dir: Path, mode: str = "auto") -> ServedData:
    """Return the store of a release: its dataset, plus the ontology and VoID description as named graphs.

    `mode` is "memory" (bulk-load the N-Quads dump), "disk" (open the release's on-disk store
    read-only) or "auto" (memory up to IN_MEMORY_MAX_QUADS quads).
    """
    release_dir = release_dir.resolve()
    manifest = read_store_manifest(release_dir)
    if mode == "disk" or (mode == "auto" and manifest is not None and manifest.quads > IN_MEMORY_MAX_QUADS):
        return open_release_store(release_dir, manifest)
    verify_checksums(release_dir, LOADED_RELEASE_FILES)
    base_iri = release_base_iri(release_dir)
    store = ox.Store()
    try:
        fill_release_store(store, release_dir, base_iri)
    except SyntaxError as error:
        raise _problem(release_dir / DATA_FILE, f"malformed nquads: {error}", _syntax_line(error)) from None
    # A release spreads its facts over one graph per article, so queries see their union by default.
    return _served(store, release_dir, base_iri, True, _release_digest(release_dir))


def open_release_store(release_dir: Path, manifest: StoreManifest | None) -> ServedData:
    """Return served data whose query workers inherit the release's on-disk store, opened read-only here."""
    path = release_dir / STORE_DIR
    if manifest is None:
        raise _problem(path, "missing, or its store.json lacks what `serve` needs: built by an older version; run `linkeddata build` again")
    verify_checksums(release_dir, (ONTOLOGY_FILE, DESCRIPTION_FILE, STORE_MANIFEST))
    # Opened once, here, and inherited by every query worker at its fork, as the in-memory store is: a worker opening its
    # own handle paid the open again at each start and each replacement (2.4 s at a million facts for a store whose
    # write-ahead log was not empty), and kept a private copy of what it read. The parent never queries it: no thread of
    # it is inside RocksDB when a worker forks, and a read-only database runs no background work a child would miss.
    try:
        store = ox.Store.read_only(str(path))  # a damaged store is an error now, not in every query
    except OSError as error:
        raise _problem(path, f"cannot open the on-disk store: {error}; run `linkeddata build` again") from None
    return ServedData(store, manifest.graphs, release_dir, manifest.base_iri, True, manifest.quads, _release_digest(release_dir)[:20])


def _release_digest(release_dir: Path) -> str:
    return hashlib.sha256((release_dir / CHECKSUMS).read_bytes()).hexdigest()


def connect_backend(endpoint: str, release_dir: Path | None, base_iri: str) -> ServedData:
    """Return served data whose queries go to an external SPARQL endpoint; pages and dumps stay local."""
    import httpx  # only a backend needs it: the embedded store's start-up does without importing it

    from linkeddata.serve.backend import RemoteStore

    remote = RemoteStore(endpoint, timeout_s=30)
    # The release published to the backend names its graphs and counts its quads: asking the backend for them scans all
    # it holds (15.7 s on Virtuoso at 10,000 facts, near this time limit), and Virtuoso cuts the list at 10,000 rows.
    manifest = read_store_manifest(release_dir.resolve()) if release_dir is not None else None
    try:
        if manifest is not None:
            remote.query("ASK { ?s ?p ?o }")  # fail now, with the endpoint named, if it cannot be queried
            graphs, count = set(manifest.graphs), manifest.quads
        else:
            graphs = {row["g"].value for row in remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
            count = next(iter(remote.query("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")))["n"].value
    except (OSError, SyntaxError, httpx.HTTPError) as error:
        raise InputErrors([InputError(SourceLocation(endpoint, 0), f"the SPARQL backend cannot be queried: {error}")]) from None
    if release_dir is not None:
        base_iri = release_base_iri(release_dir.resolve())
    digest = hashlib.sha256(f"{endpoint} {count} {sorted(graphs)}".encode()).hexdigest()
    return ServedData(ox.Store(), frozenset(graphs), release_dir.resolve() if release_dir else None, base_iri, False, int(count), digest[:20], endpoint)


def _served(store: ox.Store, release_dir: Path | None, base_iri: str, union: bool, digest: str) -> ServedData:
    names = frozenset(graph.value for graph in store.named_graphs() if isinstance(graph, ox.NamedNode))
    return ServedData(store, names, release_dir, base_iri, union, len(store), digest[:20])
