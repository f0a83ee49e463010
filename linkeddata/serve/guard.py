"""Inspects SPARQL text before any engine sees it: its form, updates, federation, dataset IRIs and nesting depth.

A small lexer, not a parser: it knows where strings, IRIs and comments end, so a
keyword inside a literal or an IRI is never mistaken for one in the query.

The engine's parser is scannerless: it reads keywords run together (`trueSERVICE`,
`SERVICESILENT`) and ends a comment at a carriage return. So the lexer follows the
SPARQL terminals closely and, where it cannot be sure what the engine will see, it
reports the query as unresolved and the endpoint refuses it. Refusing a strange
query is cheap; letting one reach an unlisted endpoint is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
OPENERS, CLOSERS = "{([", "})]"
PREFIX_OPERATORS = frozenset({"!", "-", "+", "^"})
# Keywords that reach outside the store or pick its dataset: never accepted run together with other words.
GUARDED_KEYWORDS = ("SERVICE", "FROM")
# The engine builds one nested algebra node per group element and per binary operator, and recurses over them:
# 3,000 chained BINDs or 20,000 `1+1+…` overflow a worker's 8 MiB stack (measured on Oxigraph 0.5), with no bracket in sight.
GROUP_ELEMENT_KEYWORDS = frozenset({"BIND", "OPTIONAL", "MINUS", "UNION", "FILTER", "GRAPH", "VALUES", "SERVICE"})
BINARY_OPERATORS = frozenset({"+", "-", "*", "/", "&&", "||", "=", "!=", "<", ">", "<=", ">=", "|"})
MAX_GROUP_ELEMENTS = 1_000
MAX_BINARY_OPERATORS = 4_000

_PN_CHARS_BASE = "A-Za-z\u00C0-\uFFFF"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS_BASE}0-9_\-.\u00B7]*[{_PN_CHARS_BASE}0-9_\-\u00B7])?"
_LOCAL_FIRST = rf"[{_PN_CHARS_BASE}0-9_:]|{_PLX}"
_LOCAL_MIDDLE = rf"[{_PN_CHARS_BASE}0-9_:\-.\u00B7]|{_PLX}"
_LOCAL_LAST = rf"[{_PN_CHARS_BASE}0-9_:\-\u00B7]|{_PLX}"
_PN_LOCAL = rf"(?:(?:{_LOCAL_FIRST})(?:(?:{_LOCAL_MIDDLE})*(?:{_LOCAL_LAST}))?)?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
  | (?P<variable>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:{_PN_PREFIX}|_)?:{_PN_LOCAL})
  | (?P<word>[A-Za-z][A-Za-z0-9_]*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPED_CODEPOINT = re.compile(_UCHAR)
_ESCAPED_LOCAL = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class QueryShape:
    """What the lexer learned about one request's query text.

    `service_unresolved` and `dataset_unresolved` mean a SERVICE endpoint or a FROM graph
    that the lexer could not pin down to one IRI (a variable, an undeclared prefix, keywords
    run together): the endpoint refuses such a query rather than guess.
    """

    form: str | None
    is_update: bool
    service_iris: tuple[str, ...] = ()
    service_unresolved: bool = False
    from_iris: tuple[str, ...] = ()
    from_named_iris: tuple[str, ...] = ()
    dataset_unresolved: bool = False
    max_depth: int = 0
    group_elements: int = 0
    binary_operators: int = 0

    def too_complex(self) -> str | None:
        """Return why the engine could not evaluate this query without overflowing its stack, or None."""
        if self.group_elements > MAX_GROUP_ELEMENTS:
            return f"query has {self.group_elements} BIND/OPTIONAL/MINUS/UNION/FILTER/GRAPH/VALUES elements; the limit is {MAX_GROUP_ELEMENTS}"
        if self.binary_operators > MAX_BINARY_OPERATORS:
            return f"query has {self.binary_operators} operators; the limit is {MAX_BINARY_OPERATORS}"
        return None


def tokenize(text: str) -> list[tuple[str, str]]:
    """Return the (kind, text) tokens of a SPARQL text, without spaces and comments."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            tokens.append((kind, match.group()))
    return tokens


def _depth(tokens: list[tuple[str, str]]) -> int:
    """Return how deep brackets nest; a run of prefix operators (`!!!x`, `- - 1`, `^^^p`) nests as deep as it is long."""
    depth = deepest = run = 0
    for kind, value in tokens:
        if kind == "punct" and value in OPENERS:
            depth += 1
        elif kind == "punct" and value in CLOSERS:
            depth -= 1
        run = run + 1 if kind == "punct" and value in PREFIX_OPERATORS else 0
        deepest = max(deepest, depth + run)
    return deepest


class MalformedQuery(ValueError):
    """The query text cannot be a SPARQL query (the lexer is sure of it, before any engine sees it)."""


