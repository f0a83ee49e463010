"""Proposes candidate stance facts for one article: deterministic, offline and rule-based.

The text is cut into sentences; in each, actors are found by their label, aliases and `mentions` in
seeds/actors.yaml (demonyms, capitals, offices), and stance cues by the lexicon ontology/stance-lexicon.yaml.
Around each cue the holder and target are looked for on the side the lexicon gives (the nearest actor before
the cue in its clause; an actor after the cue with only gap words between), coordinated actors ("X and Y")
are taken together, a negator between the left-hand actor and the cue negates the fact, and quotation marks
and reporting verbs ("X said", "said X", "according to X") give the claim type and the speaker. The quote is
the shortest clause span holding the holder, cue and target, cut from the text so that it occurs verbatim.

Candidates are written with `status: candidate`: `build` does not publish them until `linkeddata review`
accepts them. Capitalised names that are not actors are listed for the curator, never written as facts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.project.evidence import find_occurrences, locate_quote
from linkeddata.namespaces import LD
from linkeddata.project.seeds import LocatedDict, Record, load_yaml
from linkeddata.project.vocabulary import Vocabulary

LEXICON = "ontology/stance-lexicon.yaml"
SIDES = ("left", "right")
QUOTE_OPEN, QUOTE_CLOSE, STRAIGHT_QUOTE = "“", "”", '"'
MIN_QUOTED_WORDS = 4  # fewer words in quotation marks are scare quotes, not somebody's words
SPEAKER_BEFORE_WORDS = 6  # most words between a speaker and its reporting verb ("The Romanian Ministry of Foreign Affairs also reminded")
SPEAKER_AFTER_WORDS = 6
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
WORD = re.compile(r"[\w’'-]+|[^\w\s]")
ABBREVIATIONS = {"no", "nos", "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "prof", "sen", "rep", "gov", "jan", "feb", "mar",
                 "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "ca", "approx", "art", "para"}


# ------------------------------------------------------------------ the lexicon


@dataclass(frozen=True, slots=True)
class Cue:
    """One stance cue of the lexicon."""

    stance: str
    pattern: str
    regex: re.Pattern[str]
    holder: str
    target: str
    possessor: str | None
    negated: bool
    line: int


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The stance cue lexicon: cues, negators, reporting verbs and the small word lists around them."""

    cues: tuple[Cue, ...]
    negators: re.Pattern[str]
    speech_verbs: re.Pattern[str]
    gap_words: frozenset[str]
    clause_openers: frozenset[str]
    relative_words: frozenset[str]
    clause_after_and: frozenset[str]
    speaker_pronouns: tuple[str, ...]


def _words(pattern_list: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in pattern_list) + r")(?![\w-])", re.IGNORECASE)


def read_lexicon(project: Path, vocabulary: Vocabulary) -> Lexicon:
    """Return the project's stance cue lexicon; raises InputErrors naming `path:line` of every problem."""
    document = load_yaml(project / LEXICON, LEXICON)
    errors: list[InputError] = []

    def where(node: Any, name: str | None = None) -> SourceLocation:
        if isinstance(node, LocatedDict):
            return SourceLocation(LEXICON, node.key_lines.get(name, node.line) if name else node.line)
        return SourceLocation(LEXICON, 1)

    if not isinstance(document, LocatedDict) or not isinstance(document.get("stances"), LocatedDict):
        raise InputErrors([InputError(where(document), "expected a mapping with a 'stances' mapping")])
    cues = []
    for stance, entries in document["stances"].items():
        line = document["stances"].key_lines[stance]
        if stance not in vocabulary.stances:
            errors.append(InputError(SourceLocation(LEXICON, line), f"unknown stance {stance!r} (the ontology defines: {', '.join(sorted(vocabulary.stances))})"))
            continue
        if not isinstance(entries, list):
            errors.append(InputError(SourceLocation(LEXICON, line), f"stance {stance!r}: expected a list of cues"))
            continue
        for entry in entries:
            if not isinstance(entry, LocatedDict) or not isinstance(entry.get("pattern"), str):
                errors.append(InputError(where(entry) if isinstance(entry, LocatedDict) else SourceLocation(LEXICON, line), "a cue needs a 'pattern'"))
                continue
            unknown = sorted(set(entry) - {"pattern", "holder", "target", "possessor", "polarity", "example"})
            for name in unknown:
                errors.append(InputError(where(entry, name), f"unknown cue field {name!r}"))
            holder, target = entry.get("holder", "left"), entry.get("target", "right")
            if holder not in SIDES or target not in SIDES:
                errors.append(InputError(where(entry, "holder" if holder not in SIDES else "target"), "holder and target must be 'left' or 'right'"))
                continue
            if entry.get("possessor") not in (None, "holder", "target"):
                errors.append(InputError(where(entry, "possessor"), "possessor must be 'holder' or 'target'"))
                continue
            if entry.get("polarity") not in (None, "negated"):
                errors.append(InputError(where(entry, "polarity"), "polarity may only be 'negated'"))
                continue
            pattern = entry["pattern"]
            try:
                regex = re.compile(r"(?<![\w-])(?:" + pattern.replace(" ", r"\s+") + r")(?![\w-])", re.IGNORECASE)
            except re.error as error:
                errors.append(InputError(where(entry, "pattern"), f"bad pattern: {error}"))
                continue
            cues.append(Cue(stance, pattern, regex, holder, target, entry.get("possessor"), entry.get("polarity") == "negated", where(entry).line))
    lists: dict[str, list[str]] = {}
    for name in ("negators", "speech_verbs", "gap_words", "clause_openers", "relative_words", "clause_after_and", "speaker_pronouns"):
        value = document.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            errors.append(InputError(where(document, name), f"'{name}' must be a list of non-empty texts"))
            value = []
        lists[name] = value
    for name in ("negators", "speech_verbs"):
        try:
            _words(lists[name] or ["(?!)"])
        except re.error as error:
            errors.append(InputError(where(document, name), f"bad pattern in '{name}': {error}"))
    if errors:
        raise InputErrors(errors)
    return Lexicon(
        cues=tuple(cues),
        negators=_words(lists["negators"] or ["(?!)"]),
        speech_verbs=_words(lists["speech_verbs"] or ["(?!)"]),
        gap_words=frozenset(word.lower() for word in lists["gap_words"]),
        clause_openers=frozenset(word.lower() for word in lists["clause_openers"]),
        relative_words=frozenset(word.lower() for word in lists["relative_words"]),
        clause_after_and=frozenset(word.lower() for word in lists["clause_after_and"]),
        speaker_pronouns=tuple(sorted(lists["speaker_pronouns"], key=len, reverse=True)),
    )


