"""How a stance is stated: intended ("will not recognize"), hedged ("may support"), or conditional, with the verbatim
conditional clause ("When and if ... are at stake, ... can count on"), from the lexicon's `modalities:` section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkeddata.curate.analysis import Analysis, Span

CONDITIONAL = "conditional"
OPENS_CLAUSE = re.compile(r"(?:^|[,;:–—])[\s“\"‘]*$")  # a conditional word opening the context or a clause after punctuation
ONLY_LINKS = re.compile(r"[\s,]*")


@dataclass(frozen=True, slots=True)
class Modality:
    """A modality other than asserted, and for a conditional one the span of its condition."""

    notation: str
    condition: Span | None = None


def conditional_before(analysis: Analysis, context: Span, cue_start: int) -> Span | None:
    """Return the conditional clause opening a clause before the cue and closed by a comma before it, or None."""
    pattern = analysis.lexicon.modalities.get(CONDITIONAL)
    if pattern is None:
        return None
    for match in pattern.finditer(analysis.text, context[0], cue_start):
        if not OPENS_CLAUSE.search(analysis.text[context[0] : match.start()]):
            continue
        comma = analysis.text.find(",", match.end(), cue_start)
        if comma != -1:
            return match.start(), comma
    return None


def conditional_after(analysis: Analysis, context: Span, quote_end: int) -> Span | None:
    """Return the conditional clause right after the quote ("... will support Serbia if it asks"), or None."""
    pattern = analysis.lexicon.modalities.get(CONDITIONAL)
    match = pattern.search(analysis.text, quote_end, context[1]) if pattern is not None else None
    if match is None or not ONLY_LINKS.fullmatch(analysis.text[quote_end : match.start()]):
        return None
    end = analysis.clause_end(match.end(), context[1])
    return (match.start(), end) if end > match.end() else None


def modal_word(analysis: Analysis, window: Span, reported: bool) -> str | None:
    """Return the modality whose word stands in `window` (between the holder and the cue), or None.

    After a reporting verb, a backshifted modal ("said Serbia could count on") marks no modality.
    """
    for notation, pattern in analysis.lexicon.modalities.items():
        if notation == CONDITIONAL:
            continue
        for match in pattern.finditer(analysis.text, *window):
            if not (reported and match.group().lower() in analysis.lexicon.backshifted_modals):
                return notation
    return None


def modality_of(analysis: Analysis, context: Span, window: Span, quote_end: int, reported: bool) -> Modality | None:
    """Return how the stance at a cue is stated, if not plainly asserted: conditional first, then a modal word."""
    condition = conditional_before(analysis, context, window[1]) or conditional_after(analysis, context, quote_end)
    if condition is not None:
        return Modality(CONDITIONAL, condition)
    notation = modal_word(analysis, window, reported)
    return Modality(notation) if notation else None
