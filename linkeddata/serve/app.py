"""create_app(settings, data) -> FastAPI: routes and wiring only."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.requests import ClientDisconnect

from linkeddata import __version__
from linkeddata.formats import RDF_BY_KEY, RDF_FORMATS
from linkeddata.namespaces import dataset_prefixes
from linkeddata.network import KIND_COLOURS, STANCE_COLOURS, STANCE_NAMES, network_table
from linkeddata.release.files import DESCRIPTION_FILE, ONTOLOGY_FILE, STORE_DIR
from linkeddata.serve.changes import atom_feed, kept_releases
from linkeddata.serve.citations import bibtex, release_citation, release_csl
from linkeddata.serve.data import ServedData
from linkeddata.serve.engine import QueryFailed
from linkeddata.serve.middleware import HeadAsGet, NegotiatedGZip, RequestHeadLimit, SafeResponseHeaders, UnambiguousFraming
from linkeddata.serve.nanopub_documents import nanopub_routes
from linkeddata.serve.negotiation import negotiate
from linkeddata.serve.network_view import served_network
from linkeddata.serve.page_queries import select_rows
from linkeddata.serve.pages import HTML, PAGE_FORMATS, local_href, negotiated_key, resource_route
from linkeddata.serve.protocol import (
    AnswerCache,
    ProtocolError,
    answer_response,
    build_query_request,
    cache_key,
    check_query,
    choose_format,
    etag_for,
    limit_error,
    media_type_header,
    read_protocol_request,
)
from linkeddata.serve.reconcile import reconcile_routes
from linkeddata.serve.releases import VIEW_KEY as RELEASE_VIEW_KEY
from linkeddata.serve.releases import PastReleases, kept_release_folder, path_prefix, release_description, release_summaries, served
from linkeddata.serve.reload import follows_release, new_pool, watch_release
from linkeddata.serve.service_description import describe_service
from linkeddata.serve.vendor_assets import PACKAGED_FOLDER, VENDOR_ASSETS
from linkeddata.settings import Settings

log = logging.getLogger("linkeddata.serve.server")
PACKAGE = resources.files("linkeddata")
RESOURCE_KINDS = ("actor", "fact", "article", "graph", "position")


SPARQL_GET_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"}, "description": "The SPARQL query."},
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"}, "description": "Result format, overriding Accept."},
]
SPARQL_POST_BODY = {"content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
    "application/sparql-query": {"schema": {"type": "string"}},
}}


class ReleaseFiles(StaticFiles):
    """The files of the release being served (it changes when `build` publishes a new one); its on-disk store is the server's index, not a download."""

    def __init__(self, state: Any) -> None:
        super().__init__(directory=state.data.release_dir)
        self.state = state

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path.replace("\\", "/").lstrip("/").split("/", 1)[0] == STORE_DIR:
            return "", None
        self.all_directories = [self.state.data.release_dir]
        return super().lookup_path(path)

    def file_response(self, full_path: Any, stat_result: os.stat_result, scope: Any, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = release_file_type(os.path.basename(str(full_path)))
        if media_type:
            response.headers["content-type"] = media_type
        return response


def release_file_type(name: str) -> str | None:
    """Return the media type of a release file where Python's mimetypes guesses it wrong (None: its guess is right)."""
    if "." not in name or name.endswith((".txt", ".sha256")):
        return "text/plain; charset=utf-8"  # SHA256SUMS and diff.txt are text to read in the browser, not downloads
    if name.endswith(".parquet"):  # unknown to mimetypes, which would make it text/plain
        return "application/vnd.apache.parquet"
    return None


def example_queries() -> list[dict[str, str]]:
    """Return the example queries shipped with the package: the article's questions, each run by a test."""
    folder = PACKAGE.joinpath("queries", "examples")
    examples = []
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".rq"):
            text = item.read_text(encoding="utf-8")
            title = text.splitlines()[0].lstrip("# ").strip()
            examples.append({"name": item.name[:-3], "title": title, "query": text})
    return examples


