"""`linkeddata add-article`: a byte-for-byte copy with its metadata and an empty fact file, or a clear refusal.

Also the text-level YAML writing shared by suggest and review: scalars that read back as the same text.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import PROJECT, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from linkeddata.cli import main
from linkeddata.curate.articles import append_fact_records, yaml_scalar
from linkeddata.project.seeds import load_yaml, read_seeds
from linkeddata.project.vocabulary import read_vocabulary

SEED_ARTICLE = "000_73df04759b344adc"
URL = "https://example.org/news/2024/serbia-and-kosovo"


def add(project: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["add-article", "--project", str(project), *args], catch_exceptions=False)


def next_number(project: Path) -> int:
    numbers = [int(path.name[:3]) for path in (project / "seeds" / "articles").glob("*.yaml")]
    return max(numbers) + 1


def test_add_article_copies_the_text_byte_for_byte_and_writes_metadata_and_an_empty_fact_file(project_copy: Path, tmp_path: Path) -> None:
    # CRLF line ends, no final newline, non-ASCII and a byte-order mark: all must survive the copy.
    data = "\ufeffHungary’s Orbán: “Serbia has our support.”\r\nSecond line – café\r\nno newline at the end".encode()
    source = tmp_path / "article.txt"
    source.write_bytes(data)
    number = next_number(project_copy)
    result = add(project_copy, str(source), "--url", URL, "--published", "2024-02-29", "--title", "Orbán: Serbia has our support",
                 "--publisher", "Example News", "--language", "en")
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(data).hexdigest()
    article_id = f"{number:03d}_{digest[:16]}"
    assert f"added article {article_id}" in result.output
    text_path = project_copy / "seeds" / "articles" / f"{article_id}.txt"
    assert text_path.read_bytes() == data
    metadata = yaml.safe_load((project_copy / "seeds" / "articles" / f"{article_id}.yaml").read_text(encoding="utf-8"))
    assert metadata == {"id": article_id, "title": "Orbán: Serbia has our support", "url": URL, "publisher": "Example News",
                        "published": "2024-02-29", "language": "en", "sha256": digest}
    facts = yaml.safe_load((project_copy / "seeds" / "facts" / f"{article_id}.yaml").read_text(encoding="utf-8"))
    assert facts == {"article": article_id, "facts": []}
    seeds = read_seeds(project_copy, read_vocabulary(project_copy))
    assert article_id in {article.record.id for article in seeds.articles}
    assert [p.name for p in (project_copy / "seeds").rglob(".*")] == [], "a temporary file was left behind"


def test_add_article_numbers_articles_in_order_and_defaults_the_title_to_the_first_line(project_copy: Path, tmp_path: Path) -> None:
    number = next_number(project_copy)
    ids = []
    for index in range(2):
        source = tmp_path / f"text{index}.txt"
        source.write_text(f"\n  Title line {index}  \nBody {index}.\n", encoding="utf-8")
        result = add(project_copy, str(source), "--url", URL, "--published", "2024")
        assert result.exit_code == 0, result.output
        ids.append(re.search(r"added article (\S+);", result.output).group(1))  # type: ignore[union-attr]
    assert [int(article_id[:3]) for article_id in ids] == [number, number + 1]
    metadata = yaml.safe_load((project_copy / "seeds" / "articles" / f"{ids[0]}.yaml").read_text(encoding="utf-8"))
    assert metadata["title"] == "Title line 0"
    assert "publisher" not in metadata


def test_add_article_refuses_a_text_already_present_naming_its_article(project_copy: Path) -> None:
    before = snapshot(project_copy)
    result = add(project_copy, str(PROJECT / "seeds" / "articles" / f"{SEED_ARTICLE}.txt"), "--url", URL, "--published", "2023-06")
    assert result.exit_code == 1
    assert f"is already article {SEED_ARTICLE} (seeds/articles/{SEED_ARTICLE}.txt)" in result.output
    assert "bad input, nothing written: 1 error(s)" in result.output
    assert snapshot(project_copy) == before


def test_add_article_refuses_text_that_is_not_utf8_naming_the_line(project_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "latin1.txt"
    source.write_bytes("first line\nCaf\xe9 in Belgrade\n".encode("latin-1"))
    before = snapshot(project_copy)
    result = add(project_copy, str(source), "--url", URL, "--published", "2024")
    assert result.exit_code == 1
    assert f"{source}:2: not UTF-8 text" in result.output
    assert snapshot(project_copy) == before


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--url", "ftp://example.org/a", "--url: url must be an http(s) URL"),
    ("--url", "https://", "--url: url must be an http(s) URL"),
    ("--url", "not a url", "--url: url must be an http(s) URL"),
    ("--published", "2023-02-30", "--published: published bad date '2023-02-30'"),
    ("--published", "6 October 2023", "--published: published bad date"),
    ("--published", "2023-10-06T09:50", "--published: published bad date"),
    ("--language", "English", "--language: language must be a BCP 47 language tag"),
    ("--title", "   ", "--title: title must be non-empty text"),
])
def test_add_article_refuses_bad_options_with_a_clear_error(project_copy: Path, tmp_path: Path, option: str, value: str, message: str) -> None:
    source = tmp_path / "text.txt"
    source.write_text("Serbia and Kosovo.\n", encoding="utf-8")
    options = {"--url": URL, "--published": "2024"}
    options[option] = value
    before = snapshot(project_copy)
    result = add(project_copy, str(source), *(item for pair in options.items() for item in pair))
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    assert snapshot(project_copy) == before


WAYBACK = "https://web.archive.org/web/20240502101010/https://example.org/news/2024/serbia-and-kosovo"


@pytest.mark.parametrize(("options", "expected_date"), [((WAYBACK,), "2024-05-02"), (("https://archive.ph/AbCd1", "--archived-date", "2024-06-30"), "2024-06-30")])
def test_add_article_records_a_web_archive_snapshot_and_the_day_it_was_taken(project_copy: Path, tmp_path: Path, options: tuple[str, ...],
                                                                            expected_date: str) -> None:
    source = tmp_path / "text.txt"
    source.write_text("Serbia thanked China for its support.\n", encoding="utf-8")
    result = add(project_copy, str(source), "--url", URL, "--published", "2024-05-01", "--archived", *options)
    assert result.exit_code == 0, result.output
    article_id = re.search(r"added article (\S+);", result.output).group(1)
    metadata = yaml.safe_load((project_copy / "seeds" / "articles" / f"{article_id}.yaml").read_text(encoding="utf-8"))
    assert (metadata["archived"], metadata["archived_date"]) == (options[0], expected_date)


@pytest.mark.parametrize(("options", "message"), [
    (("--archived", "https://archive.ph/AbCd1"), "--archived-date: archived-date is needed: the snapshot's URL names no day"),
    (("--archived", "ftp://archive.example/x", "--archived-date", "2024-01-01"), "--archived: archived must be an http(s) URL"),
    (("--archived", WAYBACK, "--archived-date", "2024-02-30"), "--archived-date: archived-date bad date '2024-02-30'"),
    (("--archived-date", "2024-01-01"), "--archived-date: archived-date needs --archived"),
])
def test_add_article_refuses_a_snapshot_it_cannot_date_or_reach(project_copy: Path, tmp_path: Path, options: tuple[str, ...], message: str) -> None:
    source = tmp_path / "text.txt"
    source.write_text("Serbia and Kosovo.\n", encoding="utf-8")
    before = snapshot(project_copy)
    result = add(project_copy, str(source), "--url", URL, "--published", "2024", *options)
    assert result.exit_code == 1 and message in result.output, result.output
    assert snapshot(project_copy) == before


def test_add_article_refuses_a_missing_or_empty_file(project_copy: Path, tmp_path: Path) -> None:
    result = add(project_copy, str(tmp_path / "missing.txt"), "--url", URL, "--published", "2024")
    assert result.exit_code == 1 and "cannot read the file" in result.output
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    result = add(project_copy, str(empty), "--url", URL, "--published", "2024")
    assert result.exit_code == 1 and "the text is empty" in result.output


# ---------------------------------------------------------------- writing YAML as text

TRICKY = ["China did not recognize Kosovo’s independence in 2008", 'a "quoted" word', "back\\slash", "2008", "yes", "null", "~", "",
          " leading space", "trailing space ", "key: value", "# not a comment", "- dash", "line\nbreak", "tab\there", "\u2028", "\x85",
          "\ufeffbom", "emoji 😀", "'single'", "@at", "`tick`", "{brace}", "[bracket]", "*star", "&amp", "!bang", "%percent", "a, b"]


@pytest.mark.parametrize("value", TRICKY)
def test_yaml_scalar_reads_back_as_the_same_text(value: str, tmp_path: Path) -> None:
    for quoted in (False, True):
        line = f"value: {yaml_scalar(value, quoted=quoted)}\n"
        assert "\n" not in line[:-1]
        assert yaml.safe_load(line)["value"] == value
        path = tmp_path / "v.yaml"
        path.write_text(line, encoding="utf-8")
        loaded = load_yaml(path, "v.yaml")["value"]
        assert (loaded if loaded is not None else "") == value


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_yaml_scalar_round_trips_any_text(value: str) -> None:
    loaded = yaml.safe_load(f"value: {yaml_scalar(value, quoted=True)}\n")["value"]
    assert loaded == value


def test_appending_records_keeps_the_existing_text_and_comments(project_copy: Path) -> None:
    path = project_copy / "seeds" / "facts" / f"{SEED_ARTICLE}.yaml"
    before = path.read_text(encoding="utf-8")
    vocabulary = read_vocabulary(project_copy)
    fields = {"key": "hungary-supports-serbia", "holder": "hungary", "stance": "supports", "target": "serbia", "polarity": "affirmed",
              "claim": "author", "quote": "Serbia chose to side with Russia and China", "status": "candidate"}
    records = append_fact_records(project_copy, SEED_ARTICLE, [(fields, ["a comment"])], vocabulary)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before):] == ("\n  - key: hungary-supports-serbia\n    # a comment\n    holder: hungary\n    stance: supports\n"
                                   "    target: serbia\n    polarity: affirmed\n    claim: author\n"
                                   '    quote: "Serbia chose to side with Russia and China"\n    status: candidate\n')
    assert records[-1].fields["key"] == "hungary-supports-serbia"