# ------------------------------------------------------------------ actors in the text


@dataclass(frozen=True, slots=True)
class ActorInfo:
    """What suggest knows of an actor: its key, kind, the names that stand for it, and (for a person) its state."""

    key: str
    kind: str
    names: tuple[str, ...]
    affiliation: str | None = None


def actor_table(actors: Iterable[Record]) -> dict[str, ActorInfo]:
    """Return the actors by key, each person with the state its office mentions name ("Russian Ambassador" -> russia)."""
    table = {}
    for actor in actors:
        names = [actor.fields["label"], *actor.fields.get("aliases", []), *actor.fields.get("mentions", [])]
        table[actor.id] = ActorInfo(actor.id, actor.fields["kind"], tuple(dict.fromkeys(names)))
    states = {name: info.key for info in table.values() if info.kind == "state" for name in info.names}
    for key, info in table.items():
        if info.kind == "person":
            for name in info.names:
                first = next((state for state_name, state in sorted(states.items(), key=lambda item: -len(item[0]))
                              if re.match(re.escape(state_name) + r"(?![\w-])", name)), None)
                if first:
                    table[key] = ActorInfo(info.key, info.kind, info.names, first)
                    break
    return table


@dataclass(frozen=True, slots=True)
class Mention:
    """An actor (or a pronoun, actor None) named in the text, with its code-point span."""

    start: int
    end: int
    actor: str | None
    text: str
    possessive: bool


def find_mentions(text: str, actors: dict[str, ActorInfo], pronouns: Iterable[str]) -> list[Mention]:
    """Return every actor mention (longest name first, case-sensitive) and every pronoun, sorted and non-overlapping."""
    names = sorted({(name, info.key) for info in actors.values() for name in info.names}, key=lambda item: (-len(item[0]), item[0]))
    taken = [False] * len(text)
    found = []
    for name, key in names:
        for match in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            if any(taken[match.start() : match.end()]):
                continue
            for index in range(match.start(), match.end()):
                taken[index] = True
            found.append(Mention(match.start(), match.end(), key, match.group(), _possessive(text, match.end())))
    pronoun_words = sorted({p.lower() for p in pronouns}, key=len, reverse=True)
    if pronoun_words:
        alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in pronoun_words)
        # lower case, or capitalised as a sentence's first word: "US" is an actor, "us" a pronoun
        for match in re.finditer(r"(?<![\w-])(?:" + alternatives + "|" + "|".join(re.escape(p[:1].upper() + p[1:]) for p in pronoun_words) + r")(?![\w-])", text):
            if match.group() in ("I",) or match.group().islower() or match.group()[1:].islower():
                if not any(taken[match.start() : match.end()]):
                    found.append(Mention(match.start(), match.end(), None, match.group(), match.group().lower() in ("its", "their", "our", "his", "her", "my")))
    return sorted(found, key=lambda m: m.start)


def _possessive(text: str, end: int) -> bool:
    return text[end : end + 2] in ("’s", "'s") or (text[end : end + 1] in ("’", "'") and text[end - 1 : end] == "s")


