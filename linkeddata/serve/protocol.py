"""The SPARQL 1.1 Protocol at /sparql: read the request, refuse updates and outbound calls, bound the run, pick the format."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin

from fastapi import Request
from fastapi.responses import Response

from linkeddata.formats import RDF_FORMATS, RESULTS_FORMATS
from linkeddata.serve.engine import QueryAnswer, QueryFailed, QueryRejected, QueryRequest
from linkeddata.serve.guard import MalformedQuery, QueryShape, inspect_query
from linkeddata.serve.negotiation import accepts_coding, format_by_name, negotiate
from linkeddata.serve.workers import EngineError, QueryTimeout, WorkerDied
from linkeddata.settings import Settings

FORM_CONTENT = "application/x-www-form-urlencoded"
QUERY_CONTENT = "application/sparql-query"
UPDATE_CONTENT = "application/sparql-update"
MEDIA_TYPES = {fmt.key: fmt.media_type for fmt in (*RESULTS_FORMATS, *RDF_FORMATS)}


class ProtocolError(Exception):
    """A request the endpoint refuses; carries the HTTP status, a short code and a readable message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class ProtocolRequest:
    """The SPARQL protocol parameters of one HTTP request."""

    query: str | None
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    format_name: str | None


def _decode_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("ascii", errors="strict") if raw.isascii() else raw.decode("utf-8"),
                         keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, "bad_encoding", f"the {where} is not valid UTF-8 (SPARQL protocol parameters must be UTF-8)") from None


