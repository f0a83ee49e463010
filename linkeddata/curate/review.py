"""A terminal walk through an article's candidate facts: accept, edit, reject, skip or quit.

Each decision is written back to the fact file at once (so quitting, or losing the terminal, keeps the
decisions made so far): accepting removes `status: candidate` from the record, rejecting deletes the
record, editing rewrites its fields. Only the record's own text block is rewritten. A candidate is
accepted only if it would pass `build`: known actors, a claim that fits its speaker, a quote found verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from linkeddata.curate.articles import facts_path, raw_fact_fields, record_blocks, rewrite_fact_records
from linkeddata.errors import InputErrors, SourceLocation
from linkeddata.project.evidence import QuoteNotFound, find_occurrences, locate_quote
from linkeddata.project.seeds import CANDIDATE_STATUS, FACT_FIELDS, LocatedDict, Record, check_fields, check_references
from linkeddata.curate.suggest import read_article_and_actors, split_sentences
from linkeddata.project.vocabulary import Vocabulary

CHOICES = "[a]ccept / [e]dit field=value / [r]eject / [s]kip / [q]uit"
EDITABLE = tuple(name for name in FACT_FIELDS if name != "status")


@dataclass
class ReviewSummary:
    """What a review did."""

    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    left: int = 0


def fact_problems(fields: dict[str, Any], text: str, actors: list[Record], vocabulary: Vocabulary, relative: str) -> list[str]:
    """Return why a fact with these fields would not pass `build` (fields, actor keys, claim and speaker, quote)."""
    raw = LocatedDict({name: value for name, value in fields.items() if name != "status"})
    raw.line, raw.key_lines = 0, {}
    location = SourceLocation(relative, 0)
    errors = check_fields(raw, FACT_FIELDS, vocabulary, location, f'fact "{fields.get("key")}"')
    if errors:
        return [error.message for error in errors]
    record = Record("fact", str(fields["key"]), dict(raw), location)
    problems = [error.message for error in check_references([record], actors, vocabulary)]
    try:
        locate_quote(text, fields["quote"], int(fields["occurrence"]) if "occurrence" in fields else None)
    except QuoteNotFound as problem:
        problems.append(f'fact "{fields["key"]}": {problem}')
    return problems


def show(fields: dict[str, Any], text: str, position: int, total: int, comments: list[str], echo: Callable[[str], None]) -> None:
    """Print one candidate: its statement, attribution, quote in its sentence, and why suggest proposed it."""
    echo("")
    echo(f"[{position}/{total}] {fields.get('key')}")
    echo(f"  {fields.get('holder')} {fields.get('stance')} {fields.get('target')} ({fields.get('polarity')})")
    extras = [f"{name} {fields[name]}" for name in ("claim", "speaker", "date", "aspect", "occurrence") if fields.get(name)]
    echo("  " + ", ".join(extras))
    quote = str(fields.get("quote", ""))
    starts = find_occurrences(text, quote) if quote else []
    index = int(fields["occurrence"]) - 1 if str(fields.get("occurrence", "")).isdigit() else 0
    if starts and 0 <= index < len(starts):
        start, end = starts[index], starts[index] + len(quote)
        sentence = next(((a, b) for a, b in split_sentences(text) if a <= start < b), (start, end))
        a, b = min(sentence[0], start), max(sentence[1], end)
        echo("  " + " ".join(f"{text[a:start]}»{text[start:end]}«{text[end:b]}".split()))
    else:
        echo(f"  quote (not found verbatim in the text): {quote}")
    for comment in comments:
        echo(f"  {comment.lstrip('# ').strip()}")


def parse_edit(answer: str) -> tuple[str, str] | None:
    """Return (field, value) of `field=value`, or None if the answer is not one."""
    match = re.fullmatch(r"\s*([a-z_]+)\s*=(.*)", answer, re.DOTALL)
    if not match:
        return None
    value = match.group(2).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return match.group(1), value


def review(project: Path, article_id: str, vocabulary: Vocabulary, *, prompt: Callable[[str], str] | None = None,
           echo: Callable[[str], None] = click.echo) -> ReviewSummary:
    """Walk through the candidates of one article, writing each decision to its fact file; return what was done."""
    ask = prompt or (lambda message: click.prompt(message, default="s", show_default=False))
    article, actors = read_article_and_actors(project, article_id, vocabulary)
    path = facts_path(project, article_id)
    relative = f"seeds/facts/{path.name}"
    _document, blocks, _lines = record_blocks(path, relative)
    candidates = [str(block.fields.get("key")) for block in blocks if block.fields.get("status") == CANDIDATE_STATUS]
    summary = ReviewSummary()
    if not candidates:
        echo(f"no candidates in {relative}; run `linkeddata suggest {article_id}` first")
        return summary
    echo(f"{len(candidates)} candidate(s) in {relative}: {CHOICES}")
    for position, key in enumerate(candidates, 1):
        _document, blocks, lines = record_blocks(path, relative)  # earlier decisions moved the lines
        block = next(b for b in blocks if str(b.fields.get("key")) == key)
        fields = raw_fact_fields(block.fields)
        comments = [line.strip() for line in lines[block.first + 1 : block.last + 1] if line.lstrip().startswith("#")]
        show(fields, article.text, position, len(candidates), comments, echo)
        while True:
            try:
                answer = ask(CHOICES).strip()
            except click.Abort:
                answer = "q"
            word, _, rest = answer.partition(" ")
            if word.lower() in ("a", "accept"):
                accepted = {name: value for name, value in fields.items() if name != "status"}
                problems = fact_problems(accepted, article.text, actors, vocabulary, relative)
                if problems:
                    for problem in problems:
                        echo(f"  cannot accept: {problem}")
                    echo("  edit the fact (field=value), reject it or skip it")
                    continue
                rewrite_fact_records(project, article_id, {key: accepted}, vocabulary)
                summary.accepted.append(str(accepted["key"]))
                echo(f"  accepted {accepted['key']}")
                break
            editing = word.lower() in ("e", "edit")
            if editing or parse_edit(answer):
                edit = parse_edit(rest if editing else answer)
                if edit is None:
                    try:
                        edit = parse_edit(ask("field=value (empty value removes an optional field)"))
                    except click.Abort:
                        edit = None
                if edit is None:
                    echo(f"  an edit is field=value, with field one of: {', '.join(EDITABLE)}")
                    continue
                name, value = edit
                problem = edit_problem(name, value, fields, actors, vocabulary, {str(b.fields.get('key')) for b in blocks} - {key})
                if problem:
                    echo(f"  cannot edit: {problem}")
                    continue
                changed = {**fields}
                if value == "":
                    changed.pop(name, None)
                else:
                    changed[name] = value
                try:
                    rewrite_fact_records(project, article_id, {key: changed}, vocabulary)
                except InputErrors as raised:
                    for error in raised.errors:
                        echo(f"  cannot edit: {error.message}")
                    continue
                fields, key = changed, str(changed["key"])
                _document, blocks, lines = record_blocks(path, relative)
                if key not in summary.edited:
                    summary.edited.append(key)
                show(fields, article.text, position, len(candidates), [], echo)
                continue
            if word.lower() in ("r", "reject"):
                rewrite_fact_records(project, article_id, {key: None}, vocabulary)
                summary.rejected.append(key)
                echo(f"  rejected {key} (deleted)")
                break
            if word.lower() in ("s", "skip"):
                summary.skipped.append(key)
                break
            if word.lower() in ("q", "quit"):
                summary.left = len(candidates) - position + 1
                return summary
            echo(f"  answer one of {CHOICES}")
    return summary


def edit_problem(name: str, value: str, fields: dict[str, Any], actors: list[Record], vocabulary: Vocabulary, other_keys: set[str]) -> str | None:
    """Return why `name=value` cannot be set on a candidate, or None."""
    if name not in EDITABLE:
        return f"unknown field {name!r} (fields: {', '.join(EDITABLE)})"
    required, factory = FACT_FIELDS[name]
    if value == "":
        return f"'{name}' is required" if required else None
    problem = factory(vocabulary)(value)
    if problem:
        return f"'{name}' {problem}"
    if name in ("holder", "target", "speaker") and value not in {actor.id for actor in actors}:
        return f"unknown actor key {value!r} (not in seeds/actors.yaml)"
    if name == "key" and value in other_keys:
        return f"key {value!r} is already used in this file"
    return None
