"""Bounds on one query and on the server under many: memory, answer bytes, cache bytes, waiting, stack depth without
brackets, workers that die, malformed IRIs, relative IRIs. Every test talks to a real server on 127.0.0.1, but the one
on the query pool's workers (idle, memory, threads, a crash or a time limit shared), which drive a pool directly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_fixtures import PROJECT, LiveServer, child_pids, start_server, stop_server

JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html"}
# Materializes a three-way cross product for ORDER BY: about 600 MB a second on the seed release, until stopped.
MEMORY_HOG = "SELECT ?c WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY STR(?i) LIMIT 1"
# Streams a four-way cross product into COUNT: CPU only, constant memory, never done within a test's time limit.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUERY_MEMORY_MB = 256
MAX_ANSWER_BYTES = 200_000
CACHE_BYTES = 2_000_000
TIMEOUT_S = 3.0


@pytest.fixture(scope="module")
def bounded_server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    log_path = tmp_path_factory.mktemp("bounded") / "server.log"
    server = start_server(["--project", str(PROJECT), "--release", str(release), "--query-timeout-s", str(TIMEOUT_S),
                           "--query-memory-mb", str(QUERY_MEMORY_MB), "--max-answer-bytes", str(MAX_ANSWER_BYTES),
                           "--cache-bytes", str(CACHE_BYTES), "--query-workers", "4"], log_path)
    try:
        yield server
    finally:
        stop_server(server.process)


def ask(server: LiveServer, query: str, headers: dict[str, str] | None = None, timeout: float = 60) -> httpx.Response:
    return httpx.get(f"{server.url}/sparql", params={"query": query}, headers=headers or JSON, timeout=timeout)


def tree_pss_mib(pid: int) -> float:
    """Return the summed proportional memory of a process and every process below it, in MiB."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup", encoding="ascii") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) / 1024
            pending += child_pids(current)
        except (OSError, StopIteration):
            continue
    return total


