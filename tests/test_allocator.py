"""The command runs on jemalloc where the machine has it (.ci/run installs it), server and query workers alike,
on the C library's malloc when LINKEDDATA_ALLOCATOR=system, and refuses an allocator it cannot find in one line."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import PROJECT
from server_fixtures import LiveServer, child_pids, start_server, stop_server

FAST_MALLOCS = ("libjemalloc", "libmimalloc")


def mapped_libraries(pid: int) -> set[str]:
    """Return the file names of the shared libraries a process has mapped."""
    with open(f"/proc/{pid}/maps", encoding="utf-8") as maps:
        return {Path(line.split()[-1]).name for line in maps if ".so" in line}


def server_and_workers(server: LiveServer) -> list[int]:
    """Return the server's pid and its children's (the query workers), after a query made sure a worker answered."""
    response = httpx.get(f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert response.status_code == 200, response.text
    pid = server.process.pid
    children = child_pids(pid)
    assert children, "a served release has query worker processes"
    return [pid, *sorted(children)]


@pytest.fixture()
def one_fact_file(tmp_path: Path) -> Path:
    path = tmp_path / "one.nt"
    path.write_text("<https://example.org/a> <https://example.org/knows> <https://example.org/b> .\n", encoding="utf-8")
    return path


def test_server_and_its_query_workers_run_on_jemalloc(one_fact_file: Path, tmp_path: Path) -> None:
    if ctypes.util.find_library("jemalloc") is None:
        pytest.fail("libjemalloc2 is not installed; .ci/run installs it (apt-get install libjemalloc2)")
    server = start_server([str(one_fact_file)], tmp_path / "server.log", env={"LINKEDDATA_ALLOCATOR": "auto"})
    try:
        for pid in server_and_workers(server):
            assert any(name.startswith("libjemalloc") for name in mapped_libraries(pid)), f"process {pid} is not on jemalloc"
    finally:
        stop_server(server.process)


def test_system_keeps_the_c_librarys_malloc(one_fact_file: Path, tmp_path: Path) -> None:
    server = start_server([str(one_fact_file)], tmp_path / "server.log", env={"LINKEDDATA_ALLOCATOR": "system"})
    try:
        for pid in server_and_workers(server):
            assert not any(name.startswith(FAST_MALLOCS) for name in mapped_libraries(pid)), f"process {pid} swapped its malloc"
    finally:
        stop_server(server.process)


@pytest.mark.parametrize(("value", "says"), [
    ("tcmalloc", "expected auto, system, jemalloc, mimalloc or a library's path"),
    ("/nonexistent/libfastmalloc.so", "no such file"),
])
def test_an_allocator_that_cannot_be_used_is_a_one_line_error_and_exit_1(value: str, says: str) -> None:
    result = subprocess.run([sys.executable, "-m", "linkeddata", "--version"], cwd=PROJECT, capture_output=True, text=True, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin", "LINKEDDATA_ALLOCATOR": value})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"linkeddata: LINKEDDATA_ALLOCATOR={value}: {says}"]
