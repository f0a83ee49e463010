"""The alliance network: the release's SVG and JSON, and the interactive view in a real browser."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import httpx
from rdflib import Graph
from rdflib.namespace import RDF, RDFS
from server_fixtures import LiveServer

from linkeddata.namespaces import LD

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


RUSSIA = "https://alliances.example.org/actor/russia"
NATO = "https://alliances.example.org/actor/nato"


def test_negated_edge_labels_read_as_the_ontology_words_them(release: Path) -> None:
    network = json.loads((release / "network.json").read_text(encoding="utf-8"))
    labels = {(e["source"], e["stance"], e["target"], e["negated"]): e["label"] for e in network["edges"]}
    assert labels[(SERBIA, "sanctions", RUSSIA, True)] == "does not sanction"
    assert labels[(CHINA, "appeals-to", NATO, False)] == "appeals to"
    # never a stance key glued to "does not" ("does not appeals-to"), never a negation without a negated fact
    assert not [label for label in labels.values() if "-" in label]
    assert all(label.startswith(("does not", "is not")) == negated for (_, _, _, negated), label in labels.items())


def test_release_svg_has_a_legend_for_every_stance_and_node_kind(release: Path) -> None:
    from linkeddata.network import KIND_COLOURS, STANCE_NAMES

    root = ElementTree.fromstring((release / "network.svg").read_text(encoding="utf-8"))
    texts = {element.text for element in root.iter("{http://www.w3.org/2000/svg}text")}
    assert set(STANCE_NAMES.values()) <= texts
    assert set(KIND_COLOURS) <= texts
    assert "dashed: does not … (negated)" in texts


def test_layout_is_the_same_for_the_same_release_and_keeps_actors_apart(release: Path) -> None:
    from linkeddata.network import with_positions

    network = json.loads((release / "network.json").read_text(encoding="utf-8"))
    elements = {"nodes": [{k: v for k, v in n.items() if k not in ("x", "y")} for n in network["nodes"]], "edges": network["edges"]}
    assert with_positions(elements) == network == with_positions(elements)
    places = [(n["x"], n["y"]) for n in network["nodes"]]
    closest = min(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 for i, (ax, ay) in enumerate(places) for bx, by in places[i + 1:])
    assert closest >= 0.1, "two actors drawn on top of each other"


def test_stance_colours_have_enough_contrast_on_white() -> None:
    from linkeddata.network import STANCE_COLOURS

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    ratios = {stance: 1.05 / (luminance(colour) + 0.05) for stance, colour in STANCE_COLOURS.items()}
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios  # WCAG 1.4.3, so a stance colour also works as text
    assert len(set(STANCE_COLOURS.values())) == len(STANCE_COLOURS) == 6


def test_network_view_is_legible_readable_and_the_same_on_every_load(live_server: LiveServer, page: object) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]
    _wait_for_network(page)
    network = "window.linkeddataNetwork"
    first = page.evaluate(f"{network}.nodes().map(n => [n.id(), Math.round(n.position('x')), Math.round(n.position('y'))])")  # type: ignore[attr-defined]
    # labels at the default fit: font size times zoom, in screen pixels
    label_px = page.evaluate(f"parseFloat({network}.nodes()[0].style('font-size')) * {network}.zoom()")  # type: ignore[attr-defined]
    assert label_px >= 11, label_px
    # edges between Serbia and Russia (both ways) are drawn apart
    middles = page.evaluate(  # type: ignore[attr-defined]
        f"{network}.edges().filter(e => [e.data('source'), e.data('target')].sort().join() === [{SERBIA!r}, {RUSSIA!r}].sort().join())"
        ".map(e => [Math.round(e.midpoint().x), Math.round(e.midpoint().y)])")
    assert len(middles) >= 3 and len({tuple(m) for m in middles}) == len(middles), middles
    # the legend names the six stances, and the table of edges says what the drawing shows
    legend = page.locator(".network-filters").inner_text()  # type: ignore[attr-defined]
    for name in ("supports", "recognizes", "condemns", "appeals to", "sanctions", "is allied with", "negated"):
        assert name in legend
    assert "publication" in page.locator(".network-legend").inner_text()  # type: ignore[attr-defined]
    table = page.locator(".network-table table").text_content()  # type: ignore[attr-defined]
    assert "does not sanction" in table and "appeals to" in table
    # hovering an edge shows its quote next to the edge, not under the drawing
    box = page.evaluate(  # type: ignore[attr-defined]
        f"(() => {{ const e = {network}.edges().filter(e => e.data('stance') === 'appeals-to' && e.data('source') === {CHINA!r})[0];"
        " e.emit('mouseover'); const p = e.renderedMidpoint(); return [p.x, p.y]; })()")
    tooltip = page.locator("#network-tooltip")  # type: ignore[attr-defined]
    assert tooltip.is_visible() and "We urge NATO" in tooltip.inner_text()
    frame = page.locator("#network").bounding_box()  # type: ignore[attr-defined]
    tip = tooltip.bounding_box()
    assert abs(tip["x"] - (frame["x"] + box[0])) < 400 and abs(tip["y"] - (frame["y"] + box[1])) < 150
    page.reload()  # type: ignore[attr-defined]
    _wait_for_network(page)
    again = page.evaluate(f"{network}.nodes().map(n => [n.id(), Math.round(n.position('x')), Math.round(n.position('y'))])")  # type: ignore[attr-defined]
    assert again == first
    page.screenshot(path=str(ARTIFACTS / "network-home-1280.png"))  # type: ignore[attr-defined]


def test_network_view_fits_a_phone(live_server: LiveServer, page: object) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/actor/serbia")  # type: ignore[attr-defined]
    _wait_for_network(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    frame = page.locator("#network").bounding_box()  # type: ignore[attr-defined]
    assert frame["width"] <= 390 and frame["height"] >= 400
    page.locator("#network").screenshot(path=str(ARTIFACTS / "network-serbia-390.png"))  # type: ignore[attr-defined]
