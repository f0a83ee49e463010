"""The release's tables: CSV and Parquet with Arrow types, W3C CSVW metadata a CSVW processor maps back to the release's triples."""

from __future__ import annotations

import csv
import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pyoxigraph as ox
import pytest
from conftest import BASE, LD, seed_actors, seed_facts, select
from rdflib import Literal, URIRef

TABLES = ("facts", "actors", "stances")
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def read_rows(release: Path, name: str) -> list[dict[str, str]]:
    with (release / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_facts_table_has_one_row_per_published_fact(release: Path) -> None:
    rows = read_rows(release, "facts")
    published = [fact for fact in seed_facts() if fact.get("status") != "candidate"]
    assert len(rows) == len(published) > 0
    assert {(row["article_id"], row["fact_key"]) for row in rows} == {(fact["article"], fact["key"]) for fact in published}
    by_key = {row["fact_key"]: row for row in rows}
    china = by_key["china-does-not-recognize-kosovo"]
    assert (china["holder_label"], china["holder_wikidata"], china["stance"], china["cameo"], china["polarity"], china["direct_property"]) == \
        ("China", "Q148", "Recognition", "054", "Negated", "")
    assert china["date"] == "2008" and china["date_day"] == ""
    text = (release / "articles" / f"{china['article_id']}.txt").read_text(encoding="utf-8")
    for row in rows:
        assert text_of(release, row["article_id"])[int(row["start"]):int(row["end"])] == row["quote"]
        assert (row["direct_property"] == "") == (row["polarity"] == "Negated")
    assert text  # the quote check above read every article


def text_of(release: Path, article_id: str) -> str:
    return (release / "articles" / f"{article_id}.txt").read_text(encoding="utf-8")


def test_actors_and_stances_tables(release: Path) -> None:
    actors = {row["key"]: row for row in read_rows(release, "actors")}
    assert set(actors) == {actor["key"] for actor in seed_actors()}
    assert actors["viktor-orban"]["label"] == "Viktor Orbán" and actors["viktor-orban"]["kind"] == "person"
    assert actors["china"]["wikidata"] == "Q148" and set(actors["china"]["aliases"].split("|")) == {"PRC", "People's Republic of China"}
    assert "Beijing" in actors["china"]["mentions"].split("|")
    stances = {row["position"]: row for row in read_rows(release, "stances")}
    serbia = stances[f"{BASE}position/china-supports-affirmed-serbia"]
    reports = sum(1 for row in read_rows(release, "facts") if row["position"] == serbia["position"])
    assert int(serbia["report_count"]) == reports == 3
    greece = stances[f"{BASE}position/greece-recognizes-negated-kosovo"]
    assert int(greece["publisher_count"]) >= 2  # Yeni Şafak and Kathimerini (README)


def test_parquet_matches_csv_with_arrow_types(release: Path) -> None:
    import pyarrow as pa

    facts = pq.read_table(release / "facts.parquet")
    assert facts.schema.field("start").type == pa.int64() and facts.schema.field("end").type == pa.int64()
    assert facts.schema.field("published_day").type == pa.date32() and facts.schema.field("published").type == pa.string()
    assert pq.read_table(release / "actors.parquet").schema.field("aliases").type == pa.list_(pa.string())
    assert pq.read_table(release / "stances.parquet").schema.field("report_count").type == pa.int64()
    for name in TABLES:
        table = pq.read_table(release / f"{name}.parquet").to_pylist()
        rows = read_rows(release, name)
        assert [list(row) for row in rows[:1]] == [list(table[0])[: len(rows[0])]] and len(table) == len(rows)
        for parquet_row, csv_row in zip(table, rows):
            for column, value in parquet_row.items():
                assert as_csv(value) == csv_row[column], (name, column)
    days = [row["published_day"] for row in facts.to_pylist() if row["published_day"] is not None]
    assert datetime.date(2023, 10, 6) in days


def as_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def readme_python_block() -> str:
    """Return the Python block of the README's "Tables, nanopublications, reconciliation" section."""
    from conftest import PROJECT

    section = (PROJECT / "README.md").read_text(encoding="utf-8").split("## Tables, nanopublications, reconciliation", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_one_liners_run(release: Path) -> None:
    """The README's pandas and DuckDB lines, as written, in the folder holding the release's `dist` link."""
    import subprocess
    import sys

    pytest.importorskip("duckdb")
    result = subprocess.run([sys.executable, "-c", readme_python_block()], check=False, cwd=release.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    expected = {"China", "Russia", "Hungary", "Viktor Orbán"}
    assert all(name in result.stdout for name in expected) and "Greece" in result.stdout
    facts = pd.read_csv(release / "facts.csv", dtype={"cameo": str}, parse_dates=["published_day", "date_day"])
    assert set(facts.query("target == 'serbia' and stance == 'Support' and polarity == 'Affirmed'").holder_label) == expected
    assert facts.cameo.str.len().min() >= 2 and str(facts.start.dtype) == "int64"


def csvw_triples(metadata: Path) -> set[tuple[Any, Any, Any]]:
    """Return the triples the csvw library's processor derives from the tables (CSVW csv2rdf, minimal mode).

    The library's row parsing, null handling, datatypes and URI template expansion make each cell's (about, property,
    value); its JSON grouping step (csvw.jsonld.group_triples) fails on integer cells of secondary subjects, so the
    triples are taken before it, and each literal gets the column's datatype or language as csv2rdf §4.6 says.
    """
    from csvw import CSVW
    from csvw.jsonld import Triple

    processor = CSVW(str(metadata))
    assert processor.is_valid, processor.warnings
    triples = set()
    for table in processor.tables:
        columns = {column.header: column for column in table.tableSchema.columns}
        default_about = table.tableSchema.aboutUrl
        for number, row in enumerate(table.iterdicts(), start=1):
            for name, value in row.items():
                column = columns[name]
                if column.suppressOutput or value in (None, "", []):
                    continue
                for item in value if isinstance(value, list) else [value]:
                    triple = Triple.from_col(table, column, row, name, item, number)
                    about = triple.about or table.expand(default_about, row, _row=number)
                    triples.add((URIRef(about), URIRef(expand_prefixed(triple.property)), term(triple.value, column)))
    return triples


PREFIXED = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "owl": "http://www.w3.org/2002/07/owl#", "skos": "http://www.w3.org/2004/02/skos/core#", "schema": "http://schema.org/",
            "oa": "http://www.w3.org/ns/oa#", "prov": "http://www.w3.org/ns/prov#", "dc": "http://purl.org/dc/terms/"}


def expand_prefixed(name: str) -> str:
    prefix, _, local = name.partition(":")
    return PREFIXED[prefix] + local if prefix in PREFIXED and not local.startswith("//") else name


def term(value: Any, column: Any) -> Any:
    if column.valueUrl is not None:
        return URIRef(expand_prefixed(str(value)))
    if column.lang and column.lang != "und" and (column.datatype is None or column.datatype.base == "string"):  # "und": no language (csv2rdf §4.6.8)
        return Literal(str(value), lang=column.lang)
    base = column.datatype.base if column.datatype else "string"
    return Literal(str(value), datatype=URIRef(XSD + base))


def release_triples(store: Any) -> set[tuple[Any, Any, Any]]:
    triples = set()
    for quad in store.quads_for_pattern(None, None, None, None):
        if quad.graph_name == ox.NamedNode(f"{BASE[:-1]}/ontology"):
            continue
        obj = quad.object
        if isinstance(obj, ox.Literal):
            value = Literal(obj.value, lang=obj.language) if obj.language else Literal(obj.value, datatype=URIRef(obj.datatype.value))
        else:
            value = URIRef(obj.value)
        triples.add((URIRef(quad.subject.value), URIRef(quad.predicate.value), value))
    return triples


def test_csvw_metadata_maps_facts_back_to_the_release(release: Path, release_store: Any) -> None:
    derived = csvw_triples(release / "csv-metadata.json")
    published = release_triples(release_store)
    assert derived, "the CSVW processor made no triples"
    # Everything the tables say is in the release, typed as there (dates, which mix gYear, gYearMonth and date, stay out).
    assert derived - published == set()
    direct = {(URIRef(row["holder"]), URIRef(row["p"]), URIRef(row["target"])) for row in select(release_store, """
        SELECT DISTINCT ?holder ?p ?target WHERE { GRAPH ?g { ?holder ?p ?target } ?p ^ld:directProperty ?stance }""")}
    assert direct and direct <= derived  # every direct triple of the release comes back from facts.csv
    negated = select(release_store, "SELECT ?h ?t ?p WHERE { ?f ld:polarity ld:Negated ; ld:holder ?h ; ld:target ?t ; ld:stance/ld:directProperty ?p }")
    for row in negated:  # a negated fact's row yields no direct triple (unless an affirmed fact states it)
        triple = (URIRef(row["h"]), URIRef(row["p"]), URIRef(row["t"]))
        assert (triple in derived) == (triple in published)
    core = [f"{LD}{name}" for name in ("holder", "target", "stance", "polarity", "claimType", "modality", "speaker", "reportedBy", "condition", "aspect",
                                       "reports")] + ["http://www.w3.org/ns/prov#wasDerivedFrom", "http://www.w3.org/2000/01/rdf-schema#label"]
    facts = {URIRef(row["fact"]) for row in read_rows(release, "facts")}
    for subject, predicate, value in published:
        if subject in facts and str(predicate) in core:
            assert (subject, predicate, value) in derived, (subject, predicate)
    quotes = {(s, o) for s, p, o in derived if str(p) == "http://www.w3.org/ns/oa#exact"}
    assert len(quotes) == len(facts)


def test_tables_are_listed_checksummed_and_described(release: Path) -> None:
    sums = (release / "SHA256SUMS").read_text(encoding="utf-8")
    void = (release / "void.ttl").read_text(encoding="utf-8")
    for name in ("facts.csv", "facts.parquet", "actors.csv", "actors.parquet", "stances.csv", "stances.parquet", "csv-metadata.json"):
        assert f"  {name}\n" in sums
        assert f"dumps/{name}>" in void
    metadata = json.loads((release / "csv-metadata.json").read_text(encoding="utf-8"))
    assert [table["url"] for table in metadata["tables"]] == ["facts.csv", "actors.csv", "stances.csv"]
    for table in metadata["tables"]:
        header = next(csv.reader((release / table["url"]).open(encoding="utf-8")))
        assert [column["name"] for column in table["tableSchema"]["columns"]] == header
        assert all(column.get("dc:description") and column.get("datatype") for column in table["tableSchema"]["columns"])


def test_tables_are_byte_identical_across_builds(release: Path, tmp_path: Path) -> None:
    from conftest import PROJECT, run_cli

    out = tmp_path / "again" / "dist"
    assert run_cli("-q", "build", "--project", str(PROJECT), "--out", str(out)).returncode == 0
    for name in ("facts.csv", "facts.parquet", "actors.csv", "actors.parquet", "stances.csv", "stances.parquet", "csv-metadata.json",
                 "nanopubs.trig", "nanopubs.trig.gz"):
        assert (out / name).read_bytes() == (release / name).read_bytes(), name
    shutil.rmtree(out.parent)


def test_facts_of_an_article_without_a_publisher_are_in_the_tables_and_nanopublications(project_copy: Path, tmp_path: Path) -> None:
    """The publisher is optional in the seeds, so an article without one still gives every fact a row and a nanopublication."""
    from conftest import FIRST_ARTICLE, run_cli
    from test_nanopubs import split_nanopubs

    metadata = project_copy / "seeds" / "articles" / f"{FIRST_ARTICLE}.yaml"
    lines = metadata.read_text(encoding="utf-8").splitlines(keepends=True)
    metadata.write_text("".join(line for line in lines if not line.startswith("publisher:")), encoding="utf-8")
    out = tmp_path / "dist"
    result = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
    assert result.returncode == 0, result.stderr
    published = [fact for fact in seed_facts(project_copy) if fact.get("status") != "candidate"]
    rows = read_rows(out, "facts")
    assert {(row["article_id"], row["fact_key"]) for row in rows} == {(fact["article"], fact["key"]) for fact in published}
    assert {row["publisher"] for row in rows if row["article_id"] == FIRST_ARTICLE} == {""}
    assert pq.read_table(out / "facts.parquet").num_rows == len(published)
    assert len(split_nanopubs(out / "nanopubs.trig")) == len(published)
