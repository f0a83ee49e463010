"""Evaluates one SPARQL query on Oxigraph and serializes its answer, within a row and byte budget.

Runs inside a query worker process (see workers.py), never in the server's event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from linkeddata.formats import RDF_BY_KEY, RESULTS_FORMATS

RESULTS_BY_KEY = {fmt.key: fmt for fmt in RESULTS_FORMATS}


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """Everything a worker needs to answer one query; plain data, so it crosses a pipe."""

    query: str
    results_format: str = "json"
    graph_format: str = "turtle"
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = False
    substitutions: dict[str, str] = field(default_factory=dict)
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    prefixes: dict[str, str] = field(default_factory=dict)
    base_iri: str | None = None


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """A serialized answer: its kind ('solutions', 'boolean' or 'graph'), format key, body and row count."""

    kind: str
    format_key: str
    body: bytes
    rows: int


class QueryFailed(Exception):
    """Base of every way a query can fail to be answered: pages and the endpoint catch this one name."""


class QueryRejected(QueryFailed):
    """The query cannot be answered as asked; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class BudgetExceeded(Exception):
    """Raised inside serialization to stop evaluation as soon as the budget is spent."""


class CountingSink:
    """A binary writer for Oxigraph's serializers that counts lines and stops past a budget."""

    def __init__(self, max_lines: int, max_bytes: int) -> None:
        self.chunks: list[bytes] = []
        self.lines = 0
        self.size = 0
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.exceeded: str | None = None

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.lines += data.count(b"\n")
        self.size += len(data)
        if self.lines > self.max_lines:
            self.exceeded = "rows"
            raise BudgetExceeded
        if self.size > self.max_bytes:
            self.exceeded = "bytes"
            raise BudgetExceeded
        return len(data)

    def flush(self) -> None:
        return None

    def value(self) -> bytes:
        return b"".join(self.chunks)


def _bounded(serialize: object, sink: CountingSink, what: str, request: QueryRequest) -> bytes:
    try:
        serialize(sink)  # type: ignore[operator]
    except Exception:
        if sink.exceeded == "rows":
            raise QueryRejected("row_limit", f"the {what} has more than {request.max_rows} rows, the limit; add LIMIT or narrow the query") from None
        if sink.exceeded == "bytes":
            raise QueryRejected("size_limit", f"the {what} is larger than {request.max_bytes} bytes, the limit; add LIMIT or narrow the query") from None
        raise
    return sink.value()


def _graph_argument(iris: tuple[str, ...] | None) -> list[ox.NamedNode] | None:
    """Return the engine's graph list: None keeps the store's own, an empty tuple means an empty graph set."""
    if iris is None:
        return None
    return [ox.NamedNode(iri) for iri in iris]


def evaluate(store: ox.Store, request: QueryRequest) -> QueryAnswer:
    """Return the serialized answer to one query; raises QueryRejected or SyntaxError for the client's mistakes."""
    substitutions = {ox.Variable(name): ox.NamedNode(iri) for name, iri in request.substitutions.items()}
    result = store.query(
        request.query,
        base_iri=request.base_iri,
        use_default_graph_as_union=request.union_default_graph and request.default_graphs is None,
        default_graph=_graph_argument(request.default_graphs),
        named_graphs=_graph_argument(request.named_graphs),
        substitutions=substitutions or None,
    )
    if isinstance(result, ox.QueryBoolean):
        fmt = RESULTS_BY_KEY[request.results_format]
        return QueryAnswer("boolean", fmt.key, result.serialize(format=fmt.oxigraph), 1)
    if isinstance(result, ox.QuerySolutions):
        # TSV puts one solution per line, so counting lines counts rows while the engine streams.
        sink = CountingSink(request.max_rows + 1, request.max_bytes)
        tsv = _bounded(lambda out: result.serialize(out, ox.QueryResultsFormat.TSV), sink, "result", request)
        rows = max(sink.lines - 1, 0)
        fmt = RESULTS_BY_KEY[request.results_format]
        if fmt.key == "tsv":
            return QueryAnswer("solutions", fmt.key, tsv, rows)
        return QueryAnswer("solutions", fmt.key, _within_budget(_convert_solutions(tsv, fmt.oxigraph, request), request), rows)
    # N-Triples puts one triple per line, so the same counting bounds CONSTRUCT and DESCRIBE.
    sink = CountingSink(request.max_rows, request.max_bytes)
    triples_text = _bounded(lambda out: result.serialize(out, ox.RdfFormat.N_TRIPLES), sink, "graph", request)
    fmt = RDF_BY_KEY[request.graph_format]
    if fmt.key == "ntriples":
        return QueryAnswer("graph", fmt.key, triples_text, sink.lines)
    statements = list(ox.parse(triples_text, ox.RdfFormat.N_TRIPLES))
    if fmt.holds_quads:
        statements = [ox.Quad(t.subject, t.predicate, t.object) for t in statements]
    prefixes = request.prefixes if fmt.key in ("turtle", "trig", "rdfxml") else None
    return QueryAnswer("graph", fmt.key, _within_budget(ox.serialize(statements, format=fmt.oxigraph, prefixes=prefixes or None), request), sink.lines)


def _convert_solutions(tsv: bytes, results_format: ox.QueryResultsFormat, request: QueryRequest) -> bytes:
    try:
        return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=results_format)
    except (SyntaxError, OSError, ValueError):
        # The TSV parser has a line buffer far smaller than the byte budget: a single row that large is refused, not crashed on.
        raise QueryRejected("size_limit", f"a result row is too large to convert (the answer limit is {request.max_bytes} bytes); "
                            "ask for text/tab-separated-values or narrow the query") from None


def _within_budget(body: bytes, request: QueryRequest) -> bytes:
    """Return the final body, or refuse it: the requested format can be larger than the TSV or N-Triples that was bounded."""
    if len(body) > request.max_bytes:
        raise QueryRejected("size_limit", f"the answer is larger than {request.max_bytes} bytes, the limit; add LIMIT or narrow the query")
    return body
