"""The alliance network drawn from the network query: elements for the interactive view, a deterministic SVG for the release."""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

# One colour per stance, each at least 4.5:1 against white (WCAG 1.4.3 and 1.4.11), so it reads as a line and as text.
STANCE_COLOURS = {"supports": "#2e7d32", "recognizes": "#1565c0", "condemns": "#c62828", "appeals-to": "#6a1b9a", "sanctions": "#b34700",
                  "allied-with": "#00766c"}
STANCE_NAMES = {"supports": "supports", "recognizes": "recognizes", "condemns": "condemns", "appeals-to": "appeals to", "sanctions": "sanctions",
                "allied-with": "is allied with"}
KIND_COLOURS = {"state": "#f4e1b5", "organization": "#d7e3fc", "party": "#f8d7e8", "person": "#e0e0e0", "publication": "#d9f2d0"}
KIND_SHAPES = {"state": "ellipse", "organization": "round-rectangle", "party": "diamond", "person": "ellipse", "publication": "rectangle"}
OTHER_COLOUR = "#616161"
LAYOUT_SEED = 7
LAYOUT_ROUNDS = 200
LAYOUT_PAIR_BUDGET = 3_000_000


def network_query() -> str:
    """Return the text of the network query (kept as a .rq file beside the example queries)."""
    return resources.files("linkeddata").joinpath("queries", "network.rq").read_text(encoding="utf-8")


def _plain(value: Any) -> Any:
    return value["value"] if isinstance(value, dict) else value


def _shared(name: str, value: Any) -> Any:
    # Actor, stance and article IRIs and labels recur across a million edges: one copy each. Quotes and fact IRIs are unique.
    return sys.intern(value) if isinstance(value, str) and name not in _UNIQUE_VALUES else value


def edge_label(row: dict[str, Any]) -> str:
    """Return the verb phrase of an edge: the ontology's ld:affirmedPhrase or ld:negatedPhrase, else the stance key with its polarity."""
    if row.get("phrase"):
        return str(row["phrase"])
    negated = str(row["polarity"]).endswith("#Negated")
    # Never an invented negation ("does not appeals-to"): without the ontology's phrase, say which polarity it is.
    return f"{row['stance']} (negated)" if negated else str(row["stance"])


_UNIQUE_VALUES = frozenset({"fact", "quote"})


class NetworkCollector:
    """Gathers nodes and edges from network query rows, batch by batch (a build queries shard by shard)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[str, dict[str, Any]] = {}

    def add(self, bindings: list[dict[str, Any]]) -> None:
        """Add rows of the network query (SPARQL JSON bindings or plain values)."""
        for raw in bindings:
            row = {name: _shared(name, _plain(value)) for name, value in raw.items()}
            for role in ("holder", "target"):
                node = self.nodes.setdefault(row[role], {"id": row[role], "label": row[f"{role}Label"], "kind": row.get(f"{role}Kind", "actor"), "degree": 0})
                node["degree"] += 1
            negated = row["polarity"].endswith("#Negated")
            self.edges.setdefault(row["fact"], {
                "id": row["fact"], "source": row["holder"], "target": row["target"], "stance": row["stance"], "negated": negated,
                "label": edge_label(row), "quote": row["quote"], "speaker": row.get("speakerLabel", ""), "reportedBy": row.get("sourceLabel", ""),
                "modality": row.get("modality", "asserted"), "article": row["article"], "date": row.get("date", ""),
            })

    def clear(self) -> None:
        """Forget every node and edge gathered (a build frees them once network.json is written)."""
        self.nodes.clear()
        self.edges.clear()

    def elements(self) -> dict[str, list[dict[str, Any]]]:
        """Return Cytoscape-style nodes and edges, each sorted by id."""
        return {"nodes": [self.nodes[key] for key in sorted(self.nodes)], "edges": [self.edges[key] for key in sorted(self.edges)]}


def network_elements(bindings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Return Cytoscape-style nodes and edges from the network query's rows (SPARQL JSON bindings or plain values)."""
    collector = NetworkCollector()
    collector.add(bindings)
    return collector.elements()


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


