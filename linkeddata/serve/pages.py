"""Linked-data pages: a request path -> its IRI -> its description, as HTML (with embedded JSON-LD) or RDF by negotiation."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from linkeddata.formats import RDF_FORMATS
from linkeddata.namespaces import PREFIXES, dataset_prefixes
from linkeddata.network import network_table
from linkeddata.serve.changes import kept_releases
from linkeddata.serve.citations import fact_bibtex, fact_csl, release_citation
from linkeddata.serve.negotiation import negotiate
from linkeddata.serve.network_view import served_network
from linkeddata.serve.page_queries import describe, fact_rows, select_rows
from linkeddata.serve.protocol import ProtocolError, media_type_header
from linkeddata.serve.quote_links import char_fragment, text_fragment
from linkeddata.serve.releases import ReleaseView, path_prefix, release_id_of, served

HTML = "text/html"
CITATION_SUFFIXES = (".bib", ".csl.json")  # a fact's citation, beside its RDF documents
RELEASE_SCOPED = ("/actor/", "/fact/", "/article/", "/graph/", "/position/", "/text/")  # what /release/<id>/ serves as of that release
DOCUMENT_SUFFIXES = {".html": HTML, **{fmt.suffix: fmt.key for fmt in RDF_FORMATS if fmt.key in ("turtle", "jsonld", "ntriples", "rdfxml")}}
SUFFIX_OF = {value: suffix for suffix, value in DOCUMENT_SUFFIXES.items()}
PAGE_FORMATS = [fmt for fmt in RDF_FORMATS if fmt.key in SUFFIX_OF]
THING_PATH = re.compile(r"^(actor|fact|article|graph|position)/[A-Za-z0-9_\-./]+$|^dataset(/[A-Za-z0-9_\-]+)?$")
SENTENCE_END = re.compile(r"[.!?][”\"’']?\s+|\n")


@dataclass(frozen=True, slots=True)
class Thing:
    """A resource of the dataset named by a request path."""

    path: str
    iri: str


def thing_for_path(path: str, base_iri: str) -> Thing | None:
    """Return the dataset resource a request path names, or None if the path names none.

    The path is decoded once and must stay inside the dataset's IRI space: no '..', no
    empty segment, no characters an IRI cannot hold. This is the one place paths become IRIs.
    """
    decoded = unquote(path).lstrip("/")
    if not THING_PATH.match(decoded) or ".." in decoded or "//" in decoded or decoded.endswith("/"):
        return None
    return Thing(decoded, f"{base_iri}{decoded}")


def local_href(iri: str, base_iri: str) -> str:
    """Return the link a page uses for an IRI: a server-relative path inside the dataset, the IRI itself outside."""
    if iri.startswith(base_iri):
        return "/" + quote(iri[len(base_iri):], safe="/#:-_.~")
    return iri


def page_href(state: Any, iri: str) -> str:
    """Return a page's link for an IRI: inside a release's view (/release/<id>/…) links stay in that release."""
    href = local_href(iri, state.data.base_iri)
    return path_prefix(state) + href if href.startswith(RELEASE_SCOPED) else href


def split_document_suffix(path: str) -> tuple[str, str | None]:
    """Return (path without its document suffix, the format the suffix names or None)."""
    for suffix, key in DOCUMENT_SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], key
    return path, None


def sentence_around(text: str, start: int, end: int) -> tuple[str, str, str]:
    """Return (before, quote, after) where before/after complete the sentence(s) the quote lies in."""
    sentence_start = 0
    for match in SENTENCE_END.finditer(text, 0, start):
        sentence_start = match.end()
    following = SENTENCE_END.search(text, end)
    sentence_end = following.start() + 1 if following else len(text)
    if following and text[following.start()] == "\n":
        sentence_end = following.start()
    return text[sentence_start:start], text[start:end], text[end:sentence_end]


def negotiated_key(request: Request) -> str:
    """Return the document format a client asks for, HTML for browsers; raises 406 if none is acceptable."""
    chosen = negotiate(request.headers.get("accept"), PAGE_FORMATS, [HTML])
    if chosen is None:
        offered = ", ".join([HTML, *(fmt.media_type for fmt in PAGE_FORMATS)])
        raise ProtocolError(406, "not_acceptable", f"no acceptable media type; this resource is offered as {offered}")
    return chosen


def see_other(request: Request, thing_path: str) -> Response:
    """Answer a thing's IRI with 303 See Other to the document that describes it (httpRange-14)."""
    key = negotiated_key(request)
    prefix = path_prefix(served(request))
    return RedirectResponse(f"{prefix}/{quote(thing_path, safe='/-_.~')}{SUFFIX_OF[key]}", status_code=303, headers={"Vary": "Accept"})


