"""The release's on-disk store: written by build, opened read-only by `serve --store-mode disk`, same answers as memory."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import PROJECT, run_cli
from server_fixtures import LiveServer, start_server, stop_server

from linkeddata.release.store import bulk_load_nquads

EXAMPLES = sorted((PROJECT / "linkeddata" / "queries" / "examples").glob("*.rq"))


@pytest.fixture(scope="module")
def disk_server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(["--project", str(PROJECT), "--release", str(release), "--store-mode", "disk"],
                          tmp_path_factory.mktemp("disk-server") / "server.log")
    try:
        yield server
    finally:
        stop_server(server.process)


def test_build_writes_a_store_holding_the_dump_ontology_and_description(release: Path) -> None:
    store = ox.Store.read_only(str(release / "store"))
    from_dump = ox.Store()
    from_dump.load(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    graphs = {g.value for g in store.named_graphs()}
    assert {"https://alliances.example.org/ontology", "https://alliances.example.org/dataset"} <= graphs
    article_graphs = graphs - {"https://alliances.example.org/ontology", "https://alliances.example.org/dataset"}
    assert article_graphs == {g.value for g in from_dump.named_graphs()}
    for graph in article_graphs:
        assert {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))} == \
               {str(q) for q in from_dump.quads_for_pattern(None, None, None, ox.NamedNode(graph))}, graph
    manifest = json.loads((release / "store.json").read_text(encoding="utf-8"))
    assert manifest["quads"] == len(store)
    # serve reads these from the manifest instead of scanning the store and parsing void.ttl at start-up
    assert manifest["graphs"] == sorted(graphs) and manifest["base_iri"] == "https://alliances.example.org/"


def test_the_store_is_left_out_of_the_checksums_and_the_downloads(release: Path, disk_server: LiveServer) -> None:
    listed = (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert "store.json" in listed and "store/" not in listed
    for path in ("/dumps/store/CURRENT", "/dumps/store/", "/dumps/%73tore/CURRENT", "/dumps//store/CURRENT"):
        assert httpx.get(disk_server.url + path).status_code == 404, path
    assert httpx.get(disk_server.url + "/dumps/store.json").status_code == 200


@pytest.mark.parametrize("query_file", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_disk_and_memory_stores_give_the_same_answers(query_file: Path, disk_server: LiveServer, live_server: LiveServer) -> None:
    query = query_file.read_text(encoding="utf-8")
    answers = []
    for server in (disk_server, live_server):
        response = httpx.post(f"{server.url}/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert response.status_code == 200, response.text
        rows = response.json()["results"]["bindings"]
        answers.append(sorted(json.dumps(row, sort_keys=True) for row in rows))
    assert answers[0] == answers[1]
    assert answers[0], "the example query answers something"


def test_pages_come_from_the_disk_store(disk_server: LiveServer) -> None:
    page = httpx.get(f"{disk_server.url}/actor/china.html")
    assert page.status_code == 200
    assert "sovereignty" in page.text and "Q148" in page.text


def test_disk_mode_on_a_release_without_store_is_a_one_line_error(published: Path, tmp_path: Path) -> None:
    shutil.rmtree(published.resolve() / "store")
    result = run_cli("serve", "--release", str(published), "--store-mode", "disk", "--port", "0")
    assert result.returncode == 1
    assert "store: missing, or its store.json lacks what `serve` needs" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_store_is_a_one_line_error(published: Path) -> None:
    (published.resolve() / "store" / "CURRENT").unlink()
    result = run_cli("serve", "--release", str(published), "--store-mode", "disk", "--port", "0")
    assert result.returncode == 1
    assert "cannot open the on-disk store" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_worker_killed_for_its_time_limit_is_replaced_by_one_that_reads_the_same_store(release: Path, tmp_path: Path) -> None:
    # The workers inherit the parent's read-only handle at their fork: a replacement forked after a kill must read it as the first did.
    server = start_server(["--project", str(PROJECT), "--release", str(release), "--store-mode", "disk", "--query-timeout-s", "1",
                           "--query-workers", "2", "--cache-entries", "0"], tmp_path / "server.log")
    query = EXAMPLES[0].read_text(encoding="utf-8")
    try:
        def answer() -> list[str]:
            response = httpx.post(f"{server.url}/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert response.status_code == 200, response.text
            return sorted(json.dumps(row, sort_keys=True) for row in response.json()["results"]["bindings"])

        before = answer()
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        for _ in range(2):  # both warm workers killed
            stopped = httpx.post(f"{server.url}/sparql", data={"query": runaway}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert stopped.status_code == 422 and "query_timeout" in stopped.text
        assert answer() == before and before
        assert httpx.get(f"{server.url}/health", timeout=10).json()["pool"]["workers_replaced"] >= 1
    finally:
        stop_server(server.process)


def test_the_store_holds_nothing_in_its_write_ahead_log(release: Path) -> None:
    # What a write-ahead log holds is read back and checked at every read-only open: 2.4 s of serve's start at a million facts.
    logs = {path.name: path.stat().st_size for path in (release / "store").glob("*.log")}
    assert all(size < 1024 for size in logs.values()), logs
    assert sum(1 for _ in ox.Store.read_only(str(release / "store")).quads_for_pattern(None, None, None, ox.NamedNode("https://alliances.example.org/dataset"))) > 0


def test_an_nquads_file_loaded_in_blocks_gives_the_store_every_quad_once(release: Path, tmp_path: Path) -> None:
    dump = release / "alliances.nq"
    whole = ox.Store()
    whole.load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    in_blocks = ox.Store(str(tmp_path / "store"))
    bulk_load_nquads(in_blocks, dump, block_bytes=4096)  # the seed release is ~100 blocks of this size
    assert dump.stat().st_size > 50 * 4096
    assert sorted(map(str, in_blocks)) == sorted(map(str, whole))


@pytest.mark.parametrize("told", [None, True], ids=["found by reading the file", "told by its writer"])
def test_a_blank_node_stays_one_node_when_its_lines_are_blocks_apart(tmp_path: Path, told: bool | None) -> None:
    lines = [f"_:shared <https://example.org/p{n}> \"{n}\" <https://example.org/g> .\n" for n in range(200)]
    dump = tmp_path / "blank.nq"
    dump.write_text("".join(lines), encoding="utf-8")
    store = ox.Store(str(tmp_path / "store"))
    bulk_load_nquads(store, dump, block_bytes=256, may_hold_blank_nodes=told)
    assert len(store) == 200
    assert len({quad.subject for quad in store}) == 1


def test_a_syntax_error_in_a_later_block_names_its_line_in_the_file(tmp_path: Path) -> None:
    lines = [f"<https://example.org/s{n}> <https://example.org/p> \"{n}\" <https://example.org/g> .\n" for n in range(300)]
    lines[250] = "<https://example.org/s250> <https://example.org/p> oops .\n"
    dump = tmp_path / "broken.nq"
    dump.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SyntaxError, match=r"broken\.nq: Parser error at line 251 "):
        bulk_load_nquads(ox.Store(str(tmp_path / "store")), dump, block_bytes=1024)
