"""Writes the release's tidy tables (facts, actors, stances) as CSV and Parquet, with their W3C CSVW metadata."""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyoxigraph as ox

from linkeddata.namespaces import LD, WIKIDATA_ENTITY
from linkeddata.pipeline.positions import ReportCounts
from linkeddata.release.files import ACTORS_TABLE, CSVW_METADATA, FACTS_TABLE, STANCES_TABLE, TABLE_FILES

PREFIXES = f"""PREFIX ld: <{LD}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
"""

# One row per fact (DISTINCT: in the union of the graphs, a triple two article graphs share, such as a position's, counts twice), with everything the tables and the nanopublications need. The ontology (loaded as its own
# graph) gives each stance its CAMEO code and direct property; the data dumps do not repeat them.
FACTS_QUERY = PREFIXES + """
SELECT DISTINCT * WHERE {
  ?fact a ld:StanceFact ; schema:identifier ?factKey ; rdfs:label ?label ; ld:holder ?holder ; ld:target ?target ;
        ld:stance ?stance ; ld:polarity ?polarity ; ld:claimType ?claimType ; ld:modality ?modality ;
        ld:reports ?position ; prov:wasDerivedFrom ?article ; ld:evidence ?evidence .
  ?article schema:identifier ?articleId ; schema:url ?articleUrl ; schema:datePublished ?published ;
           schema:headline ?headline ; schema:archivedAt ?archive .
  ?archive a schema:MediaObject .  # the archived text the quote lies in, not a web archive's snapshot
  ?evidence oa:hasTarget ?evidenceTarget .
  ?evidenceTarget oa:hasSelector ?quoteSelector , ?positionSelector .
  ?quoteSelector a oa:TextQuoteSelector ; oa:exact ?quote ; oa:prefix ?quotePrefix ; oa:suffix ?quoteSuffix .
  ?positionSelector a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?holder schema:identifier ?holderKey ; rdfs:label ?holderLabel .
  ?target schema:identifier ?targetKey ; rdfs:label ?targetLabel .
  ?stance skos:notation ?stanceNotation ; ld:cameoCode ?cameo ; ld:directProperty ?directProperty .
  OPTIONAL { ?article schema:publisher ?publisher }  # optional in the seeds: required here, it dropped such articles' facts
  OPTIONAL { ?holder owl:sameAs ?holderWikidata FILTER(STRSTARTS(STR(?holderWikidata), "http://www.wikidata.org/entity/")) }
  OPTIONAL { ?target owl:sameAs ?targetWikidata FILTER(STRSTARTS(STR(?targetWikidata), "http://www.wikidata.org/entity/")) }
  OPTIONAL { ?fact ld:speaker ?speaker . ?speaker schema:identifier ?speakerKey ; rdfs:label ?speakerLabel }
  OPTIONAL { ?fact ld:reportedBy ?source . ?source schema:identifier ?sourceKey ; rdfs:label ?sourceLabel }
  OPTIONAL { ?fact ld:condition ?condition }
  OPTIONAL { ?fact ld:aspect ?aspect }
  OPTIONAL { ?fact ld:date ?date }
  OPTIONAL { ?fact skos:editorialNote ?note }
}
ORDER BY ?fact
"""

STANCE_FACTS = PREFIXES + "SELECT DISTINCT ?fact WHERE { ?fact a ld:StanceFact }"

ACTORS_QUERY = PREFIXES + """
SELECT DISTINCT ?actor ?key ?label ?kind ?wikidata ?alias WHERE {
  ?actor a ld:Actor ; schema:identifier ?key ; rdfs:label ?label ; a ?class .
  ?class rdfs:subClassOf ld:Actor ; skos:notation ?kind .
  OPTIONAL { ?actor owl:sameAs ?wikidata FILTER(STRSTARTS(STR(?wikidata), "http://www.wikidata.org/entity/")) }
  OPTIONAL { ?actor skos:altLabel ?alias }
}
ORDER BY ?key
"""

