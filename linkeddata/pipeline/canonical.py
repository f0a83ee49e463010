"""Gathers the published graphs, shard by shard, into the canonical files every dump is written from.

The canonical N-Quads hold the default graph, then each named graph in IRI order, lines sorted within each;
the canonical N-Triples hold the union of the graphs, sorted and distinct. Same seeds, same bytes. Nothing
here grows with the dataset in memory: named graphs are spooled to disk as they come, and GNU sort (bytewise,
spilling to disk) orders the default graph and the union.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from linkeddata.file_digests import FileDigest
from linkeddata.pipeline.mapping import canonical_graphs

SORT_BUFFER = "512M"
"""Memory GNU sort may use before it spills sorted runs to disk: the union of a million facts' graphs is
about 4 GB of N-Triples, and sorting it in Python would hold every line as an object."""
BYTEWISE = {**os.environ, "LC_ALL": "C"}


def sort_command(output: Path | None, scratch: Path, *, unique: bool) -> list[str]:
    """Return the command that sorts lines bytewise (run it with env=BYTEWISE), spilling to `scratch`."""
    command = ["sort", "-S", SORT_BUFFER, "-T", str(scratch)]
    return command + (["-u"] if unique else []) + (["-o", str(output)] if output is not None else [])


def graph_texts(store: ox.Store) -> list[tuple[str, bytes, bytes]]:
    """Return each published graph of a shard's store as (its IRI, "" for the default graph; its N-Triples; its sorted N-Quads)."""
    return [(graph.value if isinstance(graph, ox.NamedNode) else "", triples, quads) for graph, triples, quads in canonical_graphs(store)]


@dataclass(frozen=True, slots=True)
class CanonicalFiles:
    """The canonical N-Quads and N-Triples of a release, and the quads in each graph ("" for the default graph)."""

    nquads: Path
    ntriples: Path
    quads: int
    graph_quads: dict[str, int]
    nquads_digest: FileDigest  # taken as the file was written: it is not read again for it
    may_hold_blank_nodes: bool  # "_:" was written somewhere (a literal holding it counts too)


class CanonicalWriter:
    """Takes the published graphs of one shard store after another; finish() writes the canonical files."""

    def __init__(self, nquads: Path, ntriples: Path, scratch: Path) -> None:
        self.nquads, self.ntriples, self.scratch = nquads, ntriples, scratch
        self.spool = (scratch / "graphs.nq").open("w+b")
        self.chunks: dict[str, list[tuple[int, int]]] = {}
        self.may_hold_blank_nodes = False  # told to the store's loader, which would otherwise read the whole dump again for it
        self.default_graph = scratch / "default.nt"
        self.union = self._sorter(ntriples)
        self.defaults = self._sorter(self.default_graph)

    def _sorter(self, output: Path) -> subprocess.Popen[bytes]:
        # sort's stderr is kept so that its reason (a full disk, most often) reaches the one-line error of the build.
        return subprocess.Popen(sort_command(output, self.scratch, unique=True), stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=BYTEWISE)

    def add(self, store: ox.Store) -> None:
        """Spool the published graphs of one shard's store."""
        self.add_graphs(graph_texts(store))

    def add_graphs(self, graphs: list[tuple[str, bytes, bytes]]) -> None:
        """Spool published graphs as graph_texts gives them (a shard worker process reads its store)."""
        for name, triples, quads in graphs:
            self.may_hold_blank_nodes = self.may_hold_blank_nodes or b"_:" in triples
            _feed(self.union, triples)
            if not name:
                _feed(self.defaults, triples)
            else:
                self.chunks.setdefault(name, []).append((self.spool.tell(), len(quads)))
                self.spool.write(quads)

    def finish(self) -> CanonicalFiles:
        """Write the canonical N-Quads (the union N-Triples are sorted meanwhile) and return what was written."""
        for sorter in (self.defaults, self.union):
            _close(sorter)
        graph_quads = {}
        with self.nquads.open("wb") as raw:
            output = _DigestingWriter(raw)
            with self.default_graph.open("rb") as default_graph:
                while chunk := default_graph.read(1 << 22):
                    output.write(chunk)
            graph_quads[""] = output.lines
            for name in sorted(self.chunks):
                data = self._graph(name)
                output.write(data)
                graph_quads[name] = data.count(b"\n")
        self.spool.close()
        return CanonicalFiles(self.nquads, self.ntriples, sum(graph_quads.values()), graph_quads, output.digest(), self.may_hold_blank_nodes)

    def _graph(self, name: str) -> bytes:
        pieces = []
        for offset, length in self.chunks[name]:
            self.spool.seek(offset)
            pieces.append(self.spool.read(length))
        if len(pieces) == 1:
            return pieces[0]
        # A graph written by several shards (a mapping may write into any graph): merged as a set, sorted.
        return b"".join(line + b"\n" for line in sorted(set(b"".join(pieces).splitlines())))

    def abandon(self) -> None:
        """Stop the sorters and close the spool (the build failed; the caller removes the scratch folder)."""
        for sorter in (self.defaults, self.union):
            if sorter.poll() is None:
                sorter.kill()
                sorter.wait()
        self.spool.close()


class _DigestingWriter:
    """Writes to a binary file and keeps the SHA-256, size and line count of what it wrote, as file_digest would read them."""

    def __init__(self, output: IO[bytes]) -> None:
        self.output, self.sha256, self.size, self.lines = output, hashlib.sha256(), 0, 0

    def write(self, data: bytes) -> None:
        self.output.write(data)
        self.sha256.update(data)
        self.size += len(data)
        self.lines += data.count(b"\n")

    def digest(self) -> FileDigest:
        return FileDigest(self.sha256.hexdigest(), self.size, self.lines)


def _feed(sorter: subprocess.Popen[bytes], data: bytes) -> None:
    stdin: IO[bytes] | None = sorter.stdin
    assert stdin is not None
    try:
        stdin.write(data)
    except BrokenPipeError:
        _close(sorter)  # sort has died (its spill files filled the disk, say): raise what it said
        raise


def _close(sorter: subprocess.Popen[bytes]) -> None:
    assert sorter.stdin is not None and sorter.stderr is not None
    try:
        sorter.stdin.close()
    except BrokenPipeError:
        pass  # sort died with lines still buffered; its own message below says why
    complaint = (sorter.stderr.read().decode("utf-8", "replace").strip().splitlines() or [""])[0]  # its first line says why
    if sorter.wait() != 0:
        raise OSError(f"sort exited with status {sorter.returncode} while ordering the canonical dumps: {complaint}")

