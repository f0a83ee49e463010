"""Each shard's network rows and facts, written to scratch files by the process that mapped the shard and read back
in the writing stage, so that the build's own process never holds them all through the mapping stage.

Held there as Python objects they were most of that process's memory at the end of mapping, where a build's
memory peaks (3.7 GB at a million facts, beside GNU sort's buffers). The network is gathered again by the writer
process that draws it; the facts once more, for diff.json only, after the canonical sorts have ended.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from linkeddata.network import NetworkCollector, network_query
from linkeddata.release.diff import Fact, facts_in_store

NETWORK, FACTS = "network-{:06d}.json", "facts-{:06d}.diff"
"""A shard's files: the network query's answer as SPARQL JSON, and its facts as diff_facts compares them (a pickle)."""


def spill_network_and_facts(store: ox.Store, folder: Path, shard_number: int) -> None:
    """Write the network rows and facts of a mapped shard's store (published graphs plus the ontology) to `folder`."""
    answer = store.query(network_query(), use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    (folder / NETWORK.format(shard_number)).write_bytes(answer)
    with (folder / FACTS.format(shard_number)).open("wb") as out:
        pickle.dump(facts_in_store(store), out, protocol=pickle.HIGHEST_PROTOCOL)


def gather_network(folder: Path) -> NetworkCollector:
    """Return the network of every shard spilled to `folder`, gathered in shard order (the first row of an edge wins)."""
    network = NetworkCollector()
    for path in _in_shard_order(folder, NETWORK):
        network.add(json.loads(path.read_bytes())["results"]["bindings"])
    return network


def gather_facts(folder: Path) -> dict[str, Fact]:
    """Return the facts of every shard spilled to `folder`, by id."""
    facts: dict[str, Fact] = {}
    for path in _in_shard_order(folder, FACTS):
        with path.open("rb") as spilled:
            facts.update(pickle.load(spilled))  # our own scratch file, written by this build
    return facts


def _in_shard_order(folder: Path, pattern: str) -> Iterator[Path]:
    prefix, _, suffix = pattern.partition("{:06d}")
    found = ((int(path.name[len(prefix):-len(suffix)]), path) for path in folder.glob(f"{prefix}*{suffix}"))
    return (path for _number, path in sorted(found))
