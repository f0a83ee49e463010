"""A W3C Reconciliation Service API (version 0.2, the one OpenRefine speaks) over the served actors, at /reconcile.

Names match accent- and case-insensitively against labels, aliases (skos:altLabel) and, when the release has
actors.csv, the curated mentions; `wikidata` is a property, so a column of Q-ids reconciles exactly.
"""

from __future__ import annotations

import asyncio
import csv
import difflib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from linkeddata.namespaces import LD
from linkeddata.serve.engine import QueryRequest
from linkeddata.serve.protocol import ProtocolError, read_body

MAX_BATCH = 100  # queries per request; OpenRefine sends 10 at a time by default
MAX_LIMIT = 50
DEFAULT_LIMIT = 5
WIKIDATA = "http://www.wikidata.org/entity/"
SCORE = {"label": 100.0, "alias": 95.0, "wikidata": 100.0, "mention": 80.0}
SPEC = "https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/"

ACTORS_QUERY = f"""PREFIX ld: <{LD}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?actor ?key ?label ?kind ?kindLabel ?sameAs ?alias WHERE {{
  ?actor a ld:Actor ; schema:identifier ?key ; rdfs:label ?label ; a ?class .
  ?class rdfs:subClassOf ld:Actor ; skos:notation ?kind .
  OPTIONAL {{ ?class rdfs:label ?kindLabel FILTER(LANGMATCHES(LANG(?kindLabel), "en")) }}
  OPTIONAL {{ ?actor owl:sameAs ?sameAs }}
  OPTIONAL {{ ?actor skos:altLabel ?alias }}
}}"""


def normalized(text: str) -> str:
    """Return a name folded for matching: no accents, case-folded, punctuation as spaces, single spaces ("Orbán" -> "orban")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass
class Actor:
    """A served actor, with its names as a reconciliation service matches them."""

    key: str
    iri: str
    label: str
    kind: str
    kind_label: str
    wikidata: str | None = None
    aliases: set[str] = field(default_factory=set)
    mentions: set[str] = field(default_factory=set)

    def names(self) -> list[tuple[str, str]]:
        """Return (how, name) for every name: its label, aliases, then mentions."""
        return [("label", self.label), *(("alias", a) for a in sorted(self.aliases)), *(("mention", m) for m in sorted(self.mentions))]

    def entity(self) -> dict[str, Any]:
        """Return the actor as a reconciliation entity."""
        return {"id": self.key, "name": self.label, "type": [{"id": self.kind, "name": self.kind_label}],
                "description": f"{self.kind_label}" + (f", Wikidata {self.wikidata}" if self.wikidata else "")}


def _mentions(release_dir: Any) -> dict[str, set[str]]:
    """Return the curated mentions per actor key from the release's actors.csv (absent when serving plain files)."""
    path = release_dir / "actors.csv" if release_dir is not None else None
    if path is None or not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: {m for m in row.get("mentions", "").split("|") if m} for row in csv.DictReader(handle)}


async def served_actors(request: Request) -> dict[str, Actor]:
    """Return the served dataset's actors by key, read once per served release through the query pool."""
    state = request.app.state
    cached = getattr(state, "reconcile_actors", None)
    if cached is not None and cached[0] == state.data.digest:
        return cached[1]  # type: ignore[no-any-return]
    query = QueryRequest(ACTORS_QUERY, results_format="json",
                         union_default_graph=state.data.union_default_graph, max_rows=state.settings.max_result_rows)
    answer = await state.pool.run(query, state.settings.query_timeout_s)
    mentions = await asyncio.to_thread(_mentions, state.data.release_dir)
    actors: dict[str, Actor] = {}
    for row in json.loads(answer.body)["results"]["bindings"]:
        key = row["key"]["value"]
        actor = actors.setdefault(key, Actor(key, row["actor"]["value"], row["label"]["value"], row["kind"]["value"],
                                             row.get("kindLabel", row["kind"])["value"], mentions=mentions.get(key, set())))
        same_as = row.get("sameAs", {}).get("value", "")
        if same_as.startswith(WIKIDATA):
            actor.wikidata = same_as[len(WIKIDATA):]
        if "alias" in row:
            actor.aliases.add(row["alias"]["value"])
    state.reconcile_actors = (state.data.digest, actors)
    return actors


def _qid(value: Any) -> str | None:
    """Return the Q-id a property value names: "Q148", a Wikidata entity IRI, or {"id": ...}."""
    if isinstance(value, dict):
        value = value.get("id", value.get("name"))
    if not isinstance(value, str):
        return None
    match = re.search(r"(Q\d+)\s*$", value.strip(), re.IGNORECASE)
    return match.group(1).upper() if match else None


