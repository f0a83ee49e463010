"""One article text indexed for suggest: sentences, quotations, actor mentions, cues, reporting verbs, negators and
the clause lookups built on them (where a clause starts and ends, which words lie between two points)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkeddata.curate.cues import CueMatch, Lexicon, find_cues
from linkeddata.curate.mentions import ActorInfo, Mention, find_mentions
from linkeddata.curate.sentences import Quotation, find_quotations, split_sentences

WORD = re.compile(r"[\w’'-]+|[^\w\s]")
CLAUSE_PUNCTUATION = re.compile(r"[,;:()“”\"–—]|\s-{1,2}\s|[.!?](?=\s|$)")

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class WordSpan:
    """One word (or punctuation mark) of the text, lower-cased, with its span."""

    start: int
    end: int
    word: str


class Analysis:
    """One article's text with its sentences, quotations, mentions, cues, reporting verbs and negators."""

    def __init__(self, text: str, actors: dict[str, ActorInfo], lexicon: Lexicon) -> None:
        self.text = text
        self.actors = actors
        self.lexicon = lexicon
        self.sentences = split_sentences(text)
        self.quotations: list[Quotation] = find_quotations(text)
        self.mentions = find_mentions(text, actors, (*lexicon.speaker_pronouns, *lexicon.publication_references))
        self.cues: list[CueMatch] = find_cues(text, lexicon)
        self.verbs: list[Span] = [(m.start(), m.end()) for m in lexicon.speech_verbs.finditer(text)]
        self.negators: list[Span] = [(m.start(), m.end()) for m in lexicon.negators.finditer(text)]
        self.word_spans = [WordSpan(m.start(), m.end(), m.group().lower()) for m in WORD.finditer(text)]

    def quotation_at(self, position: int) -> Quotation | None:
        """Return the quotation holding `position`, or None."""
        return next((q for q in self.quotations if q.start <= position < q.end), None)

    def sentence_at(self, position: int) -> Span | None:
        """Return the sentence holding `position` (its end included), or None."""
        return next(((a, b) for a, b in self.sentences if a <= position < b), None)

    def context(self, sentence: Span, position: int) -> Span:
        """Return the part of the sentence in the same quotation state as `position` (inside one quotation, or outside all)."""
        quotation = self.quotation_at(position)
        if quotation is not None:
            return max(sentence[0], quotation.start), min(sentence[1], quotation.end)
        start, end = sentence
        for q in self.quotations:
            if q.end <= position and q.end + 1 > start and q.end < sentence[1]:
                start = max(start, q.end + 1)
            if q.start > position and q.start - 1 < end:
                end = min(end, q.start - 1)
        return start, end

    def words_between(self, start: int, end: int) -> list[str]:
        """Return the lower-cased words (and punctuation marks) wholly between start and end."""
        return [w.word for w in self.word_spans if w.start >= start and w.end <= end]

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """Return the mentions (actors and pronouns) wholly between start and end."""
        return [m for m in self.mentions if m.start >= start and m.end <= end]

    def actor_mentions(self) -> list[Mention]:
        """Return the mentions that name an actor (no pronouns)."""
        return [m for m in self.mentions if m.actor is not None]

    def barriers(self, start: int, end: int, *, relative: bool) -> list[Span]:
        """Return the clause openers (and with `relative`, relative words) between start and end, and ; and :."""
        found = []
        spans = [w for w in self.word_spans if w.start >= start and w.end <= end]
        for index, span in enumerate(spans):
            if self._opens_clause(span, spans[index + 1] if index + 1 < len(spans) else None, relative):
                found.append((span.start, span.end))
        return found

    def _opens_clause(self, span: WordSpan, following: WordSpan | None, relative: bool) -> bool:
        lexicon = self.lexicon
        if span.word in (";", ":") or span.word in lexicon.clause_openers or (relative and span.word in lexicon.relative_words):
            return True
        return span.word == "and" and following is not None and (following.word in lexicon.clause_after_and or self._past_verb(following))

    def _past_verb(self, span: WordSpan) -> bool:
        """A lower-case word ending in -ed after "and" starts a second verb phrase ("... allies and refused to ...")."""
        return span.word.endswith("ed") and self.text[span.start].islower() and not any(m.start <= span.start < m.end for m in self.mentions)

    def clause_end(self, position: int, limit: int) -> int:
        """Return where the clause running at `position` ends: punctuation or a clause opener, at most `limit`."""
        end = limit
        match = CLAUSE_PUNCTUATION.search(self.text, position, limit)
        if match:
            end = match.start()
        for a, _b in self.barriers(position, end, relative=False):
            end = min(end, a)
        while end > position and self.text[end - 1].isspace():
            end -= 1
        return end

    def span_start(self, start: int, floor: int) -> int:
        """Move a span's start back over a determiner right before it ("The United States")."""
        match = re.search(r"(?<![\w-])(?:The|the)\s+$", self.text[floor:start])
        return floor + match.start() if match else start
