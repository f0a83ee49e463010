"""The stance cue lexicon (ontology/stance-lexicon.yaml): reads it, checks it, and finds its cues in a text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.project.seeds import LocatedDict, load_yaml
from linkeddata.project.vocabulary import Vocabulary

LEXICON = "ontology/stance-lexicon.yaml"
SIDES = ("left", "right")
CUE_FIELDS = {"pattern", "holder", "target", "possessor", "polarity", "example"}
WORD_LISTS = ("negators", "speech_verbs", "gap_words", "clause_openers", "relative_words", "clause_after_and", "speaker_pronouns",
              "backshifted_modals", "publication_references", "object_prepositions")
NEVER = "(?!)"  # a pattern that matches nothing, for an empty list


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
class CueMatch:
    """A cue found in a text, with its code-point span."""

    start: int
    end: int
    cue: Cue


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
    modalities: dict[str, re.Pattern[str]]  # modality notation -> its cue words (asserted, the default, has none)
    backshifted_modals: frozenset[str]
    publication_references: tuple[str, ...]
    object_prepositions: frozenset[str]


def word_alternatives(patterns: Iterable[str]) -> re.Pattern[str]:
    """Return one case-insensitive regex matching any of `patterns` as whole words."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w-])", re.IGNORECASE)


def _where(node: Any, name: str | None = None) -> SourceLocation:
    if isinstance(node, LocatedDict):
        return SourceLocation(LEXICON, node.key_lines.get(name, node.line) if name else node.line)
    return SourceLocation(LEXICON, 1)


def _cue_problem(entry: LocatedDict) -> InputError | None:
    """Return the first problem of a cue entry's side, possessor or polarity fields, or None."""
    holder, target = entry.get("holder", "left"), entry.get("target", "right")
    if holder not in SIDES or target not in SIDES:
        return InputError(_where(entry, "holder" if holder not in SIDES else "target"), "holder and target must be 'left' or 'right'")
    if entry.get("possessor") not in (None, "holder", "target"):
        return InputError(_where(entry, "possessor"), "possessor must be 'holder' or 'target'")
    if entry.get("polarity") not in (None, "negated"):
        return InputError(_where(entry, "polarity"), "polarity may only be 'negated'")
    return None


def _read_cue(stance: str, entry: Any, line: int, errors: list[InputError]) -> Cue | None:
    """Return one cue of the lexicon, or None after appending its problems to `errors`."""
    if not isinstance(entry, LocatedDict) or not isinstance(entry.get("pattern"), str):
        errors.append(InputError(_where(entry) if isinstance(entry, LocatedDict) else SourceLocation(LEXICON, line), "a cue needs a 'pattern'"))
        return None
    for name in sorted(set(entry) - CUE_FIELDS):
        errors.append(InputError(_where(entry, name), f"unknown cue field {name!r}"))
    problem = _cue_problem(entry)
    if problem is not None:
        errors.append(problem)
        return None
    pattern = entry["pattern"]
    try:
        regex = re.compile(r"(?<![\w-])(?:" + pattern.replace(" ", r"\s+") + r")(?![\w-])", re.IGNORECASE)
    except re.error as error:
        errors.append(InputError(_where(entry, "pattern"), f"bad pattern: {error}"))
        return None
    return Cue(stance, pattern, regex, entry.get("holder", "left"), entry.get("target", "right"), entry.get("possessor"),
               entry.get("polarity") == "negated", _where(entry).line)


def _read_cues(stances: LocatedDict, vocabulary: Vocabulary, errors: list[InputError]) -> list[Cue]:
    """Return the cues of every stance the ontology defines, appending the problems found to `errors`."""
    cues = []
    for stance, entries in stances.items():
        line = stances.key_lines[stance]
        if stance not in vocabulary.stances:
            errors.append(InputError(SourceLocation(LEXICON, line), f"unknown stance {stance!r} (the ontology defines: {', '.join(sorted(vocabulary.stances))})"))
            continue
        if not isinstance(entries, list):
            errors.append(InputError(SourceLocation(LEXICON, line), f"stance {stance!r}: expected a list of cues"))
            continue
        cues += [cue for entry in entries if (cue := _read_cue(stance, entry, line, errors)) is not None]
    return cues


