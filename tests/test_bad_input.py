"""Bad input: `linkeddata build` exits 1, names `path:line:` of every defect, sorted, and writes nothing.

Each test breaks a private copy of the project in one way (by an edit below or with a file from
tests/inputs/), builds it with --out pointing at a copy of a release built earlier, and checks
the exact error lines and that the earlier release is byte-identical afterwards. The expected
line is looked up in the edited file, never hard-coded.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIRST_ARTICLE, refused, run_cli

INPUTS = Path(__file__).resolve().parent / "inputs"


# ---------------------------------------------------------------- helpers


def article_id(project: Path) -> str:
    """Return the id of the article these tests break: the first seed article, whose facts and text they quote."""
    assert (project / "seeds" / "articles" / f"{FIRST_ARTICLE}.yaml").is_file()
    return FIRST_ARTICLE


def facts_file(project: Path) -> Path:
    return project / "seeds" / "facts" / f"{article_id(project)}.yaml"


def line_of(path: Path, token: str, nth: int = 1) -> int:
    """Return the 1-based line of the `nth` line of `path` that contains `token`."""
    lines = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if token in line]
    assert len(lines) >= nth, f"{token!r} occurs on {len(lines)} line(s) of {path}"
    return lines[nth - 1]


def edit(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of `old` in `path` with `new`; return the line where it started."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def fact_block(project: Path, key: str) -> str:
    """Return the text of one fact in the seed fact file, from its `- key:` line to the next fact."""
    text = facts_file(project).read_text(encoding="utf-8")
    start = text.index(f"  - key: {key}\n")
    end = text.find("\n  - key: ", start + 1)
    return text[start : end if end != -1 else len(text)]


def assert_single_error(errors: list[str], path: str, line: int, *fragments: str) -> None:
    assert len(errors) == 1, "\n".join(errors)
    assert errors[0].startswith(f"{path}:{line}: "), f"expected {path}:{line}:, got {errors[0]!r}"
    for fragment in fragments:
        assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"


# ---------------------------------------------------------------- syntax: YAML, Turtle, SPARQL, JSON-LD


def test_build_names_file_and_line_when_facts_yaml_is_malformed(project_copy: Path, published: Path) -> None:
    # An unquoted colon in a value, the usual way a curator breaks YAML.
    path = facts_file(project_copy)
    line = edit(path, "    aspect: independence\n", "    aspect: independence: declared in 2008\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "malformed YAML", "mapping values are not allowed")


def test_build_names_the_opening_line_when_actors_yaml_has_an_unclosed_quote(project_copy: Path, published: Path) -> None:
    path = project_copy / "seeds" / "actors.yaml"
    line = edit(path, "    label: Serbia\n", '    label: "Serbia\n')
    errors = refused(project_copy, published)
    # One error at the quote, not the end of the file, and no cascade of "unknown actor" errors in the facts.
    assert_single_error(errors, "seeds/actors.yaml", line, "malformed YAML", "quoted scalar")


def test_build_names_file_and_line_when_ontology_turtle_is_malformed(project_copy: Path, published: Path) -> None:
    shutil.copyfile(INPUTS / "ontology-extra-broken.ttl", project_copy / "ontology" / "extra.ttl")
    line = line_of(project_copy / "ontology" / "extra.ttl", "ld:brokenProperty")
    errors = refused(project_copy, published)
    assert_single_error(errors, "ontology/extra.ttl", line, "malformed Turtle", "expected")


def test_build_names_file_and_line_when_a_mapping_is_not_sparql(project_copy: Path, published: Path) -> None:
    shutil.copyfile(INPUTS / "mapping-broken.ru", project_copy / "mappings" / "40-broken.ru")
    line = line_of(project_copy / "mappings" / "40-broken.ru", "GARBAGE")
    errors = refused(project_copy, published)
    assert_single_error(errors, "mappings/40-broken.ru", line, "malformed SPARQL Update")


def test_build_names_file_and_line_when_jsonld_context_is_malformed(project_copy: Path, published: Path) -> None:
    # Used to be an internal error (exit 2) raised while writing the release; now checked with the other input.
    shutil.copyfile(INPUTS / "context-broken.jsonld", project_copy / "ontology" / "context.jsonld")
    line = line_of(project_copy / "ontology" / "context.jsonld", '"unquoted"')
    errors = refused(project_copy, published)
    assert_single_error(errors, "ontology/context.jsonld", line, "malformed JSON")


# ---------------------------------------------------------------- references and vocabulary


def test_build_names_fact_line_when_actor_key_is_unknown(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    block = fact_block(project_copy, "united-nations-condemns-russia")
    line = edit(path, block, block.replace("holder: united-nations", "holder: united-nation")) + 1
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "unknown actor key 'united-nation'", "holder")


def test_build_names_fact_line_when_relation_is_unknown(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    block = fact_block(project_copy, "communist-party-of-china-criticizes-nato")
    start = edit(path, block, block.replace("stance: condemns", "stance: denounces"))
    line = start + block.splitlines().index("    stance: condemns")
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "unknown relation 'denounces'", "allied-with, appeals-to, condemns, recognizes, sanctions, supports")


def test_build_names_actor_defect_once_not_at_every_fact_naming_the_actor(project_copy: Path, published: Path) -> None:
    path = project_copy / "seeds" / "actors.yaml"
    start = edit(path, "  - key: serbia\n    label: Serbia\n    kind: state\n", "  - key: serbia\n    label: Serbia\n    kind: country\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, "seeds/actors.yaml", start + 2, "unknown actor kind 'country'")


# ---------------------------------------------------------------- field values


def test_build_rejects_impossible_date_with_its_line(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    line = edit(path, 'date: "2008"', 'date: "2023-13"')
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "bad date '2023-13'", "month")


def test_build_rejects_impossible_publication_date_of_an_article(project_copy: Path, published: Path) -> None:
    path = project_copy / "seeds" / "articles" / f"{article_id(project_copy)}.yaml"
    published_line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("published: "))
    line = edit(path, published_line + "\n", "published: 2023-02-30\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/articles/{path.name}", line, "bad date '2023-02-30'")


@pytest.mark.parametrize(("lines", "fragment"), [
    ('archived: "https://web.archive.org/web/2024/https://example.org/"\n', "field 'archived' needs 'archived_date' too"),
    ('archived_date: "2024-05-01"\n', "field 'archived_date' needs 'archived' too"),
    ('archived: "https://archive.ph/x"\narchived_date: "2024-02-30"\n', "field 'archived_date' bad date '2024-02-30'"),
    ('archived: "archive.ph/x"\narchived_date: "2024-05-01"\n', "field 'archived' must be the snapshot's http(s) URL"),
])
def test_build_rejects_a_web_archive_snapshot_it_cannot_publish(project_copy: Path, published: Path, lines: str, fragment: str) -> None:
    path = project_copy / "seeds" / "articles" / f"{article_id(project_copy)}.yaml"
    language_line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("language: "))
    line = edit(path, language_line + "\n", language_line + "\n" + lines) + 1
    errors = refused(project_copy, published)
    expected = line + (1 if "bad date" in fragment else 0)
    assert_single_error(errors, f"seeds/articles/{path.name}", expected, fragment)


def test_build_rejects_duplicate_fact_key_naming_both_lines(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    first = line_of(path, "- key: united-states-supports-kosovo")
    line = edit(path, "- key: european-union-supports-kosovo", "- key: united-states-supports-kosovo")
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "duplicate fact key", f"first at line {first}")


def test_build_names_record_when_required_field_is_missing(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    block = fact_block(project_copy, "serbia-traditional-ally-of-russia")
    line = edit(path, block, block.replace("    polarity: affirmed\n", ""))
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, 'fact "serbia-traditional-ally-of-russia"', "missing required field 'polarity'")


def test_build_rejects_a_key_with_a_trailing_newline_as_bad_input(project_copy: Path, published: Path) -> None:
    # `^...$` patterns accepted "key\n"; the newline then broke IRI minting with an internal error (exit 2).
    path = facts_file(project_copy)
    line = edit(path, "  - key: serbia-traditional-ally-of-russia\n", '  - key: "serbia-traditional-ally-of-russia\\n"\n')
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "field 'key' must be a lower-case key")


# ---------------------------------------------------------------- evidence


def test_build_names_file_and_line_when_quote_is_missing(project_copy: Path, published: Path) -> None:
    # A straight apostrophe where the article has a curly one: quotes are compared code point by code point.
    path = facts_file(project_copy)
    line = edit(path, 'quote: "Serbia is one of Russia’s traditional allies"', "quote: \"Serbia is one of Russia's traditional allies\"")
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, 'fact "serbia-traditional-ally-of-russia"',
                        "quote not found verbatim", f"seeds/articles/{article_id(project_copy)}.txt")


def test_build_asks_for_occurrence_when_quote_is_ambiguous(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    text = (project_copy / "seeds" / "articles" / f"{article_id(project_copy)}.txt").read_text(encoding="utf-8")
    quote = "Botsan-Kharchenko said"
    count = text.count(quote)
    assert count > 1
    line = edit(path, 'quote: "Botsan-Kharchenko said support for Serbia has always been a key point and the basis of Russia’s activities at the international level"',
                f'quote: "{quote}"')
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, f"occurs {count} times", "occurrence: N")


def test_build_rejects_an_occurrence_beyond_the_last(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    block = fact_block(project_copy, "serbia-traditional-ally-of-russia")
    start = edit(path, block, block.rstrip("\n") + "\n    occurrence: 2\n")
    errors = refused(project_copy, published)
    quote_line = start + next(i for i, line in enumerate(block.splitlines()) if line.startswith("    quote:"))
    assert_single_error(errors, f"seeds/facts/{path.name}", quote_line, "occurrence 2 does not exist")


# ---------------------------------------------------------------- article text


def test_build_rejects_article_whose_sha256_does_not_match(project_copy: Path, published: Path) -> None:
    identifier = article_id(project_copy)
    text_path = project_copy / "seeds" / "articles" / f"{identifier}.txt"
    text_path.write_bytes(text_path.read_bytes().replace(b"WHITE CITY", b"WHITE  CITY"))
    digest = hashlib.sha256(text_path.read_bytes()).hexdigest()
    metadata = project_copy / "seeds" / "articles" / f"{identifier}.yaml"
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/articles/{identifier}.yaml", line_of(metadata, "sha256:"), "does not match", digest)


def test_build_names_line_of_first_non_utf8_byte_in_article(project_copy: Path, published: Path) -> None:
    # The text re-saved as Windows-1252 in one place (an en dash), with its sha256 updated so encoding is the only defect.
    identifier = article_id(project_copy)
    text_path = project_copy / "seeds" / "articles" / f"{identifier}.txt"
    data = text_path.read_bytes()
    broken = data.replace("WHITE CITY –".encode(), "WHITE CITY –".encode("cp1252"))
    assert broken != data
    text_path.write_bytes(broken)
    metadata = project_copy / "seeds" / "articles" / f"{identifier}.yaml"
    old_digest = yaml.safe_load(metadata.read_text(encoding="utf-8"))["sha256"]
    edit(metadata, old_digest, hashlib.sha256(broken).hexdigest())
    line = broken[: broken.index(b"WHITE CITY")].count(b"\n") + 1
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/articles/{identifier}.txt", line, "not UTF-8")


def test_build_names_line_of_first_non_utf8_byte_in_a_facts_file(project_copy: Path, published: Path) -> None:
    path = facts_file(project_copy)
    data = path.read_bytes()
    quote = "China did not recognize Kosovo’s"
    path.write_bytes(data.replace(quote.encode(), quote.encode("cp1252"), 1))
    line = data[: data.index(quote.encode())].count(b"\n") + 1
    errors = refused(project_copy, published)
    assert_single_error(errors, f"seeds/facts/{path.name}", line, "not UTF-8")


# ---------------------------------------------------------------- several defects at once


def test_build_reports_every_error_at_once_sorted_by_file_and_line(project_copy: Path, published: Path) -> None:
    facts = facts_file(project_copy)
    actors = project_copy / "seeds" / "actors.yaml"
    date_line = edit(facts, 'date: "2008"', 'date: "2008-00"')
    field_line = edit(actors, "    wikidata: Q7184\n", "    wikidata: Q07184\n")
    shutil.copyfile(INPUTS / "orphan-facts.yaml", project_copy / "seeds" / "facts" / "orphan.yaml")
    errors = refused(project_copy, published)
    assert len(errors) == 3, "\n".join(errors)
    assert errors[0].startswith(f"seeds/actors.yaml:{field_line}: ") and "field 'wikidata'" in errors[0]
    assert errors[1].startswith(f"seeds/facts/{facts.name}:{date_line}: ") and "bad date '2008-00'" in errors[1]
    assert errors[2].startswith("seeds/facts/orphan.yaml:1: ") and "no article metadata" in errors[2]


def test_validate_reports_the_same_errors_as_build(project_copy: Path, published: Path) -> None:
    edit(facts_file(project_copy), 'date: "2008"', 'date: "2023-13"')
    edit(project_copy / "seeds" / "actors.yaml", "    label: NATO\n    kind: organization\n", "    label: NATO\n    kind: alliance\n")
    errors = refused(project_copy, published)
    assert len(errors) == 2
    checked = run_cli("-q", "validate", "--project", str(project_copy))
    assert checked.returncode == 1
    assert checked.stderr.splitlines()[:-1] == errors