POSITIONS_QUERY = PREFIXES + """
SELECT DISTINCT ?position ?label ?holderKey ?holderLabel ?stance ?cameo ?polarity ?targetKey ?targetLabel WHERE {
  # A position's triples are repeated in the graph of every article reporting it, and the union of the graphs keeps
  # each copy: joined across graphs, k copies of six patterns made k^6 rows (minutes at 10,000 facts). Read them
  # graph by graph, once per position. Its counts span shards: PositionCounter gives them.
  { SELECT DISTINCT ?position ?label ?holder ?stance ?polarity ?target WHERE { GRAPH ?graph {
      ?position a ld:Position ; rdfs:label ?label ; ld:positionHolder ?holder ; ld:positionStance ?stance ;
                ld:positionPolarity ?polarity ; ld:positionTarget ?target } } }
  ?holder schema:identifier ?holderKey ; rdfs:label ?holderLabel .
  ?target schema:identifier ?targetKey ; rdfs:label ?targetLabel .
  ?stance ld:cameoCode ?cameo .
}
"""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its name, Arrow type, CSVW datatype, description and how it maps to RDF."""

    name: str
    arrow: pa.DataType
    datatype: str | dict[str, Any]
    description: str
    rdf: dict[str, Any] | None = None  # aboutUrl/propertyUrl/valueUrl/lang; None: no triples (suppressOutput)
    separator: str | None = None


TEXT, INT, DAY = pa.string(), pa.int64(), pa.date32()
# IRIs are typed as strings with a pattern, not anyURI: the csvw library turns an anyURI cell into a parsed URI object that its
# template expansion ("{+fact}#quote") then renders as a tuple. The triples are the same, since valueUrl/aboutUrl make the IRIs.
IRI = {"base": "string", "format": r"https?://\S+"}
PERIOD = {"base": "string", "format": r"^-?\d{4}(-\d{2}(-\d{2})?)?$"}


def fact_columns(base: str) -> list[Column]:
    """Return the columns of facts.csv, mapped to the release's IRIs under `base`."""
    actor, ld = f"{base}actor/", str(LD)
    fact_about = {"aboutUrl": "{+fact}"}
    return [
        Column("fact", TEXT, IRI, "IRI of the stance fact (it dereferences; a `Accept: application/trig` request gets its nanopublication).",
               {"aboutUrl": "{+fact}", "propertyUrl": "rdf:type", "valueUrl": f"{ld}StanceFact"}),
        Column("fact_key", TEXT, "string", "The fact's key within its article (schema:identifier).", {**fact_about, "propertyUrl": "https://schema.org/identifier"}),
        Column("label", TEXT, "string", "The fact as a sentence, e.g. 'China supports Serbia' (rdfs:label).",
               {**fact_about, "propertyUrl": "rdfs:label", "lang": "en"}),
        Column("article_id", TEXT, "string", "Id of the source article; its archived text is /text/<article_id> (prov:wasDerivedFrom).",
               {**fact_about, "propertyUrl": "http://www.w3.org/ns/prov#wasDerivedFrom", "valueUrl": f"{base}article/{{article_id}}"}),
        Column("article_url", TEXT, IRI, "The article's original URL (schema:url).",
               {"aboutUrl": f"{base}article/{{article_id}}", "propertyUrl": "https://schema.org/url", "valueUrl": "{+article_url}"}),
        Column("publisher", TEXT, "string", "The article's publisher (schema:publisher), when the seeds name it.",
               {"aboutUrl": f"{base}article/{{article_id}}", "propertyUrl": "https://schema.org/publisher"}),
        Column("published", TEXT, PERIOD, "Publication date as given: YYYY, YYYY-MM or YYYY-MM-DD (xsd:gYear, gYearMonth or date; "
               "one column cannot carry three datatypes, so it stays text here and in RDF it is read from the dumps)."),
        Column("published_day", DAY, "date", "The publication date when the day is known, else empty."),
        Column("holder", TEXT, "string", "Key of the actor holding the stance (actor/<key>).", {**fact_about, "propertyUrl": f"{ld}holder", "valueUrl": f"{actor}{{holder}}"}),
        Column("holder_label", TEXT, "string", "English name of the holder.", {"aboutUrl": f"{actor}{{holder}}", "propertyUrl": "rdfs:label", "lang": "en"}),
        Column("holder_wikidata", TEXT, {"base": "string", "format": r"^Q\d+$"}, "Wikidata Q-id of the holder, when verified (owl:sameAs).",
               {"aboutUrl": f"{actor}{{holder}}", "propertyUrl": "owl:sameAs", "valueUrl": f"{WIKIDATA_ENTITY}{{holder_wikidata}}"}),
        Column("stance", TEXT, "string", "The stance: Support, Recognition, Condemnation, Appeal, Sanction or Alliance (ld:stance).",
               {**fact_about, "propertyUrl": f"{ld}stance", "valueUrl": f"{ld}{{stance}}"}),
        Column("cameo", TEXT, {"base": "string", "format": r"^\d{2,4}$"}, "CAMEO event code of the stance (text: leading zeros matter, '02')."),
        Column("direct_property", TEXT, IRI,
               "The direct property (ld:supports, …) for an affirmed fact, empty for a negated one: a CSVW processor turns this cell into the "
               "release's direct triple <holder> <direct_property> <target>, and an empty cell into none.",
               {"aboutUrl": f"{actor}{{holder}}", "propertyUrl": "{+direct_property}", "valueUrl": f"{actor}{{target}}"}),
        Column("target", TEXT, "string", "Key of the actor the stance is towards.", {**fact_about, "propertyUrl": f"{ld}target", "valueUrl": f"{actor}{{target}}"}),
        Column("target_label", TEXT, "string", "English name of the target.", {"aboutUrl": f"{actor}{{target}}", "propertyUrl": "rdfs:label", "lang": "en"}),
        Column("target_wikidata", TEXT, {"base": "string", "format": r"^Q\d+$"}, "Wikidata Q-id of the target, when verified (owl:sameAs).",
               {"aboutUrl": f"{actor}{{target}}", "propertyUrl": "owl:sameAs", "valueUrl": f"{WIKIDATA_ENTITY}{{target_wikidata}}"}),
        Column("polarity", TEXT, {"base": "string", "format": "^(Affirmed|Negated)$"},
               "Affirmed, or Negated for a stated refusal ('did not recognize'); absence is never a negation (ld:polarity).",
               {**fact_about, "propertyUrl": f"{ld}polarity", "valueUrl": f"{ld}{{polarity}}"}),
        Column("claim_type", TEXT, "string", "AuthorClaim, ReportedSpeech or DirectQuote (ld:claimType).",
               {**fact_about, "propertyUrl": f"{ld}claimType", "valueUrl": f"{ld}{{claim_type}}"}),
        Column("speaker", TEXT, "string", "Key of the actor whose words these are, if any (ld:speaker).",
               {**fact_about, "propertyUrl": f"{ld}speaker", "valueUrl": f"{actor}{{speaker}}"}),
        Column("speaker_label", TEXT, "string", "English name of the speaker."),
        Column("source", TEXT, "string", "Key of the publication the claim is attributed to, if any (ld:reportedBy).",
               {**fact_about, "propertyUrl": f"{ld}reportedBy", "valueUrl": f"{actor}{{source}}"}),
        Column("source_label", TEXT, "string", "English name of that publication."),
        Column("modality", TEXT, "string", "Asserted, Intended, Conditional or Hedged (ld:modality).",
               {**fact_about, "propertyUrl": f"{ld}modality", "valueUrl": f"{ld}{{modality}}"}),
        Column("condition", TEXT, "string", "The quoted condition of a conditional stance (ld:condition).", {**fact_about, "propertyUrl": f"{ld}condition", "lang": "en"}),
        Column("date", TEXT, PERIOD, "When the stance was held, if the text says: YYYY, YYYY-MM or YYYY-MM-DD (ld:date; text for the reason given at 'published')."),
        Column("date_day", DAY, "date", "That date when the day is known, else empty."),
        Column("aspect", TEXT, "string", "What the stance is about, in the text's words (ld:aspect).", {**fact_about, "propertyUrl": f"{ld}aspect", "lang": "en"}),
        Column("quote", TEXT, "string", "The verbatim quote the fact rests on (oa:exact of its TextQuoteSelector).",
               {"aboutUrl": "{+fact}#quote", "propertyUrl": "http://www.w3.org/ns/oa#exact"}),
        Column("start", INT, "integer", "Start of the quote in the archived text, in Unicode code points from 0 (oa:start).",
               {"aboutUrl": "{+fact}#position", "propertyUrl": "http://www.w3.org/ns/oa#start"}),
        Column("end", INT, "integer", "End of the quote (exclusive), in code points (oa:end).",
               {"aboutUrl": "{+fact}#position", "propertyUrl": "http://www.w3.org/ns/oa#end"}),
        Column("note", TEXT, "string", "The curator's reading of the quote (skos:editorialNote).",
               {**fact_about, "propertyUrl": "http://www.w3.org/2004/02/skos/core#editorialNote", "lang": "en"}),
        Column("position", TEXT, IRI, "IRI of the position the fact reports (a row of stances.csv; ld:reports).",
               {**fact_about, "propertyUrl": f"{ld}reports", "valueUrl": "{+position}"}),
    ]