def wants_html(request: Request) -> bool:
    """Return True when the client prefers an HTML page (a browser) over machine formats."""
    # JSON wins ties, so `Accept: */*` clients (curl, httpx, SPARQL libraries) get the readable JSON error; browsers name text/html.
    return negotiate(request.headers.get("accept"), [], ["application/json", HTML]) == HTML


def error_response(request: Request, error: ProtocolError) -> Response:
    """Return one error shape: JSON for machine clients, the error page for browsers."""
    headers = {"Vary": "Accept", **error.headers}
    if wants_html(request):
        return request.app.state.templates.TemplateResponse(request, "error.html", {"error": error}, status_code=error.status, headers=headers)
    return JSONResponse({"error": error.code, "message": error.message, "status": error.status}, status_code=error.status, headers=headers)


async def protocol_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProtocolError)
    return error_response(request, error)


async def query_failed_handler(request: Request, error: Exception) -> Response:
    """A query of the endpoint or of a page that could not be answered: 422/503 with the reason, never a 500."""
    assert isinstance(error, QueryFailed)
    return error_response(request, limit_error(error, request.app.state.settings))


async def sparql_endpoint(request: Request) -> Response:
    """The SPARQL 1.1 Protocol: GET and POST (form or direct), read-only, bounded, negotiated."""
    state = served(request)
    settings: Settings = state.settings
    protocol = await read_protocol_request(request, settings)
    if protocol.query is None:
        if request.method == "POST":
            raise ProtocolError(400, "missing_query", "the request carries no 'query' parameter")
        return service_page(request)
    shape = check_query(protocol.query, settings, state.data.graph_names, protocol, state.data.base_iri)
    formats = choose_format(shape, protocol, request.headers.get("accept"))
    key = cache_key(protocol.query, protocol, formats, state.data.union_default_graph)
    cached = state.cache.get(key)
    if cached is not None:
        return await answer_response(cached, request, state.cache)
    query_request = build_query_request(protocol.query, protocol, formats, settings, state.data.union_default_graph, dataset_prefixes(state.data.base_iri), shape,
                                        state.data.base_iri)
    answer = await state.pool.run(query_request, settings.query_timeout_s)
    etag = await etag_for(state.data.digest, answer.body)
    return await answer_response(state.cache.put(key, answer, etag), request, state.cache)


def service_page(request: Request) -> Response:
    """GET /sparql with no query: the query editor for browsers, the Service Description for everyone else."""
    state = served(request)
    prefix = path_prefix(state)
    chosen = negotiate(request.headers.get("accept"), PAGE_FORMATS, [HTML])
    if chosen == HTML:
        return state.templates.TemplateResponse(request, "sparql.html", {"examples": example_queries(), "yasgui": state.assets.get("yasgui"), "path_prefix": prefix,
                                                                        "release_id": getattr(state, "release_id", "") if prefix else ""},
                                                headers={"Vary": "Accept"})
    key = negotiate(request.headers.get("accept"), RDF_FORMATS)
    if key is None:
        raise ProtocolError(406, "not_acceptable", "no acceptable media type for the service description")
    # From configuration, never from Host or X-Forwarded-Host: a forged header would otherwise name another
    # server as the endpoint, and a shared cache would hand that answer to everyone.
    endpoint = f"{state.settings.public_url}{prefix.lstrip('/') + '/' if prefix else ''}sparql"
    graph = describe_service(endpoint, state.data.base_iri, state.data.graph_names, state.settings, state.data.union_default_graph)
    return Response(graph.serialize(format=RDF_BY_KEY[key].rdflib, encoding="utf-8"), headers={"Content-Type": media_type_header(key), "Vary": "Accept"})


