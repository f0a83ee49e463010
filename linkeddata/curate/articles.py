"""Curation helpers: add an article to seeds/, and edit fact files as text so that curators' comments survive.

    add_article             copy a text byte for byte into seeds/articles/, write its metadata and an empty fact file
    append_fact_records     append fact records to a fact file as YAML text blocks
    rewrite_fact_records    replace or delete the blocks of some records, leaving the rest of the file as it was
    yaml_scalar             one value as a YAML scalar that reads back as the same text

Every write goes to a temporary file first and is moved into place with an atomic rename, and every fact
file written is first read back with `sources.read_facts`: a change that would break the file is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.project.seeds import (
    ARTICLE_FIELDS,
    ARTICLE_ID_PATTERN,
    LocatedDict,
    Record,
    load_yaml,
    read_article,
    read_facts,
)
from linkeddata.project.vocabulary import Vocabulary, read_vocabulary

ARTICLES_DIR = Path("seeds") / "articles"
FACTS_DIR = Path("seeds") / "facts"
ID_NUMBER = re.compile(r"^([0-9]+)_")
FACT_FIELD_ORDER = ("key", "holder", "stance", "target", "polarity", "aspect", "date", "modality", "condition", "claim", "speaker",
                    "source", "quote", "occurrence", "status", "note")
ARTICLE_FIELD_ORDER = ("id", "title", "url", "publisher", "published", "language", "sha256", "archived", "archived_date", "note")
ALWAYS_QUOTED = {"quote", "condition", "aspect", "note", "title", "date", "published"}
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*")
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"}


# ------------------------------------------------------------------ writing files


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and one atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def yaml_scalar(value: Any, quoted: bool = False) -> str:
    """Return `value` as a one-line YAML scalar that every YAML reader reads back as the same text."""
    text = str(value)
    if not quoted and _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    escaped = []
    for character in text:
        code = ord(character)
        if character in ('"', "\\"):
            escaped.append("\\" + character)
        elif character == "\n":
            escaped.append("\\n")
        elif character == "\t":
            escaped.append("\\t")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            escaped.append(f"\\x{code:02x}")
        elif code in (0x2028, 0x2029, 0xFEFF) or 0xD800 <= code <= 0xDFFF:
            escaped.append(f"\\u{code:04x}")
        else:
            escaped.append(character)
    return '"' + "".join(escaped) + '"'


def render_fields(fields: dict[str, Any], order: Iterable[str], indent: str) -> list[str]:
    """Return `name: value` lines for the fields, known names first in `order`, the others after them."""
    order = list(order)
    names = [name for name in order if fields.get(name) is not None] + sorted(name for name in fields if name not in order and fields[name] is not None)
    return [f"{indent}{name}: {yaml_scalar(fields[name], quoted=name in ALWAYS_QUOTED)}" for name in names]


def render_fact_block(fields: dict[str, Any], indent: str = "  ", comments: Iterable[str] = ()) -> list[str]:
    """Return the lines of one fact record as a YAML sequence item: `- key: ...`, comments, then the other fields."""
    inner = indent + "  "
    lines = render_fields(fields, FACT_FIELD_ORDER, inner)
    first = lines[0]
    if not first.startswith(f"{inner}key: "):
        raise ValueError("a fact record needs a key")
    comment_lines = [f"{inner}# {line}".rstrip() if not line.lstrip().startswith("#") else f"{inner}{line.strip()}" for line in comments]
    return [f"{indent}- {first.lstrip()}", *comment_lines, *lines[1:]]


# ------------------------------------------------------------------ add-article


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """An article `add_article` wrote: its id and the three files."""

    id: str
    text_path: Path
    metadata_path: Path
    facts_path: Path


def _field_problem(name: str, value: str) -> str | None:
    _, factory = ARTICLE_FIELDS[name]
    return factory(None)(value)  # type: ignore[arg-type]  # article checks do not use the vocabulary


def check_url(url: str) -> str | None:
    """Return why `url` is not an absolute http(s) URL with a host, or None."""
    problem = _field_problem("url", url)
    if problem:
        return problem
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number
    except ValueError as error:
        return f"must be an http(s) URL, got {url!r} ({error})"
    if not parts.hostname or "." not in parts.hostname and parts.hostname != "localhost":
        return f"must be an http(s) URL with a host name, got {url!r}"
    return None


def existing_articles(project: Path) -> dict[str, str]:
    """Return sha256 -> article id for every article of the project (from each text's bytes and metadata)."""
    found: dict[str, str] = {}
    folder = project / ARTICLES_DIR
    for text_path in sorted(folder.glob("*.txt")):
        found.setdefault(hashlib.sha256(text_path.read_bytes()).hexdigest(), text_path.stem)
    for metadata_path in sorted(folder.glob("*.yaml")):
        try:
            document = yaml.safe_load(metadata_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(document, dict) and isinstance(document.get("sha256"), str):
            found.setdefault(document["sha256"], metadata_path.stem)
    return found


def next_article_id(project: Path, digest: str) -> str:
    """Return the id of a new article: the next free number (three digits at least) and 16 hex digits of its SHA-256."""
    numbers = [int(match.group(1)) for path in (project / ARTICLES_DIR).glob("*") if (match := ID_NUMBER.match(path.stem))]
    numbers += [int(match.group(1)) for path in (project / FACTS_DIR).glob("*.yaml") if (match := ID_NUMBER.match(path.stem))]
    return f"{(max(numbers) + 1 if numbers else 0):03d}_{digest[:16]}"


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputErrors([InputError(SourceLocation(shown, line), f"not UTF-8 text ({error.reason} at byte {error.start})")]) from None


def article_metadata_text(fields: dict[str, str]) -> str:
    """Return the YAML text of an article's metadata file."""
    header = f"# Metadata of the archived text {fields['id']}.txt (kept byte for byte).\n"
    return header + "\n".join(render_fields(fields, ARTICLE_FIELD_ORDER, "")) + "\n"


def empty_facts_text(article_id: str) -> str:
    """Return the YAML text of a new fact file with no facts."""
    return (f"# Curated stances of article {article_id}, each backed by a verbatim quote.\n"
            "# `linkeddata suggest` appends candidates (status: candidate); `linkeddata review` accepts or rejects them.\n"
            f"article: {yaml_scalar(article_id)}\n"
            "facts: []\n")


WAYBACK_TIMESTAMP = re.compile(r"/web/([0-9]{4})([0-9]{2})([0-9]{2})[0-9]*(?:[a-z]{2}_)?/")  # …/web/20240501123456/https://…


def snapshot_date(archived: str, archived_date: str | None) -> str | None:
    """Return the day a snapshot was taken: as given, else from a Wayback-style URL's timestamp, else None."""
    if archived_date is not None:
        return archived_date
    match = WAYBACK_TIMESTAMP.search(archived)
    return "-".join(match.groups()) if match else None


def add_article(project: Path, text_file: Path, *, url: str, published: str, title: str | None = None, language: str = "en",
                publisher: str | None = None, note: str | None = None, archived: str | None = None, archived_date: str | None = None,
                vocabulary: Vocabulary | None = None) -> AddedArticle:
    """Copy `text_file` into the project as a new article; raises InputErrors (nothing written) on bad input."""
    shown = str(text_file)
    try:
        data = text_file.read_bytes()
    except OSError as error:
        raise InputErrors([InputError(SourceLocation(shown, 0), f"cannot read the file: {error.strerror or error}")]) from None
    text = _decode(data, shown)
    errors: list[InputError] = []
    if not text.strip():
        errors.append(InputError(SourceLocation(shown, 0), "the text is empty"))
    digest = hashlib.sha256(data).hexdigest()
    duplicate = existing_articles(project).get(digest)
    if duplicate:
        errors.append(InputError(SourceLocation(shown, 0),
                                 f"the same text (sha256 {digest}) is already article {duplicate} ({(ARTICLES_DIR / duplicate).as_posix()}.txt)"))
    if title is None:
        title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    metadata: dict[str, str] = {"title": " ".join(title.split()), "url": url, "publisher": publisher or "", "published": published,
                                "language": language, "note": note or ""}
    for name, problem in (("url", check_url(url)), ("published", _field_problem("published", published)),
                          ("language", _field_problem("language", language)), ("title", _field_problem("title", metadata["title"]))):
        if problem:
            errors.append(InputError(SourceLocation(f"--{name}", 0), f"{name} {problem}"))
    for name in ("publisher", "note"):
        if metadata[name] == "" and (publisher if name == "publisher" else note) is not None:
            errors.append(InputError(SourceLocation(f"--{name}", 0), f"{name} must be non-empty text"))
    if archived is not None:
        metadata["archived"] = archived
        metadata["archived_date"] = snapshot_date(archived, archived_date) or ""
        if problem := check_url(archived):
            errors.append(InputError(SourceLocation("--archived", 0), f"archived {problem}"))
        if not metadata["archived_date"]:
            errors.append(InputError(SourceLocation("--archived-date", 0), "archived-date is needed: the snapshot's URL names no day (YYYY-MM-DD)"))
        elif problem := _field_problem("archived_date", metadata["archived_date"]) or _field_problem("published", metadata["archived_date"]):
            errors.append(InputError(SourceLocation("--archived-date", 0), f"archived-date {problem}"))
    elif archived_date is not None:
        errors.append(InputError(SourceLocation("--archived-date", 0), "archived-date needs --archived, the snapshot's URL"))
    if errors:
        raise InputErrors(errors)
    article_id = next_article_id(project, digest)
    if not ARTICLE_ID_PATTERN.fullmatch(article_id):  # pragma: no cover - the id is built from digits and hex
        raise AssertionError(article_id)
    fields = {"id": article_id, **{name: value for name, value in metadata.items() if value}, "sha256": digest}
    added = AddedArticle(article_id, project / ARTICLES_DIR / f"{article_id}.txt", project / ARTICLES_DIR / f"{article_id}.yaml",
                         project / FACTS_DIR / f"{article_id}.yaml")
    clashes = [path for path in (added.text_path, added.metadata_path, added.facts_path) if path.exists()]
    if clashes:
        raise InputErrors([InputError(SourceLocation(path.relative_to(project).as_posix(), 0), "already exists") for path in clashes])
    # The text first, the metadata (which makes the article visible to `build`) last; undone if anything fails.
    written: list[Path] = []
    try:
        for path, content in ((added.text_path, data), (added.facts_path, empty_facts_text(article_id).encode("utf-8")),
                              (added.metadata_path, article_metadata_text(fields).encode("utf-8"))):
            atomic_write(path, content)
            written.append(path)
        vocabulary = vocabulary or read_vocabulary(project)
        article, problems = read_article(project, added.metadata_path, vocabulary)
        _records, fact_problems = read_facts(project, added.facts_path, vocabulary)
        if problems or fact_problems or article is None or article.text.encode("utf-8") != data:
            raise InputErrors(problems + fact_problems or [InputError(SourceLocation(shown, 0), "the copy differs from the file")])
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return added


# ------------------------------------------------------------------ fact files as text


def facts_path(project: Path, article_id: str) -> Path:
    """Return the fact file of an article, refusing an id that is not one."""
    if not ARTICLE_ID_PATTERN.fullmatch(article_id):
        raise InputErrors([InputError(SourceLocation(article_id, 0), "not an article id (like 000_73df04759b344adc)")])
    path = project / FACTS_DIR / f"{article_id}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (project / FACTS_DIR).glob("*.yaml"))
        raise InputErrors([InputError(SourceLocation((FACTS_DIR / f"{article_id}.yaml").as_posix(), 0),
                                      f"no fact file for article {article_id!r} (articles: {', '.join(known) or 'none'})")])
    return path


def check_facts_text(project: Path, article_id: str, text: str, vocabulary: Vocabulary) -> list[Record]:
    """Return the records of a fact file's would-be text, read with `sources.read_facts`; raises InputErrors if it does not read."""
    with tempfile.TemporaryDirectory(prefix="linkeddata-facts-") as scratch:
        path = Path(scratch) / FACTS_DIR / f"{article_id}.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        records, errors = read_facts(Path(scratch), path, vocabulary)
    if errors:
        raise InputErrors(errors)
    return records


@dataclass(frozen=True, slots=True)
class RecordBlock:
    """Where one fact record is written in its file: 0-based first and last line (inclusive), and its raw fields."""

    first: int
    last: int
    indent: str
    fields: LocatedDict


def record_blocks(path: Path, relative: str) -> tuple[LocatedDict, list[RecordBlock], list[str]]:
    """Return the document, the text block of every mapping in its `facts` list, and the file's lines (with line ends)."""
    document = load_yaml(path, relative)
    if not isinstance(document, LocatedDict) or not isinstance(document.get("facts"), list):
        raise InputErrors([InputError(SourceLocation(relative, getattr(document, "line", 1)), "expected a mapping with 'article' and a 'facts' list")])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    raws = [raw for raw in document["facts"] if isinstance(raw, LocatedDict)]
    facts_line = document.key_lines["facts"]
    after_facts = [line for key, line in document.key_lines.items() if line > facts_line]
    end_of_list = (min(after_facts) - 1) if after_facts else len(lines)  # 1-based last line the list may use
    blocks = []
    for index, raw in enumerate(raws):
        first = raw.line - 1
        while first > 0 and lines[first - 1].strip() == "-":  # "-" alone on the line above the first key
            first -= 1
        dash = lines[first].find("-")
        indent = lines[first][:dash] if dash >= 0 and not lines[first][:dash].strip() else "  "
        boundary = (raws[index + 1].line - 1 if index + 1 < len(raws) else end_of_list)  # 0-based exclusive
        if index + 1 < len(raws):
            while boundary - 1 > first and lines[boundary - 1].strip() == "-":
                boundary -= 1
        last = boundary - 1
        while last > first and (not lines[last].strip() or lines[last].lstrip().startswith("#")
                                or len(lines[last]) - len(lines[last].lstrip()) <= len(indent)):
            last -= 1
        blocks.append(RecordBlock(first, last, indent, raw))
    return document, blocks, lines


def _flow_empty_facts(line: str) -> bool:
    return re.fullmatch(r"facts:\s*\[\s*\]\s*(#.*)?", line.rstrip("\r\n")) is not None


def append_fact_records(project: Path, article_id: str, records: list[tuple[dict[str, Any], list[str]]], vocabulary: Vocabulary) -> list[Record]:
    """Append records (fields, comment lines) to an article's fact file as text blocks; return the file's records.

    The existing text, comments included, is kept as it is; `facts: []` becomes `facts:`. Nothing is written if
    the result would not read back with `sources.read_facts` with every record, old and new.
    """
    path = facts_path(project, article_id)
    relative = (FACTS_DIR / path.name).as_posix()
    if not records:
        return check_facts_text(project, article_id, path.read_text(encoding="utf-8"), vocabulary)
    document, blocks, lines = record_blocks(path, relative)
    before = check_facts_text(project, article_id, "".join(lines), vocabulary)
    if blocks:
        indent = blocks[0].indent
        insert_at = blocks[-1].last + 1
    elif document["facts"]:
        raise InputErrors([InputError(SourceLocation(relative, document.key_lines["facts"]), "the 'facts' list holds something other than records")])
    else:
        facts_index = document.key_lines["facts"] - 1
        if not _flow_empty_facts(lines[facts_index]):
            raise InputErrors([InputError(SourceLocation(relative, facts_index + 1), "cannot append to this empty 'facts' list: write it as `facts: []`")])
        ending = "\r\n" if lines[facts_index].endswith("\r\n") else "\n"
        lines[facts_index] = "facts:" + ending
        indent, insert_at = "  ", facts_index + 1
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new_lines: list[str] = []
    for fields, comments in records:
        new_lines += ["\n", *(line + "\n" for line in render_fact_block(fields, indent, comments))]
    if not blocks:
        new_lines = new_lines[1:]  # no blank line between `facts:` and the first record
    text = "".join(lines[:insert_at] + new_lines + lines[insert_at:])
    after = check_facts_text(project, article_id, text, vocabulary)
    if len(after) != len(before) + len(records):
        raise InputErrors([InputError(SourceLocation(relative, 0), "the appended records did not read back as records")])
    atomic_write(path, text.encode("utf-8"))
    return after


def rewrite_fact_records(project: Path, article_id: str, changes: dict[str, dict[str, Any] | None], vocabulary: Vocabulary) -> list[Record]:
    """Rewrite the blocks of the records whose key is in `changes` (None deletes the record); return the file's records.

    Only those blocks change: a rewritten block keeps its comment lines and holds the new fields; the rest of the
    file stays byte for byte. Nothing is written if the result would not read back with `sources.read_facts`.
    """
    path = facts_path(project, article_id)
    relative = (FACTS_DIR / path.name).as_posix()
    document, blocks, lines = record_blocks(path, relative)
    by_key = {block.fields.get("key"): block for block in blocks}
    missing = sorted(str(key) for key in changes if key not in by_key)
    if missing:
        raise InputErrors([InputError(SourceLocation(relative, 0), f"no fact with key {key!r}") for key in missing])
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += ending
    removed = 0
    for block in sorted((by_key[key] for key in changes), key=lambda b: b.first, reverse=True):
        fields = changes[block.fields["key"]]
        if fields is None:
            first = block.first
            if first > 0 and not lines[first - 1].strip():
                first -= 1  # the blank line that separated it from the record before
            elif block.last + 1 < len(lines) and not lines[block.last + 1].strip():
                lines[block.last + 1] = ""
            lines[first : block.last + 1] = []
            removed += 1
            continue
        comments = [line.strip() for line in lines[block.first + 1 : block.last + 1] if line.lstrip().startswith("#")]
        lines[block.first : block.last + 1] = [line + ending for line in render_fact_block(fields, block.indent, comments)]
    if removed == len(blocks) and blocks:
        facts_index = document.key_lines["facts"] - 1
        lines[facts_index] = "facts: []" + ending
    text = "".join(lines)
    after = check_facts_text(project, article_id, text, vocabulary)
    if len(after) != len(blocks) - removed:
        raise InputErrors([InputError(SourceLocation(relative, 0), "the rewritten records did not read back as records")])
    atomic_write(path, text.encode("utf-8"))
    return after


def raw_fact_fields(raw: LocatedDict) -> dict[str, Any]:
    """Return the fields of a raw fact mapping as plain text values, without empty ones."""
    return {str(name): value for name, value in raw.items() if value is not None}
