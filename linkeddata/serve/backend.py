"""A stand-in for an Oxigraph store that sends each query to an external SPARQL endpoint (`serve --sparql-backend`).

It answers `query()` like pyoxigraph's Store, so the query workers, limits, pre-checks and pages
stay the same; only the evaluation happens elsewhere. Substituted variables (the pages' ?this)
become a VALUES block opening the query's WHERE group, since a remote endpoint knows no substitutions.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

import httpx
import pyoxigraph as ox

from linkeddata.serve.guard import inspect_query

# One Accept per query form: offered both, Virtuoso answered a CONSTRUCT or DESCRIBE with JSON of its own that
# no SPARQL results parser reads ("Term value must be a string"; q07 and q08 of benchmarks/endpoint.py).
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "application/n-triples"

# What can hide a brace or the word WHERE from a scan of the query text: comments, strings, IRIs (no spaces in an IRIREF).
LEXEME = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|[{}]|(?<![?$\w])WHERE\b', re.IGNORECASE)


def bind_values(query: str, values: str) -> str:
    """Return the query with `values` placed first inside its top-level WHERE group; raises ValueError if it has none.

    Not a trailing VALUES clause: that one is joined after GROUP BY and LIMIT (SPARQL 1.1, 18.2.4.3), so the pages'
    counts per position would be counted over every ?this, and Virtuoso 7.2 refuses it outside SELECT (SP031).
    """
    depth, after_where = 0, False
    for lexeme in LEXEME.finditer(query):
        token = lexeme.group()
        if token.upper() == "WHERE" and depth == 0:
            after_where = True
        elif token == "{":
            if after_where and depth == 0:
                return f"{query[:lexeme.end()]} {values}{query[lexeme.end():]}"
            depth += 1
        elif token == "}":
            depth -= 1
    raise ValueError("a query with substituted variables needs a WHERE group to bind them in")


class RemoteTriples:
    """The triples of a remote CONSTRUCT or DESCRIBE, serializable like pyoxigraph's QueryTriples."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self.triples = triples

    def __iter__(self) -> Any:
        return iter(self.triples)

    def serialize(self, output: BinaryIO, format: ox.RdfFormat) -> None:
        ox.serialize(self.triples, output, format)


class RemoteStore:
    """Sends queries to `endpoint` over the SPARQL 1.1 Protocol (POST form)."""

    def __init__(self, endpoint: str, timeout_s: float) -> None:
        self.endpoint = endpoint
        self.client = httpx.Client(timeout=timeout_s)

    def query(self, query: str, *, base_iri: str | None = None, use_default_graph_as_union: bool = False, default_graph: list[Any] | None = None,
              named_graphs: list[Any] | None = None, substitutions: dict[ox.Variable, Any] | None = None) -> Any:
        """Return the remote answer as pyoxigraph results: QuerySolutions, QueryBoolean or RemoteTriples."""
        if base_iri:
            query = f"BASE <{base_iri}>\n{query}"  # a BASE of the query's own, later in its prologue, still wins
        if substitutions:
            # Each term is a pyoxigraph NamedNode, whose constructor refused any IRI with '>', spaces or braces in it.
            query = bind_values(query, " ".join(f"VALUES ?{variable.value} {{ {term} }}" for variable, term in substitutions.items()))
        data: dict[str, str | list[str]] = {"query": query}
        if default_graph:
            data["default-graph-uri"] = [g.value for g in default_graph if isinstance(g, ox.NamedNode)]
        if named_graphs:
            data["named-graph-uri"] = [g.value for g in named_graphs if isinstance(g, ox.NamedNode)]
        graph_form = inspect_query(query).form in ("CONSTRUCT", "DESCRIBE")
        response = self.client.post(self.endpoint, data=data, headers={"Accept": ACCEPT_GRAPH if graph_form else ACCEPT_RESULTS})
        if response.status_code == 400:
            raise SyntaxError(f"the SPARQL backend refused the query: {response.text[:300]}")
        if response.status_code != 200:
            raise OSError(f"the SPARQL backend answered HTTP {response.status_code}: {response.text[:300]}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type == "application/sparql-results+json":
            return ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
        # Sorted so that each subject's triples are adjacent, as from Oxigraph's store: the JSON-LD serializer makes one node
        # per run of a subject (Virtuoso's order gave a page's embedded JSON-LD a node per triple), and the bytes are stable.
        triples = [quad.triple for quad in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)]
        return RemoteTriples(sorted(triples, key=lambda triple: (str(triple.subject), str(triple.predicate), str(triple.object))))