async def require_described(request: Request, iri: str) -> None:
    """Raise 404 unless the dataset describes `iri`: a 303 would claim a document exists for a thing it knows nothing about."""
    state = served(request)
    answer = await describe(state.pool, iri, "ntriples", state.data.union_default_graph, state.settings.query_timeout_s, {})
    if answer.rows == 0:
        raise ProtocolError(404, "not_found", f"<{iri}> is not described in this dataset")


async def rdf_document(request: Request, iri: str, key: str) -> Response:
    """Return the description of an IRI as an RDF document; 404 if the dataset says nothing about it."""
    state = served(request)
    answer = await describe(state.pool, iri, key, state.data.union_default_graph, state.settings.query_timeout_s, dataset_prefixes(state.data.base_iri))
    if answer.rows == 0:
        raise ProtocolError(404, "not_found", f"<{iri}> is not described in this dataset")
    return Response(answer.body, headers={"Content-Type": media_type_header(key), "Vary": "Accept"})


async def jsonld_of(request: Request, iri: str) -> Any:
    """Return the description of an IRI as parsed JSON-LD, for embedding in its HTML page."""
    state = served(request)
    answer = await describe(state.pool, iri, "jsonld", state.data.union_default_graph, state.settings.query_timeout_s, {})
    nodes = json.loads(answer.body) if answer.rows else []
    # Sorted by @id: each worker's store lists nodes in its own order, and a page should be the same bytes whichever worker answered.
    return sorted(nodes, key=lambda node: str(node.get("@id", ""))) if isinstance(nodes, list) else nodes


async def archived_text(request: Request, archive_iri: str) -> str | None:
    """Return an article's archived text, read once and kept (a served release never changes)."""
    state = served(request)
    texts: dict[str, str | None] = state.texts
    if archive_iri not in texts:
        rows = await select_rows(state.pool, "texts", archive_iri, state.data.union_default_graph, state.settings.query_timeout_s)
        texts[archive_iri] = rows[0]["text"] if rows else None
    return texts[archive_iri]


async def fact_views(request: Request, iri: str) -> list[dict[str, Any]]:
    """Return the stance facts that mention an IRI, each with its quote set in its sentence."""
    state = served(request)
    # Through a SPARQL backend facts.rq runs in parts (see page_queries.FACT_PARTS); the embedded store takes it whole, faster.
    rows = await fact_rows(state.pool, iri, state.data.union_default_graph, state.settings.query_timeout_s, in_parts=bool(state.data.backend))
    seen, views = set(), []
    for row in rows:
        if row["fact"] in seen:
            continue
        seen.add(row["fact"])
        text = await archived_text(request, row["archive"])
        if text is not None and text[row["start"]:row["end"]] == row["exact"]:
            before, exact, after = sentence_around(text, row["start"], row["end"])
        else:
            before, exact, after = row["prefix"], row["exact"], row["suffix"]
        negated = row["polarity"].endswith("#Negated")
        href = {name: page_href(state, row[name]) for name in ("fact", "holder", "target", "article", "archive", "speaker") if name in row}
        occurrences = text.count(row["exact"]) if text is not None else 1
        links = {"original": row["url"] + text_fragment(row["exact"], row["prefix"], row["suffix"], occurrences) if row.get("url") else None,
                 "archived": href["archive"] + char_fragment(row["start"], row["end"]) if "archive" in href else None}
        views.append({**row, "before": before, "quote": exact, "after": after, "negated": negated, "href": href, "quote_links": links})
    return views