# ------------------------------------------------------------------ sentences and quotations


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence: cut after . ! ? before a capital, a digit or a quote, and at line ends."""
    spans, start = [], 0
    boundary = re.compile(r"[.!?…]+[\"”’)]*(?=\s+[\"“‘(]?[A-Z0-9À-ÖØ-Þ])|\n")
    for match in boundary.finditer(text):
        if match.group().startswith("."):
            before = re.search(r"([\w-]+)$", text[start : match.start()])
            word = before.group(1) if before else ""
            if word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed


@dataclass(slots=True)
class Quotation:
    """Words in quotation marks: the span inside the marks and who said them, if a speaker is named."""

    start: int
    end: int
    speaker: str | None = None
    speaker_at: tuple[int, int] | None = None


def find_quotations(text: str) -> list[Quotation]:
    """Return the quotations of each line (curly pairs, or straight quotes taken in pairs), scare quotes left out."""
    quotations = []
    offset = 0
    for line in text.split("\n"):
        opened: tuple[int, str] | None = None
        for index, character in enumerate(line):
            if character == QUOTE_OPEN and opened is None:
                opened = (index, character)
            elif character == QUOTE_CLOSE and opened is not None and opened[1] == QUOTE_OPEN:
                quotations.append((offset + opened[0] + 1, offset + index))
                opened = None
            elif character == STRAIGHT_QUOTE:
                if opened is None:
                    opened = (index, character)
                elif opened[1] == STRAIGHT_QUOTE:
                    quotations.append((offset + opened[0] + 1, offset + index))
                    opened = None
        offset += len(line) + 1
    return [Quotation(a, b) for a, b in quotations if len(re.findall(r"\w+", text[a:b])) >= MIN_QUOTED_WORDS]


# ------------------------------------------------------------------ candidates


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


class _Analysis:
    """One article's text with its sentences, quotations, mentions, cues and reporting verbs."""

    def __init__(self, text: str, actors: dict[str, ActorInfo], lexicon: Lexicon) -> None:
        self.text = text
        self.actors = actors
        self.lexicon = lexicon
        self.sentences = split_sentences(text)
        self.quotations = find_quotations(text)
        self.mentions = find_mentions(text, actors, lexicon.speaker_pronouns)
        self.cues = self._find_cues()
        self.verbs = [(m.start(), m.end()) for m in lexicon.speech_verbs.finditer(text)]
        self.negators = [(m.start(), m.end()) for m in lexicon.negators.finditer(text)]
        self.word_spans = [(m.start(), m.end(), m.group().lower()) for m in WORD.finditer(text)]
        self._attribute_quotations()

    # -------------------------------------------------------------- lookups

    def _find_cues(self) -> list[tuple[int, int, Cue]]:
        found = []
        for order, cue in enumerate(self.lexicon.cues):
            for match in cue.regex.finditer(self.text):
                found.append((match.start(), match.end(), order, cue))
        found.sort(key=lambda item: (item[0], -(item[1] - item[0]), item[2]))
        chosen: list[tuple[int, int, Cue]] = []
        for start, end, _order, cue in sorted(found, key=lambda item: (-(item[1] - item[0]), item[0], item[2])):
            if all(end <= a or start >= b for a, b, _ in chosen):
                chosen.append((start, end, cue))
        return sorted(chosen, key=lambda item: item[0])

    def quotation_at(self, position: int) -> Quotation | None:
        return next((q for q in self.quotations if q.start <= position < q.end), None)

    def context(self, sentence: tuple[int, int], position: int) -> tuple[int, int]:
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
        return [word for a, b, word in self.word_spans if a >= start and b <= end]

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        return [m for m in self.mentions if m.start >= start and m.end <= end]

    def barriers(self, start: int, end: int, *, relative: bool) -> list[tuple[int, int]]:
        """Return the clause openers (and with `relative`, relative words) between start and end, and ; and :."""
        found = []
        spans = [(a, b, w) for a, b, w in self.word_spans if a >= start and b <= end]
        for index, (a, b, word) in enumerate(spans):
            if word in (";", ":") or word in self.lexicon.clause_openers or (relative and word in self.lexicon.relative_words):
                found.append((a, b))
            elif word == "and" and index + 1 < len(spans) and (spans[index + 1][2] in self.lexicon.clause_after_and
                                                                  or self._past_verb(spans[index + 1])):
                found.append((a, b))
        return found

    def _past_verb(self, span: tuple[int, int, str]) -> bool:
        """A lower-case word ending in -ed after "and" starts a second verb phrase ("... allies and refused to ...")."""
        a, _b, word = span
        return word.endswith("ed") and self.text[a].islower() and not any(m.start <= a < m.end for m in self.mentions)

    # -------------------------------------------------------------- attribution

    def _prepositional(self, mention: Mention, floor: int = 0) -> bool:
        """An actor after "to", "in", "at", ... is part of a longer name ("Ambassador to Serbia"), not the speaker.

        Only text after `floor` counts: the "to" of "according to" is the reporting verb's own.
        """
        before = self.text[max(floor, mention.start - 12) : mention.start]
        return re.search(r"(?<![\w-])(?:to|in|at|from|with|towards?)\s+(?:the\s+)?$", before) is not None

    def _speaker_before(self, verb: tuple[int, int], limit: int) -> Mention | None:
        """The speaker written before a reporting verb: an actor at most a few words before it, no comma or quote between."""
        for mention in reversed(self.mentions_in(limit, verb[0])):
            if self._prepositional(mention):
                continue
            between = self.text[mention.end : verb[0]]
            if re.search(r"[,;:“”\"()]", between) or len(re.findall(r"[\w’'-]+", between)) > SPEAKER_BEFORE_WORDS:
                return None
            return mention
        return None

    def _speaker_after(self, verb: tuple[int, int], limit: int) -> Mention | None:
        """The speaker written after a reporting verb ("said Botsan-Kharchenko", "according to X")."""
        for mention in self.mentions_in(verb[1], limit):
            if self._prepositional(mention, verb[1]):
                continue
            between = self.text[verb[1] : mention.start]
            if re.search(r"[,;:“”\"()]", between) or len(re.findall(r"[\w’'-]+", between)) > SPEAKER_AFTER_WORDS:
                return None
            return mention
        return None

    def resolve_speaker(self, mention: Mention | None) -> str | None:
        """Return the actor a speaker mention stands for; "he"/"she" is the last person named before it."""
        if mention is None:
            return None
        if mention.actor is not None:
            return mention.actor
        if mention.text.lower() in ("he", "she"):
            people = [m for m in self.mentions if m.end <= mention.start and m.actor and self.actors[m.actor].kind == "person"]
            return people[-1].actor if people else None
        return None

    def _attribute_quotations(self) -> None:
        for quotation in self.quotations:
            sentence_after = next(((a, b) for a, b in self.sentences if a <= quotation.end < b), None)
            sentence_before = next(((a, b) for a, b in self.sentences if a < quotation.start <= b), None)
            # after the closing mark: `”, said X` / `”, X said` / `”, according to X`
            if sentence_after is not None:
                after_start = quotation.end + 1
                verbs = [v for v in self.verbs if after_start <= v[0] < sentence_after[1] and self.quotation_at(v[0]) is None]
                if verbs and not re.search(r"[“\"]", self.text[after_start : verbs[0][0]]):
                    verb = verbs[0]
                    mention = self._speaker_after(verb, sentence_after[1]) or self._speaker_before(verb, after_start)
                    if self.resolve_speaker(mention):
                        quotation.speaker, quotation.speaker_at = self.resolve_speaker(mention), (mention.start, mention.end)  # type: ignore[union-attr]
                        continue
            # before the opening mark: `X said: “`
            if sentence_before is not None:
                verbs = [v for v in self.verbs if sentence_before[0] <= v[0] and v[1] <= quotation.start - 1 and self.quotation_at(v[0]) is None]
                if verbs and not re.search(r"\w", re.sub(r"[\s:,]", "", self.text[verbs[-1][1] : quotation.start - 1])):
                    verb = verbs[-1]
                    mention = self._speaker_before(verb, sentence_before[0]) or self._speaker_after(verb, quotation.start - 1)
                    if self.resolve_speaker(mention):
                        quotation.speaker, quotation.speaker_at = self.resolve_speaker(mention), (mention.start, mention.end)  # type: ignore[union-attr]

    def reported_by(self, sentence: tuple[int, int], cue_start: int, cue_end: int) -> tuple[str, tuple[int, int], bool, tuple[int, int]] | None:
        """Return (speaker, speaker span, content follows the verb, verb span) of a reporting verb governing a cue outside quotations."""
        context = self.context(sentence, cue_start)
        before = [v for v in self.verbs if context[0] <= v[0] and v[1] <= cue_start]
        for verb in reversed(before):
            if self.barriers(verb[1], cue_start, relative=False):
                continue
            mention = self._speaker_before(verb, context[0])
            if mention is not None and self.resolve_speaker(mention):
                return self.resolve_speaker(mention), (mention.start, mention.end), True, verb  # type: ignore[return-value]
            mention = self._speaker_after(verb, context[1])
            if mention is not None and self.resolve_speaker(mention):
                return self.resolve_speaker(mention), (mention.start, mention.end), False, verb  # type: ignore[return-value]
        after = [v for v in self.verbs if cue_end <= v[0] and v[1] <= context[1]]
        for verb in after:
            mention = self._speaker_after(verb, context[1]) or self._speaker_before(verb, cue_end)
            if mention is not None and self.resolve_speaker(mention):
                return self.resolve_speaker(mention), (mention.start, mention.end), False, verb  # type: ignore[return-value]
        return None

    # -------------------------------------------------------------- the two sides of a cue

    def _group(self, first: Mention, direction: int, limit: int) -> list[Mention]:
        """Return `first` and the actors coordinated with it ("X and Y", "X, Y and Z", "X (XY)") going `direction`.

        A bare comma links two actors only inside a list that an "and" (or "or") closes: "for Serbia, China did"
        is no list, "Spain, Slovakia and Cyprus" is one.
        """
        if first.actor is None:
            return [first]
        pool = [m for m in self.mentions if m.actor is not None]
        chain: list[tuple[Mention, str]] = []  # each further actor and the kind of link to it: alias, and, comma
        current = first
        while True:
            if direction < 0:
                candidates = [m for m in pool if m.end <= current.start and m.start >= limit]
                nxt = candidates[-1] if candidates else None
                gap = self.text[nxt.end : current.start] if nxt else ""
            else:
                candidates = [m for m in pool if m.start >= current.end and m.end <= limit]
                nxt = candidates[0] if candidates else None
                gap = self.text[current.end : nxt.start] if nxt else ""
            if nxt is None:
                break
            if gap.strip() in ("(", ")") and nxt.actor == current.actor:
                kind = "alias"
            elif re.fullmatch(r"\s*\)?\s*(?:,\s*(?:and|or)\s+|and\s+|or\s+|as well as\s+|&\s+)(?:the\s+)?", gap):
                kind = "and"
            elif re.fullmatch(r"\s*\)?\s*,\s*(?:the\s+)?", gap):
                kind = "comma"
            else:
                break
            chain.append((nxt, kind))
            current = nxt
        kinds = [kind for _, kind in chain if kind != "alias"]
        if direction < 0:
            # read from the cue outwards: the first real link must be an "and"; commas may follow it
            keep = len(chain)
            if kinds and kinds[0] == "comma":
                keep = next(i for i, (_, kind) in enumerate(chain) if kind == "comma")
        else:
            # read left to right: keep up to the last "and"; commas after it end no list
            last_and = max((i for i, (_, kind) in enumerate(chain) if kind == "and"), default=-1)
            keep = last_and + 1
            while keep < len(chain) and chain[keep][1] == "alias":
                keep += 1
        return [first, *(m for m, _ in chain[:keep])]

    def _possessor(self, cue_start: int, left: int) -> Mention | None:
        """An actor (or possessive pronoun) in the possessive just before a noun cue, at most two words before it."""
        candidates = [m for m in self.mentions if m.end <= cue_start and m.start >= left]
        if not candidates:
            return None
        mention = candidates[-1]
        between = self.text[mention.end : cue_start]
        between = re.sub(r"^(?:’s|'s|’|')", "", between)
        if not mention.possessive or re.search(r"[^\w\s-]", between) or len(between.split()) > 2:
            return None
        return mention

    def left_side(self, limit: int, cue_start: int, skip: Mention | None = None) -> tuple[Mention, list[Mention]] | None:
        """The nearest actor or pronoun before the cue, after `limit`, with the actors coordinated with it."""
        candidates = [m for m in self.mentions if m.end <= cue_start and m.start >= limit and m is not skip
                      and (skip is None or m.end <= skip.start)]
        if not candidates:
            return None
        nearest = candidates[-1]
        return nearest, self._group(nearest, -1, limit)

    def right_side(self, cue_end: int, limit: int) -> tuple[Mention, list[Mention]] | None:
        """The actor or pronoun right after the cue, with only gap words between, and the actors coordinated with it."""
        candidates = [m for m in self.mentions if m.start >= cue_end and m.end <= limit]
        if not candidates:
            return None
        nearest = candidates[0]
        between = [w for w in self.words_between(cue_end, nearest.start) if w not in (".",)]
        if any(w not in self.lexicon.gap_words for w in between):
            return None
        return nearest, self._group(nearest, 1, limit)

    # -------------------------------------------------------------- spans

    def clause_end(self, position: int, limit: int) -> int:
        """Return where the clause running at `position` ends: punctuation or a clause opener, at most `limit`."""
        end = limit
        punctuation = re.compile(r"[,;:()“”\"–—]|\s-{1,2}\s|[.!?](?=\s|$)")
        match = punctuation.search(self.text, position, limit)
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


