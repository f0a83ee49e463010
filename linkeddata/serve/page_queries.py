"""Runs the page queries in `linkeddata/queries/pages/` through the query pool and returns plain rows."""

from __future__ import annotations

import asyncio
import json
from functools import cache
from importlib import resources
from typing import Any

from linkeddata.serve.engine import QueryAnswer, QueryRequest
from linkeddata.serve.workers import QueryPool


@cache
def page_query(name: str) -> str:
    """Return the text of one page query."""
    return resources.files("linkeddata").joinpath("queries", "pages", f"{name}.rq").read_text(encoding="utf-8")


def _value(binding: dict[str, str]) -> Any:
    value = binding["value"]
    if binding.get("datatype") == "http://www.w3.org/2001/XMLSchema#integer":
        return int(value)
    return value


async def select_rows(pool: QueryPool, name: str, this: str | None, union: bool, timeout_s: float) -> list[dict[str, Any]]:
    """Return the rows of a page SELECT with ?this bound to an IRI (by substitution, never by pasting text)."""
    substitutions = {"this": this} if this is not None else {}
    request = QueryRequest(page_query(name), results_format="json", union_default_graph=union, substitutions=substitutions)
    answer = await pool.run(request, timeout_s)
    document = json.loads(answer.body)
    return [{name: _value(binding) for name, binding in row.items()} for row in document["results"]["bindings"]]


# facts.rq in parts, for a SPARQL backend: Virtuoso 7.2's compile time about triples with each pattern on one subject, so
# facts.rq (about 20 on ?fact) runs past any time limit there, while no part has more than four. Each part is (query, whether
# a fact without a row in it is left out, as facts.rq's required patterns leave it out).
FACT_PARTS = (("facts-core", True), ("facts-claim", True), ("facts-quote", True), ("facts-offsets", True),
              ("facts-terms", False), ("facts-details", False), ("facts-article", False))


def join_by_fact(parts: list[tuple[list[dict[str, Any]], bool]]) -> list[dict[str, Any]]:
    """Return one row per ?fact joining the parts' rows (inner join for a required part, left join otherwise), in facts.rq's order."""
    joined: dict[str, dict[str, Any]] | None = None
    for rows, required in parts:
        first: dict[str, dict[str, Any]] = {}
        for row in rows:
            first.setdefault(row["fact"], row)  # as pages keep a fact's first row of facts.rq
        if joined is None:
            joined = first
            continue
        joined = {fact: {**first.get(fact, {}), **row} for fact, row in joined.items() if fact in first or not required}
    return sorted((joined or {}).values(), key=lambda row: (row["article"], row["start"], row["fact"]))


async def fact_rows(pool: QueryPool, this: str, union: bool, timeout_s: float, in_parts: bool) -> list[dict[str, Any]]:
    """Return the stance facts about ?this with everything a page shows: facts.rq's rows, or (in_parts) one row per fact from its parts."""
    if not in_parts:
        return await select_rows(pool, "facts", this, union, timeout_s)
    answers = await asyncio.gather(*(select_rows(pool, name, this, union, timeout_s) for name, _ in FACT_PARTS))
    return join_by_fact([(rows, required) for rows, (_, required) in zip(answers, FACT_PARTS, strict=True)])


async def describe(pool: QueryPool, this: str, graph_format: str, union: bool, timeout_s: float, prefixes: dict[str, str]) -> QueryAnswer:
    """Return the description document of one IRI in the given RDF format."""
    request = QueryRequest(page_query("describe"), graph_format=graph_format, union_default_graph=union,
                           substitutions={"this": this}, prefixes=prefixes)
    return await pool.run(request, timeout_s)
