"""`publish --bulk-loader oxigraph`: a release handed to Oxigraph's own bulk loader in a store folder (its server
stopped), replacing the graphs of the previous release; the folder then serves as any Oxigraph store does."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from conftest import BASE, copy_project, drop_newest_article, run_cli


def graph_counts(quads: object) -> dict[str, int]:
    counts: dict[str, int] = {}
    for quad in quads:  # type: ignore[attr-defined]
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        counts[graph] = counts.get(graph, 0) + 1
    return counts


def test_the_oxigraph_bulk_loader_replaces_the_release_graphs_in_a_store_folder(release: Path, tmp_path: Path) -> None:
    location = tmp_path / "store"
    done = run_cli("publish", "--bulk-loader", "oxigraph", "--to", str(location), "--release", str(release))
    assert done.returncode == 0, done.stderr
    expected = graph_counts(ox.parse(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS))
    store = ox.Store.read_only(str(location))
    held = graph_counts(store.quads_for_pattern(None, None, None, None))
    description = held.pop(f"{BASE}dataset")
    ontology = held.pop(f"{BASE}ontology")  # its own graph, as in the embedded store: pages read their type names there
    assert held == expected and description > 0
    assert ontology == len(list(ox.parse(path=str(release / "ontology.ttl"), format=ox.RdfFormat.TURTLE)))
    del store

    project = copy_project(tmp_path / "project")
    dropped = drop_newest_article(project)
    assert run_cli("build", "--project", str(project)).returncode == 0
    again = run_cli("publish", "--bulk-loader", "oxigraph", "--to", str(location), "--release", str(project / "dist"))
    assert again.returncode == 0 and "deleted 1 stale graph(s)" in again.stdout, again.stdout + again.stderr
    store = ox.Store.read_only(str(location))
    held = graph_counts(store.quads_for_pattern(None, None, None, None))
    held.pop(f"{BASE}dataset")
    held.pop(f"{BASE}ontology")
    assert held == graph_counts(ox.parse(path=str(project / "dist" / "alliances.nq"), format=ox.RdfFormat.N_QUADS))
    assert f"{BASE}graph/{dropped}" not in held


def test_the_oxigraph_bulk_loader_says_in_one_line_when_the_store_is_in_use(release: Path, tmp_path: Path) -> None:
    location = tmp_path / "store"
    holder = ox.Store(str(location))  # a running server holds RocksDB's lock like this
    done = run_cli("publish", "--bulk-loader", "oxigraph", "--to", str(location), "--release", str(release))
    del holder
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "is its server running? stop it first" in lines[0], done.stderr
