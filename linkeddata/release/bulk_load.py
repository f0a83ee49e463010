"""Hands a release to a store's own bulk loader, for releases larger than HTTP PUT carries well.

Graph Store PUT (publish.py) parses the release into Python and sends every graph over HTTP: simple, portable,
and bounded by the client's memory and the store's request handling. A store's bulk loader reads the file itself.

- Virtuoso: the release's N-Quads and VoID description are copied into a folder the server may read (its
  `DirsAllowed`), registered with `ld_dir` and loaded by `rdf_loader_run`, then checkpointed. Every call goes
  through its authenticated SPARQL endpoint (`/sparql-auth`, HTTP Digest) as a `sql:` function call, so the
  credentials come from the environment or ~/.netrc as for PUT, never from a command line (Virtuoso's isql takes
  them only as arguments, which any process list shows).
- Oxigraph: a store folder (its server stopped: RocksDB admits one writer) is loaded by Oxigraph's bulk loader.

Both replace graphs as PUT does: the release's graphs, and those the store's copy of the previous description
lists that this release lacks, are cleared first. Afterwards the store's triple count of every graph is compared
with the release's, so a load that silently dropped lines is an error.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import httpx
import pyoxigraph as ox

from linkeddata.errors import InputError, InputErrors, OperationFailed, SourceLocation
from linkeddata.namespaces import ONTOLOGY_IRI, VOID
from linkeddata.release.files import DATA_FILE, DESCRIPTION_FILE, ONTOLOGY_FILE, STORE_MANIFEST
from linkeddata.release.publish import ChallengeAuth, PublishReport, checked_release, publish_credentials, refuse_credentials_in, refused
from linkeddata.release.store import bulk_load_nquads, read_store_manifest

log = logging.getLogger("linkeddata.publish")
SPARQL_JSON = "application/sparql-results+json"


def release_graph_counts(release: Path, default_graph_as: str | None) -> Counter[str]:
    """Return the release's triples per graph (the default graph under `default_graph_as`), read from its N-Quads."""
    counts: Counter[str] = Counter()
    for quad in ox.parse(path=str(release / DATA_FILE), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else default_graph_as
        if graph is None:
            raise OperationFailed("the release has a default graph, and a bulk loader needs a graph for it: give --default-graph-as IRI")
        counts[graph] += 1
    return counts


class VirtuosoLoader:
    """Virtuoso's bulk loader driven through its authenticated SPARQL endpoint."""

    def __init__(self, endpoint: str, timeout_s: float) -> None:
        credentials = publish_credentials(endpoint)
        self.endpoint = endpoint
        self.client = httpx.Client(timeout=timeout_s, auth=ChallengeAuth(*credentials) if credentials else None, trust_env=False)

    def ask(self, form: str, text: str) -> list[dict[str, object]]:
        response = self.client.post(self.endpoint, data={form: text}, headers={"Accept": SPARQL_JSON})
        if response.status_code in (401, 403):
            raise refused(self.endpoint, "the bulk load", response)
        if response.status_code != 200:
            first_line = response.text.strip().splitlines()[0] if response.text.strip() else ""
            raise OperationFailed(f"{self.endpoint}: the bulk load failed (HTTP {response.status_code}): {first_line[:200]}")
        return response.json().get("results", {}).get("bindings", []) if "json" in response.headers.get("content-type", "") else []

    def call(self, function: str, *arguments: str) -> None:
        quoted = ", ".join("'" + argument.replace("\\", "\\\\").replace("'", "\\'") + "'" for argument in arguments)
        self.ask("query", f"SELECT (sql:{function}({quoted}) AS ?done) {{}}")

    def graph_triples(self, base_iri: str, page: int = 1000) -> dict[str, int]:
        # By the dataset's IRI space, not a VALUES list (Virtuoso compiles VALUES into one call of a few hundred arguments at
        # most), and page by page: Virtuoso cuts every answer at ResultSetMaxRows (10,000 by default), fewer than a release's graphs.
        # Each page starts after the last graph of the one before (it also refuses an OFFSET past 10,000).
        counts: dict[str, int] = {}
        after = ""
        while True:
            rows = self.ask("query", f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{base_iri}") && STR(?g) > "{after}") }} '
                                     f"GROUP BY ?g ORDER BY STR(?g) LIMIT {page}")
            counts.update((str(row["g"]["value"]), int(str(row["n"]["value"]))) for row in rows)  # type: ignore[index]
            if len(rows) < page:
                return counts
            after = str(rows[-1]["g"]["value"]).replace("\\", "\\\\").replace('"', '\\"')  # type: ignore[index]

    def listed_graphs(self, description_graph: str) -> set[str]:
        rows = self.ask("query", f"SELECT ?g WHERE {{ GRAPH <{description_graph}> {{ ?d <{VOID.subset}> ?g }} }}")
        return {str(row["g"]["value"]) for row in rows if "/graph/" in str(row["g"]["value"])}  # type: ignore[index]

    def clear(self, graphs: list[str], batch: int = 200) -> None:
        # Logging off for the delete, as the bulk loader does for the insert: a million-fact graph would fill the transaction log.
        # Many CLEARs to one request: a release has a graph per article, and a request each is a Digest round trip each.
        for start in range(0, len(graphs), batch):
            operations = " ;\n".join(f"CLEAR SILENT GRAPH <{graph}>" for graph in graphs[start:start + batch])
            self.ask("update", f"DEFINE sql:log-enable 3 {operations}")


def bulk_load_virtuoso(release: Path, endpoint: str, load_dir: Path, default_graph_as: str | None, timeout_s: float = 3600) -> PublishReport:
    """Replace the store's graphs with the release's through Virtuoso's bulk loader; `load_dir` must be in its DirsAllowed."""
    refuse_credentials_in(endpoint)
    release, base_iri = checked_release(release)
    counts = release_graph_counts(release, default_graph_as)
    description_graph = f"{base_iri}dataset"
    description_triples = sum(1 for _ in ox.parse(path=str(release / DESCRIPTION_FILE), format=ox.RdfFormat.TURTLE))
    # The ontology goes too, as its own graph as in the embedded store: pages read their type names and verb phrases there.
    counts[ONTOLOGY_IRI] = sum(1 for _ in ox.parse(path=str(release / ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE))
    # ld_dir skips a file it has loaded before, so each publish stages its files under names of their own.
    staging = load_dir.resolve() / f"linkeddata-{release.name}-{time.time_ns()}"
    staging.mkdir(parents=True)
    loader = VirtuosoLoader(endpoint, timeout_s)
    try:
        stale = loader.listed_graphs(description_graph) - set(counts)
        loader.clear(sorted({*counts, *stale, description_graph}))
        for name in (DATA_FILE, ONTOLOGY_FILE, DESCRIPTION_FILE):
            _link_or_copy(release / name, staging / name)
        loader.call("ld_dir", str(staging), DATA_FILE, default_graph_as or description_graph)
        loader.call("ld_dir", str(staging), ONTOLOGY_FILE, ONTOLOGY_IRI)
        loader.call("rdf_loader_run")
        # The description goes last, as with PUT: a store holding it holds the data it describes.
        loader.call("ld_dir", str(staging), DESCRIPTION_FILE, description_graph)
        loader.call("rdf_loader_run")
        loader.ask("query", "SELECT (bif:exec('checkpoint') AS ?done) {}")  # the loader runs unlogged: make it durable now
        found = loader.graph_triples(base_iri)
        if not ONTOLOGY_IRI.startswith(base_iri):  # a release minted under another base keeps the ontology's own IRI
            found.update(loader.graph_triples(ONTOLOGY_IRI))
    finally:
        loader.client.close()
        shutil.rmtree(staging, ignore_errors=True)
    expected = {**counts, description_graph: description_triples}
    wrong = {graph: (found.get(graph, 0), want) for graph, want in expected.items() if found.get(graph, 0) != want}
    if wrong:
        details = "; ".join(f"{graph} holds {have} triples, the release {want}" for graph, (have, want) in sorted(wrong.items())[:5])
        raise OperationFailed(f"{endpoint}: the bulk load did not load the release whole ({details}); see the server's DB.DBA.LOAD_LIST for errors")
    for graph in sorted(counts):
        log.info("loaded %s (%d triples)", graph, counts[graph])
    return PublishReport(sorted(counts) + [description_graph], sorted(stale), sum(counts.values()) + description_triples)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # same file system: no copy of gigabytes
    except OSError:
        shutil.copyfile(source, target)


def bulk_load_oxigraph(release: Path, location: Path) -> PublishReport:
    """Replace the graphs of the Oxigraph store at `location` (created if missing) with the release's, by Oxigraph's bulk loader."""
    release, base_iri = checked_release(release)
    manifest = read_store_manifest(release)
    if manifest is None:
        raise InputErrors([InputError(SourceLocation(str(release / STORE_MANIFEST), 0), "missing: built by an older version; run `linkeddata build` again")])
    description_graph = f"{base_iri}dataset"
    release_graphs = {graph for graph in manifest.graphs if graph != description_graph}  # the ontology's graph included
    try:
        store = ox.Store(str(location))
    except OSError as error:
        raise OperationFailed(f"{location}: cannot open the Oxigraph store (is its server running? stop it first): {error}") from None
    listed = {quad.object.value for quad in store.quads_for_pattern(None, ox.NamedNode(str(VOID.subset)), None, ox.NamedNode(description_graph))
              if isinstance(quad.object, ox.NamedNode) and "/graph/" in quad.object.value}
    stale = sorted(listed - release_graphs)
    for graph in sorted({*release_graphs, *stale, description_graph}):
        store.clear_graph(ox.NamedNode(graph))
    store.clear_graph(ox.DefaultGraph())
    bulk_load_nquads(store, release / DATA_FILE)
    store.bulk_load(path=str(release / ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_IRI))
    store.bulk_load(path=str(release / DESCRIPTION_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(description_graph))
    store.flush()
    values = " ".join(f"<{graph}>" for graph in sorted(release_graphs))
    loaded = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ ?s ?p ?o }} UNION {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} }}")))["n"]
    del store  # RocksDB keeps its files open while a handle lives
    return PublishReport(sorted(release_graphs) + [description_graph], stale, int(loaded.value))