def _codepoint(match: re.Match[str]) -> str:
    value = int(match.group()[2:], 16)  # noqa: FURB166 - the prefix is SPARQL's \u or \U, not 0x
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise MalformedQuery(f"the escape {match.group()} in an IRI is not a Unicode scalar value")
    return chr(value)


def _iri_value(token: str) -> str:
    """Return the IRI an IRIREF token names, with \\u and \\U escapes decoded as the engine decodes them."""
    return _ESCAPED_CODEPOINT.sub(_codepoint, token[1:-1])


def _declared_prefixes(tokens: list[tuple[str, str]]) -> dict[str, str | None]:
    """Return the PREFIX declarations of a query; a prefix declared twice with different IRIs maps to None."""
    prefixes: dict[str, str | None] = {}
    for index, (kind, value) in enumerate(tokens[:-2]):
        if kind == "word" and value.upper() == "PREFIX" and tokens[index + 1][0] == "pname" and tokens[index + 2][0] == "iri":
            name, iri = tokens[index + 1][1], _iri_value(tokens[index + 2][1])
            if name.endswith(":") and name.count(":") == 1:
                prefixes[name] = iri if prefixes.get(name, iri) == iri else None
    return prefixes


def _resolve(token: tuple[str, str] | None, prefixes: dict[str, str | None]) -> str | None:
    """Return the IRI an IRIREF or prefixed-name token names, or None if it names none for sure."""
    if token is None:
        return None
    kind, value = token
    if kind == "iri":
        return _iri_value(value)
    if kind == "pname":
        prefix, _, local = value.partition(":")
        namespace = prefixes.get(prefix + ":")
        if namespace is None:
            return None
        return namespace + _ESCAPED_LOCAL.sub(r"\1", local)
    return None


def _runs_keywords_together(kind: str, value: str) -> bool:
    """Return True for a word holding a guarded keyword run together with more text, or a prefixed name whose prefix holds one.

    The engine reads `SERVICE:x` as the keyword SERVICE and the name `:x`, so a prefix that merely
    equals a guarded keyword is as suspect as one that contains it.
    """
    if kind == "word":
        head = value.upper()
        return any(keyword in head and head != keyword for keyword in GUARDED_KEYWORDS)
    if kind == "pname":
        head = value.partition(":")[0].upper()
        return any(keyword in head for keyword in GUARDED_KEYWORDS)
    return False


def _starts_with(words: tuple[str, ...], word: str | None) -> str | None:
    return next((candidate for candidate in words if word is not None and word.startswith(candidate)), None)


def _keyword_target(following: list[tuple[str, str]], modifier: str, prefixes: dict[str, str]) -> tuple[str | None, bool]:
    """Return the IRI after SERVICE or FROM (past an optional SILENT or NAMED) and whether the modifier was there.

    None means the target cannot be pinned to one IRI (a variable, an unknown prefix, keywords run together).
    """
    target, modified = following[0], False
    if target[0] == "word" and target[1].upper() == modifier:
        target, modified = following[1], True
    elif target[1].upper().startswith(modifier):
        return None, False
    return _resolve(target, prefixes), modified


def inspect_query(text: str) -> QueryShape:
    """Return the shape of a query text: its form, whether it is an update, and what it reaches for.

    Raises MalformedQuery for text no engine would accept, such as an IRI escape outside Unicode.
    """
    tokens = tokenize(text)
    for kind, value in tokens:
        if kind == "iri":
            _iri_value(value)
    prefixes = _declared_prefixes(tokens)
    words = [(index, value.upper()) for index, (kind, value) in enumerate(tokens) if kind == "word"]
    first = next((word for _, word in words if word not in ("BASE", "PREFIX")), None)
    services, from_iris, from_named = [], [], []
    service_unresolved = dataset_unresolved = False
    for kind, value in tokens:
        if _runs_keywords_together(kind, value):
            if "SERVICE" in value.upper().partition(":")[0]:
                service_unresolved = True
            else:
                dataset_unresolved = True
    for position, word in words:
        following = tokens[position + 1 : position + 3] + [("", ""), ("", "")]
        if word == "SERVICE":
            iri, _silent = _keyword_target(following, "SILENT", prefixes)
            if iri is None:
                service_unresolved = True
            else:
                services.append(iri)
        elif word == "FROM":
            iri, named = _keyword_target(following, "NAMED", prefixes)
            if iri is None:
                dataset_unresolved = True
            else:
                (from_named if named else from_iris).append(iri)
    return QueryShape(
        form=_starts_with(QUERY_FORMS, first),
        is_update=_starts_with(UPDATE_KEYWORDS, first) is not None,
        service_iris=tuple(services),
        service_unresolved=service_unresolved,
        from_iris=tuple(from_iris),
        from_named_iris=tuple(from_named),
        dataset_unresolved=dataset_unresolved,
        max_depth=_depth(tokens),
        group_elements=sum(1 for _, word in words if word in GROUP_ELEMENT_KEYWORDS),
        binary_operators=sum(1 for kind, value in tokens if kind == "punct" and value in BINARY_OPERATORS),
    )
