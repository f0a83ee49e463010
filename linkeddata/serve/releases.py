"""Every kept release, served as of itself: its IRI `/release/<id>`, its SPARQL endpoint, its pages and its files.

`build` keeps the newest releases beside the current one (`--keep-releases`). A citation names one of them, so
`/release/<id>/…` must keep answering as that release answered: its SPARQL endpoint and its pages query that
release's own on-disk store (opened read-only, on first use), never the current data. The current release is
reachable the same way, so a link copied today still means the same data after the next build.

Pages and the endpoint read `served(request)`, which is the app's state for the plain routes and a
`ReleaseView` (with the same attribute names) for `/release/<id>/…`: one code path answers both.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, VOID, XSD

from linkeddata.release.files import CHECKSUMS
from linkeddata.release.store import read_store_manifest
from linkeddata.serve.changes import ReleaseChanges, kept_releases
from linkeddata.serve.citations import release_citation
from linkeddata.serve.data import ServedData, open_release_store
from linkeddata.serve.protocol import AnswerCache, ProtocolError
from linkeddata.serve.workers import QueryPool

log = logging.getLogger("linkeddata.serve.releases")
RELEASE_ID = re.compile(r"^[0-9a-f]{16}$")
VIEW_KEY = "linkeddata.release_view"
OPEN_PAST_RELEASES = 2  # each holds a query worker (or two) over its own store; older ones are closed when a third is asked for
DCAT3_VERSION, DCAT3_PREVIOUS = URIRef(f"{DCAT}version"), URIRef(f"{DCAT}previousVersion")  # DCAT 3 terms rdflib's namespace object lacks
DCAT_MEDIA_TYPES = {".nq": "application/n-quads", ".nt": "application/n-triples", ".ttl": "text/turtle", ".trig": "application/trig",
                    ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml"}


@dataclass(slots=True)
class ReleaseView:
    """What pages and the endpoint need to answer as of one release; the names are those of the app's state."""

    release_id: str
    data: ServedData
    pool: QueryPool
    settings: Any
    templates: Any
    assets: dict[str, Path]
    cache: AnswerCache
    current: bool
    texts: dict[str, str | None] = field(default_factory=dict)
    network: Any = None

    @property
    def path_prefix(self) -> str:
        return f"/release/{self.release_id}"


def served(request: Request) -> Any:
    """Return what this request is answered from: a release's view under /release/<id>/, else the app's state."""
    return request.scope.get(VIEW_KEY) or request.app.state


def path_prefix(state: Any) -> str:
    """Return the path every link of a page starts with: '' on the plain routes, '/release/<id>' in a release's view."""
    return getattr(state, "path_prefix", "") if isinstance(state, ReleaseView) else ""


def release_id_of(folder: Path | None) -> str:
    """Return a release folder's id (its name: the start of its SHA256SUMS digest), '' when serving plain files."""
    return folder.resolve().name if folder is not None else ""


@dataclass(frozen=True, slots=True)
class ReleaseSummary:
    """One kept release as /releases/ lists it."""

    release_id: str
    built: str
    current: bool
    quads: int
    version: str
    changes: ReleaseChanges
    previous: str | None

    def to_json(self, base_iri: str, public_url: str) -> dict[str, Any]:
        iri = f"{base_iri}release/{self.release_id}"
        prefix = f"{public_url}release/{self.release_id}"
        counts = {kind: len(getattr(self.changes, kind)) for kind in ("added", "changed", "withdrawn", "removed")}
        return {"id": self.release_id, "iri": iri, "built": self.built, "current": self.current, "quads": self.quads, "version": self.version,
                "previous": f"{base_iri}release/{self.previous}" if self.previous else None, "sparql": f"{prefix}/sparql",
                "dumps": f"{prefix}/dumps/", "citation": {"bibtex": f"{prefix}.bib", "csl": f"{prefix}.csl.json"},
                "changes": counts}


def release_summaries(current: Path) -> list[ReleaseSummary]:
    """Return every kept release beside `current`, newest first, each naming the release it replaced."""
    current_id = release_id_of(current)
    kept = kept_releases(current)
    summaries = []
    for index, changes in enumerate(kept):
        folder = current.resolve().parent / changes.release
        manifest = read_store_manifest(folder)
        previous = kept[index + 1].release if index + 1 < len(kept) else None
        summaries.append(ReleaseSummary(changes.release, changes.updated, changes.release == current_id, manifest.quads if manifest else 0,
                                        str(release_citation(folder).get("version", "")), changes, previous))
    return summaries


