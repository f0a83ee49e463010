"""ASGI middleware of the public server: unambiguous request framing, bounded request heads, HEAD answered as GET,
gzip only when the client accepts it, and redirects that stay on this server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder

from linkeddata.serve.negotiation import accepts_coding


class UnambiguousFraming:
    """Refuses a request that carries both Content-Length and Transfer-Encoding with 400, and closes its connection.

    RFC 9112 §6.3: such a message is a request-smuggling attempt; the server ought to reject it and must close
    the connection afterwards, since the two framings disagree on where the next request begins. h11 lets
    Transfer-Encoding win (after unfolding an obs-folded header) and would read the rest as a second request.
    uvicorn closes the connection once a response says `Connection: close`, so the bytes after the head are
    never parsed.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            names = {name.lower() for name, _ in scope["headers"]}
            if b"content-length" in names and b"transfer-encoding" in names:
                response = JSONResponse({"error": "ambiguous_framing", "status": 400,
                                         "message": "the request carries both Content-Length and Transfer-Encoding; send one of them"},
                                        status_code=400, headers={"Connection": "close"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestHeadLimit:
    """Refuses a request whose head is larger than `limit` bytes: 414 for a long request target, 431 for large headers.

    uvicorn's h11 limit only applies while a head is still incomplete, so a large head that
    arrives in one read passes it; this check sees every request, whole.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b"")) + 1
            head = target + sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if head > self.limit:
                status, code, message = ((414, "uri_too_long", f"request target of {target} bytes exceeds the limit of {self.limit} bytes; POST long queries")
                                         if target > self.limit else
                                         (431, "headers_too_large", f"request head of {head} bytes exceeds the limit of {self.limit} bytes"))
                response = JSONResponse({"error": code, "message": message, "status": status}, status_code=status, headers={"Connection": "close"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def local_location(value: bytes) -> bytes:
    """Return a redirect target as a path on this server (query kept), never a URL another host or a '//' path could take over."""
    parts = urlsplit(value.decode("latin-1"))
    path = "/" + parts.path.replace("\\", "%5C").lstrip("/")
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class SafeResponseHeaders:
    """Rewrites every response head: redirects point at a local path, and browsers are told not to sniff.

    Starlette builds its trailing-slash redirects (/dumps -> /dumps/) as absolute URLs from the
    Host header, which the client controls; a local path is never an open redirect. `nosniff`
    keeps browsers from running a served text or RDF file as script or HTML.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_safe(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if 300 <= message["status"] < 400:
                    headers = [(name, local_location(value) if name.lower() == b"location" else value) for name, value in headers]
                message = {**message, "headers": [*headers, (b"x-content-type-options", b"nosniff")]}
            await send(message)

        await self.app(scope, receive, send_safe)


class BodyNotWanted(Exception):
    """Raised through the application to stop it producing a body that a HEAD request will not send."""


class HeadAsGet:
    """Answers HEAD as GET without the body, so every GET route answers HEAD with the same status and headers.

    RFC 9110 §9.1: a resource that answers GET should answer HEAD. Running the GET keeps the headers
    (Content-Length, Content-Type, ETag, Content-Encoding) exactly those of the GET; once the first body
    chunk comes the application is stopped, so a HEAD of a large dump reads one chunk, not the whole file.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] in ("http.response.body", "http.response.pathsend"):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                raise BodyNotWanted

        try:
            await self.app({**scope, "method": "GET"}, receive, send_head)
        except BodyNotWanted:
            pass


class WeakETagGZipResponder(GZipResponder):
    """Starlette's gzip responder, but a body it compresses gets a weak ETag.

    A strong ETag names one byte sequence (RFC 9110 §8.8.3), and the gzip and identity bodies differ; a weak
    one still lets If-None-Match (a weak comparison) answer 304 for either.
    """

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_weak_etag(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and not self.content_encoding_set:
                headers = MutableHeaders(raw=message["headers"])
                etag = headers.get("etag")
                if headers.get("content-encoding") == "gzip" and etag and not etag.startswith("W/"):
                    headers["etag"] = f"W/{etag}"
            await send(message)

        await super().__call__(scope, receive, send_weak_etag)


class NegotiatedGZip(GZipMiddleware):
    """Starlette's GZipMiddleware, but gzip only when Accept-Encoding accepts it by q-value.

    Starlette tests `"gzip" in accept_encoding`, so `gzip;q=0` (a refusal, RFC 9110 §12.5.3) got gzip
    and `*` did not.
    """

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        if accepts_coding(Headers(scope=scope).get("accept-encoding"), "gzip"):
            responder = WeakETagGZipResponder(self.app, self.minimum_size, compresslevel=self.compresslevel,
                                              thread_minimum_size=self.thread_minimum_size, exclude_content_types=self.exclude_content_types)
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        await responder(scope, receive, send)
