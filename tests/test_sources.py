"""The seed readers: every record is read with its file and line, and no input makes them crash.

These run the readers in-process (no build), so they are fast enough for property-based tests.
"""

from __future__ import annotations

import functools
import string
import time
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT, seed_actors, seed_facts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkeddata.errors import InputError, InputErrors
from linkeddata.project.seeds import FACT_FIELDS, read_actors, read_facts, read_seeds
from linkeddata.project.vocabulary import Vocabulary, read_vocabulary


@functools.cache
def vocabulary() -> Vocabulary:
    return read_vocabulary(PROJECT)


def write_facts(root: Path, data: bytes, name: str = "sample") -> Path:
    path = root / "seeds" / "facts" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def facts_errors(root: Path, data: bytes) -> list[InputError]:
    """Read `data` as the fact file seeds/facts/sample.yaml; return its errors (raised or returned)."""
    path = write_facts(root, data)
    try:
        _records, errors = read_facts(root, path, vocabulary())
    except InputErrors as raised:
        return raised.errors
    return errors


# ---------------------------------------------------------------- the real seeds


def test_reads_every_published_fact_actor_and_article_of_the_seeds() -> None:
    seeds = read_seeds(PROJECT, vocabulary())
    facts = seed_facts()
    assert sorted(fact.fields["key"] for fact in seeds.facts) == sorted(f["key"] for f in facts if f.get("status") != "candidate")
    assert sorted(actor.id for actor in seeds.actors) == sorted(a["key"] for a in seed_actors())
    assert [article.record.id for article in seeds.articles] == [p.stem for p in sorted((PROJECT / "seeds" / "articles").glob("*.yaml"))]


def test_records_remember_the_line_of_the_record_and_of_each_field() -> None:
    seeds = read_seeds(PROJECT, vocabulary())
    for fact in seeds.facts:
        lines = (PROJECT / fact.location.path).read_text(encoding="utf-8").splitlines()
        assert lines[fact.location.line - 1] == f"  - key: {fact.fields['key']}"
        for name in ("holder", "stance", "target", "quote"):
            assert lines[fact.located(name).line - 1].lstrip().startswith(f"{name}:")


def test_scalars_stay_text_so_a_year_is_not_a_number() -> None:
    seeds = read_seeds(PROJECT, vocabulary())
    dated = [fact for fact in seeds.facts if "date" in fact.fields]
    assert dated and all(isinstance(fact.fields["date"], str) for fact in dated)


# ---------------------------------------------------------------- defects that used to crash the reader (exit 2)

FACT = "article: sample\nfacts:\n  - key: a-fact\n    holder: china\n    stance: supports\n    target: serbia\n    polarity: affirmed\n    claim: author\n    quote: Q\n"


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        pytest.param(FACT.replace("key: a-fact", "key: [a, b]"), 3, "field 'key'", id="key-is-a-list"),
        pytest.param(FACT.replace("key: a-fact", "key: {a: b}"), 3, "field 'key'", id="key-is-a-mapping"),
        pytest.param(FACT.replace("stance: supports", "stance: [supports]"), 5, "unknown relation", id="stance-is-a-list"),
        pytest.param(FACT.replace("polarity: affirmed", "polarity: {a: 1}"), 7, "unknown polarity", id="polarity-is-a-mapping"),
        pytest.param(FACT + "    occurrence: \u00b2\n", 10, "positive integer", id="occurrence-is-a-superscript-digit"),
        pytest.param(FACT + "    occurrence: \u0663\n", 10, "positive integer", id="occurrence-is-an-arabic-indic-digit"),
        pytest.param(FACT + "    occurrence: 0\n", 10, "positive integer", id="occurrence-is-zero"),
        pytest.param(FACT.replace("key: a-fact", 'key: "a-fact\\n"'), 3, "field 'key'", id="key-with-trailing-newline"),
        pytest.param(FACT + '    date: "2008\\n"\n', 10, "bad date", id="date-with-trailing-newline"),
        pytest.param(FACT + "    date: 2023-02-29\n", 10, "day is out of range", id="date-not-in-calendar"),
        pytest.param("article: sample\nfacts: &a [*a]\n", 2, "alias", id="recursive-alias"),
        pytest.param(FACT + "    quote: R\n", 10, "key 'quote' repeated (first at line 9)", id="field-given-twice"),
        pytest.param("article: sample\nfacts: []\nbad: \x00\n", 3, "control characters", id="control-character"),
        pytest.param("article: sample\nfacts: [\n", 2, "at the end of the file", id="unclosed-bracket"),
        pytest.param("article: sample\nfacts: [a,\n  b\n\n", 2, "flow sequence", id="unclosed-bracket-over-lines"),
        pytest.param("article: sample\n---\nfacts: []\n", 2, "another document", id="two-documents"),
        pytest.param("- just\n- a list\n", 1, "expected a mapping", id="not-a-mapping"),
    ],
)
def test_fact_reader_reports_odd_yaml_as_located_input_errors(tmp_path: Path, data: str, line: int, fragment: str) -> None:
    errors = facts_errors(tmp_path, data.encode("utf-8"))
    assert errors, "no error reported"
    assert any(error.location.line == line and fragment in error.message for error in errors), errors
    for error in errors:
        assert "\n" not in str(error)