def signal_all(pids: set[int], number: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass  # already replaced by the pool


# ---------------------------------------------------------------- memory


def test_a_memory_hungry_query_is_stopped_with_a_reason(bounded_server: LiveServer) -> None:
    started = time.monotonic()
    response = ask(bounded_server, MEMORY_HOG)
    assert response.status_code in (422, 503), response.text
    assert f"{QUERY_MEMORY_MB} MiB" in response.json()["message"]
    assert time.monotonic() - started < TIMEOUT_S, "the memory cap, not the time limit, should have stopped it"
    assert ask(bounded_server, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_twenty_memory_hungry_queries_at_once_keep_the_server_bounded(bounded_server: LiveServer) -> None:
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_pss_mib(bounded_server.process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(20) as clients:
            statuses = list(clients.map(lambda _: ask(bounded_server, MEMORY_HOG).status_code, range(20)))
    finally:
        stop.set()
        sampler.join()
    assert set(statuses) <= {422, 503}, statuses
    # The server process itself plus at most four workers, each capped at its query budget beyond the shared store.
    assert peak[0] < 4 * QUERY_MEMORY_MB + 600, f"peak tree PSS {peak[0]:.0f} MiB"
    assert ask(bounded_server, "ASK { ?s ?p ?o }").status_code == 200


# ---------------------------------------------------------------- bytes


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"])
def test_an_answer_larger_than_the_byte_limit_is_refused_in_every_format(bounded_server: LiveServer, accept: str) -> None:
    # One row of 1,000,000 characters from a query of about 300 bytes: each BIND repeats the last ten times.
    binds = " ".join(f"BIND(CONCAT({', '.join([f'?v{level}'] * 10)}) AS ?v{level + 1})" for level in range(5))
    query = f'SELECT ?v5 WHERE {{ BIND("xxxxxxxxxx" AS ?v0) {binds} }}'
    response = ask(bounded_server, query, {"Accept": accept})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"] == "size_limit"
    assert str(MAX_ANSWER_BYTES) in response.json()["message"]


def test_the_cache_stays_within_its_bytes_and_skips_large_answers(bounded_server: LiveServer) -> None:
    for number in range(40):
        # ~75 kB each: forty of them would hold 3 MB, more than the 2 MB the cache may keep.
        query = f'SELECT ?s ?p ?o ("{number}" AS ?n) WHERE {{ ?s ?p ?o }} LIMIT 200'
        assert ask(bounded_server, query, {"Accept": "application/sparql-results+xml", "Accept-Encoding": "identity"}).status_code == 200
    cache = httpx.get(f"{bounded_server.url}/health").json()["cache"]
    assert 0 < cache["bytes"] <= CACHE_BYTES, cache
    # An answer above 1/16 of the cache (125 kB) is answered but never cached.
    large = 'SELECT ?s ?p ?o ("large" AS ?n) WHERE { ?s ?p ?o } LIMIT 400'  # ~150 kB
    before = httpx.get(f"{bounded_server.url}/health").json()["cache"]
    assert len(ask(bounded_server, large, {"Accept": "application/sparql-results+xml", "Accept-Encoding": "identity"}).content) > CACHE_BYTES // 16
    assert ask(bounded_server, large, {"Accept": "application/sparql-results+xml", "Accept-Encoding": "identity"}).status_code == 200
    after = httpx.get(f"{bounded_server.url}/health").json()["cache"]
    assert after["hits"] == before["hits"], "the large answer was served from the cache"


# ---------------------------------------------------------------- waiting


def test_deadlines_start_when_the_request_arrives(bounded_server: LiveServer) -> None:
    """Twenty runaways on four workers: each gets its 422 near the limit, and a normal query is answered or refused on time."""
    timings: dict[str, list[float]] = {"runaway": [], "normal": []}
    statuses: dict[str, list[int]] = {"runaway": [], "normal": []}

    def timed(kind: str, query: str) -> None:
        started = time.monotonic()
        response = ask(bounded_server, query)
        timings[kind].append(time.monotonic() - started)
        statuses[kind].append(response.status_code)

    with ThreadPoolExecutor(21) as clients:
        runaways = [clients.submit(timed, "runaway", RUNAWAY + f" # {number}") for number in range(20)]
        time.sleep(0.5)
        normal = clients.submit(timed, "normal", "ASK { ?s ?p ?o } # normal")
        for future in (*runaways, normal):
            future.result()
    assert set(statuses["runaway"]) == {422}, statuses
    assert max(timings["runaway"]) < TIMEOUT_S + 2, timings["runaway"]
    assert statuses["normal"][0] in (200, 422)
    assert timings["normal"][0] < TIMEOUT_S + 1, timings["normal"]


def test_an_idle_worker_that_died_costs_no_query_a_503(bounded_server: LiveServer) -> None:
    assert ask(bounded_server, "ASK { ?s ?p ?o } # warm").status_code == 200
    idle = child_pids(bounded_server.process.pid)
    assert idle
    signal_all(idle, signal.SIGKILL)
    time.sleep(0.2)
    for number in range(3):
        response = ask(bounded_server, f"ASK {{ ?s ?p ?o }} # after the kill {number}")
        assert response.status_code == 200, response.text


# ---------------------------------------------------------------- pages fail as pages


def test_a_page_answers_422_then_503_with_the_error_page_when_its_workers_hang_or_die(bounded_server: LiveServer) -> None:
    """Workers stopped by SIGSTOP stay busy past any limit; killing them while a page waits on one is a worker death."""
    assert ask(bounded_server, "ASK { ?s ?p ?o } # before hanging").status_code == 200
    signal_all(child_pids(bounded_server.process.pid), signal.SIGSTOP)
    page = httpx.get(f"{bounded_server.url}/actor/china.html", headers=HTML, timeout=30)
    assert page.status_code == 422, page.status_code
    assert page.headers["content-type"].startswith("text/html") and "time limit" in page.text

    stopped = child_pids(bounded_server.process.pid)
    signal_all(stopped, signal.SIGSTOP)
    with ThreadPoolExecutor(1) as client:
        waiting = client.submit(httpx.get, f"{bounded_server.url}/actor/serbia.html", headers=HTML, timeout=30)
        time.sleep(1)
        signal_all(stopped, signal.SIGKILL)
        died = waiting.result()
    assert died.status_code == 503, died.status_code
    assert died.headers["content-type"].startswith("text/html") and "worker" in died.text
    assert httpx.get(f"{bounded_server.url}/actor/china.html", headers=HTML).status_code == 200


# ---------------------------------------------------------------- the query text


@pytest.mark.parametrize("query", [
    "SELECT * FROM <\\U00110000> WHERE { ?s ?p ?o }",
    "PREFIX p: <\\U00110000> SELECT * WHERE { ?s p:x ?o }",
    "SELECT * WHERE { <\\UFFFFFFFF> ?p ?o }",
    "SELECT * WHERE { SERVICE <\\U0011FFFF> { ?s ?p ?o } }",
    "SELECT * FROM NAMED <http://x/\\uD800> WHERE { ?s ?p ?o }",
    "ASK { ?s ?p <\\U7FFFFFFF> }",
])
def test_iri_escapes_outside_unicode_are_malformed_queries(bounded_server: LiveServer, query: str) -> None:
    response = ask(bounded_server, query)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "malformed_query"


@pytest.mark.parametrize(("query", "what"), [
    ("SELECT * { BIND(1 AS ?v0) " + " ".join(f"BIND(?v{i} AS ?v{i + 1})" for i in range(3000)) + " }", "elements"),
    ("SELECT (" + "+".join(["1"] * 20000) + " AS ?x) {}", "operators"),
])
def test_queries_that_would_overflow_the_engine_stack_without_brackets_are_refused(bounded_server: LiveServer, query: str, what: str) -> None:
    response = httpx.post(f"{bounded_server.url}/sparql", content=query.encode(), headers={**JSON, "Content-Type": "application/sparql-query"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "query_too_complex" and what in response.json()["message"]


def test_a_relative_iri_resolves_against_the_service_base(bounded_server: LiveServer) -> None:
    response = ask(bounded_server, "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?name WHERE { <actor/china> rdfs:label ?name }")
    assert response.status_code == 200, response.text
    assert [row["name"]["value"] for row in response.json()["results"]["bindings"]] == ["China"]


COUNT_20_TO_THE_5 = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
# 20^7 rows to count on the same store: never done within a test's time limit.
SEVEN_WAY_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r . ?s ?t ?u }"


def twenty_subjects() -> Any:
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"https://example.org/s{n}"), ox.NamedNode("https://example.org/p"), ox.Literal("o")) for n in range(20))
    return store


def counted(answer: Any) -> int:
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_workers_started_under_load_stop_once_idle_and_the_warm_ones_stay() -> None:
    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import QueryPool

    store = twenty_subjects()
    # Long enough that none retires before the last of the three answers, even when a busy machine staggers them by
    # seconds (at 0.4 s, one had retired by then in a CI run beside a million-fact build).
    pool = QueryPool(lambda: store, 1, 3, idle_retire_s=3.0)
    try:
        # 20^5 rows to count: long enough (about a second) that the three run at once, each in a worker of its own
        slow = QueryRequest(COUNT_20_TO_THE_5)
        with ThreadPoolExecutor(3) as clients:
            answers = list(clients.map(lambda _: pool.run_blocking(slow, 60), range(3)))
        assert all(answer.rows == 1 for answer in answers)
        assert pool.describe()["idle_workers"] == 3
        deadline = time.monotonic() + 20
        while pool.describe()["idle_workers"] > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool.describe()["idle_workers"] == 1
        assert pool.run_blocking(QueryRequest("ASK { ?s ?p ?o }"), 30).body  # the warm worker still answers
    finally:
        pool.close()


def test_a_worker_that_keeps_more_memory_than_allowed_is_replaced_and_one_within_it_stays() -> None:
    import pyoxigraph as ox

    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import QueryPool

    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"https://example.org/s{n}"), ox.NamedNode("https://example.org/p"), ox.Literal("o" * 50)) for n in range(300))
    large = QueryRequest("SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 60000")  # a 22 MB answer, built in the worker
    for limit_mb, replaced in ((1, 2), (512, 0)):
        pool = QueryPool(lambda: store, 1, 2, memory_limit_mb=limit_mb)
        try:
            for _ in range(2):
                assert pool.run_blocking(large, 60).rows == 60000
            assert pool.describe()["workers_replaced"] == replaced, limit_mb
        finally:
            pool.close()


