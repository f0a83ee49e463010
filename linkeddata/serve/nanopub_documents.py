"""Serves each fact's nanopublication as TriG: /fact/<article>/<key> negotiates application/trig (303 to ….trig); other formats go on to the pages."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from linkeddata.formats import RDF_BY_KEY
from linkeddata.release.files import NANOPUBS_FILE
from linkeddata.serve.negotiation import negotiate
from linkeddata.serve.pages import HTML, PAGE_FORMATS, resource_route, thing_for_path
from linkeddata.serve.protocol import ProtocolError

HEAD_LINE = re.compile(rb"^<[^>]*/np/RA[A-Za-z0-9_-]{43}#Head> \{$")
INTRODUCES = re.compile(rb"npx:introduces <([^>]+)>")


@dataclass(frozen=True, slots=True)
class NanopubIndex:
    """Where each fact's nanopublication lies in nanopubs.trig: the prefix lines, then byte ranges by fact IRI."""

    path: Path
    header: bytes
    ranges: dict[str, tuple[int, int]]


def index_nanopubs(path: Path) -> NanopubIndex:
    """Return the byte range of every nanopublication in nanopubs.trig (as `build` writes it: prefixes, then one block per fact)."""
    header, ranges, offset = b"", {}, 0
    start, fact = -1, None
    with path.open("rb") as handle:
        for line in handle:
            if HEAD_LINE.match(line.rstrip(b"\n")):
                if start >= 0 and fact:
                    ranges[fact] = (start, offset)
                start, fact = offset, None
            elif start < 0 and line.startswith(b"@prefix "):
                header += line
            elif start >= 0 and fact is None and (found := INTRODUCES.search(line)):
                fact = found.group(1).decode("utf-8")
            offset += len(line)
    if start >= 0 and fact:
        ranges[fact] = (start, offset)
    return NanopubIndex(path, header, ranges)


async def nanopub_index(request: Request) -> NanopubIndex | None:
    """Return the served release's nanopublication index, built once per release (None without nanopubs.trig)."""
    state = request.app.state
    release_dir = state.data.release_dir
    path = release_dir / NANOPUBS_FILE if release_dir is not None else None
    if path is None or not path.is_file():
        return None
    cached = getattr(state, "nanopub_index", None)
    if cached is None or cached.path != path:
        cached = await asyncio.to_thread(index_nanopubs, path)
        state.nanopub_index = cached
    return cached  # type: ignore[no-any-return]


def _read(index: NanopubIndex, fact: str) -> bytes:
    start, end = index.ranges[fact]
    with index.path.open("rb") as handle:
        handle.seek(start)
        return index.header + b"\n" + handle.read(end - start)


async def fact_route(request: Request) -> Response:
    """GET /fact/…: `.trig` is the fact's nanopublication; Accept: application/trig is 303 to it; anything else is the page route's."""
    path = request.url.path
    trig = RDF_BY_KEY["trig"]
    wants_trig = not path.endswith(trig.suffix) and negotiate(request.headers.get("accept"), [*PAGE_FORMATS, trig], [HTML]) == trig.key
    if not path.endswith(trig.suffix) and not wants_trig:
        return await resource_route(request)
    thing = thing_for_path(path.removesuffix(trig.suffix), request.app.state.data.base_iri)
    fact = thing.iri if thing is not None else None
    index = await nanopub_index(request)
    if index is None or fact not in index.ranges:
        raise ProtocolError(404, "not_found", "no nanopublication for this fact in the served release")
    if wants_trig:
        return RedirectResponse(quote(path, safe="/-_.~") + trig.suffix, status_code=303, headers={"Vary": "Accept"})
    body = await asyncio.to_thread(_read, index, fact)
    return Response(body, headers={"Content-Type": f"{trig.media_type}; charset=utf-8", "Vary": "Accept"})


def nanopub_routes() -> APIRouter:
    """Return the route that answers /fact/… before the page route (it hands every non-TriG request on)."""
    router = APIRouter()
    router.add_api_route("/fact/{rest:path}", fact_route, methods=["GET"], summary="fact resources: pages (303) or, as application/trig, the fact's nanopublication",
                         name="fact_nanopub")
    return router
