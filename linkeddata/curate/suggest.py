"""`linkeddata suggest`: proposes candidate stance facts for one article and appends them to its fact file.

Deterministic, offline and rule-based. The work is done by small modules, each with one job:

    sentences     sentences and quotations of the text
    mentions      actors of seeds/actors.yaml (labels, aliases, mentions) and pronouns in the text
    cues          the cue lexicon ontology/stance-lexicon.yaml, and its cues in the text
    analysis      the text indexed once (all of the above) with its clause lookups
    attribution   the speaker of each quotation, and the reporting verb governing a cue
    sides         holder and target around a cue, with coordinated actors ("X and Y")
    candidates    the candidate facts: parties, polarity, claim type, date, the shortest verbatim quote
    names         capitalised names that are not actors, for the curator

Candidates are written with `status: candidate`: `build` does not publish them until `linkeddata review`
accepts them; a candidate rejected there is remembered (curate/rejections.py) and not proposed again.
Capitalised names that are not actors are listed for the curator, never written as facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkeddata.curate.articles import append_fact_records, facts_path, record_blocks
from linkeddata.curate.candidates import Candidate, Suggestions, generate
from linkeddata.curate.cues import Lexicon, read_lexicon
from linkeddata.curate.rejections import read_rejected
from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.namespaces import LD
from linkeddata.project.seeds import Article, Record, read_actors, read_article
from linkeddata.project.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class SuggestOutcome:
    """What `suggest` did for one article: the candidates written, those already in the file, and unknown names."""

    article_id: str
    written: list[dict[str, Any]]
    duplicates: list[Candidate]
    unknown: list[tuple[str, int]]
    descriptions: dict[str, str]


def existing_identities(records: Iterable[dict[str, Any]]) -> set[tuple[str, str, str, str, str]]:
    """Return holder, stance, target, polarity and quote of facts already in a file."""
    return {(str(r.get("holder")), str(r.get("stance")), str(r.get("target")), str(r.get("polarity")), str(r.get("quote"))) for r in records}


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


def read_article_and_actors(project: Path, article_id: str, vocabulary: Vocabulary) -> tuple[Article, list[Record]]:
    """Return an article of the project and the actor records; raises InputErrors if either does not read."""
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
    suggestions = suggest_candidates(project, article_id, vocabulary)
    path = facts_path(project, article_id)
    _document, blocks, _lines = record_blocks(path, f"seeds/facts/{path.name}")
    present = [dict(block.fields) for block in blocks]
    known = existing_identities(present)
    rejected = read_rejected(project, article_id)
    fresh = [c for c in suggestions.candidates if c.identity() not in known and c.identity() not in rejected]
    duplicates = [c for c in suggestions.candidates if c.identity() in known]
    taken = {str(record.get("key")) for record in present}
    fields = assign_keys(fresh, taken, stance_phrases(vocabulary))
    descriptions = {f["key"]: c.cue for f, c in zip(fields, fresh, strict=True)}
    if write and fields:
        append_fact_records(project, article_id, [(f, [f"suggested by `linkeddata suggest`: {descriptions[f['key']]}"]) for f in fields], vocabulary)
    return SuggestOutcome(article_id, fields, duplicates, suggestions.unknown, descriptions)