def plural(count: int, noun: str) -> str:
    """Return '1 report' or '3 reports'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def position_counts(row: dict[str, Any]) -> dict[str, Any]:
    """Return a position's counts: those the build wrote, else the ones the page query counted over its reports."""
    def pick(stored: str, counted: str) -> Any:
        return row[stored] if stored in row else row.get(counted, 0)

    return {"reports": int(pick("reportCount", "countedReports")), "articles": int(pick("articleCount", "countedArticles")),
            "outlets": int(pick("publisherCount", "countedOutlets")), "speakers": int(pick("speakerCount", "countedSpeakers")),
            "first": str(pick("firstDate", "countedFirst") or ""), "last": str(pick("lastDate", "countedLast") or "")}


def position_summary(counts: dict[str, Any]) -> str:
    """Return 'stated in 3 reports in 2 articles by 2 outlets' (counts of what was reported, never of what was not)."""
    text = f"stated in {plural(counts['reports'], 'report')}"
    if counts["articles"] > 1:
        text += f" in {plural(counts['articles'], 'article')}"
    return text + f" by {plural(counts['outlets'], 'outlet')}"


async def position_views(request: Request, iri: str) -> dict[str, dict[str, Any]]:
    """Return the positions about an IRI by their IRI, each with its sentence ('China supports Serbia'), counts and link."""
    state = served(request)
    rows = await select_rows(state.pool, "positions", iri, state.data.union_default_graph, state.settings.query_timeout_s)
    views = {}
    for row in rows:
        counts = position_counts(row)
        phrase = row.get("phrase") or f"{row.get('stanceKey', 'stance')} ({'negated' if row['polarity'].endswith('#Negated') else 'affirmed'})"
        views[row["position"]] = {**row, "counts": counts, "summary": position_summary(counts), "sentence": f"{row['holderLabel']} {phrase} {row['targetLabel']}",
                                  "negated": row["polarity"].endswith("#Negated"), "href": page_href(state, row["position"]),
                                  "holder_href": page_href(state, row["holder"]), "target_href": page_href(state, row["target"])}
    return views


def _by_position(facts: list[dict[str, Any]], positions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    blocks: dict[str, dict[str, Any]] = {}
    for fact in facts:
        key = fact.get("position", fact["fact"])
        blocks.setdefault(key, {"position": positions.get(key), "facts": []})["facts"].append(fact)
    return sorted(blocks.values(), key=lambda block: (block["position"] or {}).get("sentence", block["facts"][0]["factLabel"]))


def group_facts(views: list[dict[str, Any]], positions: dict[str, dict[str, Any]], iri: str, kind: str) -> list[dict[str, Any]]:
    """Return the page's sections of facts: an actor's by position (its own, then towards it, then as speaker or source); otherwise one list."""
    if kind != "actor":
        heading = {"fact": "The stance and its evidence", "article": "Stances in this article", "position": "Every report of this position"}.get(kind, "Stances")
        return [{"id": "facts", "heading": heading, "blocks": [{"position": None, "facts": views}]}] if views else []
    sections = [
        ("its-stances", "Its stances", [v for v in views if v["holder"] == iri], True),
        ("towards-it", "Stances towards it", [v for v in views if v["target"] == iri and v["holder"] != iri], True),
        ("as-speaker", "Stances it stated as speaker", [v for v in views if v.get("speaker") == iri and iri not in (v["holder"], v["target"])], False),
        ("as-source", "Stances it reported", [v for v in views if v.get("source") == iri and iri not in (v["holder"], v["target"])], False),
    ]
    return [{"id": key, "heading": heading, "blocks": _by_position(facts, positions) if grouped else [{"position": None, "facts": facts}]}
            for key, heading, facts, grouped in sections if facts]


async def resource_summary(request: Request, iri: str) -> dict[str, Any]:
    """Return label, types and Wikidata links of an IRI; raises 404 if the dataset says nothing about it."""
    state = served(request)
    rows = await select_rows(state.pool, "resource", iri, state.data.union_default_graph, state.settings.query_timeout_s)
    if not rows:
        raise ProtocolError(404, "not_found", f"<{iri}> is not described in this dataset")
    labels = sorted({row["label"] for row in rows if "label" in row}) or sorted({row["title"] for row in rows if "title" in row})
    types = sorted({(row["type"], term_name(row["type"], row.get("typeLabel"))) for row in rows if "type" in row})
    same_as = sorted({row["sameAs"] for row in rows if "sameAs" in row})
    return {"label": labels[0] if labels else iri.rsplit("/", 1)[-1], "types": types, "same_as": same_as}


# Names a reader knows for the vocabulary's most common terms that carry no rdfs:label in the served data.
PROPERTY_NAMES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type", "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2002/07/owl#sameAs": "same as", "http://www.w3.org/ns/prov#wasDerivedFrom": "derived from",
    "http://www.w3.org/ns/prov#wasAttributedTo": "attributed to", "http://www.w3.org/2004/02/skos/core#editorialNote": "curator's note",
    "https://schema.org/headline": "headline", "https://schema.org/url": "URL", "https://schema.org/publisher": "publisher",
    "https://schema.org/datePublished": "published", "https://schema.org/inLanguage": "language", "https://schema.org/text": "text",
    "http://purl.org/dc/terms/title": "title", "http://purl.org/dc/terms/description": "description", "http://purl.org/dc/terms/license": "licence",
}