@pytest.mark.parametrize("waiting", ["in threads", "on the event loop"])
def test_a_query_sharing_a_worker_with_one_killed_for_its_time_limit_is_answered_elsewhere(waiting: str) -> None:
    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import QueryPool, QueryTimeout

    store = twenty_subjects()
    pool = QueryPool(lambda: store, 1, 1, queries_per_worker=2)  # one worker, two slots: the two queries share it
    runaway, other = QueryRequest(SEVEN_WAY_COUNT), QueryRequest(COUNT_20_TO_THE_5)  # the other takes about a second alone

    async def both() -> list[Any]:
        return await asyncio.gather(pool.run(runaway, 0.5), pool.run(other, 60), return_exceptions=True)

    try:
        if waiting == "in threads":
            with ThreadPoolExecutor(2) as clients:
                sent = [clients.submit(pool.run_blocking, runaway, 0.5), clients.submit(pool.run_blocking, other, 60)]
                stopped, shared = [future.exception() or future.result() for future in sent]
        else:
            stopped, shared = asyncio.run(both())
        assert isinstance(stopped, QueryTimeout)
        assert counted(shared) == 20**5  # sent again to the worker that replaced the one killed
        assert pool.describe()["workers_replaced"] == 1
    finally:
        pool.close()


def test_a_query_that_crashes_a_shared_worker_dies_alone_and_the_other_query_is_answered() -> None:
    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import QueryPool, WorkerDied

    store = twenty_subjects()
    pool = QueryPool(lambda: store, 1, 1, queries_per_worker=2)
    try:
        # Nested past what the engine's recursive parser can hold on its stack (the endpoint's guard refuses it first).
        overflow = QueryRequest("SELECT * WHERE " + "{" * 20000 + "}" * 20000)
        with ThreadPoolExecutor(2) as clients:
            shared = clients.submit(pool.run_blocking, QueryRequest(COUNT_20_TO_THE_5), 60)
            time.sleep(0.2)
            crashed = clients.submit(pool.run_blocking, overflow, 60)
            with pytest.raises(WorkerDied):
                crashed.result()
            assert counted(shared.result()) == 20**5
        # The first death could be either query's; each then ran alone, and only the overflow died again.
        assert pool.describe()["workers_replaced"] == 2
        assert counted(pool.run_blocking(QueryRequest(COUNT_20_TO_THE_5), 60)) == 20**5
    finally:
        pool.close()