def _charset_of(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


async def read_body(request: Request, limit: int) -> bytes:
    """Return the request body, refusing (413) one larger than `limit` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, "body_too_large", f"request body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(413, "body_too_large", f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_protocol_request(request: Request, settings: Settings) -> ProtocolRequest:
    """Return the protocol parameters of a GET or POST; raises ProtocolError for every malformed request."""
    pairs = _decode_pairs(request.scope.get("query_string", b""), "query string")
    body_query: str | None = None
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        media_type = content_type.split(";")[0].strip().lower()
        charset = _charset_of(content_type)
        if charset not in (None, "utf-8", "utf8"):
            raise ProtocolError(400, "bad_charset", f"charset {charset!r} is not supported; send UTF-8")
        if media_type == UPDATE_CONTENT:
            raise ProtocolError(403, "update_refused", "this endpoint is read-only: SPARQL Update is not accepted")
        body = await read_body(request, settings.max_body_bytes)
        if media_type == FORM_CONTENT:
            pairs += _decode_pairs(body, "form body")
        elif media_type == QUERY_CONTENT:
            try:
                body_query = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "bad_encoding", "the query body is not valid UTF-8") from None
        else:
            raise ProtocolError(400, "bad_content_type", f"POST a query as {QUERY_CONTENT} or {FORM_CONTENT}, not {media_type or 'no content type'!r}")
    names = [name for name, _ in pairs]
    if "update" in names:
        raise ProtocolError(403, "update_refused", "this endpoint is read-only: SPARQL Update is not accepted")
    queries = [value for name, value in pairs if name == "query"]
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise ProtocolError(400, "repeated_query", "the request carries more than one query; send exactly one")
    formats = [value for name, value in pairs if name in ("format", "output")]
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graph_uris=tuple(value for name, value in pairs if name == "default-graph-uri"),
        named_graph_uris=tuple(value for name, value in pairs if name == "named-graph-uri"),
        format_name=formats[-1] if formats else None,
    )


def check_query(text: str, settings: Settings, graph_names: frozenset[str], protocol: ProtocolRequest, base_iri: str = "") -> QueryShape:
    """Return the query's shape, raising ProtocolError for what this endpoint refuses before evaluation.

    Relative IRIs resolve against `base_iri`, the service's base (SPARQL 1.1 Protocol §2.3 lets a service define it).
    """
    size = len(text.encode("utf-8"))
    if size > settings.max_query_bytes:
        raise ProtocolError(413, "query_too_long", f"query of {size} bytes exceeds the limit of {settings.max_query_bytes} bytes")
    try:
        shape = inspect_query(text)
    except MalformedQuery as why:
        raise ProtocolError(400, "malformed_query", f"malformed query: {why}") from None
    if shape.is_update:
        # SPARQL 1.1 Protocol: an update sent as a query is a malformed query (the `update` parameter and body type get 403).
        raise ProtocolError(400, "malformed_query", "malformed query: this is a SPARQL Update, and this endpoint is read-only: it answers queries only")
    if shape.max_depth > settings.max_nesting_depth:
        raise ProtocolError(400, "query_too_deep", f"query nests groups {shape.max_depth} levels deep; the limit is {settings.max_nesting_depth}")
    complexity = shape.too_complex()
    if complexity:
        raise ProtocolError(400, "query_too_complex", f"{complexity} (the engine would overflow its stack)")
    if shape.service_unresolved:
        raise ProtocolError(403, "service_refused", "SERVICE with a variable or undeclared endpoint (or run together with other keywords) is not allowed: "
                            "federation is limited to an allow-list of endpoint IRIs")
    for iri in shape.service_iris:
        if iri not in settings.federation_allow_list:
            raise ProtocolError(403, "service_refused", f"SERVICE <{iri}> is refused: this endpoint makes no outbound requests except to its allow-list")
    if shape.dataset_unresolved:
        raise ProtocolError(400, "unknown_graph", "FROM or FROM NAMED must name a graph of this dataset by IRI or declared prefixed name")
    for iri in (*(urljoin(base_iri, iri) for iri in (*shape.from_iris, *shape.from_named_iris)), *protocol.default_graph_uris, *protocol.named_graph_uris):
        if iri not in graph_names:
            raise ProtocolError(400, "unknown_graph", f"graph <{iri}> is not in this dataset; remote graphs are never fetched")
    return shape


def choose_format(shape: QueryShape, protocol: ProtocolRequest, accept: str | None) -> tuple[str, str]:
    """Return (results format key, graph format key) for the query, raising ProtocolError 406 if none is acceptable."""
    if shape.form is None:
        # Not a query at all: say so before any content negotiation (a 406 would hide the real mistake).
        raise ProtocolError(400, "malformed_query", "malformed query: it does not start with SELECT, CONSTRUCT, DESCRIBE or ASK (after BASE and PREFIX)")
    graph_form = shape.form in ("CONSTRUCT", "DESCRIBE")
    candidates = RDF_FORMATS if graph_form else RESULTS_FORMATS
    if protocol.format_name:
        chosen = format_by_name(protocol.format_name, candidates)
        if chosen is None:
            raise ProtocolError(406, "not_acceptable", f"format {protocol.format_name!r} is not available for a {shape.form or 'query'} result; "
                                f"choose one of {', '.join(f.key for f in candidates)}")
    else:
        chosen = negotiate(accept, candidates)
        if chosen is None:
            offered = ", ".join(f.media_type for f in candidates)
            raise ProtocolError(406, "not_acceptable", f"no acceptable media type for a {shape.form or 'query'} result; this endpoint offers {offered}")
    return ("json", chosen) if graph_form else (chosen, "turtle")


# Hashing and compressing bodies above this size run in a thread: the event loop keeps serving other clients meanwhile.
OFF_LOOP_BYTES = 64 * 1024


@dataclass(slots=True)
class CachedAnswer:
    """A serialized answer with its ETag, and its gzip form once a client has asked for it."""

    answer: QueryAnswer
    etag: str
    gzipped: bytes | None = None
    kept: bool = False  # held by the cache, so compressed once for many clients rather than once for one

    @property
    def size(self) -> int:
        return len(self.answer.body) + len(self.gzipped or b"")

    @property
    def gzip_etag(self) -> str:
        """The ETag of the gzip-coded body: a different representation needs a different strong validator (RFC 9110 §8.8.3)."""
        return self.etag[:-1] + '-gzip"'

    async def compressed(self) -> bytes:
        """Return the body gzip-compressed, compressing it only the first time (off the event loop when large).

        An answer the cache keeps is compressed at level 5 once for every later client; one it does not
        keep (cache off, or too large) at level 1, which costs half the CPU for bodies about 15 % larger
        (measured on the benchmark's CONSTRUCT and SELECT answers): that CPU is taken from the queries.
        """
        if self.gzipped is None:
            body = self.answer.body
            level = 5 if self.kept else 1
            if len(body) >= OFF_LOOP_BYTES:
                self.gzipped = await asyncio.to_thread(gzip.compress, body, level, mtime=0)
            else:
                self.gzipped = gzip.compress(body, compresslevel=level, mtime=0)
        return self.gzipped


class AnswerCache:
    """A LRU of serialized answers bounded in entries and in bytes; safe because a served release never changes while it is served."""

    def __init__(self, entries: int, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.largest_entry = max_bytes // 16
        self._items: OrderedDict[tuple[object, ...], CachedAnswer] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[object, ...]) -> CachedAnswer | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return item

    def put(self, key: tuple[object, ...], answer: QueryAnswer, etag: str) -> CachedAnswer:
        item = CachedAnswer(answer, etag)
        if self.entries <= 0 or item.size > self.largest_entry:
            return item
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self._items[key] = item
        item.kept = True
        self.bytes += item.size
        self._evict()
        return item

    def grew(self, item: CachedAnswer, added: int) -> None:
        """Account for bytes an entry gained after it was cached (its gzip form)."""
        if any(cached is item for cached in self._items.values()):
            self.bytes += added
            self._evict()

    def _evict(self) -> None:
        while self._items and (len(self._items) > self.entries or self.bytes > self.max_bytes):
            _, evicted = self._items.popitem(last=False)
            self.bytes -= evicted.size


def media_type_header(key: str) -> str:
    """Return the Content-Type for a format key: the exact media type, with charset for text types."""
    media_type = MEDIA_TYPES[key]
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


async def answer_response(cached: CachedAnswer, request: Request, cache: AnswerCache | None = None) -> Response:
    """Return the HTTP response for an answer, or 304 when the client already holds it.

    Bodies are compressed here, once per cached answer, rather than by the gzip middleware on
    every request: recompressing a 2.5 MB answer costs ten times more than sending it. gzip is
    sent only when Accept-Encoding accepts it by q-value, under its own ETag.
    """
    answer = cached.answer
    use_gzip = len(answer.body) >= 1024 and accepts_coding(request.headers.get("accept-encoding"), "gzip")
    etag = cached.gzip_etag if use_gzip else cached.etag
    headers = {"ETag": etag, "Vary": "Accept, Accept-Encoding", "Cache-Control": "public, max-age=300", "X-Result-Rows": str(answer.rows)}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    headers["Content-Type"] = media_type_header(answer.format_key)
    if use_gzip:
        before = cached.size
        body = await cached.compressed()
        if cache is not None and cached.size != before:
            cache.grew(cached, cached.size - before)
        return Response(body, headers={**headers, "Content-Encoding": "gzip"})
    return Response(answer.body, headers=headers)


def limit_error(error: QueryFailed, settings: Settings) -> ProtocolError:
    """Return the protocol error for a query stopped by a limit or a failing worker."""
    if isinstance(error, QueryTimeout):
        return ProtocolError(422, "query_timeout", f"query stopped after the time limit of {settings.query_timeout_s:g} s; no partial result is sent")
    if isinstance(error, QueryRejected):
        return ProtocolError(422, error.reason, error.message)
    if isinstance(error, WorkerDied):
        if error.reason:
            return ProtocolError(503, "worker_died", f"the query worker stopped before answering: {error.reason}", {"Retry-After": "1"})
        return ProtocolError(503, "worker_died", "the query worker stopped before answering; the query was not answered, and the next one will be", {"Retry-After": "1"})
    assert isinstance(error, EngineError)
    if error.kind == "memory":
        return ProtocolError(422, "memory_limit", f"query stopped: {error.message}; narrow the query")
    if error.kind == "syntax":
        return ProtocolError(400, "malformed_query", f"malformed query: {error.message}")
    if error.kind == "network":
        return ProtocolError(403, "service_refused", "the query tried to reach the network; this endpoint makes no outbound requests except to its allow-list")
    if "SERVICE" in error.message.upper() or "http" in error.message.lower():
        # The engine's message may quote what the remote side sent back; a client never gets to read another service through us.
        return ProtocolError(502, "service_failed", "query failed: a SERVICE call to an allowed endpoint did not answer with SPARQL results")
    return ProtocolError(500, "engine_error", f"query failed: {error.message}")


def cache_key(text: str, protocol: ProtocolRequest, formats: tuple[str, str], union: bool) -> tuple[object, ...]:
    """Return the key an answer is cached under: query, dataset and format."""
    return (text, protocol.default_graph_uris, protocol.named_graph_uris, formats, union)


def _etag(digest: str, body: bytes) -> str:
    return '"' + hashlib.sha256(digest.encode() + body).hexdigest()[:32] + '"'


async def etag_for(digest: str, body: bytes) -> str:
    """Return a strong ETag for a body served from one dataset (hashed off the event loop when large)."""
    if len(body) >= OFF_LOOP_BYTES:
        return await asyncio.to_thread(_etag, digest, body)
    return _etag(digest, body)


def build_query_request(text: str, protocol: ProtocolRequest, formats: tuple[str, str], settings: Settings, union: bool, prefixes: dict[str, str],
                        shape: QueryShape | None = None, base_iri: str | None = None) -> QueryRequest:
    """Return the worker request for a checked query.

    The dataset follows SPARQL 1.1 Protocol 2.1.4: default-graph-uri and named-graph-uri, when
    given, are the whole dataset (an absent one is empty) and override FROM / FROM NAMED; else a
    query's FROM / FROM NAMED pick its dataset; else the served default (the union of all graphs
    for a release).
    """
    protocol_dataset = bool(protocol.default_graph_uris or protocol.named_graph_uris)
    query_dataset = shape is not None and bool(shape.from_iris or shape.from_named_iris)
    return QueryRequest(
        query=text,
        results_format=formats[0],
        graph_format=formats[1],
        default_graphs=protocol.default_graph_uris if protocol_dataset else None,
        named_graphs=protocol.named_graph_uris if protocol_dataset else None,
        # The engine ignores FROM when told to use the union as default graph, so a query naming its dataset turns the union off.
        union_default_graph=union and not query_dataset,
        max_rows=settings.max_result_rows,
        max_bytes=settings.max_answer_bytes,
        prefixes=prefixes,
        base_iri=base_iri,
    )