def term_name(iri: str, label: str | None = None) -> str:
    """Return the name a reader sees for a vocabulary term: its label, a known name, else its prefixed name (ld:holder)."""
    if label:
        return label
    if iri in PROPERTY_NAMES:
        return PROPERTY_NAMES[iri]
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"Wikidata {iri[len(namespace):]}" if prefix == "wd" else f"{prefix}:{iri[len(namespace):]}"
    return iri


async def property_table(request: Request, iri: str) -> list[dict[str, Any]]:
    """Return every property of an IRI, named for a reader: the property's label and the value's label (or its quote, for evidence)."""
    state = served(request)
    base = state.data.base_iri
    rows = await select_rows(state.pool, "triples", iri, state.data.union_default_graph, state.settings.query_timeout_s)
    table, seen = [], set()
    for row in rows:
        if (row["p"], row["o"]) in seen:
            continue
        seen.add((row["p"], row["o"]))
        value = str(row["o"])
        is_iri = value.startswith(("http://", "https://"))
        label = row.get("oLabel") or (f"the quote “{row['oQuote']}”" if row.get("oQuote") else None)
        if is_iri and label is None and not value.startswith(base):
            label = term_name(value) if term_name(value) != value else None
        table.append({"p": row["p"], "name": term_name(row["p"], row.get("pLabel")), "o": value, "label": label,
                      "href": page_href(state, value) if is_iri else None})
    return table


def article_info(properties: list[dict[str, Any]], base_iri: str) -> dict[str, str]:
    """Return an article's headline, publisher, date and URL from its statements, for the article page's header."""
    names = {"https://schema.org/headline": "headline", "https://schema.org/publisher": "publisher",
             "https://schema.org/datePublished": "published", "https://schema.org/url": "url", "https://schema.org/inLanguage": "language"}
    info = {names[row["p"]]: row["o"] for row in properties if row["p"] in names}
    snapshot = next((row for row in properties if row["p"] == "https://schema.org/archivedAt" and not row["o"].startswith(base_iri)), None)
    if snapshot is not None:  # a web archive's copy of the original page, which outlives it
        info.update(snapshot=snapshot["o"], snapshot_label=snapshot["label"] or "Web archive snapshot")
    return info


async def fact_history(release_dir: Path, fact_path: str) -> list[dict[str, str]]:
    """Return what the kept releases did to one fact (added, changed, withdrawn, removed), oldest first."""
    releases = await asyncio.to_thread(kept_releases, release_dir)
    return [{"kind": kind, "release": changes.release, "updated": changes.updated}
            for changes in reversed(releases) for kind in ("added", "changed", "withdrawn", "removed") if fact_path in getattr(changes, kind)]


