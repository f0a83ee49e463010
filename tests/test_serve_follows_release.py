"""`serve` follows the release link: a build while serving publishes a new release, which the running server switches to without dropping a request."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from conftest import copy_project, run_cli
from server_fixtures import start_server, stop_server

NEW_TEXT = "Reykjavik, 3 March 2025. Iceland said it supports the talks between Serbia and Kosovo.\n"


def test_a_build_while_serving_is_served_without_a_restart_or_a_dropped_request(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out" / "dist"
    assert run_cli("-q", "build", "--project", str(project), "--out", str(out)).returncode == 0
    server = start_server(["--project", str(project), "--release", str(out), "--query-timeout-s", "3"], tmp_path / "server.log")
    failures: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            while not stop.is_set():
                for path in ("/actor/china.html", "/sparql?query=ASK%7B%3Fs%3Fp%3Fo%7D", "/dumps/SHA256SUMS"):
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as error:
                        failures.append(f"{path}: {error!r}")
                        continue
                    if status != 200:
                        failures.append(f"{path}: {status}")

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        text = tmp_path / "iceland.txt"
        text.write_text(NEW_TEXT, encoding="utf-8")
        added = run_cli("add-article", str(text), "--url", "https://example.org/iceland", "--published", "2025-03", "--title", "Iceland on the talks",
                        "--publisher", "Example News", "--project", str(project))
        assert added.returncode == 0, added.stderr
        article_id = next(path.stem for path in (project / "seeds" / "articles").glob("*.txt") if path.read_text(encoding="utf-8") == NEW_TEXT)
        assert httpx.get(f"{server.url}/article/{article_id}.html").status_code == 404
        built = run_cli("-q", "build", "--project", str(project), "--out", str(out))
        assert built.returncode == 0, built.stderr
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and httpx.get(f"{server.url}/article/{article_id}.html").status_code != 200:
            time.sleep(0.3)
        page = httpx.get(f"{server.url}/article/{article_id}.html")
        assert page.status_code == 200, server.log()
        assert "Iceland on the talks" in page.text and "Example News" in page.text
        assert article_id in httpx.get(f"{server.url}/dumps/SHA256SUMS").text or httpx.get(f"{server.url}/dumps/articles/{article_id}.txt").status_code == 200
        time.sleep(1)
    finally:
        stop.set()
        asker.join()
        stop_server(server.process)
    assert not failures, failures[:5]