async def home_page(request: Request) -> Response:
    """The home page: what this dataset is, counts, example queries and dumps."""
    state = request.app.state
    counts = await select_rows(state.pool, "counts", None, state.data.union_default_graph, state.settings.query_timeout_s)
    dumps = sorted(path.name for path in state.data.release_dir.iterdir() if path.is_file()) if state.data.release_dir else []
    return state.templates.TemplateResponse(request, "home.html", {
        "counts": counts[0] if counts else {}, "examples": example_queries(), "dumps": dumps, "quads": state.data.quad_count,
        "base_iri": state.data.base_iri, "assets": state.assets, "network_rows": network_table(await served_network(state)),
    })


def release_file(request: Request, name: str) -> Path:
    """Return a file of the served release, or raise 404 (there is none when serving plain files)."""
    release_dir = served(request).data.release_dir
    if release_dir is None or not (release_dir / name).is_file():
        raise ProtocolError(404, "not_found", f"{name} is only published with a release built by `linkeddata build`")
    return release_dir / name


def release_turtle_as(request: Request, name: str, key: str) -> Response:
    """Return a Turtle file of the release in the RDF format `key` (Turtle as written, others converted by Oxigraph)."""
    data = release_file(request, name).read_bytes()
    body = data if key == "turtle" else ox.serialize(ox.parse(data, ox.RdfFormat.TURTLE), format=RDF_BY_KEY[key].oxigraph)
    return Response(body, headers={"Content-Type": media_type_header(key), "Vary": "Accept"})


async def ontology_document(request: Request) -> Response:
    """The ontology at its namespace IRI: HTML documentation for browsers, Turtle or JSON-LD for machines."""
    suffix = request.path_params.get("suffix", "")
    key = {"": None, ".html": HTML, ".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".rdf": "rdfxml"}.get(suffix, "missing")
    if key == "missing":
        raise ProtocolError(404, "not_found", "no such ontology document")
    key = key or negotiated_key(request)
    if key == HTML:
        return await ontology_page(request)
    return release_turtle_as(request, ONTOLOGY_FILE, key)


ONTOLOGY_KINDS = {"class": "Classes", "object property": "Object properties", "datatype property": "Datatype properties",
                  "annotation property": "Annotation properties", "concept scheme": "Concept schemes", "concept": "Concepts"}


async def ontology_page(request: Request) -> Response:
    """The ontology's own page, with the site's header: its title and IRI, then its terms by kind, each with its label and definition."""
    state = request.app.state
    iri = state.data.base_iri + "ontology"
    rows = await select_rows(state.pool, "ontology", iri, state.data.union_default_graph, state.settings.query_timeout_s)
    ontology = next((row for row in rows if row["kind"] == "ontology"), None)
    if ontology is None:
        raise ProtocolError(404, "not_found", "the ontology is only published with a release built by `linkeddata build`")
    terms: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["kind"] != "ontology":
            terms.setdefault(row["term"], row)  # a concept that is also a class is listed once, under the first kind
    groups = [(heading, [term for term in terms.values() if term["kind"] == kind]) for kind, heading in ONTOLOGY_KINDS.items()]
    pylode = state.data.release_dir is not None and (state.data.release_dir / "ontology.html").is_file()
    return state.templates.TemplateResponse(request, "ontology.html", {"ontology": ontology, "iri": iri, "groups": [group for group in groups if group[1]],
                                                                       "pylode": pylode}, headers={"Vary": "Accept"})


async def void_description(request: Request) -> Response:
    """/.well-known/void: the VoID description of the dataset (RFC 5785, VoID section 7)."""
    return release_turtle_as(request, DESCRIPTION_FILE, negotiate(request.headers.get("accept"), PAGE_FORMATS) or "turtle")


async def archived_text_route(request: Request) -> Response:
    """The verbatim archived text of an article, as evidence selectors point at it: text/plain, or for a browser a page
    that highlights the quote an RFC 5147 `#char=start,end` fragment names (`.txt` always gives the plain text)."""
    article_id = request.path_params["article_id"]
    plain = article_id.endswith(".txt")
    article_id = article_id.removesuffix(".txt")
    if not article_id.replace("_", "").replace("-", "").isalnum():
        raise ProtocolError(404, "not_found", "no such archived text")
    path = release_file(request, f"articles/{article_id}.txt")
    if not plain and wants_html(request):
        return served(request).templates.TemplateResponse(request, "archived_text.html", {"article_id": article_id, "text": path.read_text(encoding="utf-8")},
                                                            headers={"Vary": "Accept"})
    return FileResponse(path, media_type="text/plain; charset=utf-8", headers={"Vary": "Accept"})


async def dumps_index(request: Request) -> Response:
    """A listing of the release files under /dumps/."""
    release_dir = request.app.state.data.release_dir
    names = sorted(p.name for p in release_dir.iterdir() if p.is_file()) if release_dir else []
    return request.app.state.templates.TemplateResponse(request, "dumps.html", {"dumps": names})


async def network_data(request: Request) -> Response:
    """The alliance network as nodes (with their deterministic places) and edges, from the same SPARQL query as the release's network.svg."""
    return JSONResponse(await served_network(request.app.state), headers={"Cache-Control": "public, max-age=300"})


async def api_docs(request: Request) -> Response:
    """The OpenAPI documentation in Swagger UI, every file served from here (no request leaves the server)."""
    if "swagger-ui" not in request.app.state.assets:
        return PlainTextResponse("Swagger UI is not installed (run `npm ci` in the project folder); the OpenAPI document is at /openapi.json.")
    vendor = "/static/vendor/swagger-ui"
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="linkeddata API", swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
                               swagger_css_url=f"{vendor}/swagger-ui.css", swagger_favicon_url="/favicon.ico",
                               swagger_ui_parameters={"validatorUrl": None})
    # FastAPI's page names no language; a screen reader needs one (WCAG 3.1.1).
    return HTMLResponse(bytes(page.body).decode("utf-8").replace("<html>", '<html lang="en">', 1))