def test_one_worker_takes_as_many_queries_at_once_as_it_has_slots() -> None:
    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import QueryPool

    store = twenty_subjects()
    pool = QueryPool(lambda: store, 1, 1, queries_per_worker=3)
    try:
        with ThreadPoolExecutor(3) as clients:
            running = [clients.submit(pool.run_blocking, QueryRequest(COUNT_20_TO_THE_5), 60) for _ in range(3)]
            deadline = time.monotonic() + 10
            seen = 0
            while time.monotonic() < deadline and seen < 3:
                seen = max(seen, pool.describe()["queries_running"])
                time.sleep(0.01)
            assert [counted(answer.result()) for answer in running] == [20**5] * 3
        assert seen == 3 and pool.describe()["busy_workers"] + pool.describe()["idle_workers"] == 1
    finally:
        pool.close()


def test_a_query_its_client_abandoned_is_still_stopped_at_its_time_limit() -> None:
    from linkeddata.serve.engine import QueryRequest
    from linkeddata.serve.workers import QueryPool

    store = twenty_subjects()
    pool = QueryPool(lambda: store, 1, 1, queries_per_worker=1)
    runaway = QueryRequest(SEVEN_WAY_COUNT)

    async def abandon() -> None:
        running = asyncio.ensure_future(pool.run(runaway, 1.0))
        await asyncio.sleep(0.3)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    try:
        asyncio.run(abandon())
        assert pool.describe()["queries_running"] == 1  # the slot stays taken while the query runs on
        deadline = time.monotonic() + 20
        while pool.describe()["workers_replaced"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.describe()["workers_replaced"] == 1
        assert pool.run_blocking(QueryRequest("ASK { ?s ?p ?o }"), 30).body  # the replacement answers
    finally:
        pool.close()
