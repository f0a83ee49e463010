"""Hands a release to an external SPARQL 1.1 Graph Store Protocol store: one named graph per article, plus the default graph.

Each graph is replaced with HTTP PUT (Graph Store Protocol §5.3), so publishing is idempotent. The
release's VoID description goes last into the graph <base>dataset; the next publish reads it back
to DELETE the article graphs the new release no longer has.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.namespaces import VOID
from linkeddata.release.files import DATA_FILE, DESCRIPTION_FILE, release_base_iri, verify_checksums

log = logging.getLogger("linkeddata.publish")
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True, slots=True)
class PublishReport:
    """What a publish did: graphs replaced and graphs deleted, and the triples sent."""

    replaced: list[str]
    deleted: list[str]
    triples: int


def _graph_params(graph: str | None) -> dict[str, str]:
    return {"graph": graph} if graph else {"default": ""}


def _put(client: httpx.Client, url: str, graph: str | None, triples: list[ox.Triple]) -> None:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    response = client.put(url, params=_graph_params(graph), content=body, headers={"Content-Type": N_TRIPLES})
    if response.status_code not in (200, 201, 204):
        raise RuntimeError(f"PUT {graph or 'default graph'} to {url}: HTTP {response.status_code} {response.text[:200]}")


def previously_published_graphs(client: httpx.Client, url: str, description_graph: str) -> set[str]:
    """Return the article graphs the store's copy of the dataset description lists (empty on a first publish)."""
    response = client.get(url, params=_graph_params(description_graph), headers={"Accept": N_TRIPLES})
    if response.status_code == 404:
        return set()
    response.raise_for_status()
    subsets = {t.object.value for t in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)
               if t.predicate.value == str(VOID.subset) and isinstance(t.object, ox.NamedNode)}
    return {iri for iri in subsets if "/graph/" in iri}


def publish(release: Path, url: str, timeout_s: float = 60.0) -> PublishReport:
    """Replace the store's graphs with the release's; raises InputErrors for a missing or corrupt release."""
    release = release.resolve()
    if not release.is_dir():
        raise InputErrors([InputError(SourceLocation(str(release), 0), "no release here; run `linkeddata build` first")])
    verify_checksums(release, (DATA_FILE, DESCRIPTION_FILE))
    base_iri = release_base_iri(release)
    by_graph: dict[str | None, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(release / DATA_FILE), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
        by_graph[graph].append(quad.triple)
    description = list(ox.parse(path=str(release / DESCRIPTION_FILE), format=ox.RdfFormat.TURTLE))
    description_graph = f"{base_iri}dataset"
    with httpx.Client(timeout=timeout_s) as client:
        stale = previously_published_graphs(client, url, description_graph) - {g for g in by_graph if g}
        for graph in sorted(by_graph, key=lambda name: name or ""):
            _put(client, url, graph, by_graph[graph])
            log.info("replaced %s (%d triples)", graph or "the default graph", len(by_graph[graph]))
        for graph in sorted(stale):
            response = client.delete(url, params=_graph_params(graph))
            if response.status_code not in (200, 204, 404):
                raise RuntimeError(f"DELETE {graph} at {url}: HTTP {response.status_code}")
            log.info("deleted %s, which the new release no longer has", graph)
        _put(client, url, description_graph, description)
    replaced = sorted(g or "default" for g in by_graph) + [description_graph]
    return PublishReport(replaced, sorted(stale), sum(len(t) for t in by_graph.values()) + len(description))
