"""History: /changes (what each kept release added, changed and withdrew, as Atom and JSON), every kept release served
as of itself at /release/<id>, and the citation of a single fact in a release."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import BASE, FIRST_ARTICLE, run_cli, seed_facts
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
    steps = re.findall(r'<li>(\w+) in release <a href="/release/\w+"><code>(\w+)</code></a>', page.text)
    assert steps == [("added", releases[1]["release"]), ("withdrawn", releases[0]["release"])]


def release_ids(server: LiveServer) -> tuple[str, str]:
    newest, first = httpx.get(f"{server.url}/releases.json").json()["releases"]
    return newest["id"], first["id"]


def test_releases_lists_every_kept_release_with_its_iri_endpoint_and_predecessor(history: LiveServer) -> None:
    releases = httpx.get(f"{history.url}/releases.json").json()["releases"]
    assert [release["current"] for release in releases] == [True, False]
    newest, first = releases
    assert newest["iri"] == f"{BASE}release/{newest['id']}" and newest["previous"] == first["iri"] and first["previous"] is None
    assert newest["changes"] == {"added": 0, "changed": 1, "withdrawn": 1, "removed": 0}
    assert newest["sparql"] == f"{history.url}/release/{newest['id']}/sparql"
    assert httpx.get(newest["citation"]["bibtex"]).text.startswith("@misc{")
    page = httpx.get(f"{history.url}/releases/", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert re.findall(r'<a class="release" href="/release/(\w+)">', page.text) == [newest["id"], first["id"]]
    assert httpx.get(f"{history.url}/releases/", headers={"Accept": "application/json"}).json()["releases"] == releases


def test_an_old_releases_sparql_endpoint_answers_as_that_release_did(history: LiveServer) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    newest, first = release_ids(history)
    fact = f"<{BASE}fact/{FIRST_ARTICLE}/{WITHDRAWN}>"
    changed = f"<{BASE}fact/{FIRST_ARTICLE}/{CHANGED}>"
    query = f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX ld: <{BASE}ontology#>
        SELECT ?withdrawn ?aspect WHERE {{ {{ {fact} a ld:StanceFact OPTIONAL {{ {fact} prov:invalidatedAtTime ?withdrawn }} }}
                                            {{ {changed} ld:aspect ?aspect }} }}"""

    def ask(endpoint: str) -> dict[str, str]:
        client = SPARQLWrapper(endpoint)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        rows = client.queryAndConvert()["results"]["bindings"]
        assert len(rows) == 1
        return {name: value["value"] for name, value in rows[0].items()}

    then = ask(f"{history.url}/release/{first}/sparql")
    assert then == {"aspect": "sovereignty and territorial integrity"}  # published, not yet withdrawn
    now = ask(f"{history.url}/sparql")
    assert now["aspect"] == "sovereignty" and now["withdrawn"].startswith("2026-11-30")
    assert ask(f"{history.url}/release/{newest}/sparql") == now


