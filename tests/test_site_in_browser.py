"""Every kind of page in headless Chromium at desktop (1280 px) and phone (390 px) width, read as a journalist would.

Each page fails on: a request to any host but the server, a console error, sideways scrolling, an HTTP error,
text drawn over other text, an accessibility violation found by axe-core (run in the page from node_modules/,
never fetched), no `lang`, headings that skip a level, or a link with no text. Screenshots go to
test-artifacts/pages/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_fixtures import LiveServer

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts" / "pages"
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
FIRST_ARTICLE = "000_73df04759b344adc"
WIDTHS = (1280, 390)
# (name, path, the status the page is expected to answer)
PAGES = [
    ("home", "/", 200),
    ("actor", "/actor/serbia", 200),
    ("actor-publication", "/actor/kathimerini", 200),
    ("fact", f"/fact/{FIRST_ARTICLE}/serbia-refuses-sanctions-against-russia", 200),
    ("fact-conditional", f"/fact/{FIRST_ARTICLE}/russia-support-fraternal-relations", 200),
    ("position", "/position/china-supports-affirmed-serbia", 200),
    ("article", f"/article/{FIRST_ARTICLE}", 200),
    ("graph", f"/graph/{FIRST_ARTICLE}", 200),
    ("dataset", "/dataset", 200),
    ("linkset", "/dataset/wikidata-links", 200),
    ("ontology", "/ontology", 200),
    ("sparql", "/sparql", 200),
    ("dumps", "/dumps/", 200),
    ("api-docs", "/docs", 200),
    ("not-found", "/actor/nobody-at-all", 404),
    ("releases", "/releases/", 200),
    ("release", "/release/{release}", 200),
    ("fact-in-release", f"/release/{{release}}/fact/{FIRST_ARTICLE}/china-does-not-recognize-kosovo", 200),
]
# Third-party widgets the project does not write: axe checks the page around them.
AXE_EXCLUDE = [["#yasgui"], [".swagger-ui"], ["#network"]]
READY = {"home": "#network[data-ready=true]", "actor": "#network[data-ready=true]", "sparql": ".yasqe .CodeMirror", "api-docs": ".swagger-ui .info"}

OVERLAPPING_TEXT = """() => {
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const element = node.parentElement;
    if (!element || element.closest("script, style, noscript, .swagger-ui, #yasgui")) continue;
    if (element.closest("details:not([open])") && !element.closest("summary")) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || style.display === "none" || style.opacity === "0") continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 1 && rect.height > 1) boxes.push({ rect, node, text: node.textContent.trim().slice(0, 40) });
    }
  }
  const clashes = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.node === b.node) continue;
      const width = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
      const height = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
      if (width > 3 && height > Math.min(a.rect.height, b.rect.height) / 2) clashes.push(`${a.text} | ${b.text}`);
    }
  }
  return clashes.slice(0, 10);
}"""

HEADINGS_AND_LINKS = """() => {
  const levels = [...document.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6")]
    .filter((h) => !h.closest(".swagger-ui, #yasgui")).map((h) => Number(h.tagName[1]));
  const skipped = levels.filter((level, index) => index > 0 && level > levels[index - 1] + 1);
  const links = [...document.querySelectorAll("a[href]")].filter((a) => !a.closest(".swagger-ui, #yasgui"));
  const unnamed = links.filter((a) => !(a.getAttribute("aria-label") || a.textContent).trim()).map((a) => a.outerHTML.slice(0, 80));
  const vague = links.filter((a) => /^(here|click here|link|more)$/i.test(a.textContent.trim())).map((a) => a.textContent.trim());
  return { lang: document.documentElement.lang, first: levels[0] || 0, skipped, unnamed, vague };
}"""


@pytest.fixture(scope="module")
def context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """One browser context for the module; a request to any other host is refused (and recorded by each test)."""
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:")
                  else route.abort())
    try:
        yield context
    finally:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.x A and AA rules and best practices) in the page and return its violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""(exclude) => axe.run({ include: [["html"]], exclude: exclude },
        { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })
        .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
                                                          targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })))""", AXE_EXCLUDE)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[page[0] for page in PAGES])
def test_page_reads_well_in_a_browser(context: Any, live_server: LiveServer, name: str, path: str, status: int, width: int) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    problems: list[str] = []
    page.on("request", lambda request: problems.append(f"request to another host: {request.url}")
            if not request.url.startswith((live_server.url, "data:", "blob:")) else None)
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}") if message.type == "error" and status < 400 else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 and not (status >= 400 and response.url.endswith(path)) else None)
    if "{release}" in path:
        path = path.format(release=httpx.get(f"{live_server.url}/releases.json").json()["releases"][0]["id"])
    try:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == status
        if name in READY:
            page.wait_for_selector(READY[name], timeout=20_000)
        page.wait_for_load_state("networkidle")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)

        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        assert page.evaluate(OVERLAPPING_TEXT) == [], "text drawn over other text"
        structure = page.evaluate(HEADINGS_AND_LINKS)
        assert structure["lang"] == "en"
        if name != "api-docs":  # Swagger UI's page is headed by the widget itself
            assert structure["first"] == 1, "the first heading is not an h1"
        assert structure["skipped"] == [], "headings skip a level"
        assert structure["unnamed"] == [] and structure["vague"] == [], "links must say where they go"
        violations = axe_violations(page)
        assert violations == [], violations
        assert problems == [], problems
    finally:
        page.close()
