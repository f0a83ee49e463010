"""Runs the page queries in `linkeddata/queries/pages/` through the query pool and returns plain rows."""

from __future__ import annotations

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


async def describe(pool: QueryPool, this: str, graph_format: str, union: bool, timeout_s: float, prefixes: dict[str, str]) -> QueryAnswer:
    """Return the description document of one IRI in the given RDF format."""
    request = QueryRequest(page_query("describe"), graph_format=graph_format, union_default_graph=union,
                           substitutions={"this": this}, prefixes=prefixes)
    return await pool.run(request, timeout_s)