async def favicon(request: Request) -> Response:
    """The site's icon (browsers ask for /favicon.ico whatever the page says)."""
    return FileResponse(str(PACKAGE.joinpath("static", "favicon.svg")), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


async def changes_feed(request: Request) -> Response:
    """/changes (Atom by default, .atom, .json): the facts each kept release added, changed, withdrew and removed."""
    suffix = request.path_params.get("suffix", "")
    data = request.app.state.data
    if suffix not in ("", ".atom", ".json") or data.release_dir is None:
        raise ProtocolError(404, "not_found", "the change feed is served with a release built by `linkeddata build`")
    releases = await asyncio.to_thread(kept_releases, data.release_dir)
    if suffix == ".json" or (suffix == "" and negotiate(request.headers.get("accept"), [], ["application/atom+xml", "application/json"]) == "application/json"):
        return JSONResponse({"releases": [changes.to_json(data.base_iri) for changes in releases]}, headers={"Vary": "Accept"})
    feed = atom_feed(releases, data.base_iri, f"{request.app.state.settings.public_url}changes.atom")
    return Response(feed, media_type="application/atom+xml; charset=utf-8", headers={"Vary": "Accept"})


async def releases_index(request: Request) -> Response:
    """/releases/ (HTML, or JSON by negotiation or as /releases.json): every kept release, newest first."""
    suffix = request.path_params.get("suffix", "")
    data = request.app.state.data
    if suffix not in ("", "/", ".json") or data.release_dir is None:
        raise ProtocolError(404, "not_found", "releases are served with a release built by `linkeddata build`")
    summaries = await asyncio.to_thread(release_summaries, data.release_dir)
    if suffix == ".json" or negotiate(request.headers.get("accept"), [], ["application/json", HTML]) == "application/json":
        return JSONResponse({"releases": [summary.to_json(data.base_iri, request.app.state.settings.public_url) for summary in summaries]}, headers={"Vary": "Accept"})
    return request.app.state.templates.TemplateResponse(request, "releases.html", {"releases": summaries}, headers={"Vary": "Accept"})


RELEASE_DOCUMENTS = {"": None, ".html": HTML, ".json": "json", ".bib": "bibtex", ".csl.json": "csl", **{fmt.suffix: fmt.key for fmt in PAGE_FORMATS}}


async def release_document(request: Request) -> Response:
    """/release/<id>: a kept release as a DCAT dataset version (HTML page, JSON, or RDF by negotiation or suffix)."""
    state = request.app.state
    name = request.path_params["release_id"]
    release_id, dot, suffix = name.partition(".")
    if (dot + suffix) not in RELEASE_DOCUMENTS:
        raise ProtocolError(404, "not_found", "no such release document")
    folder = kept_release_folder(state.data.release_dir, release_id)
    summaries = await asyncio.to_thread(release_summaries, state.data.release_dir)
    summary = next((item for item in summaries if item.release_id == release_id), None)
    if summary is None:
        raise ProtocolError(404, "not_found", f"no kept release {release_id!r}")
    key = RELEASE_DOCUMENTS[dot + suffix] or negotiate(request.headers.get("accept"), PAGE_FORMATS, [HTML])
    if key is None:
        raise ProtocolError(406, "not_acceptable", "a release is offered as HTML, JSON or RDF")
    if key == "json":
        return JSONResponse(summary.to_json(state.data.base_iri, state.settings.public_url))
    if key in ("bibtex", "csl"):
        citation = release_csl(release_id, state.data.base_iri, release_citation(folder))
        if key == "bibtex":
            return Response(bibtex(citation), media_type="application/x-bibtex; charset=utf-8")
        return Response(json.dumps([citation], ensure_ascii=False, indent=1, sort_keys=True), media_type="application/vnd.citationstyles.csl+json")
    dumps = sorted(path.name for path in folder.iterdir() if path.is_file())
    if key == HTML:
        return state.templates.TemplateResponse(request, "release.html", {"release": summary, "dumps": dumps, "path_prefix": f"/release/{release_id}",
                                                                         "alternates": [(fmt.media_type, f"/release/{release_id}{fmt.suffix}") for fmt in PAGE_FORMATS]},
                                                headers={"Vary": "Accept"})
    graph = release_description(summary, state.data.base_iri, state.settings.public_url, dumps)
    return Response(graph.serialize(format=RDF_BY_KEY[key].rdflib, encoding="utf-8"), headers={"Content-Type": media_type_header(key), "Vary": "Accept"})


async def in_release(request: Request, handler: Any) -> Response:
    """Answer a request under /release/<id>/ with `handler`, as of that release."""
    state = request.app.state
    request.scope[RELEASE_VIEW_KEY] = await state.past_releases.view(state, request.path_params["release_id"])
    return await handler(request)


async def release_sparql(request: Request) -> Response:
    """/release/<id>/sparql: the SPARQL endpoint, answering from that release's own store."""
    return await in_release(request, sparql_endpoint)


async def release_text(request: Request) -> Response:
    """/release/<id>/text/<article>: an archived text as that release kept it."""
    return await in_release(request, archived_text_route)


async def release_resource(request: Request) -> Response:
    """/release/<id>/fact/…, /actor/… and the other pages, as that release published them."""
    if request.path_params["kind"] not in RESOURCE_KINDS:
        raise ProtocolError(404, "not_found", "no such resource in this release")
    return await in_release(request, resource_route)


async def release_dump(request: Request) -> Response:
    """/release/<id>/dumps/<file>: a file of a kept release (its on-disk store is the server's index, not a download)."""
    folder = kept_release_folder(request.app.state.data.release_dir, request.path_params["release_id"])
    name = request.path_params["name"]
    if name in ("", "/"):
        names = sorted(path.name for path in folder.iterdir() if path.is_file())
        return request.app.state.templates.TemplateResponse(request, "dumps.html", {"dumps": names, "path_prefix": f"/release/{folder.name}"})
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or parts[0] == STORE_DIR or not (folder / name).is_file():
        raise ProtocolError(404, "not_found", f"release {folder.name} has no file {name!r}")
    return FileResponse(folder / name, media_type=release_file_type(parts[-1]))


async def health(request: Request) -> Response:
    """Liveness and a few counters."""
    state = request.app.state
    return JSONResponse({"status": "ok", "version": __version__, "quads": state.data.quad_count, "pool": state.pool.describe(),
                         "cache": {"entries": len(state.cache), "bytes": state.cache.bytes, "hits": state.cache.hits, "misses": state.cache.misses}})


async def unexpected_error_handler(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path, exc_info=error)
    return error_response(request, ProtocolError(500, "internal_error", "internal server error; it has been logged"))


async def client_gone_handler(request: Request, error: Exception) -> Response:
    # The client closed the connection (or the server did, past --body-timeout-s) before its body arrived:
    # nobody is left to answer, and a traceback per slow client would let anyone flood the log.
    return Response(status_code=400)


@asynccontextmanager
async def stop_workers_on_shutdown(app: FastAPI) -> AsyncIterator[None]:
    watcher = asyncio.get_running_loop().create_task(watch_release(app)) if follows_release(app) else None
    yield
    if watcher is not None:
        watcher.cancel()
    for pool in [*app.state.retired_pools, app.state.pool]:
        pool.close()
    app.state.past_releases.close()


def vendor_assets(settings: Settings) -> dict[str, Path]:
    """Return the front-end libraries by name: bundled in the package when it was built, else the project's npm install."""
    found = {}
    for name, (folder, files) in VENDOR_ASSETS.items():
        packaged = Path(str(PACKAGE.joinpath("serve", PACKAGED_FOLDER, name)))
        installed = settings.project_dir.resolve() / "node_modules" / folder
        for candidate in (packaged, installed):
            if all((candidate / file_name).is_file() for file_name in files):
                found[name] = candidate
                break
    return found


def create_app(settings: Settings, data: ServedData, release_link: Path | None = None) -> FastAPI:
    """Return the application serving `data`: SPARQL endpoint, pages, dumps. Starts the query workers.

    With `release_link` (the `dist` link `build` swaps), the app follows it and serves each new release it points to.
    """
    # The default /docs and /redoc pages load Swagger UI and ReDoc from a CDN; /docs is served from local files instead.
    app = FastAPI(title="linkeddata", version=__version__, description="Evidence-backed linked data: SPARQL 1.1 endpoint, pages and dumps.",
                  lifespan=stop_workers_on_shutdown, docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=str(PACKAGE.joinpath("templates")))
    templates.env.globals["local_href"] = lambda iri: local_href(iri, data.base_iri)
    templates.env.globals["version"] = __version__
    templates.env.globals["network_legend"] = {"stances": [(key, STANCE_NAMES[key], colour) for key, colour in STANCE_COLOURS.items()],
                                               "kinds": list(KIND_COLOURS.items())}
    app.state.settings = settings
    app.state.data = data
    app.state.templates = templates
    app.state.cache = AnswerCache(settings.cache_entries, settings.cache_bytes)
    app.state.texts = {}
    app.state.assets = vendor_assets(settings)
    app.state.pool = new_pool(settings, data)
    app.state.retired_pools = []
    app.state.past_releases = PastReleases()
    app.state.network = None
    app.state.release_link = release_link
    app.add_exception_handler(ProtocolError, protocol_error_handler)
    app.add_exception_handler(QueryFailed, query_failed_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.add_exception_handler(ClientDisconnect, client_gone_handler)
    app.add_middleware(NegotiatedGZip, minimum_size=1024)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"], allow_headers=["*"], expose_headers=["ETag", "X-Result-Rows"])
    app.add_middleware(SafeResponseHeaders)
    app.add_middleware(HeadAsGet)  # outside gzip, so a HEAD gets the GET's Content-Encoding and Content-Length
    app.add_middleware(RequestHeadLimit, limit=settings.max_header_bytes)
    app.add_middleware(UnambiguousFraming)  # added last, so it runs first
    app.add_api_route("/sparql", sparql_endpoint, methods=["GET"], name="sparql_endpoint", operation_id="sparql_query_get",
                      summary="SPARQL 1.1 query by GET (no query: the service description)", openapi_extra={"parameters": SPARQL_GET_PARAMETERS})
    app.add_api_route("/sparql", sparql_endpoint, methods=["POST"], name="sparql_endpoint_post", operation_id="sparql_query_post",
                      summary="SPARQL 1.1 query by POST (form or application/sparql-query); updates are refused", openapi_extra={"requestBody": SPARQL_POST_BODY})
    app.add_api_route("/", home_page, methods=["GET"], response_class=HTMLResponse, summary="Home page")
    app.add_api_route("/health", health, methods=["GET"], summary="Health and counters")
    app.add_api_route("/changes{suffix:path}", changes_feed, methods=["GET"], summary="Facts added, changed, withdrawn and removed per kept release (Atom, JSON)")
    app.add_api_route("/docs", api_docs, methods=["GET"], include_in_schema=False)
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    app.add_api_route("/network.json", network_data, methods=["GET"], summary="The alliance network (nodes and edges)")
    app.add_api_route("/.well-known/void", void_description, methods=["GET"], summary="VoID description")
    app.add_api_route("/ontology{suffix:path}", ontology_document, methods=["GET"], summary="The ontology (HTML, Turtle, JSON-LD)")
    app.add_api_route("/text/{article_id}", archived_text_route, methods=["GET"], response_class=PlainTextResponse, summary="Archived article text")
    app.add_api_route("/dumps/", dumps_index, methods=["GET"], response_class=HTMLResponse, summary="Release files")
    if data.release_dir is not None:
        app.mount("/dumps", ReleaseFiles(app.state), name="dumps")
    app.mount("/static/site", StaticFiles(directory=str(PACKAGE.joinpath("static"))), name="static")
    for name, folder in app.state.assets.items():
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=folder), name=f"vendor-{name}")
    # Issue 18: the reconciliation service, and facts as nanopublications (before the page route, to which it hands every non-TriG request).
    app.include_router(reconcile_routes())
    app.include_router(nanopub_routes())
    # Issue 19: every kept release at its own IRI, with its endpoint, pages and files as it published them.
    app.add_api_route("/releases{suffix:path}", releases_index, methods=["GET"], summary="Every kept release (HTML, JSON)")
    app.add_api_route("/release/{release_id}/sparql", release_sparql, methods=["GET", "POST"], summary="SPARQL 1.1 query as of one kept release")
    app.add_api_route("/release/{release_id}/dumps/{name:path}", release_dump, methods=["GET"], summary="A file of one kept release")
    app.add_api_route("/release/{release_id}/text/{article_id}", release_text, methods=["GET"], summary="An archived text as one kept release kept it")
    app.add_api_route("/release/{release_id}/{kind}/{rest:path}", release_resource, methods=["GET"], summary="A resource's page as one kept release published it")
    app.add_api_route("/release/{release_id}", release_document, methods=["GET"], summary="A kept release (HTML, JSON, RDF)")
    for prefix in RESOURCE_KINDS:
        app.add_api_route(f"/{prefix}/{{rest:path}}", resource_route, methods=["GET"], summary=f"{prefix} resources (303 to documents)", name=f"{prefix}_resource")
    app.add_api_route("/dataset{suffix:path}", resource_route, methods=["GET"], summary="The dataset description", name="dataset_resource")
    return app