# ------------------------------------------------------------------ finding candidates


def _date(text: str) -> str | None:
    """Return the one date (YYYY, YYYY-MM or YYYY-MM-DD) a clause states, or None if it states none or several."""
    months = "|".join(MONTHS)
    found = set()
    consumed = []
    for match in re.finditer(rf"\b({months}) (\d{{1,2}}), ((?:19|20)\d\d)\b|\b(\d{{1,2}}) ({months}) ((?:19|20)\d\d)\b", text):
        if match.group(1):
            month, day, year = match.group(1), match.group(2), match.group(3)
        else:
            day, month, year = match.group(4), match.group(5), match.group(6)
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def stance_phrases(vocabulary: Vocabulary) -> dict[tuple[str, str], str]:
    """Return (stance, polarity) -> the English verb phrase the ontology gives it ("does not recognize")."""
    phrases = {}
    for notation, concept in vocabulary.stances.items():
        affirmed = vocabulary.ontology.value(concept, LD.affirmedPhrase)
        negated = vocabulary.ontology.value(concept, LD.negatedPhrase)
        phrases[(notation, "affirmed")] = str(affirmed) if affirmed is not None else notation
        phrases[(notation, "negated")] = str(negated) if negated is not None else f"not {notation}"
    return phrases


def generate(text: str, actors: Iterable[Record], lexicon: Lexicon) -> Suggestions:
    """Return the candidate facts of one article text (keys not yet assigned), in text order, and the unknown names."""
    table = actor_table(actors)
    analysis = _Analysis(text, table, lexicon)
    candidates: list[Candidate] = []
    seen: set[tuple[str, ...]] = set()
    for sentence_index, sentence in enumerate(analysis.sentences):
        for cue_start, cue_end, cue in analysis.cues:
            if not (sentence[0] <= cue_start < sentence[1]):
                continue
            for candidate in _candidates_for_cue(analysis, sentence, sentence_index, cue_start, cue_end, cue):
                identity = candidate.identity()
                if identity not in seen:
                    seen.add(identity)
                    candidates.append(candidate)
    return Suggestions(candidates, unknown_names(text, analysis))


