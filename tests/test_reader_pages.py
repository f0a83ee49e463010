"""What a reader finds on the pages (issue 13's reader side, issue 15's page fixes), read from the HTML the server sends."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from conftest import FIRST_ARTICLE
from server_fixtures import LiveServer

HTML = {"Accept": "text/html"}


def page_text(live_server: LiveServer, path: str) -> str:
    response = httpx.get(f"{live_server.url}{path}", headers=HTML, follow_redirects=True)
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


def visible(html: str) -> str:
    """The page's text with tags dropped and whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL))))


def test_fact_page_shows_modality_condition_note_and_its_position(live_server: LiveServer) -> None:
    html = page_text(live_server, f"/fact/{FIRST_ARTICLE}/russia-support-fraternal-relations")
    text = visible(html)
    assert 'class="modality' in html and "conditional" in text
    assert "Only on condition: “When and if friendly and fraternal relations are at stake" in text
    assert "Curator’s note:" in text
    assert re.search(r"One of \d+ reports by 1 outlet of the position Russia supports Serbia", text)
    assert 'href="/position/russia-supports-affirmed-serbia"' in html
    assert "stated as speaker" not in text


def test_asserted_fact_shows_no_modality_badge(live_server: LiveServer) -> None:
    html = page_text(live_server, f"/fact/{FIRST_ARTICLE}/serbia-refuses-sanctions-against-russia")
    assert 'class="modality' not in html
    assert "Serbia does not sanction Russia" in visible(html)


def test_fact_reported_by_a_publication_names_it(live_server: LiveServer) -> None:
    html = page_text(live_server, "/actor/greece")
    text = visible(html)
    assert "reported by Kathimerini" in text
    assert 'href="/actor/kathimerini"' in html
    assert "intended" in text  # "will not recognize": an intention, not a past non-recognition


def test_position_dereferences_and_lists_every_report_with_counts(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/position/china-supports-affirmed-serbia", headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == "/position/china-supports-affirmed-serbia.html"
    turtle = httpx.get(f"{live_server.url}/position/china-supports-affirmed-serbia", headers={"Accept": "text/turtle"})
    assert turtle.headers["location"].endswith(".ttl")
    for suffix in (".ttl", ".jsonld", ".nt", ".rdf"):
        assert httpx.get(f"{live_server.url}/position/china-supports-affirmed-serbia{suffix}").status_code == 200
    html = page_text(live_server, "/position/china-supports-affirmed-serbia.html")
    text = visible(html)
    assert "China supports Serbia: stated in 3 reports by 1 outlet" in text
    assert html.count('<li class="fact') == 3 and html.count('<mark class="quote">') == 3
    assert "Every report of this position" in text


def test_actor_page_groups_stances_by_position(live_server: LiveServer) -> None:
    text = visible(page_text(live_server, "/actor/china"))
    assert re.search(r"China supports Serbia stated in 3 reports by 1 outlet", text)
    assert "China appeals to NATO stated in 1 report by 1 outlet" in text
    assert "China does not recognize Kosovo" in text
    assert "does not appeals" not in text and "appeals-to" not in text


@pytest.mark.parametrize("path", ["/actor/kosovo", "/actor/china", f"/article/{FIRST_ARTICLE}"])
def test_aspects_never_read_on_as(live_server: LiveServer, path: str) -> None:
    assert " on as " not in visible(page_text(live_server, path))


def test_article_page_shows_publisher_and_url_and_no_speaker_heading(live_server: LiveServer) -> None:
    html = page_text(live_server, f"/article/{FIRST_ARTICLE}")
    text = visible(html)
    assert "Publisher ruetir.com" in text
    assert 'class="article-url" href="https://www.ruetir.com/' in html
    assert "Stances in this article" in text and "stated as speaker" not in text


def test_all_statements_name_properties_and_show_evidence_as_text(live_server: LiveServer) -> None:
    html = page_text(live_server, f"/fact/{FIRST_ARTICLE}/serbia-refuses-sanctions-against-russia")
    table = html.split('<section class="properties">', 1)[1]
    assert ">type<" in table and "http://www.w3.org/1999/02/22-rdf-syntax-ns#type</" not in table
    assert "the quote “Serbia is one of Russia’s traditional allies" in unescape(table)
    assert "#evidence</a>" not in table


def test_dataset_page_is_headed_by_its_title_and_links_only_to_pages_that_exist(live_server: LiveServer) -> None:
    html = page_text(live_server, "/dataset")
    assert '<h1 id="label">dataset</h1>' not in html
    badges = re.findall(r'<span class="type">([^<]*)</span>', html)
    assert len(badges) == len(set(badges)), badges
    for href in set(re.findall(r'href="(/[^"#]*)"', html)):
        assert httpx.get(f"{live_server.url}{href}", headers=HTML, follow_redirects=True).status_code == 200, href


def test_ontology_page_has_its_title_iri_and_the_site_header(live_server: LiveServer) -> None:
    html = page_text(live_server, "/ontology")
    assert "<title>Alliance stances ontology · alliance stances</title>" in html
    assert '<header class="site">' in html
    assert "IRI: <code>https://alliances.example.org/ontology</code>" in html
    assert "ld:negatedPhrase" in html and "ld:Sanction" in html


def test_favicon_and_checksums_display_in_the_browser(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.url}/favicon.ico").status_code == 200
    sums = httpx.get(f"{live_server.url}/dumps/SHA256SUMS")
    assert sums.headers["content-type"] == "text/plain; charset=utf-8" and "attachment" not in sums.headers.get("content-disposition", "")


def test_api_docs_page_loads_swagger_ui_from_this_server(live_server: LiveServer) -> None:
    html = httpx.get(f"{live_server.url}/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert httpx.get(f"{live_server.url}{source}").status_code == 200, source
