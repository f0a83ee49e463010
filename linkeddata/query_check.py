"""Inspects SPARQL text before any engine sees it: its form, updates, federation, dataset IRIs and nesting depth.

A small lexer, not a parser: it knows where strings, IRIs and comments end, so a
keyword inside a literal or an IRI is never mistaken for one in the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
OPENERS, CLOSERS = "{([", "})]"

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<variable>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-.\u00B7\u00C0-\uFFFF]*(?::[^\s{}()\[\],;"'<>]*)?|:[^\s{}()\[\],;"'<>]*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\].,;*+\-/!=<>|^@a-zA-Z]|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class QueryShape:
    """What the lexer learned about one request's query text."""

    form: str | None
    is_update: bool
    service_iris: tuple[str, ...] = ()
    service_variables: bool = False
    from_iris: tuple[str, ...] = ()
    from_named_iris: tuple[str, ...] = ()
    max_depth: int = 0


def tokenize(text: str) -> list[tuple[str, str]]:
    """Return the (kind, text) tokens of a SPARQL text, without spaces and comments."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            tokens.append((kind, match.group()))
    return tokens


def _depth(tokens: list[tuple[str, str]]) -> int:
    depth = deepest = 0
    for kind, value in tokens:
        if kind == "punct" and value in OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "punct" and value in CLOSERS:
            depth -= 1
    return deepest


def inspect_query(text: str) -> QueryShape:
    """Return the shape of a query text: its form, whether it is an update, and what it reaches for."""
    tokens = tokenize(text)
    keywords = [(index, value.upper()) for index, (kind, value) in enumerate(tokens) if kind == "word" and ":" not in value]
    first = next((word for _, word in keywords if word not in ("BASE", "PREFIX")), None)
    services, from_iris, from_named = [], [], []
    service_variables = False
    for position, word in keywords:
        following = tokens[position + 1 : position + 4]
        if word == "SERVICE":
            target = following[1] if following and following[0][1].upper() == "SILENT" else (following[0] if following else ("", ""))
            if target[0] == "iri":
                services.append(target[1][1:-1])
            else:
                service_variables = True
        elif word == "FROM" and following:
            if following[0][1].upper() == "NAMED" and len(following) > 1 and following[1][0] == "iri":
                from_named.append(following[1][1][1:-1])
            elif following[0][0] == "iri":
                from_iris.append(following[0][1][1:-1])
    return QueryShape(
        form=first if first in QUERY_FORMS else None,
        is_update=first in UPDATE_KEYWORDS,
        service_iris=tuple(services),
        service_variables=service_variables,
        from_iris=tuple(from_iris),
        from_named_iris=tuple(from_named),
        max_depth=_depth(tokens),
    )