def actor_columns(base: str) -> list[Column]:
    """Return the columns of actors.csv."""
    about = {"aboutUrl": f"{base}actor/{{key}}"}
    return [
        Column("key", TEXT, "string", "The actor's key: its IRI is actor/<key> (schema:identifier).", {**about, "propertyUrl": "https://schema.org/identifier"}),
        Column("label", TEXT, "string", "English name (rdfs:label).", {**about, "propertyUrl": "rdfs:label", "lang": "en"}),
        Column("kind", TEXT, "string", "state, organization, party, person or publication (the notation of its ld:Actor subclass)."),
        Column("wikidata", TEXT, {"base": "string", "format": r"^Q\d+$"}, "Wikidata Q-id, when verified against a public source (owl:sameAs).",
               {**about, "propertyUrl": "owl:sameAs", "valueUrl": f"{WIKIDATA_ENTITY}{{wikidata}}"}),
        Column("aliases", pa.list_(TEXT), "string", "Other names, separated by '|' (skos:altLabel).", {**about, "propertyUrl": "skos:altLabel", "lang": "en"}, "|"),
        Column("mentions", pa.list_(TEXT), "string", "Demonyms, capitals and offices that stand for the actor in text, separated by '|' "
               "(from the seeds; used by suggestion and reconciliation, not published as RDF).", None, "|"),
    ]