def _read_word_lists(document: LocatedDict, errors: list[InputError]) -> dict[str, list[str]]:
    """Return the lexicon's word lists by name, appending the problems found to `errors`."""
    lists: dict[str, list[str]] = {}
    for name in WORD_LISTS:
        value = document.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            errors.append(InputError(_where(document, name), f"'{name}' must be a list of non-empty texts"))
            value = []
        lists[name] = value
    for name in ("negators", "speech_verbs"):
        try:
            word_alternatives(lists[name] or [NEVER])
        except re.error as error:
            errors.append(InputError(_where(document, name), f"bad pattern in '{name}': {error}"))
    return lists


def _read_modalities(document: LocatedDict, vocabulary: Vocabulary, errors: list[InputError]) -> dict[str, re.Pattern[str]]:
    """Return the cue words of each modality of the `modalities:` section, appending the problems found to `errors`."""
    section = document.get("modalities", LocatedDict())
    if not isinstance(section, LocatedDict):
        errors.append(InputError(_where(document, "modalities"), "'modalities' must be a mapping of modality to cues"))
        return {}
    modalities = {}
    for notation, entries in section.items():
        where = SourceLocation(LEXICON, section.key_lines[notation])
        if notation not in vocabulary.modalities:
            errors.append(InputError(where, f"unknown modality {notation!r} (the ontology defines: {', '.join(sorted(vocabulary.modalities))})"))
            continue
        patterns = [entry.get("pattern") for entry in entries] if isinstance(entries, list) and all(isinstance(e, dict) for e in entries) else None
        if not patterns or not all(isinstance(p, str) and p for p in patterns):
            errors.append(InputError(where, f"modality {notation!r}: expected a list of cues, each with a 'pattern'"))
            continue
        try:
            modalities[notation] = word_alternatives(p.replace(" ", r"\s+") for p in patterns)
        except re.error as error:
            errors.append(InputError(where, f"modality {notation!r}: bad pattern: {error}"))
    return modalities


def read_lexicon(project: Path, vocabulary: Vocabulary) -> Lexicon:
    """Return the project's stance cue lexicon; raises InputErrors naming `path:line` of every problem."""
    document = load_yaml(project / LEXICON, LEXICON)
    if not isinstance(document, LocatedDict) or not isinstance(document.get("stances"), LocatedDict):
        raise InputErrors([InputError(_where(document), "expected a mapping with a 'stances' mapping")])
    errors: list[InputError] = []
    cues = _read_cues(document["stances"], vocabulary, errors)
    lists = _read_word_lists(document, errors)
    modalities = _read_modalities(document, vocabulary, errors)
    if errors:
        raise InputErrors(errors)
    return Lexicon(
        cues=tuple(cues),
        negators=word_alternatives(lists["negators"] or [NEVER]),
        speech_verbs=word_alternatives(lists["speech_verbs"] or [NEVER]),
        gap_words=frozenset(word.lower() for word in lists["gap_words"]),
        clause_openers=frozenset(word.lower() for word in lists["clause_openers"]),
        relative_words=frozenset(word.lower() for word in lists["relative_words"]),
        clause_after_and=frozenset(word.lower() for word in lists["clause_after_and"]),
        speaker_pronouns=tuple(sorted(lists["speaker_pronouns"], key=len, reverse=True)),
        modalities=modalities,
        backshifted_modals=frozenset(word.lower() for word in lists["backshifted_modals"]),
        publication_references=tuple(sorted((word.lower() for word in lists["publication_references"]), key=len, reverse=True)),
        object_prepositions=frozenset(word.lower() for word in lists["object_prepositions"]),
    )


def find_cues(text: str, lexicon: Lexicon) -> list[CueMatch]:
    """Return the cues found in `text`, in text order: where cues overlap, the longest wins (then the earliest listed)."""
    found = []
    for order, cue in enumerate(lexicon.cues):
        for match in cue.regex.finditer(text):
            found.append((match.start(), match.end(), order, cue))
    chosen: list[CueMatch] = []
    for start, end, _order, cue in sorted(found, key=lambda item: (-(item[1] - item[0]), item[0], item[2])):
        if all(end <= m.start or start >= m.end for m in chosen):
            chosen.append(CueMatch(start, end, cue))
    return sorted(chosen, key=lambda m: m.start)