async def html_document(request: Request, thing: Thing) -> Response:
    """Return the HTML page of a resource, with its description embedded as JSON-LD."""
    state = served(request)
    kind = thing.path.split("/", 1)[0]
    summary = await resource_summary(request, thing.iri)
    views = await fact_views(request, thing.iri)
    positions = await position_views(request, thing.iri)
    for view in views:
        view["position_view"] = positions.get(view.get("position", ""))
    properties = await property_table(request, thing.iri)
    context = {
        "request": request, "iri": thing.iri, "summary": summary, "path": thing.path,
        "sections": group_facts(views, positions, thing.iri, kind), "facts": views,
        "position": positions.get(thing.iri) if kind == "position" else None,
        "article": article_info(properties, state.data.base_iri) if kind == "article" else None,
        "properties": properties,
        "jsonld": await jsonld_of(request, thing.iri),
        "alternates": [(fmt.media_type, f"{path_prefix(state)}/{thing.path}{fmt.suffix}") for fmt in PAGE_FORMATS],
        "kind": kind,
        "network_rows": network_table(await served_network(state), thing.iri) if kind == "actor" else [],
        "history": await fact_history(state.data.release_dir, thing.path) if kind == "fact" and state.data.release_dir else [],
        "assets": state.assets,
        "base_iri": state.data.base_iri,
        # Inside /release/<id>/ every link stays in that release, and the page says which release it shows.
        "local_href": lambda target: page_href(state, target),
        "path_prefix": path_prefix(state),
        "release": release_banner(state, thing.path),
        "citation": fact_citation(state, thing, views) if kind == "fact" else None,
    }
    return state.templates.TemplateResponse(request, "resource.html", context, headers={"Vary": "Accept"})


def fact_citation(state: Any, thing: Thing, views: list[dict[str, Any]]) -> dict[str, str] | None:
    """Return how to cite a fact page's fact in the release it is read in: its BibTeX, and where both formats are."""
    fact = next((view for view in views if view["fact"] == thing.iri), None)
    release_id = release_id_of(state.data.release_dir)
    if fact is None or not release_id:
        return None
    stem = f"/release/{release_id}/{thing.path}"
    return {"bibtex": fact_bibtex(fact, thing.path, release_id, state.data.base_iri, release_citation(state.data.release_dir)),
            "bib_href": f"{stem}.bib", "csl_href": f"{stem}.csl.json"}


async def citation_document(request: Request, thing: Thing, suffix: str) -> Response:
    """Return a fact's citation (BibTeX or CSL-JSON) in the release the request reads."""
    state = served(request)
    views = [view for view in await fact_views(request, thing.iri) if view["fact"] == thing.iri]
    release_id = release_id_of(state.data.release_dir)
    if not views or not release_id:
        raise ProtocolError(404, "not_found", f"<{thing.iri}> is not a fact of this release")
    release = release_citation(state.data.release_dir)
    if suffix == ".bib":
        return Response(fact_bibtex(views[0], thing.path, release_id, state.data.base_iri, release), media_type="application/x-bibtex; charset=utf-8")
    return Response(json.dumps([fact_csl(views[0], thing.path, release_id, state.data.base_iri, release)], ensure_ascii=False, indent=1, sort_keys=True),
                    media_type="application/vnd.citationstyles.csl+json")


def release_banner(state: Any, thing_path: str) -> dict[str, Any] | None:
    """Return what a page under /release/<id>/ says about the release it shows, with a link to the same page today."""
    if not isinstance(state, ReleaseView):
        return None
    return {"id": state.release_id, "current": state.current, "href": f"{state.path_prefix}", "today": f"/{quote(thing_path, safe='/-_.~')}"}


async def resource_route(request: Request) -> Response:
    """GET a dataset IRI (303 to its document) or one of its documents (by suffix)."""
    state = served(request)
    raw_path = request.url.path.removeprefix(path_prefix(state)).lstrip("/")
    citation = next((suffix for suffix in CITATION_SUFFIXES if raw_path.startswith("fact/") and raw_path.endswith(suffix)), None)
    if citation is not None:
        thing = thing_for_path(raw_path.removesuffix(citation), state.data.base_iri)
        if thing is None:
            raise ProtocolError(404, "not_found", "no such fact in this dataset")
        return await citation_document(request, thing, citation)
    path, key = split_document_suffix(raw_path)
    thing = thing_for_path(path, state.data.base_iri)
    if thing is None:
        raise ProtocolError(404, "not_found", "no such resource in this dataset")
    if key is None:
        negotiated_key(request)  # a 406 needs no query
        await require_described(request, thing.iri)
        return see_other(request, thing.path)
    if key == HTML:
        return await html_document(request, thing)
    return await rdf_document(request, thing.iri, key)
