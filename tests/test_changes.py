"""/changes: a reader subscribes to what each kept release added, changed and withdrew (Atom, and JSON)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import BASE, FIRST_ARTICLE, run_cli
from server_fixtures import LiveServer, start_server, stop_server

ATOM = "{http://www.w3.org/2005/Atom}"
WITHDRAWN = "china-does-not-recognize-kosovo"
CHANGED = "china-supports-serbia-sovereignty"


def edit_fact(path: Path, key: str, edit: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - key: {key}\n")
    end = text.index("\n\n", start)
    path.write_text(text[:end] + "\n" + edit + text[end:], encoding="utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("history") / "project")
    assert run_cli("-q", "build", "--project", str(project)).returncode == 0
    facts = project / "seeds" / "facts" / f"{FIRST_ARTICLE}.yaml"
    edit_fact(facts, WITHDRAWN, '    withdrawn: "2026-11-30"\n    withdrawal_reason: "The sentence was corrected by its publisher."')
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("    aspect: sovereignty and territorial integrity\n", "    aspect: sovereignty\n", 1), encoding="utf-8")
    second = run_cli("-q", "build", "--project", str(project))
    assert second.returncode == 0, second.stderr
    server = start_server(["--project", str(project)], tmp_path_factory.mktemp("history-server") / "server.log")
    try:
        yield server
    finally:
        stop_server(server.process)


def test_changes_as_json_list_each_kept_release_newest_first(history: LiveServer) -> None:
    releases = httpx.get(f"{history.url}/changes.json").json()["releases"]
    assert len(releases) == 2
    newest, first = releases
    assert newest["withdrawn"] == [f"{BASE}fact/{FIRST_ARTICLE}/{WITHDRAWN}"]
    assert newest["changed"] == [f"{BASE}fact/{FIRST_ARTICLE}/{CHANGED}"]
    assert newest["added"] == [] and newest["removed"] == []
    assert f"{BASE}fact/{FIRST_ARTICLE}/{WITHDRAWN}" in first["added"] and first["withdrawn"] == []


def test_changes_as_an_atom_feed_a_reader_can_subscribe_to(history: LiveServer) -> None:
    response = httpx.get(f"{history.url}/changes")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}id").text == f"{BASE}changes"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    newest = entries[0]
    assert "1 changed, 1 withdrawn" in newest.find(f"{ATOM}title").text
    links = {link.get("title"): link.get("href") for link in newest.findall(f"{ATOM}link")}
    assert links[f"withdrawn: fact/{FIRST_ARTICLE}/{WITHDRAWN}"] == f"{BASE}fact/{FIRST_ARTICLE}/{WITHDRAWN}"
    assert all(entry.find(f"{ATOM}updated").text.endswith("Z") for entry in entries)
    assert httpx.get(f"{history.url}/changes", headers={"Accept": "application/json"}).json()["releases"][0]["withdrawn"]


def test_a_withdrawn_facts_page_shows_its_tombstone_and_its_history(history: LiveServer) -> None:
    page = httpx.get(f"{history.url}/fact/{FIRST_ARTICLE}/{WITHDRAWN}.html", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Withdrawn</strong> on 2026-11-30: The sentence was corrected by its publisher." in page.text
    releases = httpx.get(f"{history.url}/changes.json").json()["releases"]
    steps = re.findall(r"<li>(\w+) in release <code>(\w+)</code>", page.text)
    assert steps == [("added", releases[1]["release"]), ("withdrawn", releases[0]["release"])]
