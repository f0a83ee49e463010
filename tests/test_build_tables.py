"""A small release queries its tables and nanopublications from an in-memory copy of the dataset, a large one from
its on-disk store: both give the same release, byte for byte."""

from __future__ import annotations

from pathlib import Path

from conftest import PROJECT

from linkeddata.pipeline.build import check_project, write_release
from linkeddata.progress import Progress
from linkeddata.release.files import CHECKSUMS
from linkeddata.settings import Settings


def written_release(staging: Path, tables_in_memory_max_quads: int) -> str:
    staging.mkdir()
    settings = Settings(project_dir=PROJECT)
    checked = check_project(settings, Progress("test", 5, enabled=False), staging)
    write_release(checked, settings, staging, tables_in_memory_max_quads=tables_in_memory_max_quads)
    return (staging / CHECKSUMS).read_text(encoding="utf-8")


def test_tables_and_nanopubs_are_the_same_from_memory_or_from_the_on_disk_store(tmp_path: Path) -> None:
    from_memory = written_release(tmp_path / "memory", tables_in_memory_max_quads=10**9)
    from_disk = written_release(tmp_path / "disk", tables_in_memory_max_quads=0)
    assert from_memory == from_disk
    assert "facts.csv" in from_memory and "nanopubs.trig" in from_memory
