"""Reads the seed project (articles, fact files, actors) into records that remember file and line."""

from __future__ import annotations

import datetime
import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.project.vocabulary import Vocabulary

try:  # the C loader is several times faster on large fact files
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ARTICLE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DATE_PATTERN = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
CANDIDATE_STATUS = "candidate"


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a seed file: its type, identity, fields and where it was written."""

    type: str
    id: str
    fields: dict[str, Any]
    location: SourceLocation
    field_lines: dict[str, int] = field(default_factory=dict)

    def located(self, name: str) -> SourceLocation:
        """Return the location of one field, or of the record if the field is absent."""
        return SourceLocation(self.location.path, self.field_lines.get(name, self.location.line))


@dataclass(frozen=True, slots=True)
class Article:
    """A seed article: its metadata record and its verbatim text."""

    record: Record
    text: str
    text_path: str


@dataclass(frozen=True, slots=True)
class Seeds:
    """Everything `build` reads from `seeds/`."""

    actors: list[Record]
    articles: list[Article]
    facts: list[Record]
    candidates: list[Record]

    def records(self) -> list[Record]:
        """Return every published record: actors, article metadata and facts."""
        return [*self.actors, *(article.record for article in self.articles), *self.facts]


@dataclass(frozen=True, slots=True)
class ArticleSource:
    """What a release keeps of one seed article once it is mapped: its id, title, address, date and text file."""

    id: str
    title: str
    url: str
    published: str
    text_path: str


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a release keeps of its seeds once they are mapped: the actors, each article's source, and the counts.

    A build drops the seeds themselves for it: their records took 115 MB at 100,000 facts (83 MB of it given back), and the store's
    bulk load and the dump writers need that memory next.
    """

    actors: list[Record]
    articles: list[ArticleSource]
    facts: int
    candidates: int

    @classmethod
    def of(cls, seeds: Seeds) -> SeedSummary:
        # Copies, not the records' own strings: one string left alive holds a whole block of Python's allocator, and
        # an article's record and its facts' records share blocks, so the seeds' memory would stay taken.
        def fresh(text: object) -> str:
            return str(text).encode("utf-8").decode("utf-8")

        return cls(seeds.actors,
                   [ArticleSource(fresh(article.record.id), fresh(article.record.fields["title"]), fresh(article.record.fields["url"]),
                                  fresh(article.record.fields["published"]), fresh(article.text_path)) for article in seeds.articles],
                   len(seeds.facts), len(seeds.candidates))


# ------------------------------------------------------------------ YAML with line numbers


