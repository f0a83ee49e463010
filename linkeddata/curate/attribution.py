"""Who says what: the speaker of each quotation, and the reporting verb ("X said", "according to X") governing a cue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkeddata.curate.analysis import Analysis, Span
from linkeddata.curate.mentions import Mention
from linkeddata.curate.sentences import Quotation

SPEAKER_BEFORE_WORDS = 6  # most words between a speaker and its reporting verb ("The Romanian Ministry of Foreign Affairs also reminded")
SPEAKER_AFTER_WORDS = 6
BREAKS_ATTRIBUTION = re.compile(r"[,;:“”\"()]")
PUBLICATION = "publication"


@dataclass(frozen=True, slots=True)
class Report:
    """A reporting verb outside quotation marks that governs a cue, and its speaker."""

    speaker: str
    speaker_at: Span
    content_follows: bool  # "X said [content]" rather than "[content], according to X"
    verb: Span


def prepositional(analysis: Analysis, mention: Mention, floor: int = 0) -> bool:
    """An actor after "to", "in", "at", ... is part of a longer name ("Ambassador to Serbia"), not the speaker.

    Only text after `floor` counts: the "to" of "according to" is the reporting verb's own.
    """
    before = analysis.text[max(floor, mention.start - 12) : mention.start]
    return re.search(r"(?<![\w-])(?:to|in|at|from|with|towards?)\s+(?:the\s+)?$", before) is not None


def _close_enough(between: str, most_words: int) -> bool:
    return not BREAKS_ATTRIBUTION.search(between) and len(re.findall(r"[\w’'-]+", between)) <= most_words


def speaker_before(analysis: Analysis, verb: Span, limit: int) -> Mention | None:
    """The speaker written before a reporting verb: an actor at most a few words before it, no comma or quote between."""
    for mention in reversed(analysis.mentions_in(limit, verb[0])):
        if prepositional(analysis, mention):
            continue
        return mention if _close_enough(analysis.text[mention.end : verb[0]], SPEAKER_BEFORE_WORDS) else None
    return None


def speaker_after(analysis: Analysis, verb: Span, limit: int) -> Mention | None:
    """The speaker written after a reporting verb ("said Botsan-Kharchenko", "according to X")."""
    for mention in analysis.mentions_in(verb[1], limit):
        if prepositional(analysis, mention, verb[1]):
            continue
        between = analysis.text[verb[1] : mention.start]
        # "reiterated that Spain did ...": an actor after "that" is the subject of what was said, not the speaker
        if re.search(r"(?<![\w-])that(?![\w-])", between):
            return None
        return mention if _close_enough(between, SPEAKER_AFTER_WORDS) else None
    return None


def is_publication(analysis: Analysis, key: str | None) -> bool:
    """Return whether an actor is a publication (a newspaper, an outlet): a teller, never a speaker or a holder."""
    return key is not None and analysis.actors[key].kind == PUBLICATION


def _last_named(analysis: Analysis, before: int, kind: str) -> str | None:
    named = [m for m in analysis.mentions if m.end <= before and m.actor and analysis.actors[m.actor].kind == kind]
    return named[-1].actor if named else None


def resolve_speaker(analysis: Analysis, mention: Mention | None) -> str | None:
    """Return the actor a speaker mention stands for; "he"/"she" is the last person named before it, "the daily" the
    last publication."""
    if mention is None:
        return None
    if mention.actor is not None:
        return mention.actor
    if mention.text.lower() in ("he", "she"):
        return _last_named(analysis, mention.start, "person")
    if " ".join(mention.text.lower().split()) in analysis.lexicon.publication_references:
        return _last_named(analysis, mention.start, PUBLICATION)
    return None


def _speaker_after_closing(analysis: Analysis, quotation: Quotation) -> Mention | None:
    """`”, said X` / `”, X said` / `”, according to X` in the sentence the closing mark is in."""
    sentence = analysis.sentence_at(quotation.end)
    if sentence is None:
        return None
    after_start = quotation.end + 1
    verbs = [v for v in analysis.verbs if after_start <= v[0] < sentence[1] and analysis.quotation_at(v[0]) is None]
    if not verbs or re.search(r"[“\"]", analysis.text[after_start : verbs[0][0]]):
        return None
    return speaker_after(analysis, verbs[0], sentence[1]) or speaker_before(analysis, verbs[0], after_start)


def _speaker_before_opening(analysis: Analysis, quotation: Quotation) -> Mention | None:
    """`X said: “` in the sentence the opening mark is in."""
    sentence = next(((a, b) for a, b in analysis.sentences if a < quotation.start <= b), None)
    if sentence is None:
        return None
    opening = quotation.start - 1
    verbs = [v for v in analysis.verbs if sentence[0] <= v[0] and v[1] <= opening and analysis.quotation_at(v[0]) is None]
    if not verbs or re.search(r"\w", re.sub(r"[\s:,]", "", analysis.text[verbs[-1][1] : opening])):
        return None
    return speaker_before(analysis, verbs[-1], sentence[0]) or speaker_after(analysis, verbs[-1], opening)


def attribute_quotations(analysis: Analysis) -> None:
    """Set the speaker of each quotation whose reporting verb names one, after the closing mark or before the opening one."""
    for quotation in analysis.quotations:
        for find in (_speaker_after_closing, _speaker_before_opening):
            mention = find(analysis, quotation)
            speaker = resolve_speaker(analysis, mention)
            if mention is not None and is_publication(analysis, speaker):
                quotation.source = speaker
                break
            if mention is not None and speaker:
                quotation.speaker, quotation.speaker_at = speaker, (mention.start, mention.end)
                break


def _report(analysis: Analysis, mention: Mention | None, follows: bool, verb: Span) -> Report | None:
    speaker = resolve_speaker(analysis, mention)
    if mention is None or not speaker or is_publication(analysis, speaker):
        return None
    return Report(speaker, (mention.start, mention.end), follows, verb)


def _told_by_publication(analysis: Analysis, mention: Mention | None) -> bool:
    return mention is not None and is_publication(analysis, resolve_speaker(analysis, mention))


def reported_by(analysis: Analysis, sentence: Span, cue_start: int, cue_end: int) -> Report | None:
    """Return the reporting verb outside quotations that governs a cue, with its speaker, or None.

    A verb whose teller is a publication ("The daily reiterated") gives a source (`source_of`), never a speaker.
    """
    context = analysis.context(sentence, cue_start)
    before = [v for v in analysis.verbs if context[0] <= v[0] and v[1] <= cue_start]
    for verb in reversed(before):
        if analysis.barriers(verb[1], cue_start, relative=False):
            continue
        mentions = (speaker_before(analysis, verb, context[0]), speaker_after(analysis, verb, context[1]))
        if any(_told_by_publication(analysis, m) for m in mentions):
            continue
        # a speaker before the verb ("X said ...") is preferred to one after it ("said X ...")
        report = _report(analysis, mentions[0], True, verb) or _report(analysis, mentions[1], False, verb)
        if report is not None:
            return report
    for verb in (v for v in analysis.verbs if cue_end <= v[0] and v[1] <= context[1]):
        mention = speaker_after(analysis, verb, context[1]) or speaker_before(analysis, verb, cue_end)
        report = _report(analysis, mention, False, verb)
        if report is not None:
            return report
    return None


@dataclass(frozen=True, slots=True)
class Source:
    """A publication the text names as the teller, and the span of "the teller and its verb"."""

    key: str
    span: Span


def source_of(analysis: Analysis, context: Span) -> Source | None:
    """Return the publication named as the teller in a context ("according to the X newspaper", "the daily
    reiterated", "X reported"), or None."""
    for verb in analysis.verbs:
        if not (context[0] <= verb[0] and verb[1] <= context[1]) or analysis.quotation_at(verb[0]) is not None:
            continue
        for mention in (speaker_before(analysis, verb, context[0]), speaker_after(analysis, verb, context[1])):
            teller = resolve_speaker(analysis, mention)
            if mention is not None and teller is not None and is_publication(analysis, teller):
                return Source(teller, (min(mention.start, verb[0]), max(mention.end, verb[1])))
    return None
