"""ASGI middleware of the public server: a bound on request heads, and redirects that stay on this server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse


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
