"""The alliance network drawn from the network query: elements for the interactive view, a deterministic SVG for the release."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

STANCE_COLOURS = {"supports": "#2e7d32", "recognizes": "#1565c0", "condemns": "#c62828"}
KIND_COLOURS = {"state": "#f4e1b5", "organization": "#d7e3fc", "party": "#f8d7e8", "person": "#e0e0e0"}
OTHER_COLOUR = "#9e9e9e"
LAYOUT_SEED = 7
LAYOUT_ROUNDS = 200
LAYOUT_PAIR_BUDGET = 3_000_000


def network_query() -> str:
    """Return the text of the network query (kept as a .rq file beside the example queries)."""
    return resources.files("linkeddata").joinpath("queries", "network.rq").read_text(encoding="utf-8")


def _plain(value: Any) -> Any:
    return value["value"] if isinstance(value, dict) else value


class NetworkCollector:
    """Gathers nodes and edges from network query rows, batch by batch (a build queries shard by shard)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[str, dict[str, Any]] = {}

    def add(self, bindings: list[dict[str, Any]]) -> None:
        """Add rows of the network query (SPARQL JSON bindings or plain values)."""
        for raw in bindings:
            row = {name: _plain(value) for name, value in raw.items()}
            for role in ("holder", "target"):
                node = self.nodes.setdefault(row[role], {"id": row[role], "label": row[f"{role}Label"], "kind": row.get(f"{role}Kind", "actor"), "degree": 0})
                node["degree"] += 1
            negated = row["polarity"].endswith("#Negated")
            verb = row["stance"] if not negated else f"does not {row['stance'].removesuffix('s')}"
            self.edges.setdefault(row["fact"], {
                "id": row["fact"], "source": row["holder"], "target": row["target"], "stance": row["stance"], "negated": negated,
                "label": verb, "quote": row["quote"], "speaker": row.get("speakerLabel", ""), "article": row["article"], "date": row.get("date", ""),
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
    position = {node: [rng.uniform(0, size), rng.uniform(0, size)] for node in ids}
    ideal = size / math.sqrt(len(ids)) * 0.9
    pairs = sorted({(e["source"], e["target"]) for e in edges if e["source"] != e["target"]})
    temperature = size / 10
    # Each round compares every pair of actors: bound the work so a build never spends minutes drawing.
    for _ in range(max(20, min(LAYOUT_ROUNDS, LAYOUT_PAIR_BUDGET // (len(ids) * len(ids))))):
        shift = {node: [0.0, 0.0] for node in ids}
        for i, a in enumerate(ids):
            ax, ay = position[a]
            for b in ids[i + 1 :]:
                dx, dy = ax - position[b][0], ay - position[b][1]
                distance = max(math.hypot(dx, dy), 0.01)
                force = ideal * ideal / distance
                shift[a][0] += dx / distance * force
                shift[a][1] += dy / distance * force
                shift[b][0] -= dx / distance * force
                shift[b][1] -= dy / distance * force
        for a, b in pairs:
            dx, dy = position[a][0] - position[b][0], position[a][1] - position[b][1]
            distance = max(math.hypot(dx, dy), 0.01)
            force = distance * distance / ideal
            shift[a][0] -= dx / distance * force
            shift[a][1] -= dy / distance * force
            shift[b][0] += dx / distance * force
            shift[b][1] += dy / distance * force
        for node in ids:
            dx, dy = shift[node]
            length = max(math.hypot(dx, dy), 0.01)
            step = min(length, temperature)
            position[node][0] = min(size, max(0.0, position[node][0] + dx / length * step))
            position[node][1] = min(size, max(0.0, position[node][1] + dy / length * step))
        temperature *= 0.97
    return {node: Point(round(position[node][0], 1), round(position[node][1], 1)) for node in ids}


def render_svg(elements: dict[str, list[dict[str, Any]]], title: str) -> str:
    """Return the network as a standalone SVG: nodes sized by degree and filled by kind, edges coloured by stance, negated dashed."""
    nodes, edges = elements["nodes"], elements["edges"]
    positions = layout(nodes, edges)
    margin, size = 150, 1000
    width = size + 2 * margin
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {width + 60}" width="{width}" height="{width + 60}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        "<defs>" + "".join(
            f'<marker id="arrow-{stance}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>' for stance, colour in sorted(STANCE_COLOURS.items())) + "</defs>",
        f'<rect width="{width}" height="{width + 60}" fill="white"/>',
    ]
    radius = {node["id"]: min(30.0, 6 + 3 * math.log2(1 + node["degree"])) for node in nodes}
    for edge in edges:
        a, b = positions[edge["source"]], positions[edge["target"]]
        dx, dy = b.x - a.x, b.y - a.y
        length = max(math.hypot(dx, dy), 0.01)
        end_x = b.x - dx / length * radius[edge["target"]]
        end_y = b.y - dy / length * radius[edge["target"]]
        colour = STANCE_COLOURS.get(edge["stance"], OTHER_COLOUR)
        dash = ' stroke-dasharray="6 4"' if edge["negated"] else ""
        lines.append(
            f'<line x1="{a.x + margin:.1f}" y1="{a.y + margin:.1f}" x2="{end_x + margin:.1f}" y2="{end_y + margin:.1f}" stroke="{colour}" '
            f'stroke-width="1.6" stroke-opacity="0.75"{dash} marker-end="url(#arrow-{edge["stance"] if edge["stance"] in STANCE_COLOURS else "supports"})">'
            f'<title>{escape(edge["label"])}: “{escape(edge["quote"])}”</title></line>')
    for node in nodes:
        point = positions[node["id"]]
        fill = KIND_COLOURS.get(node["kind"], "#eeeeee")
        lines.append(f'<g class="actor" data-iri="{escape(node["id"])}"><circle cx="{point.x + margin:.1f}" cy="{point.y + margin:.1f}" '
                     f'r="{radius[node["id"]]:.1f}" fill="{fill}" stroke="#555"/>'
                     f'<text x="{point.x + margin:.1f}" y="{point.y + margin - radius[node["id"]] - 3:.1f}" font-size="13" text-anchor="middle">'
                     f'{escape(node["label"])}</text></g>')
    legend_y = width + 20
    legend = [(f"{stance}", colour, "") for stance, colour in sorted(STANCE_COLOURS.items())] + [("does not … (negated)", "#555", ' stroke-dasharray="6 4"')]
    for index, (text, colour, dash) in enumerate(legend):
        x = margin + index * 230
        lines.append(f'<line x1="{x}" y1="{legend_y}" x2="{x + 40}" y2="{legend_y}" stroke="{colour}" stroke-width="2"{dash}/>'
                     f'<text x="{x + 48}" y="{legend_y + 5}" font-size="14">{escape(text)}</text>')
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def network_json(elements: dict[str, list[dict[str, Any]]]) -> str:
    """Return the network data as small, deterministic JSON."""
    return json.dumps(elements, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
