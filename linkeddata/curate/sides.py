"""The two sides of a stance cue: the actor before it and the actor after it, with the actors coordinated with each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkeddata.curate.analysis import Analysis
from linkeddata.curate.mentions import Mention

AND_LINK = re.compile(r"\s*\)?\s*(?:,\s*(?:and|or)\s+|and\s+|or\s+|as well as\s+|&\s+)(?:the\s+)?")
COMMA_LINK = re.compile(r"\s*\)?\s*,\s*(?:the\s+)?")


@dataclass(frozen=True, slots=True)
class Side:
    """The actor (or pronoun) nearest a cue on one side, and it with the actors coordinated with it."""

    nearest: Mention
    group: list[Mention]


def _link(analysis: Analysis, current: Mention, direction: int, limit: int) -> tuple[Mention, str] | None:
    """Return the next actor from `current` going `direction` and how it is linked: alias "X (XY)", and, comma."""
    pool = analysis.actor_mentions()
    if direction < 0:
        before = [m for m in pool if m.end <= current.start and m.start >= limit]
        nxt = before[-1] if before else None
        gap = analysis.text[nxt.end : current.start] if nxt else ""
    else:
        after = [m for m in pool if m.start >= current.end and m.end <= limit]
        nxt = after[0] if after else None
        gap = analysis.text[current.end : nxt.start] if nxt else ""
    if nxt is None:
        return None
    if gap.strip() in ("(", ")") and nxt.actor == current.actor:
        return nxt, "alias"
    if AND_LINK.fullmatch(gap):
        return nxt, "and"
    if COMMA_LINK.fullmatch(gap):
        return nxt, "comma"
    return None


def _kept(chain: list[tuple[Mention, str]], direction: int) -> int:
    """Return how many links of the chain make a list: a bare comma links two actors only in a list an "and" closes."""
    if direction < 0:
        # read from the cue outwards: the first real link must be an "and"; commas may follow it
        kinds = [kind for _, kind in chain if kind != "alias"]
        if kinds and kinds[0] == "comma":
            return next(i for i, (_, kind) in enumerate(chain) if kind == "comma")
        return len(chain)
    # read left to right: keep up to the last "and"; commas after it end no list
    keep = max((i for i, (_, kind) in enumerate(chain) if kind == "and"), default=-1) + 1
    while keep < len(chain) and chain[keep][1] == "alias":
        keep += 1
    return keep


def coordinated(analysis: Analysis, first: Mention, direction: int, limit: int) -> list[Mention]:
    """Return `first` and the actors coordinated with it ("X and Y", "X, Y and Z", "X (XY)") going `direction`.

    A bare comma links two actors only inside a list that an "and" (or "or") closes: "for Serbia, China did"
    is no list, "Spain, Slovakia and Cyprus" is one.
    """
    if first.actor is None:
        return [first]
    chain: list[tuple[Mention, str]] = []
    current = first
    while (link := _link(analysis, current, direction, limit)) is not None:
        chain.append(link)
        current = link[0]
    return [first, *(m for m, _ in chain[: _kept(chain, direction)])]


def possessor(analysis: Analysis, cue_start: int, left: int) -> Mention | None:
    """An actor (or possessive pronoun) in the possessive just before a noun cue, at most two words before it."""
    candidates = [m for m in analysis.mentions if m.end <= cue_start and m.start >= left]
    if not candidates:
        return None
    mention = candidates[-1]
    between = re.sub(r"^(?:’s|'s|’|')", "", analysis.text[mention.end : cue_start])
    if not mention.possessive or re.search(r"[^\w\s-]", between) or len(between.split()) > 2:
        return None
    return mention


def after_preposition(analysis: Analysis, mention: Mention, floor: int) -> bool:
    """Return whether an actor is the object of a preposition ("among EU candidates"), so no subject."""
    before = analysis.words_between(max(floor, mention.start - 16), mention.start)
    before = [w for w in before if w not in ("the", "a", "an")]
    return bool(before) and before[-1] in analysis.lexicon.object_prepositions


def left_side(analysis: Analysis, limit: int, cue_start: int, skip: Mention | None = None) -> Side | None:
    """The nearest actor or pronoun before the cue, after `limit` and not a preposition's object, with the actors
    coordinated with it."""
    candidates = [m for m in analysis.mentions if m.end <= cue_start and m.start >= limit and m is not skip
                  and (skip is None or m.end <= skip.start) and not after_preposition(analysis, m, limit)]
    if not candidates:
        return None
    nearest = candidates[-1]
    return Side(nearest, coordinated(analysis, nearest, -1, limit))


def right_side(analysis: Analysis, cue_end: int, limit: int) -> Side | None:
    """The actor or pronoun right after the cue, with only gap words between, and the actors coordinated with it."""
    candidates = analysis.mentions_in(cue_end, limit)
    if not candidates:
        return None
    nearest = candidates[0]
    between = [w for w in analysis.words_between(cue_end, nearest.start) if w != "."]
    if any(w not in analysis.lexicon.gap_words for w in between):
        return None
    return Side(nearest, coordinated(analysis, nearest, 1, limit))


def shared_subject(analysis: Analysis, context: tuple[int, int], left: int) -> Side | None:
    """The subject of the clause before "and has ...", "and refused ...": a second verb phrase shares it
    ("Serbia is one of Russia’s allies and has refused to join sanctions")."""
    conjunction = analysis.words_between(max(context[0], left - 4), left)
    if conjunction[-1:] != ["and"]:
        return None
    clause_start = context[0]
    for _a, b in analysis.barriers(context[0], left - 3, relative=True):
        clause_start = max(clause_start, b)
    first = next((m for m in analysis.mentions_in(clause_start, left) if m.actor is not None), None)
    if first is None or analysis.words_between(clause_start, first.start) not in ([], ["the"]):
        return None
    return Side(first, coordinated(analysis, first, 1, left - 3))