def _candidates_for_cue(analysis: _Analysis, sentence: tuple[int, int], sentence_index: int, cue_start: int, cue_end: int, cue: Cue) -> list[Candidate]:
    text = analysis.text
    context = analysis.context(sentence, cue_start)
    quotation = analysis.quotation_at(cue_start)
    reported = None if quotation is not None else analysis.reported_by(sentence, cue_start, cue_end)
    speaker = quotation.speaker if quotation is not None else (reported[0] if reported else None)
    in_speech = quotation is not None or (reported is not None and reported[2])

    # how far left an actor may be: the clause (not past a clause opener, a relative word, or the reporting verb)
    left_limit = context[0]
    for _a, b in analysis.barriers(context[0], cue_start, relative=True):
        left_limit = max(left_limit, b)
    if reported is not None and reported[2]:
        verbs = [v for v in analysis.verbs if v[1] <= cue_start and v[0] >= reported[1][1]]
        if verbs:
            left_limit = max(left_limit, verbs[-1][1])
    right_limit = context[1]
    for a, _b in analysis.barriers(cue_end, context[1], relative=False):
        right_limit = min(right_limit, a)

    possessor = analysis._possessor(cue_start, left_limit) if cue.possessor else None
    holder_side: tuple[Mention, list[Mention]] | None = None
    target_side: tuple[Mention, list[Mention]] | None = None
    if possessor is not None:
        if cue.possessor == "holder":
            holder_side = (possessor, [possessor])
        else:
            target_side = (possessor, [possessor])
    if cue.holder == "left" and holder_side is None:
        holder_side = analysis.left_side(left_limit, cue_start, skip=possessor)
    if cue.holder == "right":
        holder_side = analysis.right_side(cue_end, right_limit)
    if cue.target == "right" and target_side is None:
        target_side = analysis.right_side(cue_end, right_limit)
    if cue.target == "left" and target_side is None:
        target_side = analysis.left_side(left_limit, cue_start, skip=possessor)
    if target_side is None:
        return []

    def resolve(mentions: list[Mention]) -> list[str]:
        keys = []
        for mention in mentions:
            if mention.actor is not None:
                keys.append(mention.actor)
            elif in_speech and speaker is not None:
                # "we", "it", "this country" of a person speaking stand for the person's state; "I", "he" for the person
                info = analysis.actors[speaker]
                collective = mention.text.lower() in ("we", "our", "us", "it", "its", "they", "their", "them", "this country")
                keys.append(info.affiliation if collective and info.kind == "person" and info.affiliation else speaker)
        return list(dict.fromkeys(keys))

    targets = resolve(target_side[1])
    holder_mentions = holder_side[1] if holder_side else []
    holders = resolve(holder_mentions)
    fallback_note = None
    if not holders:
        holders, holder_mentions, fallback_note = _fallback_holder(analysis, sentence, context, cue_start, cue_end, target_side, speaker, in_speech)
    if not holders or not targets:
        return []

    # polarity: a negator between the left-hand actor (or the clause start) and the cue
    left_used = [m for m in (*holder_mentions, *target_side[1]) if m.end <= cue_start]
    negation_from = max((m.end for m in left_used), default=left_limit)
    negators = [n for n in analysis.negators if negation_from <= n[0] and n[1] <= cue_end]  # inside a passive cue too
    negated = (len(negators) % 2 == 1) != cue.negated

    # the quote: from the first to the last word involved, to the end of the clause
    involved = [(cue_start, cue_end), *((m.start, m.end) for m in (*holder_mentions, *target_side[1]) if context[0] <= m.start and m.end <= context[1])]
    involved += [n for n in negators]
    if reported is not None and context[0] <= reported[1][0] and reported[1][1] <= context[1]:
        reported_span = (min(reported[1][0], reported[3][0]), max(reported[1][1], reported[3][1]))
        if reported_span[0] <= cue_start:  # "X said ..." is part of the quote; "..., according to X" is not
            involved.append(reported_span)
    if fallback_note == OPENING_PHRASE:
        involved.append((context[0], context[0]))
    start = min(a for a, _ in involved)
    end = max(b for _, b in involved)
    floor = context[0]
    start = analysis.span_start(start, floor)
    end = max(end, analysis.clause_end(end, context[1]))
    quote = re.sub(r"(?:[\s,;:–—-]|(?<![\w-])(?:and|or|but|nor|either)(?![\w-]))+$", "", text[start:end]).strip()
    if not quote:
        return []
    quote_start = text.index(quote, start)
    occurrences = find_occurrences(text, quote)
    occurrence = occurrences.index(quote_start) + 1 if len(occurrences) > 1 else None
    locate_quote(text, quote, occurrence)  # the quote is cut from the text, so this only guards the rule above

    claim = "author"
    if quotation is not None and quotation.speaker:
        claim = "quoted"
    elif reported is not None:
        claim = "reported"
    notes = []
    if quotation is not None and not quotation.speaker:
        notes.append("in quotation marks, but no speaker was found")
    if fallback_note:
        notes.append(fallback_note)
    date = _date(text[cue_start:end])
    candidates = []
    for holder in holders:
        for target in targets:
            if holder == target:
                continue
            fields: dict[str, Any] = {
                "holder": holder, "stance": cue.stance, "target": target, "polarity": "negated" if negated else "affirmed",
            }
            if date:
                fields["date"] = date
            fields["claim"] = claim
            if claim != "author":
                fields["speaker"] = speaker
            fields["quote"] = quote
            if occurrence:
                fields["occurrence"] = str(occurrence)
            description = f'cue "{" ".join(text[cue_start:cue_end].split())}" ({cue.stance}) in sentence {sentence_index + 1}'
            if notes:
                description += "; " + "; ".join(notes)
            candidates.append(Candidate(fields, description, sentence_index))
    return candidates


