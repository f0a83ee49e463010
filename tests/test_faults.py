"""Faults a public endpoint meets: a query worker killed mid-query, remote JSON-LD contexts in served files."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from server_fixtures import LiveServer, child_pids, start_server, stop_server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def worker_pids(server: LiveServer) -> set[int]:
    """Return the pids of the server's forked query workers."""
    return child_pids(server.process.pid)


def running(pid: int) -> bool:
    """True when any thread of the process is on a CPU (a worker runs each query on a thread of its own, not its main thread)."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            states.append(stat.read_text().rsplit(")", 1)[1].split()[0])
        except (OSError, IndexError):
            continue  # the thread ended while we looked
    return "R" in states


def test_killed_worker_gives_a_clear_error_and_the_next_query_succeeds(live_server: LiveServer) -> None:
    before = worker_pids(live_server)
    result: dict[str, httpx.Response] = {}

    def run_long_query() -> None:
        result["response"] = httpx.get(f"{live_server.url}/sparql", params={"query": RUNAWAY}, timeout=30)

    thread = threading.Thread(target=run_long_query)
    thread.start()
    deadline = time.monotonic() + 5
    busy: set[int] = set()
    while time.monotonic() < deadline and not busy:
        time.sleep(0.2)
        busy = {pid for pid in worker_pids(live_server) if running(pid)}
    assert busy, f"no worker was running the query (workers before: {before})"
    for pid in busy:
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=30)
    response = result["response"]
    assert response.status_code == 503
    assert response.json()["error"] == "worker_died"
    following = httpx.get(f"{live_server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert following.status_code == 200 and following.json()["boolean"] is True


@pytest.fixture()
def listener() -> tuple[socket.socket, list[object]]:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[object] = []

    def accept() -> None:
        while True:
            try:
                connection, address = server.accept()
                seen.append(address)
                connection.close()
            except TimeoutError:
                continue
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server, seen
    server.close()


def test_serving_jsonld_with_a_remote_context_fails_cleanly_without_fetching_it(listener: tuple[socket.socket, list[object]], tmp_path: Path) -> None:
    server_socket, seen = listener
    port = server_socket.getsockname()[1]
    document = tmp_path / "remote-context.jsonld"
    document.write_text(json.dumps({"@context": f"http://127.0.0.1:{port}/context.jsonld", "@id": "http://example.org/a", "name": "A"}))
    with pytest.raises(RuntimeError) as failure:
        server = start_server([str(document)], tmp_path / "server.log", timeout_s=30)
        stop_server(server.process)
    assert "remote-context.jsonld" in str(failure.value)
    time.sleep(0.5)
    assert seen == [], "the server fetched the remote JSON-LD context"
