"""The tables and nanopublications are made shard by shard, from each shard's own store; what they hold is what
querying the whole release gives, and their order is the facts' order even when two shards' facts interleave."""

from __future__ import annotations

import csv
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import PROJECT

from linkeddata.namespaces import ONTOLOGY_IRI
from linkeddata.pipeline.build import check_project, write_release
from linkeddata.pipeline.table_rows import RECORDS, SpilledFacts, in_fact_order
from linkeddata.pipeline.tables import FACTS_QUERY, PREFIXES, csv_cell, fact_columns, fact_record, solutions
from linkeddata.progress import Progress
from linkeddata.settings import Settings

FACTS = 2_500  # three shards of about 1,000 facts, mapped by two worker processes

# The whole release, queried at once: a position's counts come from the positions graph, its other values from the
# article graphs that repeat them.
STANCES_OF_THE_WHOLE_RELEASE = PREFIXES + """
SELECT ?position ?reportCount ?articleCount ?publisherCount ?speakerCount ?firstDate ?lastDate WHERE {
  ?position ld:reportCount ?reportCount ; ld:articleCount ?articleCount ; ld:publisherCount ?publisherCount ; ld:speakerCount ?speakerCount .
  OPTIONAL { ?position ld:firstDate ?firstDate } OPTIONAL { ?position ld:lastDate ?lastDate }
} ORDER BY ?position
"""


@pytest.fixture(scope="module")
def synthetic_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    project = folder / "project"
    subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "gen_seeds.py"), "--facts", str(FACTS), "--out", str(project)], check=True)
    staging = folder / "release"
    staging.mkdir()
    settings = Settings(project_dir=project)
    checked = check_project(settings, Progress("test", 5, enabled=False), staging, shard_workers=2)
    write_release(checked, settings, staging)
    return staging


def whole_release(release: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    store.load(path=str(release / "ontology.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_IRI))
    return store


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def test_tables_from_the_shards_are_what_the_whole_release_gives(synthetic_release: Path) -> None:
    store = whole_release(synthetic_release)
    columns = fact_columns("https://alliances.example.org/")
    expected = [[csv_cell(fact_record(row)[column.name], column.separator) for column in columns] for row in solutions(store, FACTS_QUERY)]
    assert csv_rows(synthetic_release / "facts.csv") == expected
    assert len(expected) == FACTS
    counted = {row["position"].value: row for row in solutions(store, STANCES_OF_THE_WHOLE_RELEASE)}
    stances = csv_rows(synthetic_release / "stances.csv")
    assert [row[0] for row in stances] == sorted(counted)
    for row in stances:
        whole = counted[row[0]]
        assert [int(cell) for cell in row[9:13]] == [int(whole[name].value) for name in ("reportCount", "articleCount", "publisherCount", "speakerCount")]
        assert (row[13], row[15]) == (whole["firstDate"].value, whole["lastDate"].value)


def test_every_fact_has_one_nanopublication_in_fact_order(synthetic_release: Path) -> None:
    introduced = [line.split()[-2] for line in (synthetic_release / "nanopubs.trig").read_text(encoding="utf-8").splitlines() if "npx:introduces" in line]
    facts = [row[0] for row in csv_rows(synthetic_release / "facts.csv")]
    assert [iri.strip("<>") for iri in introduced] == facts


def test_the_scratch_rows_are_gone_from_the_release(synthetic_release: Path) -> None:
    assert not [path for path in synthetic_release.rglob("*") if path.suffix in (".records", ".nanopubs", ".diff") or path.name.startswith(".shard-spills")]


def spill(folder: Path, name: str, facts: list[str]) -> SpilledFacts:
    stem = folder / name
    stem.with_suffix(RECORDS).write_bytes(pickle.dumps([(fact, {"fact": fact}) for fact in facts]))
    return SpilledFacts(stem, facts[0], len(facts))


def test_interleaving_shards_merge_in_fact_order(tmp_path: Path) -> None:
    """Article "a1" in one shard and "a1-b" in the next: "fact/a1-b/…" sorts before "fact/a1/…" ('-' < '/')."""
    shards = [spill(tmp_path, "0", ["fact/a0/x", "fact/a1/x", "fact/a1/y"]), spill(tmp_path, "1", ["fact/a1-b/x", "fact/a1-b/z", "fact/a2/x"]),
              spill(tmp_path, "2", ["fact/a3/x"])]
    merged: list[str] = []
    loaded: list[tuple[str, int]] = []  # each shard, and how many facts the merge had given when it was read

    def load(shard: SpilledFacts) -> list[tuple[str, Any]]:
        loaded.append((shard.stem.name, len(merged)))
        return shard.load(RECORDS)

    for fact, record in in_fact_order(shards, load):
        assert record == {"fact": fact}
        merged.append(fact)
    assert merged == sorted(fact for shard in shards for fact, _ in shard.load(RECORDS))
    assert loaded == [("0", 0), ("1", 1), ("2", 6)]  # a shard is read when the merge reaches its first fact, not before
