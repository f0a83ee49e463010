"""The alliance network: the release's SVG and JSON, and the interactive view in a real browser."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from linkeddata.namespaces import LD
from server_fixtures import LiveServer

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"
CHINA = "https://alliances.example.org/actor/china"
SERBIA = "https://alliances.example.org/actor/serbia"
KOSOVO = "https://alliances.example.org/actor/kosovo"


def actor_labels(release: Path) -> set[str]:
    graph = Graph().parse(release / "alliances.nt", format="nt")
    involved = set(graph.objects(None, LD.holder)) | set(graph.objects(None, LD.target))
    return {str(graph.value(actor, RDFS.label)) for actor in graph.subjects(RDF.type, LD.Actor) if actor in involved}


def test_release_svg_parses_and_names_every_actor_with_a_stance(release: Path) -> None:
    svg = (release / "network.svg").read_text(encoding="utf-8")
    root = ElementTree.fromstring(svg)
    texts = {element.text for element in root.iter("{http://www.w3.org/2000/svg}text")}
    assert actor_labels(release) <= texts


def test_readme_picture_is_the_release_svg(release: Path) -> None:
    assert (PROJECT / "docs" / "network.svg").read_bytes() == (release / "network.svg").read_bytes(), \
        "docs/network.svg is generated: copy dist/network.svg after a build"


def test_release_network_json_has_the_articles_stances(release: Path) -> None:
    network = json.loads((release / "network.json").read_text(encoding="utf-8"))
    edges = {(e["source"], e["stance"], e["target"], e["negated"]) for e in network["edges"]}
    assert (CHINA, "supports", SERBIA, False) in edges
    assert (CHINA, "recognizes", KOSOVO, True) in edges
    negated = [e for e in network["edges"] if e["source"] == CHINA and e["target"] == KOSOVO]
    assert negated[0]["label"] == "does not recognize"
    assert "China did not recognize Kosovo’s independence in 2008" in {e["quote"] for e in negated}


def test_served_network_matches_the_release(live_server: LiveServer, release: Path) -> None:
    served = httpx.get(f"{live_server.url}/network.json").json()
    assert served == json.loads((release / "network.json").read_text(encoding="utf-8"))


def test_dataset_and_graph_pages_render(live_server: LiveServer) -> None:
    for path in ("/dataset.html", "/graph/000_73df04759b344adc.html", "/article/000_73df04759b344adc.html"):
        response = httpx.get(f"{live_server.url}{path}")
        assert response.status_code == 200, (path, response.text[:300])


def _wait_for_network(page: object) -> None:
    page.wait_for_selector("#network[data-ready=true]", timeout=15000)  # type: ignore[attr-defined]


def test_home_page_draws_the_network_and_clicking_a_node_opens_its_page(live_server: LiveServer, page: object) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]
    _wait_for_network(page)
    nodes = page.evaluate("window.linkeddataNetwork.nodes().map(n => n.id())")  # type: ignore[attr-defined]
    edges = page.evaluate(  # type: ignore[attr-defined]
        "window.linkeddataNetwork.edges().map(e => [e.data('source'), e.data('stance'), e.data('target'), e.data('negated'), e.style('line-style')])")
    assert {CHINA, SERBIA, KOSOVO} <= set(nodes)
    assert [CHINA, "supports", SERBIA, False, "solid"] in edges
    assert [CHINA, "recognizes", KOSOVO, True, "dashed"] in edges
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "network-home.png"))  # type: ignore[attr-defined]
    page.evaluate(f"window.linkeddataNetwork.getElementById('{CHINA}').emit('tap')")  # type: ignore[attr-defined]
    page.wait_for_url("**/actor/china.html")  # type: ignore[attr-defined]
    assert "China" in page.inner_text("h1")  # type: ignore[attr-defined]
    assert not errors


def test_actor_page_shows_only_its_neighbourhood_and_filters_work(live_server: LiveServer, page: object) -> None:
    page.goto(f"{live_server.url}/actor/kosovo")  # type: ignore[attr-defined]
    _wait_for_network(page)
    network = "window.linkeddataNetwork"
    sources_and_targets = page.evaluate(f"{network}.edges().map(e => [e.data('source'), e.data('target')])")  # type: ignore[attr-defined]
    assert sources_and_targets and all(KOSOVO in pair for pair in sources_and_targets)
    page.uncheck("input[name=polarity][value=negated]")  # type: ignore[attr-defined]
    remaining = page.evaluate(f"{network}.edges().map(e => e.data('negated'))")  # type: ignore[attr-defined]
    assert remaining and not any(remaining)
    page.screenshot(path=str(ARTIFACTS / "network-kosovo.png"))  # type: ignore[attr-defined]