def test_a_fact_page_in_an_old_release_still_resolves_as_it_was_published(history: LiveServer) -> None:
    _newest, first = release_ids(history)
    iri = httpx.get(f"{history.url}/release/{first}/fact/{FIRST_ARTICLE}/{WITHDRAWN}", headers={"Accept": "text/html"})
    assert iri.status_code == 303 and iri.headers["location"] == f"/release/{first}/fact/{FIRST_ARTICLE}/{WITHDRAWN}.html"
    page = httpx.get(f"{history.url}{iri.headers['location']}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "China did not recognize Kosovo’s independence in 2008" in page.text and "Withdrawn</strong>" not in page.text
    assert f"As published in release <a href=\"/release/{first}\"><code>{first}</code></a>, an earlier release" in page.text
    leaving = set(re.findall(r'<a (?:class="([^"]*)" )?href="(/(?:actor|fact|article|position|text)/[^"]*)"', page.text))
    assert leaving == {("today", f"/fact/{FIRST_ARTICLE}/{WITHDRAWN}")}, "only the link to today's page leaves the release"
    assert f'href="/release/{first}/actor/china"' in page.text
    turtle = httpx.get(f"{history.url}/release/{first}/fact/{FIRST_ARTICLE}/{CHANGED}.ttl").text
    assert "sovereignty and territorial integrity" in turtle
    current = httpx.get(f"{history.url}/fact/{FIRST_ARTICLE}/{WITHDRAWN}.html", headers={"Accept": "text/html"}).text
    for step_release in re.findall(r'<a class="fact-in-release" href="(/release/\w+/fact/[^"]+)"', current):
        assert httpx.get(f"{history.url}{step_release}", headers={"Accept": "text/html"}, follow_redirects=True).status_code == 200


def test_a_release_is_described_as_a_dataset_version_with_its_files(history: LiveServer) -> None:
    import hashlib

    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT, DCTERMS, PROV

    newest, first = release_ids(history)
    graph = Graph().parse(data=httpx.get(f"{history.url}/release/{newest}", headers={"Accept": "text/turtle"}).text, format="turtle")
    release = URIRef(f"{BASE}release/{newest}")
    assert (release, DCTERMS.isVersionOf, URIRef(f"{BASE}dataset")) in graph
    assert (release, PROV.wasRevisionOf, URIRef(f"{BASE}release/{first}")) in graph
    dump = URIRef(f"{history.url}/release/{first}/dumps/alliances.nq")
    assert (URIRef(f"{BASE}release/{first}"), DCAT.distribution, dump) in Graph().parse(
        data=httpx.get(f"{history.url}/release/{first}.ttl").text, format="turtle")
    sums = dict(line.split("  ")[::-1] for line in httpx.get(f"{history.url}/release/{first}/dumps/SHA256SUMS").text.splitlines())
    assert hashlib.sha256(httpx.get(str(dump)).content).hexdigest() == sums["alliances.nq"]
    assert sums["alliances.nq"] != httpx.get(f"{history.url}/dumps/SHA256SUMS").text.split("  alliances.nq")[0].rsplit("\n", 1)[-1]
    page = httpx.get(f"{history.url}/release/{first}", headers={"Accept": "text/html"}).text
    assert f'href="/release/{first}/sparql"' in page and f'href="/release/{first}/dumps/citation.bib"' in page


@pytest.mark.parametrize("path", ["release/0123456789abcdef", "release/0123456789abcdef/sparql?query=ASK%7B%7D", "release/..%2F..%2Fetc",
                                  "release/{first}/dumps/store/CURRENT", "release/{first}/dumps/..%2F..%2FSHA256SUMS",
                                  "release/{first}/ontology/x", "release/{first}/dumps/no-such-file"])
def test_what_is_not_a_kept_release_or_its_file_is_404(history: LiveServer, path: str) -> None:
    _, first = release_ids(history)
    response = httpx.get(f"{history.url}/{path.format(first=first)}")
    assert response.status_code == 404, response.text


def test_a_single_fact_is_citable_in_bibtex_and_csl_json(history: LiveServer) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from pybtex.database import parse_string

    newest, _ = release_ids(history)
    page = httpx.get(f"{history.url}/fact/{FIRST_ARTICLE}/{CHANGED}.html", headers={"Accept": "text/html"}).text
    bib_href = re.search(r'<a class="cite-bibtex" href="([^"]+)"', page).group(1)
    assert bib_href == f"/release/{newest}/fact/{FIRST_ARTICLE}/{CHANGED}.bib"
    bib = httpx.get(f"{history.url}{bib_href}")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    (entry,) = parse_string(bib.text, "bibtex").entries.values()
    fields = {key.lower(): value for key, value in entry.fields.items()}
    label = re.search(r'<h1 id="label">([^<]+)</h1>', page).group(1)
    assert fields["title"] == "{" + label + "}"
    assert f"/release/{newest}/fact/{FIRST_ARTICLE}/{CHANGED}" in fields["howpublished"]
    csl = httpx.get(f"{history.url}/release/{newest}/fact/{FIRST_ARTICLE}/{CHANGED}.csl.json")
    assert csl.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    (item,) = csl.json()
    assert item["URL"] == f"{BASE}release/{newest}/fact/{FIRST_ARTICLE}/{CHANGED}"
    quote = next(fact["quote"] for fact in seed_facts() if fact["key"] == CHANGED)
    assert quote in item["note"] and quote in bib.text.replace("\n", " ")
    bibliography = CitationStylesBibliography(CitationStylesStyle("harvard-cite-them-right", validate=False), CiteProcJSON([item]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = str(bibliography.bibliography()[0])
    assert item["title"] in rendered and "2023" in rendered
    # The URL a citation names resolves: to the fact, in that release.
    assert httpx.get(item["URL"].replace(BASE, f"{history.url}/"), headers={"Accept": "text/html"}, follow_redirects=True).status_code == 200


def test_a_release_is_citable_by_its_own_iri(history: LiveServer) -> None:
    from pybtex.database import parse_string

    newest, first = release_ids(history)
    page = httpx.get(f"{history.url}/release/{first}", headers={"Accept": "text/html"}).text
    bib_href = re.search(r'<a class="cite-bibtex" href="([^"]+)"', page).group(1)
    (entry,) = parse_string(httpx.get(f"{history.url}{bib_href}").text, "bibtex").entries.values()
    assert f"{BASE}release/{first}" in entry.fields["howpublished"]
    (item,) = httpx.get(f"{history.url}/release/{first}.csl.json").json()
    assert item["URL"] == f"{BASE}release/{first}" and item["type"] == "dataset"
    # The version is the data's: the withdrawal and the change made the second release's data differ.
    assert item["version"] == httpx.get(f"{history.url}/release/{first}.json").json()["version"]
    assert item["version"] != httpx.get(f"{history.url}/release/{newest}.csl.json").json()[0]["version"]


def test_past_releases_beyond_the_two_kept_open_are_closed_and_reopened_on_demand(tmp_path_factory: pytest.TempPathFactory) -> None:
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("four-releases") / "project")
    facts = project / "seeds" / "facts" / f"{FIRST_ARTICLE}.yaml"
    aspects = ["sovereignty", "territorial integrity", "its sovereignty"]
    assert run_cli("-q", "build", "--project", str(project)).returncode == 0
    previous = "sovereignty and territorial integrity"
    for aspect in aspects:  # three more releases, each with the changed fact's aspect of its own
        text = facts.read_text(encoding="utf-8")
        facts.write_text(text.replace(f"    aspect: {previous}\n", f"    aspect: {aspect}\n", 1), encoding="utf-8")
        previous = aspect
        assert run_cli("-q", "build", "--project", str(project)).returncode == 0
    server = start_server(["--project", str(project)], tmp_path_factory.mktemp("four-releases-server") / "server.log")
    try:
        releases = httpx.get(f"{server.url}/releases.json").json()["releases"]
        assert len(releases) == 4
        query = f"PREFIX ld: <{BASE}ontology#> SELECT ?aspect WHERE {{ <{BASE}fact/{FIRST_ARTICLE}/{CHANGED}> ld:aspect ?aspect }}"

        def aspect_in(release: str) -> str:
            response = httpx.get(f"{server.url}/release/{release}/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
            assert response.status_code == 200, response.text
            return response.text.splitlines()[1]

        oldest_first = [release["id"] for release in reversed(releases)]
        expected = ["sovereignty and territorial integrity", *aspects]
        # The three past releases in turn, then the first again: it was closed to keep two open, and opens anew.
        for release, aspect in [*zip(oldest_first[:3], expected[:3], strict=True), (oldest_first[0], expected[0])]:
            assert aspect_in(release) == aspect
        assert aspect_in(oldest_first[3]) == expected[3]  # the current release, through the app's own workers
        assert server.log().count(f"opened kept release {oldest_first[0]}") == 2
    finally:
        stop_server(server.process)
