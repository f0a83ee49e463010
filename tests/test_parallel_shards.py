"""Shards mapped and validated in worker processes give the build exactly what one process gives, errors included."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT

from linkeddata.errors import InputErrors
from linkeddata.pipeline.build import SHARD_SPILLS_DIR, CheckedProject, check_project, taken_in_order
from linkeddata.pipeline.mapping import shards
from linkeddata.pipeline.shard_spills import gather_facts, gather_network
from linkeddata.progress import Progress
from linkeddata.project.seeds import Article, Record, read_seeds
from linkeddata.project.vocabulary import read_vocabulary
from linkeddata.settings import Settings

FACTS = 2_500  # three shards of about 1,000 facts


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic") / "project"
    subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "gen_seeds.py"), "--facts", str(FACTS), "--out", str(folder)], check=True)
    return folder


def checked(project: Path, staging: Path, workers: int) -> CheckedProject:
    staging.mkdir()
    return check_project(Settings(project_dir=project), Progress("test", 5, enabled=False), staging, shard_workers=workers)


def test_worker_processes_gather_the_same_canonical_files_facts_network_and_findings(project: Path, tmp_path: Path) -> None:
    alone, shared = checked(project, tmp_path / "one", 0), checked(project, tmp_path / "two", 2)
    assert alone.results is not None and shared.results is not None
    for name in ("nquads", "ntriples"):
        assert getattr(alone.results.canonical, name).read_bytes() == getattr(shared.results.canonical, name).read_bytes(), name
    assert alone.results.canonical.graph_quads == shared.results.canonical.graph_quads
    spilled = [staging / SHARD_SPILLS_DIR for staging in (tmp_path / "one", tmp_path / "two")]
    facts = [gather_facts(folder) for folder in spilled]
    assert facts[0] == facts[1] and len(facts[0]) == FACTS
    networks = [gather_network(folder).elements() for folder in spilled]
    assert networks[0] == networks[1] and len(networks[0]["edges"]) == FACTS
    one, two = alone.results.table_rows, shared.results.table_rows
    assert (one.actors, one.positions, one.article_dates) == (two.actors, two.positions, two.article_dates)
    assert list(one.fact_records()) == list(two.fact_records()) and list(one.nanopub_templates()) == list(two.nanopub_templates())
    assert alone.outcome.warnings == shared.outcome.warnings and alone.outcome.violations == shared.outcome.violations
    assert len(alone.outcome.report) == len(shared.outcome.report) > 0


def test_worker_processes_report_a_missing_quote_at_its_file_and_line(project: Path, tmp_path: Path) -> None:
    facts = max((project / "seeds" / "facts").glob("*.yaml"))  # in the last shard
    original = facts.read_text(encoding="utf-8")
    try:
        facts.write_text(original.replace("in statement", "in the statement", 1), encoding="utf-8")
        reported = []
        for workers, staging in ((0, tmp_path / "one"), (2, tmp_path / "two")):
            with pytest.raises(InputErrors) as raised:
                checked(project, staging, workers)
            reported.append([str(error) for error in raised.value.errors])
        assert reported[0] == reported[1] and any(facts.name in line and "quote" in line for line in reported[0])
    finally:
        facts.write_text(original, encoding="utf-8")


def test_a_build_keeps_a_summary_of_its_seeds_and_frees_their_records(project: Path, tmp_path: Path) -> None:
    result = checked(project, tmp_path / "two", 2)
    gc.collect()
    left = [kept for kept in gc.get_objects() if isinstance(kept, Article) or (isinstance(kept, Record) and kept.type == "fact")]
    assert left == []  # the records' memory goes back before the store's bulk load and the dump writers
    articles = sorted((project / "seeds" / "articles").glob("*.yaml"))
    assert result.seeds.facts == FACTS and [article.id for article in result.seeds.articles] == [path.stem for path in articles]


def test_a_shard_group_is_let_go_as_soon_as_it_is_taken(project: Path) -> None:
    # What lets a build free each shard's seed records once it is mapped, not at the end of the mapping stage.
    groups = shards(read_seeds(project, read_vocabulary(project)))
    count, first_ids = len(groups), [article.record.id for article in groups[0][0]]
    taken = taken_in_order(groups)
    first = next(taken)
    assert [article.record.id for article in first[0]] == first_ids and len(groups) == count - 1
    assert all(group is not first for group in groups)
    assert len([first, *taken]) == count and groups == []


WORKER_REPORTS_PRELOAD = """
from concurrent.futures import ProcessPoolExecutor
from linkeddata.pipeline.dumps import worker_context
if __name__ == "__main__":
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        print(pool.submit(eval, "'linkeddata.pipeline.build' in __import__('sys').modules").result())
"""


def preloaded_in_worker(script_folder: Path, working_dir: Path) -> bool:
    """Start a build worker from a fresh interpreter in `working_dir`; return whether the pipeline was imported before its task."""
    script = script_folder / "worker_reports_preload.py"
    script.write_text(WORKER_REPORTS_PRELOAD, encoding="utf-8")
    shown = subprocess.run([sys.executable, str(script)], cwd=working_dir, capture_output=True, text=True, check=True).stdout.strip()
    assert shown in ("True", "False"), shown
    return shown == "True"


def test_build_workers_start_with_the_pipeline_imported_but_never_another_checkouts(tmp_path: Path) -> None:
    # The project's own set-up installs the package editable (`make`), where a finder of setuptools' finds it, not a path.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert preloaded_in_worker(tmp_path, elsewhere)
    # A build run from inside another checkout: its fork server would import that checkout's code first, so nothing is preloaded.
    other_checkout = tmp_path / "other-checkout"
    (other_checkout / "linkeddata" / "pipeline").mkdir(parents=True)
    (other_checkout / "linkeddata" / "__init__.py").write_text("", encoding="utf-8")
    (other_checkout / "linkeddata" / "pipeline" / "__init__.py").write_text("", encoding="utf-8")
    (other_checkout / "linkeddata" / "pipeline" / "build.py").write_text("raise ImportError('another checkout')\n", encoding="utf-8")
    assert not preloaded_in_worker(tmp_path, other_checkout)
