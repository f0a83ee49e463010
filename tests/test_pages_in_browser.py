"""The pages in a real browser (Debian's headless Chromium through Playwright): an actor page and the YASGUI query editor.

Screenshots are saved under test-artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from rdflib import OWL, Graph, URIRef

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHINA = URIRef("https://alliances.example.org/actor/china")
CHINA_WIKIDATA = "http://www.wikidata.org/entity/Q148"
QUOTE = "China did not recognize Kosovo’s independence in 2008"
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "linkeddata" / "queries" / "examples").glob("*.rq"))
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def watch_for_errors(page, base_url: str) -> list[str]:
    """Collect script errors and failed loads of this site's resources (the favicon aside)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.url.startswith(base_url) and not response.url.endswith("/favicon.ico") else None)
    return problems


def test_actor_page_shows_the_highlighted_quote_wikidata_link_and_json_ld(live_server, page) -> None:
    problems = watch_for_errors(page, live_server.url)
    response = page.goto(f"{live_server.url}/actor/china")
    assert response is not None and response.ok
    assert page.url == f"{live_server.url}/actor/china.html"  # the browser followed the 303
    assert page.locator("h1#label").inner_text() == "China"

    highlighted = page.locator("mark.quote", has_text=QUOTE)
    assert highlighted.count() >= 1
    highlighted.first.scroll_into_view_if_needed()
    assert highlighted.first.is_visible()
    # the quote sits inside its sentence, in a blockquote of evidence
    assert QUOTE in highlighted.first.locator("xpath=ancestor::blockquote[1]").inner_text()

    wikidata = page.locator(f'p.wikidata a.sameas[href="{CHINA_WIKIDATA}"]')
    assert wikidata.count() == 1 and wikidata.is_visible()
    assert "Q148" in wikidata.inner_text()

    embedded = page.locator('script[type="application/ld+json"]').text_content()
    document = json.loads(embedded)
    graph = Graph().parse(data=json.dumps(document), format="json-ld")
    assert (CHINA, OWL.sameAs, URIRef(CHINA_WIKIDATA)) in graph
    screenshot(page, "actor-china")
    assert not problems, problems


def test_sparql_editor_runs_the_first_example_and_shows_its_rows(live_server, page) -> None:
    problems = watch_for_errors(page, live_server.url)
    page.goto(f"{live_server.url}/sparql")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)  # YASGUI loaded and drew its editor
    button = page.locator("button.example").first
    first_example = EXAMPLES[0].read_text(encoding="utf-8")
    assert button.inner_text() == first_example.splitlines()[0].lstrip("# ").strip()

    with page.expect_response(lambda answer: answer.url.split("?")[0] == f"{live_server.url}/sparql" and answer.request.method == "POST",
                              timeout=20_000) as sent:
        button.click()
    answer = sent.value
    assert answer.status == 200
    assert answer.headers["content-type"].split(";")[0] == "application/sparql-results+json"
    form = parse_qs(answer.request.post_data or "")
    assert form["query"] == [first_example], "the page did not send the example's text to /sparql"
    names = {binding["name"]["value"] for binding in answer.json()["results"]["bindings"]}
    assert {"China", "Russia"} <= names

    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() == len(names)
    table_text = page.locator(".tabPanel.active .yasr table.dataTable").inner_text()
    for name in names:
        assert name in table_text
    assert "^^" not in table_text and "@en" not in table_text, "literals are shown as a reader expects them, without datatype or language tags"
    screenshot(page, "sparql-first-example")
    assert not problems, problems


def test_home_page_question_opens_in_the_editor_with_its_answer_as_a_table(live_server, page) -> None:
    problems = watch_for_errors(page, live_server.url)
    page.goto(f"{live_server.url}/")
    first = page.locator("ol.examples li").first
    raw = first.locator(".raw-formats a", has_text="CSV")
    assert "format=csv" in raw.get_attribute("href")  # the raw answer is one click away
    first.locator("a.ask").click()
    page.wait_for_url(lambda url: "/sparql#query=" in url)
    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert "China" in page.locator(".tabPanel.active .yasr table.dataTable").inner_text()
    assert page.locator(".tabPanel.active .CodeMirror").inner_text().count("SELECT") >= 1
    screenshot(page, "sparql-from-home-question")
    assert not problems, problems


def test_api_documentation_is_served_from_here(live_server, page) -> None:
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert "linkeddata" in page.locator(".swagger-ui .info .title").inner_text()
    assert "/sparql" in page.locator(".swagger-ui").inner_text()
    assert outside == []
    screenshot(page, "api-docs")
