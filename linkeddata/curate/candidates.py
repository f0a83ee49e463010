"""Builds candidate facts from the cues of one article text: holder and target around each cue, polarity, claim type,
speaker, date and the shortest verbatim quote."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from linkeddata.curate.analysis import Analysis, Span
from linkeddata.curate.attribution import Report, Source, attribute_quotations, is_publication, reported_by, source_of
from linkeddata.curate.cues import CueMatch, Lexicon
from linkeddata.curate.mentions import Mention, actor_table
from linkeddata.curate.modality import Modality, modality_of
from linkeddata.curate.names import unknown_names
from linkeddata.curate.sentences import Quotation
from linkeddata.curate.sides import Side, coordinated, left_side, possessor, right_side, shared_subject
from linkeddata.project.evidence import find_occurrences, locate_quote
from linkeddata.project.seeds import Record

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
COLLECTIVE_PRONOUNS = ("we", "our", "us", "it", "its", "they", "their", "them", "this country")
APPEAL = "appeals-to"
OPENING_PHRASE = "holder is the subject after the opening phrase"
TRAILING_LINKS = re.compile(r"(?:[\s,;:–—-]|(?<![\w-])(?:and|or|but|nor|either)(?![\w-]))+$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One proposed fact: its fields as they would be written, and how it was found."""

    fields: dict[str, Any]
    cue: str
    sentence: int

    def identity(self) -> tuple[str, str, str, str, str]:
        """Holder, stance, target, polarity and quote: two facts equal on these are duplicates."""
        f = self.fields
        return (f["holder"], f["stance"], f["target"], f["polarity"], f["quote"])


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Everything suggest found in one article: candidates, and capitalised names that are not actors."""

    candidates: list[Candidate]
    unknown: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CueSite:
    """A cue where it stands: its sentence, the part of it in the same quotation state, and who speaks there."""

    match: CueMatch
    sentence: Span
    sentence_index: int
    context: Span
    quotation: Quotation | None
    report: Report | None
    teller: Source | None = None  # the publication the text names as teller

    @property
    def source(self) -> str | None:
        if self.quotation is not None:
            return self.quotation.source
        return self.teller.key if self.teller is not None else None

    @property
    def speaker(self) -> str | None:
        return self.quotation.speaker if self.quotation is not None else (self.report.speaker if self.report else None)

    @property
    def in_speech(self) -> bool:
        """Inside quotation marks, or after "X said": pronouns there stand for the speaker."""
        return self.quotation is not None or (self.report is not None and self.report.content_follows)


@dataclass(frozen=True, slots=True)
class Parties:
    """The holders and targets found for a cue, the mentions that name them, and a note on how the holder was found."""

    holders: list[str]
    targets: list[str]
    holder_mentions: list[Mention]
    target_mentions: list[Mention]
    left_limit: int
    note: str | None = None


def cue_site(analysis: Analysis, sentence: Span, sentence_index: int, match: CueMatch) -> CueSite:
    """Return where a cue stands and who speaks there."""
    quotation = analysis.quotation_at(match.start)
    report = None if quotation is not None else reported_by(analysis, sentence, match.start, match.end)
    context = analysis.context(sentence, match.start)
    teller = None if quotation is not None else source_of(analysis, context)
    return CueSite(match, sentence, sentence_index, context, quotation, report, teller)


def limits(analysis: Analysis, site: CueSite) -> Span:
    """Return how far left and right of the cue an actor may be: its clause, and not past the reporting verb."""
    context, cue = site.context, site.match
    left = context[0]
    for _a, b in analysis.barriers(context[0], cue.start, relative=True):
        left = max(left, b)
    if site.report is not None and site.report.content_follows:
        verbs = [v for v in analysis.verbs if v[1] <= cue.start and v[0] >= site.report.speaker_at[1]]
        if verbs:
            left = max(left, verbs[-1][1])
    right = context[1]
    for a, _b in analysis.barriers(cue.end, context[1], relative=False):
        right = min(right, a)
    return left, right


def sides(analysis: Analysis, site: CueSite, left: int, right: int) -> tuple[Side | None, Side | None]:
    """Return the holder's side and the target's side of a cue, as the lexicon places them."""
    cue, match = site.match.cue, site.match
    owner = possessor(analysis, match.start, left) if cue.possessor else None
    holder = Side(owner, [owner]) if owner is not None and cue.possessor == "holder" else None
    target = Side(owner, [owner]) if owner is not None and cue.possessor == "target" else None
    if cue.holder == "left" and holder is None:
        holder = left_side(analysis, left, match.start, skip=owner) or shared_subject(analysis, site.context, left)
    if cue.holder == "right":
        holder = right_side(analysis, match.end, right)
    if cue.target == "right" and target is None:
        target = right_side(analysis, match.end, right)
    if cue.target == "left" and target is None:
        target = left_side(analysis, left, match.start, skip=owner)
    return holder, target


def resolve(analysis: Analysis, site: CueSite, mentions: list[Mention]) -> list[str]:
    """Return the actor keys mentions stand for: a pronoun in speech is the speaker ("we" of a person: the person's state)."""
    keys = []
    for mention in mentions:
        if is_publication(analysis, mention.actor) or " ".join(mention.text.lower().split()) in analysis.lexicon.publication_references:
            continue  # a publication tells of stances; it holds none here
        if mention.actor is not None:
            keys.append(mention.actor)
        elif site.in_speech and site.speaker is not None:
            info = analysis.actors[site.speaker]
            collective = mention.text.lower() in COLLECTIVE_PRONOUNS
            keys.append(info.affiliation if collective and info.kind == "person" and info.affiliation else site.speaker)
    return list(dict.fromkeys(keys))


def _subject_after_opening_phrase(analysis: Analysis, site: CueSite) -> list[Mention]:
    """"As a form of support for Serbia, China did not recognize ...": the subject after the opening phrase."""
    text, context, match = analysis.text, site.context, site.match
    head = text[context[0] : match.start]
    if not re.match(r"[“\"]?(?:As|In|With|For|Out of|Through)\b", head) or "," in head:
        return []
    comma = text.find(",", match.end, context[1])
    if comma == -1:
        return []
    following = [m for m in analysis.mentions_in(comma + 1, context[1]) if m.actor is not None]
    if not following or not re.fullmatch(r"\s*(?:the\s+)?", text[comma + 1 : following[0].start]):
        return []
    return coordinated(analysis, following[0], 1, context[1])


def _possessive_after_target(analysis: Analysis, site: CueSite, target: Side) -> Mention | None:
    """"support for Serbia has always been ... the basis of Russia’s activities": the possessive after the target."""
    after = max(m.end for m in target.group) if target.group else site.match.end
    limit = site.context[1]
    for a, _b in analysis.barriers(after, site.context[1], relative=False):
        limit = min(limit, a)
    return next((m for m in analysis.mentions_in(max(after, site.match.end), limit) if m.actor is not None and m.possessive), None)


def fallback_holder(analysis: Analysis, site: CueSite, target: Side) -> tuple[list[str], list[Mention], str | None]:
    """Find a holder the clause does not name before the cue: the subject after an opening phrase, a possessive after
    the target, or the speaker (a person's state for a person)."""
    group = _subject_after_opening_phrase(analysis, site)
    if group:
        return list(dict.fromkeys(m.actor for m in group if m.actor)), group, OPENING_PHRASE
    mention = _possessive_after_target(analysis, site, target)
    if mention is not None and mention.actor is not None:
        return [mention.actor], [mention], "holder is the possessive after the target"
    if site.in_speech and site.speaker is not None:
        info = analysis.actors[site.speaker]
        if info.kind == "person" and info.affiliation:
            return [info.affiliation], [], "holder is the state of the speaker"
        return [site.speaker], [], "holder is the speaker"
    return [], [], None


def asked_for(analysis: Analysis, site: CueSite, holder: Side | None) -> bool:
    """Return whether the cue is what an appeal asks its target to do ("urged Greece to recognize Kosovo"): a stance
    asked for, not held."""
    if holder is None or analysis.words_between(holder.nearest.end, site.match.start) != ["to"]:
        return False
    first = min(m.start for m in holder.group)
    return any(m.cue.stance == APPEAL and m.end <= first and analysis.words_between(m.end, first) in ([], ["the"])
               for m in analysis.cues)


def parties(analysis: Analysis, site: CueSite) -> Parties | None:
    """Return the holders and targets of a cue, or None if either side names no actor or the stance is asked for."""
    left, right = limits(analysis, site)
    holder_side, target_side = sides(analysis, site, left, right)
    if target_side is None or asked_for(analysis, site, holder_side):
        return None
    targets = resolve(analysis, site, target_side.group)
    holder_mentions = holder_side.group if holder_side else []
    holders = resolve(analysis, site, holder_mentions)
    note = None
    if not holders:
        holders, holder_mentions, note = fallback_holder(analysis, site, target_side)
    if not holders or not targets:
        return None
    return Parties(holders, targets, holder_mentions, target_side.group, left, note)


def verb_window(site: CueSite, found: Parties) -> Span:
    """Return the span from the left-hand actor (or the clause start) to the cue: where negators and modal words count."""
    left_used = [m for m in (*found.holder_mentions, *found.target_mentions) if m.end <= site.match.start]
    return max((m.end for m in left_used), default=found.left_limit), site.match.start


def negators_of(analysis: Analysis, site: CueSite, found: Parties) -> list[Span]:
    """Return the negators between the left-hand actor (or the clause start) and the cue, or inside a passive cue."""
    negation_from = verb_window(site, found)[0]
    return [n for n in analysis.negators if negation_from <= n[0] and n[1] <= site.match.end]


def quote_span(analysis: Analysis, site: CueSite, found: Parties, negators: list[Span]) -> Span:
    """Return the span from the first to the last word involved (with "X said" before the cue), to the end of the clause."""
    context, match = site.context, site.match
    involved = [(match.start, match.end), *((m.start, m.end) for m in (*found.holder_mentions, *found.target_mentions)
                                              if context[0] <= m.start and m.end <= context[1]), *negators]
    report = site.report
    if report is not None and context[0] <= report.speaker_at[0] and report.speaker_at[1] <= context[1]:
        reported_span = (min(report.speaker_at[0], report.verb[0]), max(report.speaker_at[1], report.verb[1]))
        if reported_span[0] <= match.start:  # "X said ..." is part of the quote; "..., according to X" is not
            involved.append(reported_span)
    if site.teller is not None and context[0] <= site.teller.span[0] <= match.start:  # "The daily reiterated that ..."
        involved.append(site.teller.span)
    if found.note == OPENING_PHRASE:
        involved.append((context[0], context[0]))
    start = analysis.span_start(min(a for a, _ in involved), context[0])
    end = max(b for _, b in involved)
    return start, max(end, analysis.clause_end(end, context[1]))


def cut_quote(text: str, span: Span) -> tuple[str, int | None] | None:
    """Return the quote cut from `span` (trailing links dropped) and its occurrence number if it occurs more than once."""
    start, end = span
    quote = TRAILING_LINKS.sub("", text[start:end]).strip()
    if not quote:
        return None
    quote_start = text.index(quote, start)
    occurrences = find_occurrences(text, quote)
    occurrence = occurrences.index(quote_start) + 1 if len(occurrences) > 1 else None
    locate_quote(text, quote, occurrence)  # the quote is cut from the text, so this only guards the rule above
    return quote, occurrence


def stated_date(text: str) -> str | None:
    """Return the one date (YYYY, YYYY-MM or YYYY-MM-DD) a clause states, or None if it states none or several."""
    months = "|".join(MONTHS)
    found = set()
    consumed: list[Span] = []
    for match in re.finditer(rf"\b({months}) (\d{{1,2}}), ((?:19|20)\d\d)\b|\b(\d{{1,2}}) ({months}) ((?:19|20)\d\d)\b", text):
        month, day, year = match.group(1, 2, 3) if match.group(1) else (match.group(5), match.group(4), match.group(6))
        found.add(f"{year}-{MONTHS.index(month) + 1:02d}-{int(day):02d}")
        consumed.append(match.span())
    for match in re.finditer(rf"\b({months}) ((?:19|20)\d\d)\b", text):
        if not any(a <= match.start() < b for a, b in consumed):
            found.add(f"{match.group(2)}-{MONTHS.index(match.group(1)) + 1:02d}")
            consumed.append(match.span())
    for match in re.finditer(r"(?<![\w-])((?:19|20)\d\d)(?![\w-])", text):
        if not any(a <= match.start() < b for a, b in consumed):
            found.add(match.group(1))
    return found.pop() if len(found) == 1 else None


def claim_of(site: CueSite) -> str:
    """Return the claim type: quoted (a named speaker's words), reported (a reporting verb) or the author's."""
    if site.quotation is not None and site.quotation.speaker:
        return "quoted"
    return "reported" if site.report is not None or site.source is not None else "author"


def description(analysis: Analysis, site: CueSite, found: Parties) -> str:
    """Return why the candidate was proposed: the cue, its sentence, and how its parties were found."""
    match = site.match
    notes = []
    if site.quotation is not None and not site.quotation.speaker:
        notes.append("in quotation marks, but no speaker was found")
    if found.note:
        notes.append(found.note)
    text = f'cue "{" ".join(analysis.text[match.start : match.end].split())}" ({match.cue.stance}) in sentence {site.sentence_index + 1}'
    return text + ("; " + "; ".join(notes) if notes else "")


def modality_fields(analysis: Analysis, modality: Modality | None, quote: str) -> dict[str, str]:
    """Return the modality (and a conditional's condition) fields; a condition not inside the quote is dropped."""
    if modality is None:
        return {}
    if modality.condition is None:
        return {"modality": modality.notation}
    condition = analysis.text[modality.condition[0] : modality.condition[1]].strip()
    return {"modality": modality.notation, "condition": condition} if condition and condition in quote else {}


def attribution_fields(site: CueSite, claim: str) -> dict[str, str]:
    """Return the claim type with its speaker and (a publication) source."""
    fields = {"claim": claim}
    if claim != "author" and site.speaker is not None:
        fields["speaker"] = site.speaker
    if claim != "author" and site.source is not None:
        fields["source"] = site.source
    return fields


def candidates_for_cue(analysis: Analysis, site: CueSite) -> list[Candidate]:
    """Return the candidates one cue gives: one per holder and target found around it."""
    found = parties(analysis, site)
    if found is None:
        return []
    negators = negators_of(analysis, site, found)
    span = quote_span(analysis, site, found, negators)
    in_reported_speech = site.report is not None and site.report.content_follows
    modality = modality_of(analysis, site.context, verb_window(site, found), span[1], in_reported_speech)
    if modality is not None and modality.condition is not None:
        span = (min(span[0], modality.condition[0]), max(span[1], modality.condition[1]))
    cut = cut_quote(analysis.text, span)
    if cut is None:
        return []
    quote, occurrence = cut
    polarity = "negated" if (len(negators) % 2 == 1) != site.match.cue.negated else "affirmed"
    date = stated_date(analysis.text[site.match.start : span[1]])
    shared = {**modality_fields(analysis, modality, quote), **attribution_fields(site, claim_of(site)), "quote": quote}
    if occurrence:
        shared["occurrence"] = str(occurrence)
    why = description(analysis, site, found)
    candidates = []
    for holder in found.holders:
        for target in (t for t in found.targets if t != holder):
            fields: dict[str, Any] = {"holder": holder, "stance": site.match.cue.stance, "target": target, "polarity": polarity}
            fields.update({"date": date} if date else {})
            candidates.append(Candidate({**fields, **shared}, why, site.sentence_index))
    return candidates


def analyse(text: str, actors: Iterable[Record], lexicon: Lexicon) -> Analysis:
    """Return the text indexed for suggest, each quotation attributed to its speaker where one is named."""
    analysis = Analysis(text, actor_table(actors), lexicon)
    attribute_quotations(analysis)
    return analysis


def first_line_end(text: str) -> int:
    """Return where the text's first non-empty line (the headline, or a page header holding it) ends; a text of one
    line has no headline (0)."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    return 0 if end == -1 or not text[end:].strip() else end


def without_headline_only(analysis: Analysis, candidates: list[Candidate]) -> list[Candidate]:
    """Drop the candidates from the first line whose statement the body does not also make: a headline is never a
    fact's only evidence (issue 14)."""
    headline_end = first_line_end(analysis.text)
    in_headline = [analysis.sentences[c.sentence][0] < headline_end for c in candidates]
    body = [c for c, head in zip(candidates, in_headline, strict=True) if not head]
    statements, quoted = {c.identity()[:4] for c in body}, {c.identity() for c in body}
    # a headline candidate stays only beside the body's statement of it, and never as a copy of a body candidate
    return [c for c, head in zip(candidates, in_headline, strict=True)
            if not head or (c.identity()[:4] in statements and c.identity() not in quoted)]


def generate(text: str, actors: Iterable[Record], lexicon: Lexicon) -> Suggestions:
    """Return the candidate facts of one article text (keys not yet assigned), in text order, and the unknown names."""
    analysis = analyse(text, actors, lexicon)
    found: list[Candidate] = []
    for sentence_index, sentence in enumerate(analysis.sentences):
        for match in (m for m in analysis.cues if sentence[0] <= m.start < sentence[1]):
            found += candidates_for_cue(analysis, cue_site(analysis, sentence, sentence_index, match))
    unique: dict[tuple[str, ...], Candidate] = {}
    for candidate in without_headline_only(analysis, found):
        unique.setdefault(candidate.identity(), candidate)
    return Suggestions(list(unique.values()), unknown_names(text, analysis))
