"""Finds the actors of seeds/actors.yaml (labels, aliases, mentions) and speaker pronouns in a text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from linkeddata.project.seeds import Record

POSSESSIVE_PRONOUNS = ("its", "their", "our", "his", "her", "my")


@dataclass(frozen=True, slots=True)
class ActorInfo:
    """What suggest knows of an actor: its key, kind, the names that stand for it, and (for a person) its state."""

    key: str
    kind: str
    names: tuple[str, ...]
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """An actor (or a pronoun, actor None) named in the text, with its code-point span."""

    start: int
    end: int
    actor: str | None
    text: str
    possessive: bool


def _state_named_first(name: str, states: dict[str, str]) -> str | None:
    """Return the state whose name (longest first) opens `name` ("Russian Ambassador to Belgrade" -> russia)."""
    for state_name, state in sorted(states.items(), key=lambda item: -len(item[0])):
        if re.match(re.escape(state_name) + r"(?![\w-])", name):
            return state
    return None


def actor_table(actors: Iterable[Record]) -> dict[str, ActorInfo]:
    """Return the actors by key, each person with the state its office mentions name ("Russian Ambassador" -> russia)."""
    table = {}
    for actor in actors:
        names = [actor.fields["label"], *actor.fields.get("aliases", []), *actor.fields.get("mentions", [])]
        table[actor.id] = ActorInfo(actor.id, actor.fields["kind"], tuple(dict.fromkeys(names)))
    states = {name: info.key for info in table.values() if info.kind == "state" for name in info.names}
    for key, info in table.items():
        if info.kind != "person":
            continue
        affiliation = next((state for name in info.names if (state := _state_named_first(name, states))), None)
        if affiliation:
            table[key] = ActorInfo(info.key, info.kind, info.names, affiliation)
    return table


def is_possessive(text: str, end: int) -> bool:
    """Return whether the word ending at `end` is written in the possessive ("Russia’s", "the Serbs’")."""
    return text[end : end + 2] in ("’s", "'s") or (text[end : end + 1] in ("’", "'") and text[end - 1 : end] == "s")


def _actor_mentions(text: str, actors: dict[str, ActorInfo], taken: list[bool]) -> list[Mention]:
    """Return the actor names found in `text`, longest name first, marking the code points they take."""
    names = sorted({(name, info.key) for info in actors.values() for name in info.names}, key=lambda item: (-len(item[0]), item[0]))
    found = []
    for name, key in names:
        for match in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            if any(taken[match.start() : match.end()]):
                continue
            for index in range(match.start(), match.end()):
                taken[index] = True
            found.append(Mention(match.start(), match.end(), key, match.group(), is_possessive(text, match.end())))
    return found


def _pronoun_mentions(text: str, pronouns: Iterable[str], taken: list[bool]) -> list[Mention]:
    """Return the pronouns in `text` outside actor names: lower case, or capitalised as a sentence's first word."""
    words = sorted({p.lower() for p in pronouns}, key=len, reverse=True)
    if not words:
        return []
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in words)
    capitalised = "|".join(re.escape(p[:1].upper() + p[1:]) for p in words)
    found = []
    for match in re.finditer(r"(?<![\w-])(?:" + alternatives + "|" + capitalised + r")(?![\w-])", text):
        word = match.group()
        # "US" is an actor, "us" a pronoun: only lower case, "I" or a capitalised first letter count
        if (word == "I" or word.islower() or word[1:].islower()) and not any(taken[match.start() : match.end()]):
            found.append(Mention(match.start(), match.end(), None, word, word.lower() in POSSESSIVE_PRONOUNS))
    return found


def find_mentions(text: str, actors: dict[str, ActorInfo], pronouns: Iterable[str]) -> list[Mention]:
    """Return every actor mention (longest name first, case-sensitive) and every pronoun, sorted and non-overlapping."""
    taken = [False] * len(text)
    found = _actor_mentions(text, actors, taken) + _pronoun_mentions(text, pronouns, taken)
    return sorted(found, key=lambda m: m.start)
