"""Cuts an article text into sentences and finds the words in quotation marks."""

from __future__ import annotations

import re
from dataclasses import dataclass

QUOTE_OPEN, QUOTE_CLOSE, STRAIGHT_QUOTE = "“", "”", '"'
MIN_QUOTED_WORDS = 4  # fewer words in quotation marks are scare quotes, not somebody's words
ABBREVIATIONS = {"no", "nos", "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "prof", "sen", "rep", "gov", "jan", "feb", "mar",
                 "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "ca", "approx", "art", "para"}
BOUNDARY = re.compile(r"[.!?…]+[\"”’)]*(?=\s+[\"“‘(]?[A-Z0-9À-ÖØ-Þ])|\n")


def _after_abbreviation(text: str, start: int, boundary: re.Match[str]) -> bool:
    """Return whether a full stop ends an abbreviation ("Mr.", "Jan.") or an initial ("J."), not a sentence."""
    if not boundary.group().startswith("."):
        return False
    before = re.search(r"([\w-]+)$", text[start : boundary.start()])
    word = before.group(1) if before else ""
    return word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence: cut after . ! ? before a capital, a digit or a quote, and at line ends."""
    spans, start = [], 0
    for match in BOUNDARY.finditer(text):
        if _after_abbreviation(text, start, match):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in (_trim(text, *span) for span in spans) if b > a]


@dataclass(slots=True)
class Quotation:
    """Words in quotation marks: the span inside the marks and who said them, if a speaker is named."""

    start: int
    end: int
    speaker: str | None = None
    speaker_at: tuple[int, int] | None = None
    source: str | None = None  # a publication named as the teller: never a speaker


def _quoted_spans(line: str) -> list[tuple[int, int]]:
    """Return the spans inside curly pairs, or straight quotes taken in pairs, of one line."""
    spans = []
    opened: tuple[int, str] | None = None
    for index, character in enumerate(line):
        if character == QUOTE_OPEN and opened is None:
            opened = (index, character)
        elif character == QUOTE_CLOSE and opened is not None and opened[1] == QUOTE_OPEN:
            spans.append((opened[0] + 1, index))
            opened = None
        elif character == STRAIGHT_QUOTE:
            if opened is None:
                opened = (index, character)
            elif opened[1] == STRAIGHT_QUOTE:
                spans.append((opened[0] + 1, index))
                opened = None
    return spans


def find_quotations(text: str) -> list[Quotation]:
    """Return the quotations of each line (curly pairs, or straight quotes taken in pairs), scare quotes left out."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        spans += [(offset + a, offset + b) for a, b in _quoted_spans(line)]
        offset += len(line) + 1
    return [Quotation(a, b) for a, b in spans if len(re.findall(r"\w+", text[a:b])) >= MIN_QUOTED_WORDS]
