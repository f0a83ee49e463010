"""Each shard's rows for the tables and nanopublications: read from the shard's own store while the shard is in memory,
spilled to scratch files, and merged back in fact order once every shard is read.

The tables and nanopublications are made from the release's RDF, not from the seeds. Querying the whole release for
them needs the whole dataset in one store: about 12 GiB in memory at a million facts, or 23 minutes of random reads
from the on-disk store. An article and its facts are mapped in one shard (mapping.shards), so each fact's row and
statements are complete in its shard's store; the actors are in every shard, and a position's counts span shards
(PositionCounter gives them).
"""

from __future__ import annotations

import heapq
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from linkeddata.pipeline.nanopubs import NanopubTemplate, fact_terms, nanopub_prefixes, nanopub_template
from linkeddata.pipeline.tables import ActorRow, PositionRow, actor_rows, fact_record, fact_rows, facts_without_rows, position_rows

ARTICLE_DATES = "SELECT DISTINCT ?published WHERE { GRAPH ?g { ?article a <https://schema.org/NewsArticle> ; <https://schema.org/datePublished> ?published } }"

T = TypeVar("T")
RECORDS, NANOPUBS = ".records", ".nanopubs"
"""The two files of a shard's spilled facts: (fact IRI, facts.csv record) and (fact IRI, NanopubTemplate) in fact order,
apart so that writing the tables does not read the nanopublications (twelve times their size)."""


@dataclass(frozen=True, slots=True)
class SpilledFacts:
    """One shard's facts on disk (`stem` with RECORDS and NANOPUBS as suffix), with the smallest fact IRI among them."""

    stem: Path
    first: str
    count: int

    def load(self, suffix: str) -> list[Any]:
        with self.stem.with_suffix(suffix).open("rb") as spilled:
            return pickle.load(spilled)  # type: ignore[no-any-return]  # our own scratch file, written by this build

    def remove(self) -> None:
        for suffix in (RECORDS, NANOPUBS):
            self.stem.with_suffix(suffix).unlink()


@dataclass(frozen=True, slots=True)
class ShardTableRows:
    """What one shard gives the tables and nanopublications; made in a worker process, so plain picklable values."""

    facts: SpilledFacts
    actors: frozenset[ActorRow]
    positions: frozenset[PositionRow]
    article_dates: frozenset[tuple[str, str]]  # (lexical date, datatype IRI)
    without_rows: frozenset[str]  # stance facts the facts query missed


def read_table_rows(store: ox.Store, folder: Path, shard_number: int, base_iri: str) -> ShardTableRows:
    """Read a mapped shard's table rows; its facts go to files in `folder` named after `shard_number`.

    Each fact's record and nanopublication are made here, in the shard's worker (hashing a nanopublication is pure
    Python, about 0.8 ms a fact), as plain strings: the release's IRI and date are filled in later (ReleaseStamp)."""
    rows = fact_rows(store)
    prefixes = nanopub_prefixes(base_iri)
    facts = [row["fact"].value for row in rows]
    stem = folder / f"facts-{shard_number:06d}"
    for suffix, entries in ((RECORDS, [fact_record(row) for row in rows]),
                            (NANOPUBS, [nanopub_template(row, fact_terms(store, fact), base_iri, prefixes) for fact, row in zip(facts, rows, strict=True)])):
        with stem.with_suffix(suffix).open("wb") as out:
            pickle.dump(list(zip(facts, entries, strict=True)), out, protocol=pickle.HIGHEST_PROTOCOL)
    dates = frozenset((term.value, term.datatype.value) for term in (row["published"] for row in store.query(ARTICLE_DATES))  # type: ignore[union-attr]
                      if isinstance(term, ox.Literal))
    return ShardTableRows(SpilledFacts(stem, min(facts, default=""), len(facts)),
                          frozenset(actor_rows(store)), frozenset(position_rows(store)), dates, frozenset(facts_without_rows(store, rows)))


@dataclass(slots=True)
class TableRows:
    """Every shard's table rows, gathered in the build's own process (the fact entries stay on disk)."""

    spills: list[SpilledFacts] = field(default_factory=list)
    actors: set[ActorRow] = field(default_factory=set)
    positions: set[PositionRow] = field(default_factory=set)
    article_dates: set[tuple[str, str]] = field(default_factory=set)
    without_rows: set[str] = field(default_factory=set)

    def add(self, shard: ShardTableRows) -> None:
        if shard.facts.count:
            self.spills.append(shard.facts)
        else:
            shard.facts.remove()
        self.actors |= shard.actors
        # The keys, labels, stance, code and polarity recur in most of a million facts' positions: held once each.
        self.positions.update((position, label, *map(sys.intern, rest)) for position, label, *rest in shard.positions)  # type: ignore[misc]
        self.article_dates |= shard.article_dates
        self.without_rows |= shard.without_rows

    def check_every_fact_has_a_row(self) -> None:
        """Raise AssertionError if a fact that passed SHACL has no row: it would be silently absent from the tables and
        nanopublications (as every fact of an article without a publisher once was), a build error, not a smaller table."""
        assert not self.without_rows, f"stance facts lacking a value the facts table requires: {', '.join(sorted(self.without_rows)[:5])}"

    def fact_records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield every fact's (IRI, facts.csv record) in fact IRI order."""
        return in_fact_order(self.spills, lambda spill: spill.load(RECORDS))

    def nanopub_templates(self) -> Iterator[tuple[str, NanopubTemplate]]:
        """Yield every fact's (IRI, nanopublication template) in fact IRI order."""
        return in_fact_order(self.spills, lambda spill: spill.load(NANOPUBS))


def in_fact_order(spills: list[SpilledFacts], load: Callable[[SpilledFacts], list[tuple[str, T]]]) -> Iterator[tuple[str, T]]:
    """Merge shards' lists of (fact IRI, value), each in fact order, into one in fact order, loading a shard only when the merge reaches it.

    Shards follow the articles' order, which is nearly the facts' order: shard n's facts usually all sort before
    shard n+1's, and only an article id that begins another ("a1", "a1-b") makes two shards interleave. So at most
    the shards that overlap are in memory at once, not all of them (gigabytes at a million facts).
    """
    waiting = sorted(spills, key=lambda spill: spill.first, reverse=True)  # popped from the end: smallest first
    heap: list[tuple[str, int, int, list[tuple[str, T]]]] = []
    opened = 0
    while waiting or heap:
        while waiting and (not heap or waiting[-1].first <= heap[0][0]):
            items = load(waiting.pop())
            if items:
                heapq.heappush(heap, (items[0][0], opened, 0, items))
                opened += 1
        if not heap:
            continue
        _fact, number, index, items = heapq.heappop(heap)
        yield items[index]
        if index + 1 < len(items):
            heapq.heappush(heap, (items[index + 1][0], number, index + 1, items))
