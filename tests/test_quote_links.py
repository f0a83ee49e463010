"""Quote links: each fact links to its words in the original article (a URL text fragment) and in the archived text
(an RFC 5147 #char= fragment that the text's page highlights in a real browser)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx
import pytest
from conftest import FIRST_ARTICLE, seed_facts
from server_fixtures import LiveServer

from linkeddata.serve.quote_links import char_fragment, text_fragment

FACT = f"/fact/{FIRST_ARTICLE}/china-does-not-recognize-kosovo.html"


def test_a_text_fragment_escapes_what_its_syntax_reserves() -> None:
    fragment = text_fragment("Serbia’s efforts - and sovereignty, & more", "prefix ", " suffix", occurrences=1)
    assert fragment == "#:~:text=Serbia%E2%80%99s%20efforts%20%2D%20and%20sovereignty%2C%20%26%20more"
    assert unquote(fragment.removeprefix("#:~:text=")) == "Serbia’s efforts - and sovereignty, & more"


def test_a_quote_that_is_not_unique_carries_whole_words_around_it() -> None:
    # The selector's prefix and suffix are cut at a fixed length: a word they may have cut ("ntries:", "region.") is left out.
    fragment = text_fragment("supports Serbia", "ntries: Hungary firmly ", " in the region.", occurrences=2)
    assert fragment == "#:~:text=Hungary%20firmly-,supports%20Serbia,-in%20the"
    assert text_fragment("supports Serbia", "x ", " y", occurrences=1) == "#:~:text=supports%20Serbia"
    assert char_fragment(12, 40) == "#char=12,40"


def test_the_fact_page_links_the_quote_in_the_original_and_in_the_archive(live_server: LiveServer) -> None:
    page = httpx.get(f"{live_server.url}{FACT}").text
    (original,) = set(re.findall(r'class="quote-in-original" href="([^"]+)"', page))
    (archived,) = set(re.findall(r'class="quote-in-archive" href="([^"]+)"', page))
    quote = next(f["quote"] for f in seed_facts() if f["key"] == "china-does-not-recognize-kosovo")
    assert "#:~:text=" in original and unquote(original.split("#:~:text=", 1)[1].split(",")[-1]).endswith(quote.split()[-1])
    assert re.fullmatch(rf"/text/{FIRST_ARTICLE}#char=\d+,\d+", archived), archived
    start, end = map(int, archived.split("#char=")[1].split(","))
    plain = httpx.get(f"{live_server.url}/text/{FIRST_ARTICLE}.txt")
    assert plain.headers["content-type"].startswith("text/plain") and plain.text[start:end] == quote


def test_the_archived_text_page_highlights_the_quote_in_a_browser(live_server: LiveServer, page: object) -> None:
    quote = next(f["quote"] for f in seed_facts() if f["key"] == "china-does-not-recognize-kosovo")
    page.goto(f"{live_server.url}{FACT}")  # type: ignore[attr-defined]
    page.click("a.quote-in-archive")  # type: ignore[attr-defined]
    page.wait_for_selector("mark#quote")  # type: ignore[attr-defined]
    assert page.inner_text("mark#quote") == quote  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.lang") == "en"  # type: ignore[attr-defined]


def test_a_web_archive_snapshot_is_published_as_schema_archived_at_and_linked_from_its_article(tmp_path_factory: pytest.TempPathFactory) -> None:
    import csv

    import pyoxigraph as ox
    from conftest import BASE, copy_project, run_cli
    from server_fixtures import start_server, stop_server

    project = copy_project(tmp_path_factory.mktemp("snapshot") / "project")
    text = tmp_path_factory.mktemp("snapshot-text") / "article.txt"
    text.write_text("Serbia thanked China for its support.\n", encoding="utf-8")
    snapshot = "https://web.archive.org/web/20240502101010/https://example.org/news/serbia-thanks-china"
    added = run_cli("add-article", "--project", str(project), str(text), "--url", "https://example.org/news/serbia-thanks-china",
                    "--published", "2024-05-01", "--archived", snapshot)
    assert added.returncode == 0, added.stderr
    article = re.search(r"added article (\S+);", added.stdout).group(1)
    built = run_cli("-q", "build", "--project", str(project))
    assert built.returncode == 0, built.stderr
    store = ox.Store()
    store.load(path=str(project / "dist" / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    rows = list(store.query(f"""PREFIX schema: <https://schema.org/> SELECT ?archive ?day WHERE {{ GRAPH ?g {{
        <{BASE}article/{article}> schema:archivedAt ?archive . OPTIONAL {{ ?archive schema:dateCreated ?day }} }} }} ORDER BY ?archive"""))
    assert [(row["archive"].value, row["day"].value if row["day"] else None) for row in rows] == [
        (f"{BASE}text/{article}", None), (snapshot, "2024-05-02")]
    assert "sh:conforms true" in (project / "dist" / "shacl-report.ttl").read_text(encoding="utf-8")
    with (project / "dist" / "facts.csv").open(encoding="utf-8") as table:
        assert len(list(csv.DictReader(table))) == len(seed_facts()), "a snapshot adds no row to the facts table"
    server = start_server(["--project", str(project)], tmp_path_factory.mktemp("snapshot-server") / "server.log")
    try:
        page = httpx.get(f"{server.url}/article/{article}.html", headers={"Accept": "text/html"}).text
        assert f'<a class="article-snapshot" href="{snapshot}" rel="noopener">Web archive snapshot of 2024-05-02</a>' in page
    finally:
        stop_server(server.process)
