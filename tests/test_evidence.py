"""Evidence: each published fact points at its verbatim quote in the archived article, by code-point offsets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BASE, FIRST_ARTICLE, PROJECT, seed_facts, select
from hypothesis import given, settings
from hypothesis import strategies as st

from linkeddata.pipeline.mapping import map_seeds, read_mappings
from linkeddata.project.evidence import CONTEXT_CHARACTERS, QuoteNotFound, find_occurrences, locate_quote
from linkeddata.project.seeds import read_seeds
from linkeddata.project.vocabulary import read_vocabulary

EVIDENCE_QUERY = """
SELECT ?fact ?key ?archive ?exact ?prefix ?suffix ?start ?end WHERE {
  ?fact a ld:StanceFact ; schema:identifier ?key ; ld:evidence ?evidence .
  ?evidence oa:hasTarget ?span .
  ?span oa:hasSource ?archive ; oa:hasSelector ?quote , ?position .
  ?quote a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
}"""


@pytest.fixture(scope="module")
def evidence(release_store: object) -> list[dict[str, object]]:
    rows = select(release_store, EVIDENCE_QUERY)
    assert rows
    return rows


def article_text(release: Path, archive_iri: str) -> str:
    identifier = archive_iri.removeprefix(f"{BASE}text/")
    return (release / "articles" / f"{identifier}.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the published release


def test_every_published_quote_lies_verbatim_in_its_article_at_its_offsets(release: Path, evidence: list[dict[str, object]]) -> None:
    published = {fact["key"] for fact in seed_facts() if fact.get("status") != "candidate"}
    assert {row["key"] for row in evidence} == published
    for row in evidence:
        text = article_text(release, row["archive"])
        start, end = row["start"], row["end"]
        assert text[start:end] == row["exact"], row["key"]
        assert text[:start].endswith(row["prefix"]) and text[end:].startswith(row["suffix"]), row["key"]
        assert row["prefix"] == text[max(0, start - CONTEXT_CHARACTERS) : start]
        assert row["suffix"] == text[end : end + CONTEXT_CHARACTERS]


def test_archived_article_is_the_seed_text_byte_for_byte(release: Path) -> None:
    for text_path in sorted((PROJECT / "seeds" / "articles").glob("*.txt")):
        assert (release / "articles" / text_path.name).read_bytes() == text_path.read_bytes()


def test_published_quote_is_the_seed_quote_unchanged(evidence: list[dict[str, object]]) -> None:
    quotes = {fact["key"]: fact["quote"] for fact in seed_facts()}
    for row in evidence:
        assert row["exact"] == quotes[row["key"]]


def test_offsets_count_code_points_not_utf8_bytes(release: Path, evidence: list[dict[str, object]]) -> None:
    # The article has curly quotes and dashes before most quotes, so byte and code-point offsets differ.
    shifted = 0
    for row in evidence:
        text = article_text(release, row["archive"])
        byte_start = len(text[: row["start"]].encode("utf-8"))
        shifted += byte_start != row["start"]
        assert text.encode("utf-8")[byte_start:].startswith(row["exact"].encode("utf-8"))
    assert shifted > 0, "no quote follows a multi-byte character; the test would not tell code points from bytes"


def test_curly_quotes_and_apostrophes_are_preserved(evidence: list[dict[str, object]]) -> None:
    curly = {fact["key"]: fact["quote"] for fact in seed_facts() if "’" in fact["quote"]}
    assert curly, "no seed quote has a curly apostrophe"
    published = {row["key"]: row["exact"] for row in evidence}
    for key, quote in curly.items():
        assert published[key] == quote and "'" not in published[key]


def test_archived_text_in_the_graph_matches_the_file(release: Path, release_store: object) -> None:
    rows = select(release_store, "SELECT ?archive ?text WHERE { ?article schema:archivedAt ?archive . ?archive schema:text ?text }")
    assert rows
    for row in rows:
        assert row["text"] == article_text(release, row["archive"])


# ---------------------------------------------------------------- occurrence


# The first seed article: the ambassador's "Botsan-Kharchenko said" occurs in it more than once.
ARTICLE = (PROJECT / "seeds" / "articles" / f"{FIRST_ARTICLE}.txt").read_text(encoding="utf-8")


def test_occurrence_picks_the_nth_occurrence() -> None:
    quote = "Botsan-Kharchenko said"
    starts = [index for index in range(len(ARTICLE)) if ARTICLE.startswith(quote, index)]
    assert len(starts) >= 2
    for number, start in enumerate(starts, 1):
        span = locate_quote(ARTICLE, quote, number)
        assert (span.start, span.end) == (start, start + len(quote))
    with pytest.raises(QuoteNotFound, match="add 'occurrence: N'"):
        locate_quote(ARTICLE, quote)
    with pytest.raises(QuoteNotFound, match=f"occurrence {len(starts) + 1} does not exist"):
        locate_quote(ARTICLE, quote, len(starts) + 1)


@pytest.mark.parametrize("occurrence", [0, -1])
def test_occurrence_below_one_is_refused_rather_than_counted_from_the_end(occurrence: int) -> None:
    with pytest.raises(QuoteNotFound):
        locate_quote(ARTICLE, "Botsan-Kharchenko said", occurrence)


def test_occurrence_in_a_seed_fact_reaches_the_published_offsets(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for part in ("seeds", "ontology", "mappings"):
        shutil.copytree(PROJECT / part, project / part)
    facts_path = project / "seeds" / "facts" / f"{FIRST_ARTICLE}.yaml"
    with facts_path.open("a", encoding="utf-8") as facts:
        facts.write("\n  - key: russia-supports-serbia-second-saying\n    holder: russia\n    stance: supports\n    target: serbia\n"
                    "    polarity: affirmed\n    claim: reported\n    speaker: alexander-botsan-kharchenko\n"
                    '    quote: "Botsan-Kharchenko said"\n    occurrence: 2\n')
    vocabulary = read_vocabulary(project)
    seeds = read_seeds(project, vocabulary)
    mapped = map_seeds(seeds, vocabulary.ontology_turtle, read_mappings(project), BASE)
    position = f"{BASE}fact/{facts_path.stem}/russia-supports-serbia-second-saying#position"
    values = {quad.predicate.value.rsplit("#", 1)[1]: int(quad.object.value) for quad in mapped.quads
              if quad.subject.value == position and quad.predicate.value.endswith(("#start", "#end"))}
    second = find_occurrences(ARTICLE, "Botsan-Kharchenko said")[1]
    assert values == {"start": second, "end": second + len("Botsan-Kharchenko said")}


# ---------------------------------------------------------------- property-based


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60), quote=st.text(max_size=6), occurrence=st.none() | st.integers(min_value=-3, max_value=6))
def test_locate_quote_returns_the_quote_or_raises_quote_not_found(text: str, quote: str, occurrence: int | None) -> None:
    try:
        span = locate_quote(text, quote, occurrence)
    except QuoteNotFound:
        return
    assert occurrence is None or occurrence >= 1, "an occurrence below 1 must not pick anything"
    assert text[span.start : span.end] == quote
    assert text[: span.start].endswith(span.prefix) and text[span.end :].startswith(span.suffix)
    assert span.start == find_occurrences(text, quote)[(occurrence or 1) - 1]


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=60), data=st.data())
def test_locate_quote_finds_every_slice_of_the_text(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(text)))
    quote = text[start:end]
    occurrences = find_occurrences(text, quote)
    assert start in occurrences
    span = locate_quote(text, quote, occurrences.index(start) + 1)
    assert (span.start, span.end) == (start, end)
    if len(occurrences) == 1:
        assert locate_quote(text, quote) == span