OPENING_PHRASE = "holder is the subject after the opening phrase"


def _fallback_holder(analysis: _Analysis, sentence: tuple[int, int], context: tuple[int, int], cue_start: int, cue_end: int,
                     target_side: tuple[Mention, list[Mention]], speaker: str | None, in_speech: bool) -> tuple[list[str], list[Mention], str | None]:
    """Find a holder the clause does not name before the cue: the subject after an opening phrase, a possessive after
    the target, or the speaker (a person's state for a person)."""
    text = analysis.text
    # "As a form of support for Serbia, China did not recognize ..."
    head = text[context[0] : cue_start]
    if re.match(r"[“\"]?(?:As|In|With|For|Out of|Through)\b", head) and "," not in head:
        comma = text.find(",", cue_end, context[1])
        if comma != -1:
            following = [m for m in analysis.mentions_in(comma + 1, context[1]) if m.actor is not None]
            if following and re.fullmatch(r"\s*(?:the\s+)?", text[comma + 1 : following[0].start]):
                group = analysis._group(following[0], 1, context[1])
                return list(dict.fromkeys(m.actor for m in group if m.actor)), group, OPENING_PHRASE
    # "support for Serbia has always been ... the basis of Russia’s activities"
    after = max(m.end for m in target_side[1]) if target_side[1] else cue_end
    limit = context[1]
    for a, _b in analysis.barriers(after, context[1], relative=False):
        limit = min(limit, a)
    for mention in analysis.mentions_in(max(after, cue_end), limit):
        if mention.actor is not None and mention.possessive:
            return [mention.actor], [mention], "holder is the possessive after the target"
    if in_speech and speaker is not None:
        info = analysis.actors[speaker]
        if info.kind == "person" and info.affiliation:
            return [info.affiliation], [], "holder is the state of the speaker"
        return [speaker], [], "holder is the speaker"
    return [], [], None