def kept_release_folder(current: Path | None, release_id: str) -> Path:
    """Return the folder of a kept release, or raise 404: only finished releases beside the current one are served."""
    if current is None:
        raise ProtocolError(404, "not_found", "releases are served with a release built by `linkeddata build`")
    folder = current.resolve().parent / release_id
    if not RELEASE_ID.match(release_id) or not (folder / CHECKSUMS).is_file():
        raise ProtocolError(404, "not_found", f"no kept release {release_id!r}; /releases/ lists those this server keeps")
    return folder


def release_description(summary: ReleaseSummary, base_iri: str, public_url: str, dump_names: list[str]) -> Graph:
    """Return the release as a DCAT dataset version of the dataset: its date, its distributions, its endpoint, the release it replaced."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dcterms", DCTERMS), ("prov", PROV), ("void", VOID)):
        graph.bind(prefix, namespace)
    release = URIRef(f"{base_iri}release/{summary.release_id}")
    local = f"{public_url}release/{summary.release_id}"
    graph.add((release, RDF.type, DCAT.Dataset))
    graph.add((release, RDF.type, VOID.Dataset))
    graph.add((release, DCTERMS.isVersionOf, URIRef(f"{base_iri}dataset")))
    graph.add((release, DCTERMS.identifier, Literal(summary.release_id)))
    if summary.version:
        graph.add((release, DCAT3_VERSION, Literal(summary.version)))
    graph.add((release, PROV.generatedAtTime, Literal(summary.built, datatype=XSD.dateTime)))
    graph.add((release, VOID.triples, Literal(summary.quads, datatype=XSD.integer)))
    graph.add((release, VOID.sparqlEndpoint, URIRef(f"{local}/sparql")))
    if summary.previous:
        graph.add((release, PROV.wasRevisionOf, URIRef(f"{base_iri}release/{summary.previous}")))
        graph.add((release, DCAT3_PREVIOUS, URIRef(f"{base_iri}release/{summary.previous}")))
    for name in dump_names:
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        if suffix not in DCAT_MEDIA_TYPES:
            continue
        distribution = URIRef(f"{local}/dumps/{name}")
        graph.add((release, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.downloadURL, distribution))
        graph.add((distribution, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{DCAT_MEDIA_TYPES[suffix]}")))
    return graph


class PastReleases:
    """Views of kept releases other than the current one, opened on first use; at most OPEN_PAST_RELEASES at once."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, ReleaseView] = OrderedDict()
        self._lock = asyncio.Lock()
        self._closing: set[asyncio.Task[None]] = set()

    async def view(self, state: Any, release_id: str) -> ReleaseView:
        """Return the view of release `release_id` (404 unless kept); the current release shares the app's workers."""
        folder = kept_release_folder(state.data.release_dir, release_id)
        if folder == state.data.release_dir.resolve():
            return ReleaseView(release_id, state.data, state.pool, state.settings, state.templates, state.assets, state.cache, True, state.texts)
        async with self._lock:
            view = self._open.get(release_id)
            if view is None:
                view = await asyncio.to_thread(self._open_view, state, folder)
                self._open[release_id] = view
                while len(self._open) > OPEN_PAST_RELEASES:
                    _, evicted = self._open.popitem(last=False)
                    self._retire(evicted, state.settings.query_timeout_s + 5)
            self._open.move_to_end(release_id)
            return view

    @staticmethod
    def _open_view(state: Any, folder: Path) -> ReleaseView:
        manifest = read_store_manifest(folder)
        if manifest is None:
            raise ProtocolError(410, "gone", f"release {folder.name} has no on-disk store (built by an older version); its dumps are still at /release/{folder.name}/dumps/")
        data = open_release_store(folder, manifest)
        settings = state.settings
        # A past release is read now and then: one warm worker, a second while every slot of the first is taken.
        pool = QueryPool(data.opener(), 1, 2, settings.worker_memory_mb, network=False, query_memory_mb=settings.query_memory_mb,
                         queries_per_worker=settings.queries_per_worker)
        log.warning("opened kept release %s (%d quads) for /release/%s/", folder.name, data.quad_count, folder.name)
        return ReleaseView(folder.name, data, pool, settings, state.templates, state.assets, AnswerCache(min(settings.cache_entries, 256), 16 * 1024 * 1024), False)

    def _retire(self, view: ReleaseView, delay_s: float) -> None:
        async def close_later() -> None:
            await asyncio.sleep(delay_s)  # past every deadline of a query already sent to it
            await asyncio.to_thread(view.pool.close)

        task = asyncio.get_running_loop().create_task(close_later())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def close(self) -> None:
        """Stop the workers of every open past release."""
        for view in self._open.values():
            view.pool.close()
        self._open.clear()