def layout(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], size: float = 1000.0) -> dict[str, Point]:
    """Return a deterministic force-directed layout (Fruchterman-Reingold, fixed seed and rounds)."""
    rng = random.Random(LAYOUT_SEED)
    ids = [node["id"] for node in nodes]
    if not ids:
        return {}
    start = [(rng.uniform(0, size), rng.uniform(0, size)) for _ in ids]
    xs, ys = [x for x, _ in start], [y for _, y in start]
    ideal = size / math.sqrt(len(ids)) * 0.9
    index = {node: number for number, node in enumerate(ids)}
    pairs = [(index[a], index[b]) for a, b in sorted({(e["source"], e["target"]) for e in edges if e["source"] != e["target"]})]
    temperature = size / 10
    # Each round compares every pair of actors: bound the work so a build never spends minutes drawing.
    for _ in range(max(20, min(LAYOUT_ROUNDS, LAYOUT_PAIR_BUDGET // (len(ids) * len(ids))))):
        shift_x, shift_y = _repulsion(xs, ys, ideal * ideal)
        _attract(xs, ys, shift_x, shift_y, pairs, ideal)
        for node in range(len(ids)):
            dx, dy = shift_x[node], shift_y[node]
            length = max(math.hypot(dx, dy), 0.01)
            step = min(length, temperature)
            xs[node] = min(size, max(0.0, xs[node] + dx / length * step))
            ys[node] = min(size, max(0.0, ys[node] + dy / length * step))
        temperature *= 0.97
    _separate(xs, ys, min(size / 6.5, ideal * 0.8), size)
    return {node: Point(round(xs[number], 1), round(ys[number], 1)) for number, node in enumerate(ids)}


# The loops below are the build's hottest pure Python (every pair of actors, every round): they work on lists of
# floats by index, and each force is computed once for both of its ends, in the order and with the operations the
# dict-based version used, so the drawing stays the same to the last bit.
def _repulsion(xs: list[float], ys: list[float], ideal_squared: float) -> tuple[list[float], list[float]]:
    """Return each actor's push away from every other (all pairs, each once)."""
    count = len(xs)
    shift_x, shift_y = [0.0] * count, [0.0] * count
    hypot = math.hypot
    for a in range(count):
        ax, ay = xs[a], ys[a]
        own_x, own_y = shift_x[a], shift_y[a]
        for b in range(a + 1, count):
            dx, dy = ax - xs[b], ay - ys[b]
            distance = hypot(dx, dy)
            if distance < 0.01:  # noqa: PLR1730  # not max(): its call costs 0.17 µs, a quarter of this loop's body
                distance = 0.01
            force = ideal_squared / distance
            push_x, push_y = dx / distance * force, dy / distance * force
            own_x += push_x
            own_y += push_y
            shift_x[b] -= push_x
            shift_y[b] -= push_y
        shift_x[a], shift_y[a] = own_x, own_y
    return shift_x, shift_y


def _attract(xs: list[float], ys: list[float], shift_x: list[float], shift_y: list[float], pairs: list[tuple[int, int]], ideal: float) -> None:
    """Add to each shift the pull along the edges between actors."""
    for a, b in pairs:
        dx, dy = xs[a] - xs[b], ys[a] - ys[b]
        distance = max(math.hypot(dx, dy), 0.01)
        force = distance * distance / ideal
        pull_x, pull_y = dx / distance * force, dy / distance * force
        shift_x[a] -= pull_x
        shift_y[a] -= pull_y
        shift_x[b] += pull_x
        shift_y[b] += pull_y


def _separate(xs: list[float], ys: list[float], gap: float, size: float) -> None:
    """Push apart actors closer than `gap`, so no node (or its label) sits on another (issue 15: the US on top of Kosovo)."""
    count = len(xs)
    if count * count > LAYOUT_PAIR_BUDGET // 10:
        return
    hypot = math.hypot
    for _ in range(50):
        moved = False
        for a in range(count):
            for b in range(a + 1, count):
                dx, dy = xs[a] - xs[b], ys[a] - ys[b]
                distance = hypot(dx, dy)
                if distance >= gap:
                    continue
                moved = True
                if distance < 0.01:
                    dx, dy, distance = 1.0, 0.0, 1.0
                push = (gap - distance) / 2
                for node, sign in ((a, 1), (b, -1)):
                    xs[node] = min(size, max(0.0, xs[node] + sign * dx / distance * push))
                    ys[node] = min(size, max(0.0, ys[node] + sign * dy / distance * push))
        if not moved:
            return


def with_positions(elements: dict[str, list[dict[str, Any]]], positions: dict[str, Point] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return the elements with each node's deterministic place (x, y in 0..1; `positions` when already laid out): the same release draws the same picture."""
    positions = positions if positions is not None else layout(elements["nodes"], elements["edges"])
    nodes = [{**node, "x": round(positions[node["id"]].x / 1000, 4), "y": round(positions[node["id"]].y / 1000, 4)} for node in elements["nodes"]]
    return {"nodes": nodes, "edges": elements["edges"]}


def _edge_offsets(edges: list[dict[str, Any]]) -> dict[str, float]:
    """Return a sideways offset per edge, so edges between the same two actors (either way) are drawn apart, not on top of each other."""
    by_pair: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for edge in edges:
        by_pair.setdefault(tuple(sorted((edge["source"], edge["target"]))), []).append(edge)  # type: ignore[arg-type]
    offsets = {}
    for (first, _), group in by_pair.items():
        for index, edge in enumerate(group):
            offset = (index - (len(group) - 1) / 2) * 14.0
            # An edge drawn the other way round bends to its own left: flip it so that offsets stay apart.
            offsets[edge["id"]] = offset if edge["source"] == first else -offset
    return offsets


def svg_lines(elements: dict[str, list[dict[str, Any]]], title: str, positions: dict[str, Point] | None = None) -> Iterator[str]:
    """Yield the lines of the network as a standalone SVG (laid out at `positions` when given): nodes sized by degree and
    filled by kind, edges coloured by stance, negated dashed, a legend. Line by line, so that a build writes them as they
    come: a million edges make 280 MB of SVG."""
    nodes, edges = elements["nodes"], elements["edges"]
    positions = positions if positions is not None else layout(nodes, edges)
    margin, size = 150, 1000
    width = size + 2 * margin
    legend_height = 110
    height = width + legend_height
    yield f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" role="img">'
    yield f"<title>{escape(title)}</title>"
    yield "<defs>" + "".join(
        f'<marker id="arrow-{stance}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>' for stance, colour in sorted({**STANCE_COLOURS, "other": OTHER_COLOUR}.items())) + "</defs>"
    yield f'<rect width="{width}" height="{height}" fill="white"/>'
    radius = {node["id"]: min(30.0, 6 + 3 * math.log2(1 + node["degree"])) for node in nodes}
    offsets = _edge_offsets(edges)
    for edge in edges:
        a, b = positions[edge["source"]], positions[edge["target"]]
        dx, dy = b.x - a.x, b.y - a.y
        length = max(math.hypot(dx, dy), 0.01)
        normal_x, normal_y = -dy / length, dx / length
        bend = offsets[edge["id"]] * 2
        control_x, control_y = (a.x + b.x) / 2 + normal_x * bend, (a.y + b.y) / 2 + normal_y * bend
        # End at the target's rim, along the curve's last direction (control point -> target).
        tx, ty = b.x - control_x, b.y - control_y
        tail = max(math.hypot(tx, ty), 0.01)
        end_x, end_y = b.x - tx / tail * radius[edge["target"]], b.y - ty / tail * radius[edge["target"]]
        stance = edge["stance"] if edge["stance"] in STANCE_COLOURS else "other"
        colour = STANCE_COLOURS.get(edge["stance"], OTHER_COLOUR)
        dash = ' stroke-dasharray="6 4"' if edge["negated"] else ""
        yield (
            f'<path d="M {a.x + margin:.1f} {a.y + margin:.1f} Q {control_x + margin:.1f} {control_y + margin:.1f} {end_x + margin:.1f} {end_y + margin:.1f}" '
            f'fill="none" stroke="{colour}" stroke-width="1.8" stroke-opacity="0.8"{dash} marker-end="url(#arrow-{stance})">'
            f'<title>{escape(edge["label"])}: “{escape(edge["quote"])}”</title></path>')
    for node in nodes:
        point = positions[node["id"]]
        fill = KIND_COLOURS.get(node["kind"], "#eeeeee")
        r = radius[node["id"]]
        shape = (f'<rect x="{point.x + margin - r:.1f}" y="{point.y + margin - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" rx="{r / 3:.1f}" fill="{fill}" stroke="#555"/>'
                 if node["kind"] in ("organization", "publication") else
                 f'<circle cx="{point.x + margin:.1f}" cy="{point.y + margin:.1f}" r="{r:.1f}" fill="{fill}" stroke="#555"/>')
        yield (f'<g class="actor" data-iri="{escape(node["id"])}">{shape}'
               f'<text x="{point.x + margin:.1f}" y="{point.y + margin - r - 4:.1f}" font-size="15" text-anchor="middle" '
               f'stroke="white" stroke-width="4" paint-order="stroke">{escape(node["label"])}</text></g>')
    yield from _svg_legend(margin, width + 20)
    yield "</svg>"


def _svg_legend(left: int, top: int) -> list[str]:
    """Return the SVG legend: one line per stance colour, the negation dash, and the node kinds."""
    items = [(STANCE_NAMES[stance], colour, "") for stance, colour in STANCE_COLOURS.items()] + [("dashed: does not … (negated)", "#555", ' stroke-dasharray="6 4"')]
    lines = []
    for index, (text, colour, dash) in enumerate(items):
        x, y = left + (index % 4) * 230, top + (index // 4) * 28
        lines.append(f'<line x1="{x}" y1="{y}" x2="{x + 40}" y2="{y}" stroke="{colour}" stroke-width="3"{dash}/>'
                     f'<text x="{x + 48}" y="{y + 5}" font-size="15">{escape(text)}</text>')
    for index, (kind, fill) in enumerate(KIND_COLOURS.items()):
        x, y = left + index * 184, top + 70
        lines.append(f'<circle cx="{x + 10}" cy="{y}" r="9" fill="{fill}" stroke="#555"/><text x="{x + 26}" y="{y + 5}" font-size="15">{escape(kind)}</text>')
    return lines


def network_json_chunks(elements: dict[str, list[dict[str, Any]]], positions: dict[str, Point] | None = None) -> Iterator[str]:
    """Yield the network data, with each node's deterministic place (`positions` when already laid out), as deterministic
    JSON, piece by piece: json.dumps with an indent joins millions of pieces at once, and a million edges held 2.9 GB in
    the process writing them, for 510 MB of JSON."""
    yield from _NETWORK_ENCODER.iterencode(with_positions(elements, positions))
    yield "\n"


_NETWORK_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, indent=1)


def network_table(elements: dict[str, list[dict[str, Any]]], focus: str | None = None) -> list[dict[str, Any]]:
    """Return the network as rows (holder, phrase, target, reports), the text alternative of the drawing; only `focus`'s edges when given."""
    labels = {node["id"]: node["label"] for node in elements["nodes"]}
    rows: dict[tuple[str, str, bool, str], dict[str, Any]] = {}
    for edge in elements["edges"]:
        if focus and focus not in (edge["source"], edge["target"]):
            continue
        key = (edge["source"], edge["stance"], edge["negated"], edge["target"])
        row = rows.setdefault(key, {"holder": edge["source"], "holderLabel": labels[edge["source"]], "phrase": edge["label"], "stance": edge["stance"],
                                    "negated": edge["negated"], "target": edge["target"], "targetLabel": labels[edge["target"]], "reports": 0})
        row["reports"] += 1
    return sorted(rows.values(), key=lambda row: (row["holderLabel"], row["phrase"], row["targetLabel"]))