def test_fact_reader_does_not_expand_aliases_exponentially(tmp_path: Path) -> None:
    # "Billion laughs": 7 levels of 10 aliases each are 10**7 nodes if every alias is copied out.
    lines = ["article: sample", "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 7)]
    lines += ["facts: []", ""]
    started = time.perf_counter()
    errors = facts_errors(tmp_path, "\n".join(lines).encode("utf-8"))
    assert errors == []
    assert time.perf_counter() - started < 2


def test_actor_reader_reports_a_wikidata_id_with_a_trailing_newline(tmp_path: Path) -> None:
    # `^Q[1-9][0-9]*$` matched "Q403\n"; the link then vanished silently from the release.
    path = tmp_path / "seeds" / "actors.yaml"
    path.parent.mkdir(parents=True)
    path.write_text('actors:\n  - key: serbia\n    label: Serbia\n    kind: state\n    wikidata: "Q403\\n"\n', encoding="utf-8")
    actors, errors = read_actors(tmp_path, vocabulary())
    assert actors == []
    assert [(e.location.line, "field 'wikidata'" in e.message) for e in errors] == [(5, True)]


# ---------------------------------------------------------------- property-based: no input crashes the fact reader

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

yaml_text = st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\n\t ~") + list(string.ascii_lowercase[:6]) + ["’", "\x00", "\ufeff"]), max_size=80)
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
fact_like = st.fixed_dictionaries({}, optional={name: yaml_values for name in [*FACT_FIELDS, "unexpected"]})


def _reads_or_reports(root: Path, data: bytes) -> None:
    path = write_facts(root, data)
    try:
        records, errors = read_facts(root, path, vocabulary())
    except InputErrors as raised:
        assert raised.errors and all(isinstance(error, InputError) for error in raised.errors)
        return
    assert all(isinstance(error, InputError) for error in errors)
    assert all(record.fields["key"] for record in records)


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=200))
def test_fact_reader_raises_only_input_errors_for_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    _reads_or_reports(tmp_path, data)


@PROPERTY_SETTINGS
@given(text=yaml_text)
def test_fact_reader_raises_only_input_errors_for_yaml_punctuation_soup(tmp_path: Path, text: str) -> None:
    _reads_or_reports(tmp_path, ("article: sample\nfacts:\n" + text).encode("utf-8"))


@PROPERTY_SETTINGS
@given(facts=st.lists(fact_like, max_size=3), article=yaml_values)
def test_fact_reader_raises_only_input_errors_for_any_well_formed_yaml(tmp_path: Path, facts: list[dict[str, object]], article: object) -> None:
    document = {"article": "sample" if article is None else article, "facts": facts}
    _reads_or_reports(tmp_path, yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))
