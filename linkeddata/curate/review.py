"""A terminal walk through an article's candidate facts: accept, edit, reject, skip or quit.

Each decision is written back to the fact file at once (so quitting, or losing the terminal, keeps the
decisions made so far): accepting removes `status: candidate` from the record, rejecting deletes the
record and remembers it in seeds/rejected/<article>.yaml (so `suggest` does not propose it again), editing
rewrites its fields. Only the record's own text block is rewritten. A candidate is
accepted only if it would pass `build`: known actors, a claim that fits its speaker, a quote found verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from linkeddata.curate.articles import RecordBlock, facts_path, raw_fact_fields, record_blocks, rewrite_fact_records
from linkeddata.curate.rejections import remember_rejected
from linkeddata.curate.sentences import split_sentences
from linkeddata.curate.suggest import read_article_and_actors
from linkeddata.errors import InputErrors, SourceLocation
from linkeddata.project.evidence import QuoteNotFound, find_occurrences, locate_quote
from linkeddata.project.seeds import CANDIDATE_STATUS, FACT_FIELDS, LocatedDict, Record, check_fields, check_references
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


@dataclass
class ReviewSession:
    """One review of one article: where its facts are, what the curator is asked through, and what was done."""

    project: Path
    article_id: str
    vocabulary: Vocabulary
    text: str
    actors: list[Record]
    ask: Callable[[str], str]
    echo: Callable[[str], None]
    summary: ReviewSummary = field(default_factory=ReviewSummary)

    @property
    def path(self) -> Path:
        return facts_path(self.project, self.article_id)

    @property
    def relative(self) -> str:
        return f"seeds/facts/{self.path.name}"

    def blocks(self) -> tuple[list[RecordBlock], list[str]]:
        """Return the fact file's record blocks and lines as they are now (earlier decisions moved the lines)."""
        _document, blocks, lines = record_blocks(self.path, self.relative)
        return blocks, lines

    def answer(self, message: str) -> str:
        """Return the curator's answer; a closed terminal (click.Abort) answers quit."""
        try:
            return self.ask(message).strip()
        except click.Abort:
            return "q"


def candidate_keys(session: ReviewSession) -> list[str]:
    """Return the keys of the records still marked `status: candidate`, in file order."""
    blocks, _lines = session.blocks()
    return [str(block.fields.get("key")) for block in blocks if block.fields.get("status") == CANDIDATE_STATUS]


def accept(session: ReviewSession, key: str, fields: dict[str, Any]) -> bool:
    """Accept a candidate if it would pass `build` (writing it without its status); return whether it was accepted."""
    accepted = {name: value for name, value in fields.items() if name != "status"}
    problems = fact_problems(accepted, session.text, session.actors, session.vocabulary, session.relative)
    for problem in problems:
        session.echo(f"  cannot accept: {problem}")
    if problems:
        session.echo("  edit the fact (field=value), reject it or skip it")
        return False
    rewrite_fact_records(session.project, session.article_id, {key: accepted}, session.vocabulary)
    session.summary.accepted.append(str(accepted["key"]))
    session.echo(f"  accepted {accepted['key']}")
    return True


def reject(session: ReviewSession, key: str, fields: dict[str, Any]) -> None:
    """Delete a candidate from the fact file and remember it, so that `suggest` does not propose it again."""
    rewrite_fact_records(session.project, session.article_id, {key: None}, session.vocabulary)
    remember_rejected(session.project, session.article_id, fields)
    session.summary.rejected.append(key)
    session.echo(f"  rejected {key} (deleted)")


def requested_edit(session: ReviewSession, answer: str, word: str, rest: str) -> tuple[str, str] | None:
    """Return the (field, value) an answer asks for ("e field=value", "field=value", or "e" then a prompt), or None."""
    editing = word.lower() in ("e", "edit")
    edit = parse_edit(rest if editing else answer)
    if edit is None and editing:
        edit = parse_edit(session.answer("field=value (empty value removes an optional field)"))
    if edit is None:
        session.echo(f"  an edit is field=value, with field one of: {', '.join(EDITABLE)}")
    return edit


def edit(session: ReviewSession, key: str, fields: dict[str, Any], change: tuple[str, str]) -> dict[str, Any] | None:
    """Set one field of a candidate in the fact file; return the new fields, or None (with the reason printed)."""
    name, value = change
    blocks, _lines = session.blocks()
    problem = edit_problem(name, value, fields, session.actors, session.vocabulary, {str(b.fields.get("key")) for b in blocks} - {key})
    if problem:
        session.echo(f"  cannot edit: {problem}")
        return None
    changed = {**fields}
    if value == "":
        changed.pop(name, None)
    else:
        changed[name] = value
    try:
        rewrite_fact_records(session.project, session.article_id, {key: changed}, session.vocabulary)
    except InputErrors as raised:
        for error in raised.errors:
            session.echo(f"  cannot edit: {error.message}")
        return None
    if str(changed["key"]) not in session.summary.edited:
        session.summary.edited.append(str(changed["key"]))
    return changed


def decide(session: ReviewSession, key: str, position: int, total: int) -> bool:
    """Ask about one candidate until it is accepted, rejected or skipped; return False if the curator quits."""
    blocks, lines = session.blocks()
    block = next(b for b in blocks if str(b.fields.get("key")) == key)
    fields = raw_fact_fields(block.fields)
    comments = [line.strip() for line in lines[block.first + 1 : block.last + 1] if line.lstrip().startswith("#")]
    show(fields, session.text, position, total, comments, session.echo)
    while True:
        answer = session.answer(CHOICES)
        word, _, rest = answer.partition(" ")
        choice = word.lower()
        if choice in ("a", "accept"):
            if accept(session, key, fields):
                return True
        elif choice in ("e", "edit") or parse_edit(answer):
            change = requested_edit(session, answer, word, rest)
            changed = edit(session, key, fields, change) if change else None
            if changed is not None:
                fields, key = changed, str(changed["key"])
                show(fields, session.text, position, total, [], session.echo)
        elif choice in ("r", "reject"):
            reject(session, key, fields)
            return True
        elif choice in ("s", "skip"):
            session.summary.skipped.append(key)
            return True
        elif choice in ("q", "quit"):
            return False
        else:
            session.echo(f"  answer one of {CHOICES}")


def review(project: Path, article_id: str, vocabulary: Vocabulary, *, prompt: Callable[[str], str] | None = None,
           echo: Callable[[str], None] = click.echo) -> ReviewSummary:
    """Walk through the candidates of one article, writing each decision to its fact file; return what was done."""
    article, actors = read_article_and_actors(project, article_id, vocabulary)
    ask = prompt or (lambda message: click.prompt(message, default="s", show_default=False))
    session = ReviewSession(project, article_id, vocabulary, article.text, actors, ask, echo)
    candidates = candidate_keys(session)
    if not candidates:
        echo(f"no candidates in {session.relative}; run `linkeddata suggest {article_id}` first")
        return session.summary
    echo(f"{len(candidates)} candidate(s) in {session.relative}: {CHOICES}")
    for position, key in enumerate(candidates, 1):
        if not decide(session, key, position, len(candidates)):
            session.summary.left = len(candidates) - position + 1
            break
    return session.summary


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
