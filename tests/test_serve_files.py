"""`linkeddata serve FILE...` through the installed console script, and `serve` refusing a corrupt release.

Serving files: a gzipped Turtle file and a TriG file with a named graph. The named graph stays
named: GRAPH finds it, and the default graph holds it only with --union-default-graph.
A corrupt release is refused at start with one clear line naming the file and exit code 1.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from server_fixtures import PROJECT, SERVING_LINE, LiveServer, stop_server

CONSOLE_SCRIPT = Path(sys.executable).parent / "linkeddata"
EX = "http://example.org/"
JSON = {"Accept": "application/sparql-results+json"}


def start_console_script(args: list[str], log_path: Path, timeout_s: float = 60) -> LiveServer:
    """Start the installed `linkeddata serve ARGS` on a free port of 127.0.0.1 and wait until /health answers."""
    assert CONSOLE_SCRIPT.is_file(), f"{CONSOLE_SCRIPT} is not installed (pip install -e .)"
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen([str(CONSOLE_SCRIPT), "serve", "--host", "127.0.0.1", "--port", "0", *args], cwd=log_path.parent,
                               stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}: {log_path.read_text()}")
        match = SERVING_LINE.search(line)
        if match:
            server = LiveServer(match.group(1), process, log_path)
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                        return server
                except httpx.HTTPError:
                    time.sleep(0.1)
            break
    stop_server(process)
    raise RuntimeError(f"serve did not start: {log_path.read_text()}")


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("files")
    turtle = folder / "people.ttl.gz"
    turtle.write_bytes(gzip.compress(f'@prefix ex: <{EX}> .\nex:alice ex:says "from the gzipped turtle" .\n'.encode()))
    trig = folder / "graphs.trig"
    trig.write_text(f'@prefix ex: <{EX}> .\nex:bob ex:says "from the trig default graph" .\n'
                    f'ex:g1 {{ ex:carol ex:says "from the named graph" . }}\n', encoding="utf-8")
    return [turtle, trig]


def said(server: LiveServer, query: str) -> list[tuple[str, ...]]:
    response = httpx.get(f"{server.url}/sparql", params={"query": query}, headers=JSON, timeout=30)
    assert response.status_code == 200, response.text
    variables = response.json()["head"]["vars"]
    return sorted(tuple(row[name]["value"] for name in variables if name in row) for row in response.json()["results"]["bindings"])


@pytest.mark.parametrize("union", [False, True], ids=["separate-graphs", "union-default-graph"])
def test_serve_files_keeps_named_graphs_named(data_files: list[Path], tmp_path: Path, union: bool) -> None:
    server = start_console_script([*(["--union-default-graph"] if union else []), *map(str, data_files)], tmp_path / "serve.log")
    try:
        assert httpx.get(f"{server.url}/health").json()["quads"] == 3
        in_graphs = said(server, f"SELECT ?g ?text WHERE {{ GRAPH ?g {{ ?s <{EX}says> ?text }} }}")
        assert in_graphs == [(f"{EX}g1", "from the named graph")]
        in_default = said(server, f"SELECT ?text WHERE {{ ?s <{EX}says> ?text }}")
        expected = [("from the gzipped turtle",), ("from the trig default graph",)] + ([("from the named graph",)] if union else [])
        assert in_default == sorted(expected)
        # the named graph is a graph of this dataset: FROM and default-graph-uri may name it
        assert said(server, f"SELECT ?text FROM <{EX}g1> WHERE {{ ?s ?p ?text }}") == [("from the named graph",)]
        graph_only = httpx.get(f"{server.url}/sparql", params={"query": "SELECT ?text WHERE { ?s ?p ?text }", "default-graph-uri": f"{EX}g1"},
                               headers=JSON).json()["results"]["bindings"]
        assert [row["text"]["value"] for row in graph_only] == ["from the named graph"]
        description = httpx.get(f"{server.url}/sparql", headers={"Accept": "text/turtle"}).text
        assert ("UnionDefaultGraph" in description) is union
        # no release, so no dumps: the routes answer 404, not 500
        assert httpx.get(f"{server.url}/.well-known/void").status_code == 404
    finally:
        stop_server(server.process)
    assert "Traceback" not in server.log()


# ---------------------------------------------------------------- a corrupt release is refused at start


@pytest.fixture()
def release_copy(release: Path, tmp_path: Path) -> Path:
    """A private, real (not linked) copy of the session's release folder."""
    return Path(shutil.copytree(release.resolve(), tmp_path / "release"))


def serve_release(release_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONSOLE_SCRIPT), "serve", "--project", str(PROJECT), "--release", str(release_dir), "--host", "127.0.0.1", "--port", "0"],
                          capture_output=True, text=True, timeout=60, check=False)


def rewrite_checksum(release_dir: Path, name: str) -> None:
    sums = release_dir / "SHA256SUMS"
    digest = hashlib.sha256((release_dir / name).read_bytes()).hexdigest()
    lines = [f"{digest}  {name}" if line.endswith(f"  {name}") else line for line in sums.read_text(encoding="utf-8").splitlines()]
    sums.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("damage", ["truncated", "truncated-with-matching-checksum", "missing"])
def test_corrupt_release_is_a_clear_error_and_exit_1(release_copy: Path, damage: str) -> None:
    data = release_copy / "alliances.nq"
    if damage == "missing":
        data.unlink()
    else:
        content = data.read_bytes()
        data.write_bytes(content[: len(content) // 2])  # cut in the middle of a line
        if damage == "truncated-with-matching-checksum":
            rewrite_checksum(release_copy, "alliances.nq")  # so the parser, not the checksum, finds the damage
    result = serve_release(release_copy)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "serving" not in result.stdout
    error_lines = [line for line in result.stderr.splitlines() if "alliances.nq" in line]
    assert error_lines, result.stderr
    assert str(data) in error_lines[0] or "alliances.nq:" in error_lines[0]
