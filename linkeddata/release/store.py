"""A release's persistent Oxigraph store: written once by `build`, opened read-only by `serve` at any size.

Re-parsing the dumps at every start costs seconds per million quads; an on-disk store opens in
well under a second whatever its size, and several processes may open it read-only at once.
RocksDB's files are not byte-reproducible, so the store folder is left out of SHA256SUMS; its
small manifest (the quad count, which `serve` reports without scanning the store) is in it.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from linkeddata.namespaces import ONTOLOGY_IRI
from linkeddata.release.files import DATA_FILE, DESCRIPTION_FILE, ONTOLOGY_FILE, STORE_DIR, STORE_MANIFEST


def description_graph(base_iri: str) -> ox.NamedNode:
    """Return the graph a served release keeps its VoID description in."""
    return ox.NamedNode(f"{base_iri}dataset")


def fill_release_store(store: ox.Store, folder: Path, base_iri: str) -> None:
    """Load a release's dataset, ontology and VoID description (as named graphs) into `store`."""
    load_dataset_and_ontology(store, folder)
    load_description(store, folder, base_iri)


# Both are bulk-loaded, as the dataset is: into an on-disk store, a transactional load goes through RocksDB's
# write-ahead log, and what a log holds is read back and checked at every read-only open (2.4 s of serve's start at
# a million facts, where the description's log was 397 MB).
def load_ontology(store: ox.Store, folder: Path) -> None:
    """Bulk-load a release's ontology into `store` as its own named graph."""
    store.bulk_load(path=str(folder / ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_IRI))


def load_description(store: ox.Store, folder: Path, base_iri: str) -> None:
    """Bulk-load a release's VoID description into `store` as the named graph `serve` expects."""
    store.bulk_load(path=str(folder / DESCRIPTION_FILE), format=ox.RdfFormat.TURTLE, to_graph=description_graph(base_iri))


def start_release_store(folder: Path, *, may_hold_blank_nodes: bool | None = None) -> ox.Store:
    """Open `folder/store` (RocksDB) holding the release's dataset and its ontology (as its own graph).

    The VoID description, which lists the tables and nanopublications, comes last: finish_release_store adds it.
    `may_hold_blank_nodes` is as for bulk_load_nquads.
    """
    return load_dataset_and_ontology(ox.Store(str(folder / STORE_DIR)), folder, may_hold_blank_nodes=may_hold_blank_nodes)


def load_dataset_and_ontology(store: ox.Store, folder: Path, *, may_hold_blank_nodes: bool | None = None) -> ox.Store:
    """Bulk-load a release's dataset and its ontology (as its own graph) into `store`; return `store`."""
    bulk_load_nquads(store, folder / DATA_FILE, may_hold_blank_nodes=may_hold_blank_nodes)
    load_ontology(store, folder)
    return store


NQUADS_BLOCK_BYTES = 32 << 20
"""How much N-Quads one call of Oxigraph's bulk loader gets when bulk_load_nquads splits a file.

Given a whole file, the loader gathers a million quads a batch and sorts up to one batch per core while it reads
the next: 1.8 GiB of memory whatever the file's size (4 million quads, 2026-12-02). Calls of 32 MiB (about
160,000 quads) on two threads took 490 MiB and as long; 16 MiB took 285 MiB, but makes twice as many
small table files for the store to merge at a million facts."""

LOADER_THREADS = 2


def bulk_load_nquads(store: ox.Store, path: Path, block_bytes: int = NQUADS_BLOCK_BYTES, *, may_hold_blank_nodes: bool | None = None) -> None:
    """Bulk-load an N-Quads file into an on-disk `store` in blocks of whole lines, on LOADER_THREADS threads.

    A file that may hold a blank node is loaded in one call: each call is a document of its own, and the
    loader gives a blank node label a new node in every document. Whoever wrote the file may say whether it
    may hold one (`build` does); otherwise the file is read once more to find out (8 GB at a million facts).
    """
    if may_hold_blank_nodes is None:
        may_hold_blank_nodes = _may_hold_blank_nodes(path)
    if may_hold_blank_nodes:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        return
    with ThreadPoolExecutor(max_workers=LOADER_THREADS) as loaders:  # Oxigraph releases the GIL while it loads
        loading: deque[Future[None]] = deque()
        try:
            for first_line, block in _line_blocks(path, block_bytes):
                loading.append(loaders.submit(_load_block, store, block, path, first_line))
                if len(loading) > LOADER_THREADS:  # one block waits while each thread loads one: bounded memory
                    loading.popleft().result()
            while loading:
                loading.popleft().result()
        finally:
            for waiting in loading:
                waiting.cancel()


def _load_block(store: ox.Store, block: bytes, path: Path, first_line: int) -> None:
    try:
        store.bulk_load(input=block, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as error:  # its line counts from the block's start
        message = re.sub(r"at line (\d+)", lambda found: f"at line {first_line + int(found[1]) - 1}", error.msg, count=1)
        raise SyntaxError(f"{path}: {message}") from None


def _line_blocks(path: Path, size: int) -> Iterator[tuple[int, bytes]]:
    """Yield the file's bytes in blocks of about `size` bytes, each ending at the end of a line, with its first line's number."""
    with path.open("rb") as source:
        rest, line = b"", 1
        while block := source.read(size):
            block = rest + block
            end = block.rfind(b"\n") + 1
            if end:
                rest = block[end:]
                yield line, block[:end]
                line += block.count(b"\n", 0, end)
            else:
                rest = block
        if rest:
            yield line, rest


def _may_hold_blank_nodes(path: Path) -> bool:
    # A literal holding "_:" counts too: it only costs the memory of a load in one call.
    with path.open("rb") as source:
        tail = b""
        while block := source.read(NQUADS_BLOCK_BYTES):
            if b"_:" in tail + block[:1] or b"_:" in block:
                return True
            tail = block[-1:]
    return False


def finish_release_store(store: ox.Store, folder: Path, base_iri: str) -> int:
    """Add the release's VoID description to its store, compact it and write `folder/store.json`; return the quad count.

    The caller drops its handle afterwards: RocksDB keeps its files open while one lives.
    """
    load_description(store, folder, base_iri)
    store.optimize()
    return write_store_manifest(folder, store, base_iri, {"loaded_from": [DATA_FILE, ONTOLOGY_FILE, DESCRIPTION_FILE]})


def write_store_manifest(folder: Path, store: ox.Store, base_iri: str, notes: dict[str, object]) -> int:
    """Write `folder/store.json` for a finished store and return its quad count.

    It holds what `serve` needs before its first query, so that it never scans the store or parses
    void.ttl (29 MB at a million facts) for it: the quad count, the base IRI and the named graphs.
    """
    quads = len(store)
    graphs = sorted(graph.value for graph in store.named_graphs() if isinstance(graph, ox.NamedNode))
    manifest = {"quads": quads, "base_iri": base_iri, "graphs": graphs, **notes}
    (folder / STORE_MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return quads


@dataclass(frozen=True, slots=True)
class StoreManifest:
    """What `build` recorded about a release's on-disk store: its quad count, base IRI and named graphs."""

    quads: int
    base_iri: str
    graphs: frozenset[str]


def read_store_manifest(folder: Path) -> StoreManifest | None:
    """Return the release's store manifest, or None for a release written before releases carried a store (and its manifest)."""
    path = folder / STORE_MANIFEST
    if not path.is_file() or not (folder / STORE_DIR).is_dir():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if not {"quads", "base_iri", "graphs"} <= data.keys():
        return None
    return StoreManifest(int(data["quads"]), str(data["base_iri"]), frozenset(data["graphs"]))
