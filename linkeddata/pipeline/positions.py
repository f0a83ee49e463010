"""Counts over each position's reports: how many facts report it, in how many articles, by how many outlets and speakers, first and last.

A position (one holder, stance, polarity and target) is reported by facts in many articles, and
articles fall into different shards, so no mapping can count them (mappings/README.md). Each shard
gives its report rows here; once every shard is read, the counts go into one named graph of their
own, `<base>graph/positions`, beside the article graphs whose facts they count.

A withdrawn fact (a tombstone) is no report. An outlet is the publication a fact is attributed to (`ld:reportedBy`), else its article's publisher:
"the daily reiterated", quoted by a news agency, is Kathimerini's report, not the agency's.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from linkeddata.namespaces import LD, XSD

REPORT_ROWS = """
PREFIX ld:     <https://alliances.example.org/ontology#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
SELECT ?position ?fact ?article ?source ?publisher ?speaker ?published WHERE {
  GRAPH ?graph { ?fact ld:reports ?position ; prov:wasDerivedFrom ?article .
                 FILTER NOT EXISTS { ?fact prov:invalidatedAtTime ?withdrawn }
                 OPTIONAL { ?fact ld:reportedBy ?source } OPTIONAL { ?fact ld:speaker ?speaker } }
  OPTIONAL { GRAPH ?articleGraph { ?article schema:publisher ?publisher } }
  OPTIONAL { GRAPH ?dateGraph { ?article schema:datePublished ?published } }
}
"""
COUNTED_GRAPH = "graph/positions"


@dataclass(slots=True)
class _Reports:
    """One position's reports so far. Facts and articles are counted, not kept: an article and its facts are mapped in
    one shard only (mapping.shards), so the counts of different shards add up, where a million facts' IRIs kept in sets
    took about a gigabyte. Outlets and speakers recur across shards, so they are kept (a few per position)."""

    facts: int = 0
    articles: int = 0
    outlets: set[str] = field(default_factory=set)
    speakers: set[str] = field(default_factory=set)
    first: ox.Literal | None = None
    last: ox.Literal | None = None

    def add_date(self, literal: ox.Literal) -> None:
        if self.first is None or _date_key(literal) < _date_key(self.first):
            self.first = literal
        if self.last is None or _date_key(literal) > _date_key(self.last):
            self.last = literal


def _date_key(literal: ox.Literal) -> str:
    # "2023", "2023-06" and "2023-06-15" order correctly as text; the datatype breaks ties deterministically.
    return f"{literal.value}\x00{literal.datatype.value}"


@dataclass(frozen=True, slots=True)
class ReportCounts:
    """What the positions graph states of one position: its counts, and its first and last report dates (lexical)."""

    facts: int
    articles: int
    outlets: int
    speakers: int
    first: str | None
    last: str | None


@dataclass(slots=True)
class PositionCounter:
    """Gathers report rows shard by shard and writes the counts as quads."""

    reports: dict[str, _Reports] = field(default_factory=lambda: defaultdict(_Reports))

    def add(self, store: ox.Store) -> None:
        """Read one shard's reports (each shard once: its fact and article counts are added to the others')."""
        facts: dict[str, set[str]] = defaultdict(set)
        articles: dict[str, set[str]] = defaultdict(set)
        for row in store.query(REPORT_ROWS):
            position = row["position"].value
            reports = self.reports[position]
            facts[position].add(row["fact"].value)
            articles[position].add(row["article"].value)
            if row["source"] is not None:
                reports.outlets.add(sys.intern(row["source"].value))
            elif row["publisher"] is not None:
                reports.outlets.add(sys.intern("publisher:" + row["publisher"].value))
            if row["speaker"] is not None:
                reports.speakers.add(sys.intern(row["speaker"].value))
            if row["published"] is not None:
                reports.add_date(row["published"])
        for position, reporting in facts.items():
            self.reports[position].facts += len(reporting)
            self.reports[position].articles += len(articles[position])

    def merge(self, other: PositionCounter) -> None:
        """Add the report rows another counter read (a shard read in a worker process)."""
        for position, theirs in other.reports.items():
            ours = self.reports[position]
            ours.facts += theirs.facts
            ours.articles += theirs.articles
            ours.outlets.update(map(sys.intern, theirs.outlets))
            ours.speakers.update(map(sys.intern, theirs.speakers))
            for literal in (theirs.first, theirs.last):
                if literal is not None:
                    ours.add_date(literal)

    def quads(self, base_iri: str) -> list[ox.Quad]:
        """Return the count quads of every position, in the counted graph."""
        graph = ox.NamedNode(base_iri + COUNTED_GRAPH)
        # The terms every position shares are made once (tens of thousands of quads at 10,000 facts).
        report, article, publisher, speaker, first, last = (ox.NamedNode(str(term)) for term in (
            LD.reportCount, LD.articleCount, LD.publisherCount, LD.speakerCount, LD.firstDate, LD.lastDate))
        integer = ox.NamedNode(str(XSD.integer))
        quads = []
        for position_iri, reports in sorted(self.reports.items()):
            position = ox.NamedNode(position_iri)
            for predicate, count in ((report, reports.facts), (article, reports.articles), (publisher, len(reports.outlets)), (speaker, len(reports.speakers))):
                quads.append(ox.Quad(position, predicate, ox.Literal(str(count), datatype=integer), graph))
            if reports.first is not None and reports.last is not None:
                quads.append(ox.Quad(position, first, reports.first, graph))
                quads.append(ox.Quad(position, last, reports.last, graph))
        return quads

    def counts(self, position: str) -> ReportCounts | None:
        """Return a position's counts as quads() states them, or None for a position without a (standing) report."""
        reports = self.reports.get(position)
        if reports is None:
            return None
        dated = reports.first is not None and reports.last is not None
        return ReportCounts(reports.facts, reports.articles, len(reports.outlets), len(reports.speakers),
                            reports.first.value if dated else None, reports.last.value if dated else None)  # type: ignore[union-attr]

    def store(self, base_iri: str) -> ox.Store:
        """Return a store holding only the counted graph, for the canonical writer."""
        store = ox.Store()
        store.bulk_extend(self.quads(base_iri))
        return store

    def clear(self) -> None:
        self.reports.clear()