class LocatedDict(dict[str, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class _YamlShapeError(Exception):
    """A well-formed YAML document this reader refuses: a recursive alias or a repeated key."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_BUILDING = object()
# Keys and short values (actor keys, stances, dates) repeat in every record: held once each, they take about 0.9 KB
# less per fact, a gigabyte of a million-fact build's peak. Quotes and other long texts are rarely repeated.
_SHARED_SCALAR_MAX = 40


def _to_python(node: yaml.Node, _memo: dict[int, Any] | None = None) -> Any:
    # Each node is converted once, so aliases are shared rather than re-expanded (no "billion laughs")
    # and an alias that points into its own anchor is refused instead of recursing forever.
    memo: dict[int, Any] = {} if _memo is None else _memo
    if id(node) in memo:
        if memo[id(node)] is _BUILDING:
            raise _YamlShapeError(node.start_mark.line + 1, "an alias refers to the node that contains it")
        return memo[id(node)]
    memo[id(node)] = _BUILDING
    value: Any
    if isinstance(node, yaml.MappingNode):
        mapping = LocatedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = sys.intern(str(_to_python(key_node, memo)))
            if key in mapping.key_lines:
                raise _YamlShapeError(key_node.start_mark.line + 1, f"key '{key}' repeated (first at line {mapping.key_lines[key]})")
            mapping[key] = _to_python(value_node, memo)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        value = mapping
    elif isinstance(node, yaml.SequenceNode):
        value = [_to_python(item, memo) for item in node.value]
    else:
        # Scalars stay text: a curator's "2008" or "051" must not turn into a number.
        assert isinstance(node, yaml.ScalarNode)
        if node.tag == "tag:yaml.org,2002:null" or (node.style is None and node.value in ("", "~", "null")):
            value = None
        elif len(node.value) <= _SHARED_SCALAR_MAX:
            value = sys.intern(node.value)
        else:
            value = node.value
    memo[id(node)] = value
    return value


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def load_yaml(path: Path, relative: str) -> Any:
    """Return the YAML document at `path` with line-aware mappings; raises InputErrors on bad syntax."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputErrors([InputError(SourceLocation(relative, 0), f"cannot read the file: {error.strerror or error}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputErrors([InputError(SourceLocation(relative, line), f"not UTF-8 text ({error.reason})")]) from None
    try:
        node = yaml.compose(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or error.context or "malformed YAML"
        end = len(text.rstrip())
        opened = error.context_mark if error.context_mark is not None and error.context_mark.index < end else None
        if mark is not None and mark.index >= end:
            # The file ended inside an unclosed quote or bracket: point at where it opens, not past the last line.
            line = opened.line + 1 if opened is not None else text[:end].count("\n") + 1
            if "end of stream" not in problem:
                problem += " at the end of the file"
        if error.problem and error.context:
            where = f" starting at line {opened.line + 1}" if opened is not None and opened.line + 1 != line else ""
            problem += f" ({error.context}{where})"
        raise InputErrors([InputError(SourceLocation(relative, line), _one_line(f"malformed YAML: {problem}"))]) from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise InputErrors([InputError(SourceLocation(relative, line), f"malformed YAML: {error.reason} (character {error.character!r})")]) from None
    except yaml.YAMLError as error:
        raise InputErrors([InputError(SourceLocation(relative, 0), _one_line(f"malformed YAML: {error}"))]) from None
    except RecursionError:
        raise InputErrors([InputError(SourceLocation(relative, 0), "malformed YAML: nested too deeply")]) from None
    if node is None:
        return None
    try:
        return _to_python(node)
    except _YamlShapeError as error:
        raise InputErrors([InputError(SourceLocation(relative, error.line), f"malformed YAML: {error.message}")]) from None
    except RecursionError:
        raise InputErrors([InputError(SourceLocation(relative, 0), "malformed YAML: nested too deeply")]) from None


# ------------------------------------------------------------------ field checks, as a table


Check = Callable[[Any], str | None]


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _matching(pattern: re.Pattern[str], what: str) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return f"must be {what}, got {value!r}"
        return None

    return check


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        return f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD"
    parts = [int(part) for part in value.split("-")]
    try:
        datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as error:
        return f"bad date {value!r}: {error}"
    return None


def _text_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        return "must be a list of non-empty texts"
    return None


def _positive_integer(value: Any) -> str | None:
    # str.isdigit() also accepts digits int() refuses, such as "²"
    return None if isinstance(value, str) and re.fullmatch(r"[0-9]+", value) and int(value) > 0 else "must be a positive integer"


def _one_of(allowed: Callable[[Vocabulary], set[str]], what: str) -> Callable[[Vocabulary], Check]:
    def bind(vocabulary: Vocabulary) -> Check:
        choices = allowed(vocabulary)

        def check(value: Any) -> str | None:
            if not isinstance(value, str) or value not in choices:
                return f"unknown {what} {value!r} (known: {', '.join(sorted(choices))})"
            return None

        return check

    return bind


def _fixed(check: Check) -> Callable[[Vocabulary], Check]:
    return lambda vocabulary: check


# field -> (required, check factory); the vocabulary comes from ontology/, so new stances need no code here
ACTOR_FIELDS: dict[str, tuple[bool, Callable[[Vocabulary], Check]]] = {
    "key": (True, _fixed(_matching(KEY_PATTERN, "a lower-case key like 'united-states'"))),
    "label": (True, _fixed(_text)),
    "kind": (True, _one_of(lambda v: set(v.actor_kinds), "actor kind")),
    "wikidata": (False, _fixed(_matching(QID_PATTERN, "a Wikidata Q-id like 'Q403'"))),
    "wikidata_source": (False, _fixed(_text)),
    "aliases": (False, _fixed(_text_list)),
    "mentions": (False, _fixed(_text_list)),
}
ARTICLE_FIELDS: dict[str, tuple[bool, Callable[[Vocabulary], Check]]] = {
    "id": (True, _fixed(_matching(ARTICLE_ID_PATTERN, "the article id (its file name)"))),
    "title": (True, _fixed(_text)),
    "url": (True, _fixed(_matching(re.compile(r"^https?://\S+$"), "an http(s) URL"))),
    "published": (True, _fixed(_date)),
    "language": (True, _fixed(_matching(LANGUAGE_PATTERN, "a BCP 47 language tag like 'en'"))),
    "sha256": (True, _fixed(_matching(SHA256_PATTERN, "the text's SHA-256 in lower-case hex"))),
    "publisher": (False, _fixed(_text)),
    "note": (False, _fixed(_text)),
    # A web archive's snapshot of the original page and the day it was taken (published as schema:archivedAt).
    "archived": (False, _fixed(_matching(re.compile(r"^https?://\S+$"), "the snapshot's http(s) URL"))),
    "archived_date": (False, _fixed(_matching(re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "the snapshot's date, YYYY-MM-DD"))),
}
FACT_FIELDS: dict[str, tuple[bool, Callable[[Vocabulary], Check]]] = {
    "key": (True, _fixed(_matching(KEY_PATTERN, "a lower-case key like 'china-supports-serbia'"))),
    "holder": (True, _fixed(_text)),
    "stance": (True, _one_of(lambda v: set(v.stances), "relation")),
    "target": (True, _fixed(_text)),
    "polarity": (True, _one_of(lambda v: set(v.polarities), "polarity")),
    "claim": (True, _one_of(lambda v: set(v.claim_types), "claim type")),
    "quote": (True, _fixed(_text)),
    "occurrence": (False, _fixed(_positive_integer)),
    "speaker": (False, _fixed(_text)),
    "aspect": (False, _fixed(_text)),
    "date": (False, _fixed(_date)),
    "status": (False, _fixed(_matching(re.compile(f"^{CANDIDATE_STATUS}$"), f"'{CANDIDATE_STATUS}' or absent"))),
    "note": (False, _fixed(_text)),
    "modality": (False, _one_of(lambda v: set(v.modalities), "modality")),
    "condition": (False, _fixed(_text)),
    "source": (False, _fixed(_text)),
    "withdrawn": (False, _fixed(_matching(re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "the withdrawal's date, YYYY-MM-DD"))),
    "withdrawal_reason": (False, _fixed(_text)),
}


def check_fields(
    raw: Any,
    schema: dict[str, tuple[bool, Callable[[Vocabulary], Check]]],
    vocabulary: Vocabulary,
    location: SourceLocation,
    what: str,
) -> list[InputError]:
    """Return every schema error of one raw record (missing, unknown or malformed fields)."""
    if not isinstance(raw, LocatedDict):
        return [InputError(location, f"{what}: expected a mapping of fields")]
    errors = []
    for name, (required, factory) in schema.items():
        if raw.get(name) is None:
            if required:
                errors.append(InputError(location, f"{what}: missing required field '{name}'"))
            continue
        problem = factory(vocabulary)(raw[name])
        if problem:
            line = raw.key_lines.get(name, location.line)
            errors.append(InputError(SourceLocation(location.path, line), f"{what}: field '{name}' {problem}"))
    for name in raw:
        if name not in schema:
            line = raw.key_lines.get(name, location.line)
            errors.append(InputError(SourceLocation(location.path, line), f"{what}: unknown field '{name}'"))
    return errors


def _shown(key: Any) -> str:
    """Return a record key for a message; a key that is not plain one-line text is shown as its repr."""
    return key if isinstance(key, str) and key.isprintable() else repr(key)


def _record(type_: str, id_: str, raw: LocatedDict, path: str) -> Record:
    fields = {name: value for name, value in raw.items() if value is not None}
    return Record(type_, id_, fields, SourceLocation(path, raw.line), dict(raw.key_lines))


# ------------------------------------------------------------------ readers


def read_actors(project: Path, vocabulary: Vocabulary, declared: set[str] | None = None) -> tuple[list[Record], list[InputError]]:
    """Return the actor records of `seeds/actors.yaml` and the errors found in it.

    `declared`, if given, receives every key the file declares, valid record or not.
    """
    relative = "seeds/actors.yaml"
    document = load_yaml(project / relative, relative)
    if not isinstance(document, dict) or not isinstance(document.get("actors"), list):
        return [], [InputError(SourceLocation(relative, 1), "expected a mapping with an 'actors' list")]
    actors, errors, seen = [], [], {}
    for raw in document["actors"]:
        location = SourceLocation(relative, getattr(raw, "line", 0))
        key = raw.get("key") if isinstance(raw, dict) else None
        problems = check_fields(raw, ACTOR_FIELDS, vocabulary, location, f'actor "{_shown(key)}"')
        if isinstance(key, str) and key in seen:
            problems.append(InputError(location, f'actor "{key}": duplicate key (first at line {seen[key]})'))
        if isinstance(key, str) and declared is not None:
            declared.add(key)
        errors += problems
        if not problems:
            seen[key] = location.line
            actors.append(_record("actor", key, raw, relative))
    return actors, errors


def read_article(project: Path, metadata_path: Path, vocabulary: Vocabulary) -> tuple[Article | None, list[InputError]]:
    """Return one article (metadata and verbatim text) and the errors found in it."""
    relative = metadata_path.relative_to(project).as_posix()
    document = load_yaml(metadata_path, relative)
    location = SourceLocation(relative, getattr(document, "line", 1))
    errors = check_fields(document, ARTICLE_FIELDS, vocabulary, location, "article")
    if errors:
        return None, errors
    for given, missing in (("archived", "archived_date"), ("archived_date", "archived")):
        if document.get(given) is not None and document.get(missing) is None:
            errors.append(InputError(document_location(document, relative, given), f"article: field '{given}' needs '{missing}' too (a snapshot is its URL and the day it was taken)"))
    if document.get("archived_date") is not None and (problem := _date(document["archived_date"])):
        errors.append(InputError(document_location(document, relative, "archived_date"), f"article: field 'archived_date' {problem}"))
    if errors:
        return None, errors
    article_id = document["id"]
    if article_id != metadata_path.stem:
        return None, [InputError(document_location(document, relative, "id"), f"article id {article_id!r} differs from its file name")]
    text_path = metadata_path.with_suffix(".txt")
    text_relative = text_path.relative_to(project).as_posix()
    if not text_path.exists():
        return None, [InputError(location, f"article text {text_relative} is missing")]
    data = text_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != document["sha256"]:
        errors.append(InputError(document_location(document, relative, "sha256"), f"sha256 {document['sha256']} does not match {text_relative} ({digest})"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        errors.append(InputError(SourceLocation(text_relative, data[: error.start].count(b"\n") + 1), f"article text is not UTF-8 ({error.reason})"))
    if errors:  # both checks run, so a re-encoded text reports its encoding as well as its changed digest
        return None, errors
    record = _record("article", article_id, document, relative)
    return Article(record, text, text_relative), []


def document_location(document: LocatedDict, relative: str, name: str) -> SourceLocation:
    """Return the location of one key of a YAML mapping."""
    return SourceLocation(relative, document.key_lines.get(name, document.line))


def read_facts(project: Path, facts_path: Path, vocabulary: Vocabulary) -> tuple[list[Record], list[InputError]]:
    """Return the fact records of one fact file (candidates included) and the errors found in it."""
    relative = facts_path.relative_to(project).as_posix()
    document = load_yaml(facts_path, relative)
    if not isinstance(document, LocatedDict) or not isinstance(document.get("facts"), list):
        return [], [InputError(SourceLocation(relative, getattr(document, "line", 1)), "expected a mapping with 'article' and a 'facts' list")]
    article_id = document.get("article")
    if article_id != facts_path.stem:
        return [], [InputError(document_location(document, relative, "article"), f"'article' must be {facts_path.stem!r}, the file's name, got {article_id!r}")]
    records, errors, seen = [], [], {}
    for raw in document["facts"]:
        location = SourceLocation(relative, getattr(raw, "line", document.line))
        key = raw.get("key") if isinstance(raw, dict) else None
        problems = check_fields(raw, FACT_FIELDS, vocabulary, location, f'fact "{_shown(key)}"')
        if isinstance(key, str) and key in seen:
            problems.append(InputError(location, f'fact "{key}": duplicate fact key (first at line {seen[key]})'))
        errors += problems
        if not problems:
            seen[key] = location.line
            record = _record("fact", f"{article_id}/{key}", raw, relative)
            record.fields["article"] = article_id
            records.append(record)
    return records, errors


def check_references(facts: list[Record], actors: list[Record], vocabulary: Vocabulary, declared: set[str] | None = None) -> list[InputError]:
    """Return errors for facts naming unknown actors or mismatching speaker and claim type.

    Keys in `declared` count as known: an actor with a bad field is reported once, at the actor, not at every fact naming it.
    """
    known = {actor.id for actor in actors} | (declared or set())
    kinds = {actor.id: actor.fields.get("kind") for actor in actors}
    errors = []
    for fact in facts:
        what = f'fact "{fact.fields["key"]}"'
        for role in ("holder", "target", "speaker", "source"):
            value = fact.fields.get(role)
            if value is not None and value not in known:
                errors.append(InputError(fact.located(role), f"{what}: unknown actor key {value!r} in '{role}' (not in seeds/actors.yaml)"))
        if fact.fields["holder"] == fact.fields["target"]:
            errors.append(InputError(fact.located("target"), f"{what}: holder and target are the same actor"))
        errors += _attribution_errors(fact, what, vocabulary, kinds)
        if ("withdrawn" in fact.fields) != ("withdrawal_reason" in fact.fields):
            field = "withdrawn" if "withdrawn" in fact.fields else "withdrawal_reason"
            errors.append(InputError(fact.located(field), f"{what}: a withdrawal needs both 'withdrawn' (its date) and 'withdrawal_reason'"))
        errors += _condition_errors(fact, what, vocabulary)
    return errors


def _attribution_errors(fact: Record, what: str, vocabulary: Vocabulary, kinds: dict[str, Any]) -> list[InputError]:
    """A reported or quoted claim names who said it (a speaker, a publication as source, or both); an author's claim names neither."""
    claim, speaker, source = fact.fields["claim"], fact.fields.get("speaker"), fact.fields.get("source")
    if source is not None and source in kinds and kinds[source] not in vocabulary.source_kinds:
        allowed = ", ".join(sorted(vocabulary.source_kinds)) or "none defined"
        return [InputError(fact.located("source"), f"{what}: 'source' must be a publication (actor kind {allowed}), not a {kinds[source]} ({source!r})")]
    if claim in vocabulary.claims_with_speaker:
        if speaker is None and source is None:
            return [InputError(fact.located("claim"), f"{what}: claim '{claim}' needs a 'speaker' or a 'source' (the publication that reports it)")]
        return []
    if speaker is not None:
        return [InputError(fact.located("speaker"), f"{what}: an author's claim has no 'speaker'")]
    if source is not None:
        return [InputError(fact.located("source"), f"{what}: an author's claim has no 'source' (use claim: reported, and the publication as source)")]
    return []


def _condition_errors(fact: Record, what: str, vocabulary: Vocabulary) -> list[InputError]:
    """A conditional stance carries its condition, in the words of its quote; no other stance carries one."""
    modality, condition = fact.fields.get("modality"), fact.fields.get("condition")
    conditional = modality in vocabulary.conditional_modalities
    if conditional and condition is None:
        return [InputError(fact.located("modality"), f"{what}: a {modality} stance needs its 'condition', quoted from the text")]
    if condition is not None and not conditional:
        return [InputError(fact.located("condition"), f"{what}: 'condition' is only for a conditional modality ({', '.join(sorted(vocabulary.conditional_modalities))})")]
    if condition is not None and condition not in fact.fields["quote"]:
        return [InputError(fact.located("condition"), f"{what}: the condition is not in the quote; quote the whole conditional sentence")]
    return []


def iter_article_metadata(project: Path) -> Iterator[Path]:
    """Yield the article metadata files in a stable order."""
    yield from sorted((project / "seeds" / "articles").glob("*.yaml"))


def read_seeds(project: Path, vocabulary: Vocabulary) -> Seeds:
    """Return every seed record; raises InputErrors listing all problems found."""
    errors: list[InputError] = []
    declared: set[str] = set()
    actors, actor_errors = _collect(lambda: read_actors(project, vocabulary, declared))
    errors += actor_errors
    articles: list[Article] = []
    facts: list[Record] = []
    for metadata_path in iter_article_metadata(project):
        article, article_errors = _collect(lambda: read_article(project, metadata_path, vocabulary))  # noqa: B023 - called at once
        errors += article_errors
        if article is None:
            continue
        articles.append(article)
        facts_path = project / "seeds" / "facts" / f"{article.record.id}.yaml"
        if not facts_path.exists():
            errors.append(InputError(article.record.location, f"no fact file seeds/facts/{article.record.id}.yaml"))
            continue
        article_facts, fact_errors = _collect(lambda: read_facts(project, facts_path, vocabulary))  # noqa: B023 - called at once
        errors += fact_errors
        facts += article_facts or []
    known_articles = {article.record.id for article in articles}
    for facts_path in sorted((project / "seeds" / "facts").glob("*.yaml")):
        if facts_path.stem not in known_articles and not (project / "seeds" / "articles" / f"{facts_path.stem}.yaml").exists():
            errors.append(InputError(SourceLocation(facts_path.relative_to(project).as_posix(), 1), "fact file has no article metadata in seeds/articles/"))
    if actors is not None:  # if actors.yaml is unreadable, every actor key would look unknown: report the file alone
        errors += check_references(facts, actors, vocabulary, declared)
    if errors:
        raise InputErrors(errors)
    published = [fact for fact in facts if fact.fields.get("status") != CANDIDATE_STATUS]
    candidates = [fact for fact in facts if fact.fields.get("status") == CANDIDATE_STATUS]
    return Seeds(actors or [], articles, published, candidates)


def _collect(read: Callable[[], tuple[Any, list[InputError]]]) -> tuple[Any, list[InputError]]:
    """Run one reader, turning its raised InputErrors into returned ones so all files get read."""
    try:
        return read()
    except InputErrors as raised:
        return None, raised.errors
