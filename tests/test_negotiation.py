"""Content negotiation on /sparql: the full matrix of query form x Accept (with q-values) x `format` parameter.

Each cell is one request to the live server. A 200 must carry exactly the expected media type
(compared before any ';') and a body that parses as that format; a 406 must be the JSON error.
The matrix as observed is written to test-artifacts/negotiation-matrix.md and printed to the
terminal, so a report can quote it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from rdflib import Dataset, Graph

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SRJ, SRX, CSV, TSV = "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"
TTL, JSONLD, NT, RDFXML, TRIG, NQ = "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "application/trig", "application/n-quads"
RDFLIB_FORMAT = {TTL: "turtle", JSONLD: "json-ld", NT: "nt", RDFXML: "xml", TRIG: "trig", NQ: "nquads"}

QUERIES = {
    "SELECT": "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?actor ?same WHERE { ?actor owl:sameAs ?same } ORDER BY ?actor",
    "ASK": "PREFIX owl: <http://www.w3.org/2002/07/owl#> ASK { ?actor owl:sameAs ?same }",
    "CONSTRUCT": "PREFIX owl: <http://www.w3.org/2002/07/owl#> CONSTRUCT { ?actor owl:sameAs ?same } WHERE { ?actor owl:sameAs ?same }",
    "DESCRIBE": "DESCRIBE <https://alliances.example.org/actor/china>",
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class Cell:
    """One request of the matrix and what it must give: a media type, or None for 406."""

    form: str
    accept: str | None
    format: str | None
    expected: str | None

    @property
    def id(self) -> str:
        return f"{self.form}|accept={self.accept}|format={self.format}"


# (Accept, format, expected) for SELECT and ASK results ...
RESULTS_ROWS: list[tuple[str | None, str | None, str | None]] = [
    (SRJ, None, SRJ),
    (SRX, None, SRX),
    (CSV, None, CSV),
    (TSV, None, TSV),
    ("application/json", None, SRJ),
    ("application/xml", None, SRX),
    ("text/xml", None, SRX),
    ("*/*", None, SRJ),
    (None, None, SRJ),
    ("text/*", None, CSV),
    (f"{CSV};q=0.5, {SRX};q=0.9", None, SRX),
    (f"{TSV}, {SRJ};q=0.1", None, TSV),
    (f"{CSV};q=0, */*;q=0.5", None, SRJ),
    (f"{SRJ};q=0, {CSV};q=0.2", None, CSV),
    (BROWSER_ACCEPT, None, SRX),
    (TTL, None, None),
    ("text/html", None, None),
    ("image/png", None, None),
    (f"{SRJ};q=0", None, None),
    ("image/png", "json", SRJ),
    (None, "xml", SRX),
    (SRJ, "csv", CSV),
    (None, "tsv", TSV),
    (None, SRJ, SRJ),
    (None, "turtle", None),
    (SRJ, "bogus", None),
]
# ... and for CONSTRUCT and DESCRIBE graphs.
GRAPH_ROWS: list[tuple[str | None, str | None, str | None]] = [
    (TTL, None, TTL),
    (JSONLD, None, JSONLD),
    (NT, None, NT),
    (RDFXML, None, RDFXML),
    (TRIG, None, TRIG),
    (NQ, None, NQ),
    ("*/*", None, TTL),
    (None, None, TTL),
    ("application/x-turtle", None, TTL),
    ("text/plain", None, NT),
    ("application/xml", None, RDFXML),
    ("text/*", None, TTL),
    (f"{JSONLD};q=0.5, {NQ};q=0.8", None, NQ),
    (f"{RDFXML}, {TTL};q=0.9", None, RDFXML),
    (f"{TTL};q=0, */*", None, JSONLD),
    (BROWSER_ACCEPT, None, RDFXML),
    (SRJ, None, None),
    (CSV, None, None),
    ("application/json", None, None),
    ("image/png", None, None),
    ("image/png", "turtle", TTL),
    (None, "ttl", TTL),
    (None, "jsonld", JSONLD),
    (None, "json-ld", JSONLD),
    (None, "json", JSONLD),
    (TTL, "nt", NT),
    (None, "ntriples", NT),
    (None, "rdfxml", RDFXML),
    (None, "xml", RDFXML),
    (None, "trig", TRIG),
    (None, "nquads", NQ),
    (None, "nq", NQ),
    (None, TTL, TTL),
    (TTL, "csv", None),
]
CELLS = [Cell(form, accept, fmt, expected) for form in ("SELECT", "ASK") for accept, fmt, expected in RESULTS_ROWS]
CELLS += [Cell(form, accept, fmt, expected) for form in ("CONSTRUCT", "DESCRIBE") for accept, fmt, expected in GRAPH_ROWS]
OBSERVED: dict[str, tuple[int, str]] = {}
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")


def request_cell(live_server, cell: Cell) -> httpx.Response:
    params = {"query": QUERIES[cell.form]}
    if cell.format is not None:
        params["format"] = cell.format
    headers = {"Accept": cell.accept} if cell.accept is not None else {}
    with httpx.Client(timeout=30) as client:
        if cell.accept is None:
            client.headers.pop("Accept", None)  # httpx sends */* by default; this cell sends no Accept at all
        response = client.get(f"{live_server.url}/sparql", params=params, headers=headers)
    OBSERVED[cell.id] = (response.status_code, response.headers.get("content-type", "").split(";")[0])
    return response


def error_type(cell: Cell) -> str:
    """An error is a page for a client that accepts only HTML, JSON for everyone else."""
    return "text/html" if cell.accept == "text/html" else "application/json"


def check_body(form: str, media_type: str, body: bytes) -> None:
    """The body parses as the format its Content-Type names, and holds the answer."""
    text = body.decode("utf-8")
    if media_type == SRJ:
        document = json.loads(text)
        if form == "ASK":
            assert document["boolean"] is True
        else:
            assert len(document["results"]["bindings"]) > 0
    elif media_type == SRX:
        root = ElementTree.fromstring(body)
        assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
        if form == "ASK":
            assert root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
        else:
            assert len(root.findall(".//{http://www.w3.org/2005/sparql-results#}result")) > 0
    elif media_type in (CSV, TSV):
        rows = list(csv.reader(io.StringIO(text), delimiter="," if media_type == CSV else "\t"))
        if form == "ASK":
            assert rows == [["true"]]
        else:
            assert rows[0] == (["actor", "same"] if media_type == CSV else ["?actor", "?same"])
            assert len(rows) > 1
    else:
        holder = Dataset() if media_type in (TRIG, NQ) else Graph()
        holder.parse(data=text, format=RDFLIB_FORMAT[media_type])
        assert len(holder) > 0
        assert any("wikidata.org/entity/" in str(term) for triple in holder for term in triple)


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_negotiation(live_server, cell: Cell) -> None:
    response = request_cell(live_server, cell)
    if cell.expected is None:
        assert response.status_code == 406, (response.status_code, response.headers.get("content-type"))
        assert response.headers["content-type"].split(";")[0] == error_type(cell)
        if error_type(cell) == "text/html":
            assert "not acceptable" in response.text
            return
        document = response.json()
        assert document["error"] == "not_acceptable"
        assert "offers" in document["message"] or "choose one of" in document["message"]
        return
    assert response.status_code == 200, response.text[:300]
    content_type = response.headers["content-type"]
    assert content_type.split(";")[0].strip() == cell.expected
    if cell.expected.startswith("text/"):
        assert "charset=utf-8" in content_type.lower()
    assert "Accept" in response.headers.get("vary", "")
    check_body(cell.form, cell.expected, response.content)


def test_write_matrix(live_server, capsys: pytest.CaptureFixture[str]) -> None:
    """Write the matrix as observed (Markdown) to test-artifacts/ and print it."""
    for cell in CELLS:
        if cell.id not in OBSERVED:
            request_cell(live_server, cell)
    lines = ["| query | Accept | format | status | Content-Type |", "|---|---|---|---|---|"]
    for cell in CELLS:
        status, media_type = OBSERVED[cell.id]
        shown = media_type if status == 200 else f"{media_type} (error)"
        lines.append(f"| {cell.form} | {cell.accept if cell.accept is not None else '(none)'} | {cell.format or ''} | {status} | {shown} |")
    table = "\n".join(lines).replace("*/*", "\\*/\\*").replace("text/*", "text/\\*")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "negotiation-matrix.md").write_text(table + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n\nNegotiation matrix (also in test-artifacts/negotiation-matrix.md):\n" + table + "\n")
    mismatches = [cell.id for cell in CELLS if OBSERVED[cell.id] != ((200, cell.expected) if cell.expected else (406, error_type(cell)))]
    assert not mismatches, mismatches
