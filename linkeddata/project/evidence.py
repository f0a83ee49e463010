"""Finds each fact's quote verbatim in its article and returns its character span."""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT_CHARACTERS = 32


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A quote's place in its article: code-point offsets (end exclusive) and the text around it."""

    start: int
    end: int
    prefix: str
    suffix: str


class QuoteNotFound(ValueError):
    """The quote does not occur in the text, or occurs ambiguously."""


def find_occurrences(text: str, quote: str) -> list[int]:
    """Return the start offset of every (possibly overlapping) occurrence of `quote` in `text`."""
    starts, position = [], text.find(quote)
    while position != -1:
        starts.append(position)
        position = text.find(quote, position + 1)
    return starts


def locate_quote(text: str, quote: str, occurrence: int | None = None) -> TextSpan:
    """Return the span of `quote` in `text`, compared code point by code point with no normalization.

    Offsets count Unicode code points, as the Web Annotation TextPositionSelector
    requires. A quote found more than once needs `occurrence` (1-based) to say which.
    Raises QuoteNotFound when it is absent, ambiguous or the occurrence does not exist.
    """
    if not quote:
        raise QuoteNotFound("quote is empty")
    if occurrence is not None and occurrence < 1:
        raise QuoteNotFound(f"occurrence must be 1 or more, got {occurrence}")  # 0 or -1 would index from the end
    starts = find_occurrences(text, quote)
    if not starts:
        raise QuoteNotFound("quote not found verbatim in the article text")
    if occurrence is None and len(starts) > 1:
        raise QuoteNotFound(f"quote occurs {len(starts)} times in the article text; add 'occurrence: N' to say which")
    index = (occurrence or 1) - 1
    if index >= len(starts):
        raise QuoteNotFound(f"quote occurs {len(starts)} time(s), so occurrence {occurrence} does not exist")
    start = starts[index]
    end = start + len(quote)
    return TextSpan(start, end, text[max(0, start - CONTEXT_CHARACTERS) : start], text[end : end + CONTEXT_CHARACTERS])
