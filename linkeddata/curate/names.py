"""Lists the capitalised names of a text that are not actors, for the curator to add to seeds/actors.yaml."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkeddata.curate.analysis import Analysis

MONTH_WORDS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
STOP_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "you", "our", "their", "his", "her",
    "as", "in", "on", "at", "by", "for", "with", "after", "before", "asked", "here", "even", "however", "when", "if", "while", "such",
    "let", "some", "source", "photo", "share", "tweet", "and", "but", "so", "or", "of", "to", "from", "there", "what", "who", "which",
    "also", "both", "all", "one", "two", "three", "other", "most", "many", "given", "despite", "according", "by the way", "date",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "world", "politics", "comments", "minister", "president",
    "ministry", "prime", "foreign", "ambassador", "government", "state", "country", "countries", "loading", "no", *MONTH_WORDS,
}
CONNECTORS = {"of", "de", "la", "del", "da", "von", "van", "der", "bin", "al"}
TOKEN = re.compile(r"[^\W\d_][\w’'-]*")

Token = tuple[int, int, str]


def _covered(position: int, covered: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in covered)


def _run_from(text: str, tokens: list[Token], index: int, covered: list[tuple[int, int]]) -> tuple[list[Token], int]:
    """Return the run of capitalised words starting at tokens[index] (single spaces, "of"-like connectors inside) and
    the index after it."""
    run = [tokens[index]]
    nxt = index + 1
    while nxt < len(tokens):
        a, b, word = tokens[nxt]
        if text[run[-1][1] : a] != " " or _covered(a, covered):
            break
        if word[0].isupper():
            run.append(tokens[nxt])
            nxt += 1
        elif (word in CONNECTORS and nxt + 1 < len(tokens) and tokens[nxt + 1][2][0].isupper() and text[b : tokens[nxt + 1][0]] == " "
              and not _covered(tokens[nxt + 1][0], covered)):
            run += [tokens[nxt], tokens[nxt + 1]]
            nxt += 2
        else:
            break
    return run, nxt


def _trimmed(run: list[Token]) -> list[Token]:
    """Drop stop words and connectors from both ends of a run."""
    while run and (run[0][2].lower() in STOP_NAMES or run[0][2].lower() in CONNECTORS):
        run = run[1:]
    while run and (run[-1][2].lower() in STOP_NAMES or run[-1][2].lower() in CONNECTORS):
        run = run[:-1]
    return run


def name_runs(text: str, covered: list[tuple[int, int]], sentence_starts: set[int]) -> list[tuple[str, int]]:
    """Return each capitalised name of the text outside `covered` with its start, in text order."""
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
    found = []
    index = 0
    while index < len(tokens):
        start, _end, word = tokens[index]
        if not word[0].isupper() or _covered(start, covered):
            index += 1
            continue
        run, index = _run_from(text, tokens, index, covered)
        run = _trimmed(run)
        if not run:
            continue
        name = re.sub(r"(?:’s|'s|’)$", "", text[run[0][0] : run[-1][1]])
        if len(run) == 1 and run[0][0] in sentence_starts and re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
            continue  # a capitalised common word at a sentence start
        if len(name) >= 2:
            found.append((name, run[0][0]))
    return found


def unknown_names(text: str, analysis: Analysis) -> list[tuple[str, int]]:
    """Return capitalised names not covered by an actor mention, with how often each occurs, for the curator."""
    covered = [(m.start, m.end) for m in analysis.actor_mentions()]
    counts = Counter(name for name, _start in name_runs(text, covered, {a for a, _ in analysis.sentences}))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
