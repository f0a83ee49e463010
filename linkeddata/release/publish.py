"""Hands a release to an external SPARQL 1.1 Graph Store Protocol store: one named graph per article, plus the default graph.

Each graph is replaced with HTTP PUT (Graph Store Protocol §5.3), so publishing is idempotent. The
release's VoID description goes last into the graph <base>dataset; the next publish reads it back
to DELETE the article graphs the new release no longer has.
"""

from __future__ import annotations

import logging
import netrc
import os
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from linkeddata.errors import InputError, InputErrors, OperationFailed, SourceLocation
from linkeddata.namespaces import ONTOLOGY_IRI, VOID
from linkeddata.release.files import DATA_FILE, DESCRIPTION_FILE, ONTOLOGY_FILE, release_base_iri, verify_checksums

log = logging.getLogger("linkeddata.publish")
N_TRIPLES = "application/n-triples"
USER_VARIABLE, PASSWORD_VARIABLE = "LINKEDDATA_PUBLISH_USER", "LINKEDDATA_PUBLISH_PASSWORD"


class ChallengeAuth(httpx.Auth):
    """Answers the store's challenge with what it asks for: HTTP Digest (Virtuoso's Graph Store) or Basic.

    Nothing is sent before the store asks, so credentials never go to a store that does not want them.
    """

    requires_request_body = True

    def __init__(self, user: str, password: str) -> None:
        self._digest = httpx.DigestAuth(user, password)
        self._basic = httpx.BasicAuth(user, password)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code != 401:
            return
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if scheme == "digest":
            flow = self._digest.auth_flow(request)
            next(flow)
            try:
                yield flow.send(response)
            except StopIteration:
                return
        elif scheme == "basic":
            yield next(self._basic.auth_flow(request))


def publish_credentials(url: str) -> tuple[str, str] | None:
    """Return (user, password) from the environment, else from ~/.netrc for the store's host, else None.

    Never from the command line or the URL: both end up in shell histories and process lists.
    """
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user and password is not None:
        return user, password
    host = urlsplit(url).hostname or ""
    try:
        entry = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError):
        return None
    if entry is None:
        return None
    login, _, secret = entry
    return (login, secret or "") if login else None


def refused(url: str, what: str, response: httpx.Response) -> OperationFailed:
    if response.status_code in (401, 403):
        return OperationFailed(f"{url}: the store refused {what} (HTTP {response.status_code}): check {USER_VARIABLE}/{PASSWORD_VARIABLE} or ~/.netrc")
    return OperationFailed(f"{url}: {what} failed (HTTP {response.status_code})")


def refuse_credentials_in(url: str) -> None:
    """Raise OperationFailed for a store URL that carries a user or password (shell histories and process lists keep it)."""
    if urlsplit(url).username or urlsplit(url).password:
        raise OperationFailed(f"credentials in the store URL are refused: set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or use ~/.netrc")


def checked_release(release: Path) -> tuple[Path, str]:
    """Return the release folder (resolved) and its base IRI; raises InputErrors for a missing release or a corrupt dump."""
    release = release.resolve()
    if not release.is_dir():
        raise InputErrors([InputError(SourceLocation(str(release), 0), "no release here; run `linkeddata build` first")])
    verify_checksums(release, (DATA_FILE, ONTOLOGY_FILE, DESCRIPTION_FILE))
    return release, release_base_iri(release)


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
        raise refused(url, f"PUT of {graph or 'the default graph'}", response)


def previously_published_graphs(client: httpx.Client, url: str, description_graph: str) -> set[str]:
    """Return the article graphs the store's copy of the dataset description lists (empty on a first publish)."""
    response = client.get(url, params=_graph_params(description_graph), headers={"Accept": N_TRIPLES})
    if response.status_code == 404:
        return set()
    if response.status_code != 200:
        raise refused(url, f"GET of {description_graph}", response)
    subsets = {t.object.value for t in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)
               if t.predicate.value == str(VOID.subset) and isinstance(t.object, ox.NamedNode)}
    return {iri for iri in subsets if "/graph/" in iri}


def publish(release: Path, url: str, timeout_s: float = 60.0, default_graph_as: str | None = None) -> PublishReport:
    """Replace the store's graphs with the release's; raises InputErrors for a missing or corrupt release.

    `default_graph_as` names the graph the release's default graph (the actors) goes into, for a store whose
    Graph Store has no default graph (Virtuoso's answers "not configured to have default graph"); a store
    that queries the union of its graphs, as Virtuoso does, still finds them.
    """
    refuse_credentials_in(url)
    release, base_iri = checked_release(release)
    by_graph: dict[str | None, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(release / DATA_FILE), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else default_graph_as
        by_graph[graph].append(quad.triple)
    description = list(ox.parse(path=str(release / DESCRIPTION_FILE), format=ox.RdfFormat.TURTLE))
    description_graph = f"{base_iri}dataset"
    # The ontology goes too, as its own graph as in the embedded store: pages read their type names and verb phrases there.
    by_graph[ONTOLOGY_IRI] = list(ox.parse(path=str(release / ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE))
    credentials = publish_credentials(url)
    auth = ChallengeAuth(*credentials) if credentials else None
    with httpx.Client(timeout=timeout_s, auth=auth, trust_env=False) as client:
        stale = previously_published_graphs(client, url, description_graph) - {g for g in by_graph if g}
        for graph in sorted(by_graph, key=lambda name: name or ""):
            _put(client, url, graph, by_graph[graph])
            log.info("replaced %s (%d triples)", graph or "the default graph", len(by_graph[graph]))
        for graph in sorted(stale):
            response = client.delete(url, params=_graph_params(graph))
            if response.status_code not in (200, 204, 404):
                raise refused(url, f"DELETE of {graph}", response)
            log.info("deleted %s, which the new release no longer has", graph)
        _put(client, url, description_graph, description)
    replaced = sorted(g or "default" for g in by_graph) + [description_graph]
    return PublishReport(replaced, sorted(stale), sum(len(t) for t in by_graph.values()) + len(description))