def stance_columns(base: str) -> list[Column]:
    """Return the columns of stances.csv: one row per position, with how many reports state it."""
    actor, ld = f"{base}actor/", str(LD)
    about = {"aboutUrl": "{+position}"}
    counts = [("report_count", "reportCount", "Facts that report this position."), ("article_count", "articleCount", "Articles they come from."),
              ("publisher_count", "publisherCount", "Outlets: the publication a report is attributed to, else its article's publisher."),
              ("speaker_count", "speakerCount", "Distinct speakers.")]
    return [
        Column("position", TEXT, IRI, "IRI of the position (holder, stance, polarity, target).", {**about, "propertyUrl": "rdf:type", "valueUrl": f"{ld}Position"}),
        Column("label", TEXT, "string", "The position as a sentence (rdfs:label).", {**about, "propertyUrl": "rdfs:label", "lang": "en"}),
        Column("holder", TEXT, "string", "Key of the holder.", {**about, "propertyUrl": f"{ld}positionHolder", "valueUrl": f"{actor}{{holder}}"}),
        Column("holder_label", TEXT, "string", "English name of the holder."),
        Column("stance", TEXT, "string", "The stance (ld:positionStance).", {**about, "propertyUrl": f"{ld}positionStance", "valueUrl": f"{ld}{{stance}}"}),
        Column("cameo", TEXT, {"base": "string", "format": r"^\d{2,4}$"}, "CAMEO event code of the stance."),
        Column("polarity", TEXT, {"base": "string", "format": "^(Affirmed|Negated)$"}, "Affirmed or Negated.",
               {**about, "propertyUrl": f"{ld}positionPolarity", "valueUrl": f"{ld}{{polarity}}"}),
        Column("target", TEXT, "string", "Key of the target.", {**about, "propertyUrl": f"{ld}positionTarget", "valueUrl": f"{actor}{{target}}"}),
        Column("target_label", TEXT, "string", "English name of the target."),
        *(Column(name, INT, "integer", text, {**about, "propertyUrl": f"{ld}{prop}"}) for name, prop, text in counts),
        Column("first_date", TEXT, PERIOD, "Date of its earliest report (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("first_day", DAY, "date", "That date when the day is known, else empty."),
        Column("last_date", TEXT, PERIOD, "Date of its latest report."),
        Column("last_day", DAY, "date", "That date when the day is known, else empty."),
    ]


def solutions(store: ox.Store, query: str) -> Iterator[dict[str, ox.NamedNode | ox.Literal]]:
    """Yield each solution of a SELECT over the union of the store's graphs as {variable: term}, unbound left out."""
    result = store.query(query, use_default_graph_as_union=True)
    names = [variable.value for variable in result.variables]
    for solution in result:
        # A solution iterates over its values in the variables' order: half the time of looking each one up by name.
        yield {name: term for name, term in zip(names, solution, strict=True) if term is not None}


def local_name(iri: str) -> str:
    """Return the part of an IRI after its last '#' or '/'."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def qid(term: ox.NamedNode | ox.Literal | None) -> str | None:
    """Return the Q-id of a Wikidata entity IRI, or None."""
    return local_name(term.value) if term is not None else None


def full_day(value: str | None) -> datetime.date | None:
    """Return the date of a YYYY-MM-DD value, None for a year or a month (gYear, gYearMonth) or no value."""
    if value is None or len(value) != 10:
        return None
    return datetime.date.fromisoformat(value)


def fact_record(row: dict[str, Any]) -> dict[str, Any]:
    """Return one facts.csv row from a FACTS_QUERY solution."""
    value = {name: term.value for name, term in row.items()}
    affirmed = value["polarity"].endswith("#Affirmed")
    return {
        "fact": value["fact"], "fact_key": value["factKey"], "label": value["label"], "article_id": value["articleId"], "article_url": value["articleUrl"],
        "publisher": value.get("publisher"), "published": value["published"], "published_day": full_day(value["published"]),
        "holder": value["holderKey"], "holder_label": value["holderLabel"], "holder_wikidata": qid(row.get("holderWikidata")),
        "stance": local_name(value["stance"]), "cameo": value["cameo"], "direct_property": value["directProperty"] if affirmed else None,
        "target": value["targetKey"], "target_label": value["targetLabel"], "target_wikidata": qid(row.get("targetWikidata")),
        "polarity": local_name(value["polarity"]), "claim_type": local_name(value["claimType"]),
        "speaker": value.get("speakerKey"), "speaker_label": value.get("speakerLabel"), "source": value.get("sourceKey"), "source_label": value.get("sourceLabel"),
        "modality": local_name(value["modality"]), "condition": value.get("condition"), "date": value.get("date"), "date_day": full_day(value.get("date")),
        "aspect": value.get("aspect"), "quote": value["quote"], "start": int(value["start"]), "end": int(value["end"]), "note": value.get("note"),
        "position": value["position"],
    }


def fact_rows(store: ox.Store) -> list[dict[str, Any]]:
    """Return every fact's FACTS_QUERY solution, ordered by fact IRI; raises AssertionError if a fact is not one row."""
    rows = list(solutions(store, FACTS_QUERY))
    facts = [row["fact"].value for row in rows]
    assert len(facts) == len(set(facts)), "each stance fact has one value per single-valued property (SHACL checks it)"
    return rows


def facts_without_rows(store: ox.Store, rows: list[dict[str, Any]]) -> set[str]:
    """Return the stance facts of a store that FACTS_QUERY gave no row (a value it requires is missing)."""
    return {row["fact"].value for row in store.query(STANCE_FACTS, use_default_graph_as_union=True)} - {row["fact"].value for row in rows}  # type: ignore[union-attr]


ActorRow = tuple[str, str, str, str | None, str | None]  # key, label, kind, Wikidata Q-id, one alias
PositionRow = tuple[str, str, str, str, str, str, str, str, str]  # position, label, holder key and label, stance, CAMEO, polarity, target key and label


def actor_rows(store: ox.Store) -> set[ActorRow]:
    """Return the ACTORS_QUERY solutions of a store (a shard's: every shard holds every actor) as tuples."""
    return {(row["key"].value, row["label"].value, row["kind"].value, qid(row.get("wikidata")), row["alias"].value if "alias" in row else None)
            for row in solutions(store, ACTORS_QUERY)}


def actor_records(rows: set[ActorRow], mentions: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Return the actors.csv rows: the release's actors with their aliases, and their mentions from the seeds."""
    actors: dict[str, dict[str, Any]] = {}
    for key, label, kind, wikidata, alias in sorted(rows, key=lambda row: tuple("" if part is None else part for part in row)):
        actor = actors.setdefault(key, {"key": key, "label": label, "kind": kind, "wikidata": wikidata,
                                        "aliases": set(), "mentions": sorted(mentions.get(key, []))})
        if alias is not None:
            actor["aliases"].add(alias)
    return [{**actor, "aliases": sorted(actor["aliases"])} for _, actor in sorted(actors.items())]


def position_rows(store: ox.Store) -> set[PositionRow]:
    """Return the POSITIONS_QUERY solutions of a store (a shard's) as tuples."""
    return {(v["position"].value, v["label"].value, v["holderKey"].value, v["holderLabel"].value, local_name(v["stance"].value),
             v["cameo"].value, local_name(v["polarity"].value), v["targetKey"].value, v["targetLabel"].value)
            for v in solutions(store, POSITIONS_QUERY)}


def stance_records(rows: Iterable[PositionRow], counts: Callable[[str], ReportCounts | None]) -> Iterator[dict[str, Any]]:
    """Yield the stances.csv rows in position order: one per position with reports, with its counts."""
    for position, label, holder, holder_label, stance, cameo, polarity, target, target_label in sorted(rows):
        counted = counts(position)
        if counted is None:  # every report of it withdrawn: the positions graph does not count it either
            continue
        yield {
            "position": position, "label": label, "holder": holder, "holder_label": holder_label, "stance": stance, "cameo": cameo,
            "polarity": polarity, "target": target, "target_label": target_label,
            "report_count": counted.facts, "article_count": counted.articles, "publisher_count": counted.outlets, "speaker_count": counted.speakers,
            "first_date": counted.first, "first_day": full_day(counted.first), "last_date": counted.last, "last_day": full_day(counted.last),
        }


def csv_cell(value: Any, separator: str | None) -> str:
    """Return a value as CSV text: empty for none, ISO 8601 for dates, joined by the separator for lists."""
    if value is None:
        return ""
    if isinstance(value, list):
        assert separator is not None and not any(separator in item for item in value), f"a list cell may not hold its separator {separator!r}"
        return separator.join(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


PARQUET_ROW_GROUP = 65_536
"""Rows per Parquet row group: the tables are written in batches of this many rows, never held whole (a million facts)."""


def write_table(stem: Path, columns: list[Column], records: Iterable[dict[str, Any]]) -> None:
    """Write records as RFC 4180 CSV (UTF-8, a header row, LF line ends, quotes only where needed) and as Parquet with
    Arrow types (int64 offsets and counts, date32 days, lists for aliases), batch by batch; same rows, same bytes."""
    schema = pa.schema([pa.field(column.name, column.arrow, nullable=True, metadata={"description": column.description}) for column in columns])
    with (stem.with_suffix(".csv").open("w", encoding="utf-8", newline="") as text,
          pq.ParquetWriter(stem.with_suffix(".parquet"), schema, compression="zstd", use_dictionary=True, write_statistics=True) as parquet):
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([column.name for column in columns])
        batch: list[dict[str, Any]] = []
        for record in records:
            writer.writerow([csv_cell(record[column.name], column.separator) for column in columns])
            batch.append(record)
            if len(batch) == PARQUET_ROW_GROUP:
                parquet.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()
        if batch:
            parquet.write_table(pa.Table.from_pylist(batch, schema=schema))


def csvw_table(name: str, title: str, columns: list[Column], primary_key: str) -> dict[str, Any]:
    """Return the CSVW table description of one CSV file."""
    described = []
    for column in columns:
        entry: dict[str, Any] = {"name": column.name, "titles": column.name, "datatype": column.datatype, "dc:description": column.description}
        if column.separator:
            entry["separator"] = column.separator
        if column.rdf is None:
            entry["suppressOutput"] = True
        else:
            entry.update(column.rdf)
        described.append(entry)
    return {"url": name, "dc:title": title, "tableSchema": {"columns": described, "primaryKey": primary_key}}


def csvw_metadata(base: str) -> dict[str, Any]:
    """Return the CSVW metadata (W3C Metadata Vocabulary for Tabular Data) of the three tables."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": "Alliance stances, evidence-backed: tables",
        "dc:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "dc:source": {"@id": f"{base}dataset"},
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\n", "\r\n"]},
        "null": "",
        "tables": [
            csvw_table(FACTS_TABLE + ".csv", "Stance facts, one row per fact with its quote", fact_columns(base), "fact"),
            csvw_table(ACTORS_TABLE + ".csv", "Actors", actor_columns(base), "key"),
            csvw_table(STANCES_TABLE + ".csv", "Positions with their report counts", stance_columns(base), "position"),
        ],
    }


def write_tables(folder: Path, base_iri: str, facts: Iterable[dict[str, Any]], actors: list[dict[str, Any]], stances: Iterable[dict[str, Any]]) -> list[Path]:
    """Write the records of facts (fact_record, in fact order), actors and stances as CSV and Parquet, and csv-metadata.json, into `folder`; return their paths."""
    write_table(folder / FACTS_TABLE, fact_columns(base_iri), facts)
    write_table(folder / ACTORS_TABLE, actor_columns(base_iri), actors)
    write_table(folder / STANCES_TABLE, stance_columns(base_iri), stances)
    (folder / CSVW_METADATA).write_text(json.dumps(csvw_metadata(base_iri), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [folder / name for name in TABLE_FILES]