def _types(query: dict[str, Any]) -> set[str]:
    wanted = query.get("type")
    if wanted is None:
        return set()
    return {wanted} if isinstance(wanted, str) else {item for item in wanted if isinstance(item, str)}


def candidates(actors: dict[str, Actor], query: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the scored candidates of one reconciliation query, best first; raises ProtocolError for a malformed query."""
    text = query.get("query", "")
    if not isinstance(text, str):
        raise ProtocolError(400, "bad_query", "a reconciliation query's 'query' must be a string")
    limit = query.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or limit < 1:
        raise ProtocolError(400, "bad_query", "'limit' must be a positive integer")
    properties = query.get("properties", [])
    if not isinstance(properties, list) or not all(isinstance(p, dict) for p in properties):
        raise ProtocolError(400, "bad_query", "'properties' must be a list of {\"pid\": ..., \"v\": ...} objects")
    wanted_ids = {_qid(v) for p in properties if p.get("pid") == "wikidata" for v in (p.get("v") if isinstance(p.get("v"), list) else [p.get("v")])}
    wanted_ids.discard(None)
    types, name = _types(query), normalized(text)
    scored = []
    for actor in actors.values():
        if types and actor.kind not in types:
            continue
        best, how = 0.0, ""
        if actor.wikidata and actor.wikidata in wanted_ids:
            best, how = SCORE["wikidata"], "wikidata"
        for kind, candidate in actor.names():
            folded = normalized(candidate)
            if name and folded == name and SCORE[kind] > best:
                best, how = SCORE[kind], kind
            elif name and best < 60:
                ratio = difflib.SequenceMatcher(None, name, folded).ratio()
                contains = name in folded.split() or (len(name) >= 4 and (name in folded or folded in name))
                fuzzy = round(60 * ratio + (15 if contains else 0), 1)
                if fuzzy >= 45 and fuzzy > best:
                    best, how = fuzzy, "similar"
        if wanted_ids and actor.wikidata not in wanted_ids and best > 0:
            best = round(best * 0.5, 1)  # a Q-id given and different: the name alone is weak evidence
        if best > 0:
            scored.append((best, how, actor))
    scored.sort(key=lambda item: (-item[0], item[2].label))
    results = []
    for score, how, actor in scored[: min(limit, MAX_LIMIT)]:
        exact = how in ("label", "alias", "wikidata")
        unique = sum(1 for other in scored if other[0] >= score) == 1
        results.append({**actor.entity(), "score": score, "match": exact and unique})
    return results


async def read_queries(request: Request) -> dict[str, Any] | None:
    """Return the batch of queries a request carries (form or query parameter `queries`), or None when it carries none."""
    raw = request.query_params.get("queries")
    if request.method == "POST":
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_body(request, request.app.state.settings.max_body_bytes)
        if media_type == "application/x-www-form-urlencoded":
            try:
                form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict"))
            except (UnicodeDecodeError, ValueError):
                raise ProtocolError(400, "bad_encoding", "the form body is not valid UTF-8") from None
            raw = form.get("queries", raw)
        elif body:
            raise ProtocolError(400, "bad_content_type", "POST the batch as an application/x-www-form-urlencoded form field 'queries'")
    if raw is None:
        return None
    try:
        batch = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ProtocolError(400, "bad_queries", f"'queries' is not JSON: {error.msg} at character {error.pos}") from None
    if not isinstance(batch, dict) or not all(isinstance(v, dict) for v in batch.values()):
        raise ProtocolError(400, "bad_queries", "'queries' must be a JSON object of query objects, e.g. {\"q0\": {\"query\": \"Serbia\"}}")
    if not batch:
        raise ProtocolError(400, "empty_batch", "'queries' holds no query")
    if len(batch) > MAX_BATCH:
        raise ProtocolError(400, "batch_too_large", f"'queries' holds {len(batch)} queries; at most {MAX_BATCH} per request")
    return batch


def manifest(request: Request, actors: dict[str, Actor]) -> dict[str, Any]:
    """Return the service manifest (reconciliation API 0.2 §3)."""
    state = request.app.state
    public, base = state.settings.public_url, state.data.base_iri
    service = f"{public}reconcile"
    kinds = sorted({(actor.kind, actor.kind_label) for actor in actors.values()})
    return {
        "versions": ["0.2"], "name": "Alliance stances: actors", "identifierSpace": f"{base}actor/",
        "schemaSpace": str(LD),
        "documentation": f"{public}docs",
        "defaultTypes": [{"id": kind, "name": label} for kind, label in kinds],
        "view": {"url": f"{public}actor/{{{{id}}}}"},
        "preview": {"url": f"{service}/preview?id={{{{id}}}}", "width": 400, "height": 120},
        "suggest": {"entity": {"service_url": service, "service_path": "/suggest/entity"},
                    "type": {"service_url": service, "service_path": "/suggest/type"},
                    "property": {"service_url": service, "service_path": "/suggest/property"}},
    }


PROPERTIES = [{"id": "wikidata", "name": "Wikidata Q-id", "description": "The actor's Wikidata entity (owl:sameAs), e.g. Q403"}]


async def reconcile(request: Request) -> Response:
    """GET without queries: the manifest; GET or POST with `queries`: one result list per query, by the query's key."""
    actors = await served_actors(request)
    batch = await read_queries(request)
    if batch is None:
        if request.method == "POST":
            raise ProtocolError(400, "empty_batch", "the request carries no 'queries' parameter")
        return JSONResponse(manifest(request, actors))
    return JSONResponse({key: {"result": candidates(actors, query)} for key, query in batch.items()})


def _prefix_matches(prefix: str, names: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    wanted = normalized(prefix)
    seen, found = set(), []
    for name, item in names:
        folded = normalized(name)
        if item["id"] not in seen and (folded.startswith(wanted) or any(word.startswith(wanted) for word in folded.split())):
            seen.add(item["id"])
            found.append(item)
    return found


async def suggest_entity(request: Request) -> Response:
    """Suggest actors whose label, alias or mention starts with `prefix` (or has a word that does)."""
    actors = await served_actors(request)
    names = [(name, {"id": a.key, "name": a.label, "description": a.entity()["description"]})
             for a in sorted(actors.values(), key=lambda a: a.label) for _, name in a.names()]
    return JSONResponse({"result": _prefix_matches(request.query_params.get("prefix", ""), names)[:DEFAULT_LIMIT * 2]})


async def suggest_type(request: Request) -> Response:
    """Suggest actor kinds (the types of this service)."""
    actors = await served_actors(request)
    kinds = sorted({(a.kind, a.kind_label) for a in actors.values()})
    return JSONResponse({"result": _prefix_matches(request.query_params.get("prefix", ""), [(label, {"id": kind, "name": label}) for kind, label in kinds]
                                                   + [(kind, {"id": kind, "name": label}) for kind, label in kinds])})


async def suggest_property(request: Request) -> Response:
    """Suggest the properties a query may carry (only `wikidata`)."""
    return JSONResponse({"result": _prefix_matches(request.query_params.get("prefix", ""), [(p["name"], p) for p in PROPERTIES] + [(p["id"], p) for p in PROPERTIES])})


async def preview(request: Request) -> Response:
    """A small HTML card of one actor, for OpenRefine's preview pane."""
    actors = await served_actors(request)
    actor = actors.get(request.query_params.get("id", ""))
    if actor is None:
        raise ProtocolError(404, "not_found", "no actor with that id")
    escape = html.escape
    wikidata = f' · <a href="https://www.wikidata.org/wiki/{escape(actor.wikidata)}" target="_blank">{escape(actor.wikidata)}</a>' if actor.wikidata else ""
    aliases = f"<br><small>also: {escape(', '.join(sorted(actor.aliases)))}</small>" if actor.aliases else ""
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(actor.label)}</title></head>'
            f'<body style="font-family:sans-serif;margin:0.5em"><a href="/actor/{escape(actor.key)}" target="_blank"><strong>{escape(actor.label)}</strong></a>'
            f" · {escape(actor.kind_label)}{wikidata}{aliases}</body></html>")
    return HTMLResponse(body)


def reconcile_routes() -> APIRouter:
    """Return the routes of the reconciliation service."""
    router = APIRouter()
    router.add_api_route("/reconcile", reconcile, methods=["GET", "POST"], summary="W3C Reconciliation Service API 0.2: manifest, or a batch of queries")
    router.add_api_route("/reconcile/suggest/entity", suggest_entity, methods=["GET"], summary="Reconciliation: suggest actors")
    router.add_api_route("/reconcile/suggest/type", suggest_type, methods=["GET"], summary="Reconciliation: suggest actor kinds")
    router.add_api_route("/reconcile/suggest/property", suggest_property, methods=["GET"], summary="Reconciliation: suggest properties")
    router.add_api_route("/reconcile/preview", preview, methods=["GET"], response_class=HTMLResponse, summary="Reconciliation: preview an actor")
    return router