# ------------------------------------------------------------------ names that are not actors

STOP_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "you", "our", "their", "his", "her",
    "as", "in", "on", "at", "by", "for", "with", "after", "before", "asked", "here", "even", "however", "when", "if", "while", "such",
    "let", "some", "source", "photo", "share", "tweet", "and", "but", "so", "or", "of", "to", "from", "there", "what", "who", "which",
    "also", "both", "all", "one", "two", "three", "other", "most", "many", "given", "despite", "according", "by the way", "date",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "world", "politics", "comments", "minister", "president",
    "ministry", "prime", "foreign", "ambassador", "government", "state", "country", "countries", "loading", "no",
    *(month.lower() for month in MONTHS),
}
CONNECTORS = {"of", "de", "la", "del", "da", "von", "van", "der", "bin", "al"}


def unknown_names(text: str, analysis: _Analysis) -> list[tuple[str, int]]:
    """Return capitalised names not covered by an actor mention, with how often each occurs, for the curator."""
    covered = [(m.start, m.end) for m in analysis.mentions if m.actor is not None]
    sentence_starts = {a for a, _ in analysis.sentences}
    counts: Counter[str] = Counter()
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\W\d_][\w’'-]*", text)]
    index = 0
    while index < len(tokens):
        start, end, word = tokens[index]
        if not word[0].isupper() or any(a <= start < b for a, b in covered):
            index += 1
            continue
        run = [tokens[index]]
        next_index = index + 1
        while next_index < len(tokens):
            a, b, w = tokens[next_index]
            gap = text[run[-1][1] : a]
            if gap != " " or any(x <= a < y for x, y in covered):
                break
            if w[0].isupper():
                run.append(tokens[next_index])
                next_index += 1
            elif (w in CONNECTORS and next_index + 1 < len(tokens) and tokens[next_index + 1][2][0].isupper() and text[b : tokens[next_index + 1][0]] == " "
                  and not any(x <= tokens[next_index + 1][0] < y for x, y in covered)):
                run += [tokens[next_index], tokens[next_index + 1]]
                next_index += 2
            else:
                break
        index = next_index
        while run and (run[0][2].lower() in STOP_NAMES or run[0][2].lower() in CONNECTORS):
            run = run[1:]
        while run and (run[-1][2].lower() in STOP_NAMES or run[-1][2].lower() in CONNECTORS):
            run = run[:-1]
        if not run:
            continue
        name = text[run[0][0] : run[-1][1]]
        name = re.sub(r"(?:’s|'s|’)$", "", name)
        if len(run) == 1 and run[0][0] in sentence_starts and re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
            continue  # a capitalised common word at a sentence start
        if len(name) < 2:
            continue
        counts[name] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# ------------------------------------------------------------------ the command's work


def existing_identities(records: Iterable[dict[str, Any]]) -> set[tuple[str, str, str, str, str]]:
    """Return holder, stance, target, polarity and quote of facts already in a file."""
    return {(str(r.get("holder")), str(r.get("stance")), str(r.get("target")), str(r.get("polarity")), str(r.get("quote"))) for r in records}


def assign_keys(candidates: list[Candidate], taken: set[str], phrases: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    """Return the candidates' fields with a unique key each ("china-does-not-recognize-kosovo", then "-2", ...) and status."""
    result = []
    for candidate in candidates:
        f = candidate.fields
        base = _slug(f"{f['holder']} {phrases[(f['stance'], f['polarity'])]} {f['target']}")
        key, number = base, 2
        while key in taken:
            key, number = f"{base}-{number}", number + 1
        taken.add(key)
        result.append({"key": key, **f, "status": "candidate"})
    return result


@dataclass(frozen=True, slots=True)
class SuggestOutcome:
    """What `suggest` did for one article: the candidates written, those already in the file, and unknown names."""

    article_id: str
    written: list[dict[str, Any]]
    duplicates: list[Candidate]
    unknown: list[tuple[str, int]]
    descriptions: dict[str, str]


def read_article_and_actors(project: Path, article_id: str, vocabulary: Vocabulary) -> tuple[Any, list[Record]]:
    """Return an article of the project and the actor records; raises InputErrors if either does not read."""
    from linkeddata.project.seeds import read_actors, read_article

    metadata = project / "seeds" / "articles" / f"{article_id}.yaml"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", article_id) or not metadata.exists():
        known = sorted(path.stem for path in (project / "seeds" / "articles").glob("*.yaml"))
        raise InputErrors([InputError(SourceLocation(f"seeds/articles/{article_id}.yaml", 0),
                                      f"no article {article_id!r} (articles: {', '.join(known) or 'none'})")])
    article, errors = read_article(project, metadata, vocabulary)
    actors, actor_errors = read_actors(project, vocabulary)
    if errors or actor_errors or article is None:
        raise InputErrors(errors + actor_errors)
    return article, actors


def suggest_candidates(project: Path, article_id: str, vocabulary: Vocabulary, lexicon: Lexicon | None = None) -> Suggestions:
    """Return the candidates of one article of the project, in memory, nothing written (for scoring)."""
    article, actors = read_article_and_actors(project, article_id, vocabulary)
    return generate(article.text, actors, lexicon or read_lexicon(project, vocabulary))


def suggest(project: Path, article_id: str, vocabulary: Vocabulary, *, write: bool = True) -> SuggestOutcome:
    """Append the new candidates of one article to its fact file (unless `write` is false) and return what was found."""
    from linkeddata.curate.articles import append_fact_records, facts_path, record_blocks

    suggestions = suggest_candidates(project, article_id, vocabulary)
    path = facts_path(project, article_id)
    _document, blocks, _lines = record_blocks(path, f"seeds/facts/{path.name}")
    present = [dict(block.fields) for block in blocks]
    known = existing_identities(present)
    fresh = [c for c in suggestions.candidates if c.identity() not in known]
    duplicates = [c for c in suggestions.candidates if c.identity() in known]
    taken = {str(record.get("key")) for record in present}
    fields = assign_keys(fresh, taken, stance_phrases(vocabulary))
    descriptions = {f["key"]: c.cue for f, c in zip(fields, fresh, strict=True)}
    if write and fields:
        append_fact_records(project, article_id, [(f, [f"suggested by `linkeddata suggest`: {descriptions[f['key']]}"]) for f in fields], vocabulary)
    return SuggestOutcome(article_id, fields, duplicates, suggestions.unknown, descriptions)
