"""Serializes the published dataset into every dump format, deterministically, and proves each re-parses."""

from __future__ import annotations

import gzip
import hashlib
import importlib.machinery
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from json.encoder import encode_basestring as _encode_string  # the C encoder json.dumps(ensure_ascii=False) uses
from multiprocessing import forkserver
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from linkeddata.file_digests import FileDigest, file_digest, stream_digest
from linkeddata.formats import RDF_BY_KEY, RDF_FORMATS, RdfFormat
from linkeddata.namespaces import dataset_prefixes
from linkeddata.pipeline.canonical import BYTEWISE, CanonicalFiles, sort_command
from linkeddata.release.files import DUMP_STEM, LINKS_STEM

SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
WIKIDATA_PREFIX = "http://www.wikidata.org/entity/"


class DumpMismatch(RuntimeError):
    """A written dump does not re-parse to the graph it was written from (our bug, not bad input)."""


class JsonLdCompactor:
    """Writes triples as JSON-LD compacted with one context: its terms for properties, its prefixes for types.

    rdflib's JSON-LD serializer needs an rdflib graph and took 40 s of a 90 s build at 300k quads; this
    writer follows the same context directly, and every dump is re-parsed against its graph before it
    is published (check_reparses), so a compaction mistake cannot reach a release.
    """

    def __init__(self, context: dict[str, object]) -> None:
        definitions = dict(context["@context"])  # type: ignore[call-overload]
        self.prefixes = {name: value for name, value in definitions.items()
                         if isinstance(value, str) and not name.startswith("@") and value.endswith(("/", "#"))}
        self.id_key = next((name for name, value in definitions.items() if value == "@id"), "@id")
        self.type_key = next((name for name, value in definitions.items() if value == "@type"), "@type")
        self.terms: dict[str, tuple[str, str | None]] = {}
        self.compacted: dict[str, str] = {}  # types and datatypes repeat on every node: each IRI is compacted once
        self.forms: dict[tuple[str, object], tuple[str, int, str | None]] = {}
        for name, value in definitions.items():
            if isinstance(value, dict) and "@id" in value and "@container" not in value:
                self.terms[self.expand(value["@id"])] = (name, value.get("@type"))

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        return self.prefixes[prefix] + local if prefix in self.prefixes and not local.startswith("//") else value

    def compact(self, iri: str) -> str:
        """Return `prefix:local` for an IRI under a declared prefix (the longest), else the IRI."""
        known = self.compacted.get(iri)
        if known is None:
            known = self.compacted[iri] = self._compact(iri)
        return known

    def _compact(self, iri: str) -> str:
        best = max((ns for ns in self.prefixes.values() if iri.startswith(ns) and len(iri) > len(ns)), key=len, default=None)
        if best is None:
            return iri
        name = next(n for n, ns in sorted(self.prefixes.items()) if ns == best)
        return f"{name}:{iri[len(best):]}"

    def value(self, term: ox.NamedNode | ox.Literal | ox.BlankNode, coercion: str | None) -> object:
        if isinstance(term, ox.NamedNode):
            return term.value if coercion == "@id" else {self.id_key: term.value}
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}" if coercion == "@id" else {self.id_key: f"_:{term.value}"}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        datatype = term.datatype.value
        if coercion is not None and coercion != "@id" and self.expand(coercion) == datatype:
            return term.value
        if datatype == XSD_STRING:
            return term.value
        return {self.type_key: self.compact(datatype), "@value": term.value}  # @type first: the Streaming profile

    def fits(self, term: ox.NamedNode | ox.Literal | ox.BlankNode, coercion: str | None) -> bool:
        """Return whether a value can be written under a term with this @type coercion."""
        if coercion == "@id":
            return isinstance(term, (ox.NamedNode, ox.BlankNode))
        if coercion is not None:
            return isinstance(term, ox.Literal) and not term.language and self.expand(coercion) == term.datatype.value
        return True

    def key_and_value(self, predicate: str, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> tuple[str, object]:
        """Return the key (a term, else a compact IRI) and the compacted value of one property value."""
        name, coercion = self.terms.get(predicate, (None, None))
        if name is not None and self.fits(term, coercion):
            return name, self.value(term, coercion)
        return self.compact(predicate), self.value(term, None)

    def node(self, subject: str, triples: list[ox.Triple]) -> dict[str, object]:
        """Return one compacted node object from all triples of its subject."""
        properties: dict[str, list[object]] = {}
        for triple in triples:
            predicate, term = triple.predicate.value, triple.object
            if predicate == RDF_TYPE and isinstance(term, ox.NamedNode):
                key, value = self.type_key, self.compact(term.value)
            else:
                key, value = self.compact_value(predicate, term)
            if key in properties:
                properties[key].append(value)
            else:
                properties[key] = [value]
        # Types first, then the id: the order the JSON-LD 1.1 Streaming profile asks for.
        body: dict[str, object] = {}
        if self.type_key in properties:
            body[self.type_key] = _listed(properties.pop(self.type_key))
        body[self.id_key] = subject
        for key in sorted(properties):
            body[key] = _listed(properties[key])
        return body

    def compact_value(self, predicate: str, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> tuple[str, object]:
        """Return what key_and_value returns, deciding the key and the value's form once per predicate and kind of term.

        The decision depends on the predicate, the term's kind and, for a literal, its datatype and language, of
        which a dataset has a few hundred combinations, against hundreds of thousands of triples."""
        if isinstance(term, ox.Literal):
            language = term.language
            kind = (predicate, language) if language else (predicate, term.datatype.value)
        else:
            kind = (predicate, type(term))
        form = self.forms.get(kind)
        if form is None:
            form = self.forms[kind] = self._form(predicate, term)
        key, shape, extra = form
        text = term.value
        if shape == _PLAIN:
            return key, text
        if shape == _BLANK:
            return key, f"_:{text}"
        if shape == _ID:
            return key, {self.id_key: text}
        if shape == _BLANK_ID:
            return key, {self.id_key: f"_:{text}"}
        if shape == _LANGUAGE:
            return key, {"@value": text, "@language": extra}
        return key, {self.type_key: extra, "@value": text}

    def _form(self, predicate: str, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> tuple[str, int, str | None]:
        """Return (key, shape, language or compact datatype) for every value like `term` under `predicate`, as key_and_value writes it."""
        key, value = self.key_and_value(predicate, term)
        if isinstance(value, str):
            return key, (_BLANK if isinstance(term, ox.BlankNode) else _PLAIN), None
        assert isinstance(value, dict)
        if self.id_key in value and len(value) == 1:
            return key, (_BLANK_ID if isinstance(term, ox.BlankNode) else _ID), None
        if "@language" in value:
            return key, _LANGUAGE, str(value["@language"])
        return key, _TYPED, str(value[self.type_key])

    def nodes(self, triples: Iterable[ox.Triple]) -> Iterator[dict[str, object]]:
        """Yield a node object per subject; `triples` must come grouped by subject (sorted N-Triples are)."""
        for subject, group in groupby(triples, key=attrgetter("subject")):
            name = subject.value if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
            yield self.node(name, list(group))


_PLAIN, _BLANK, _ID, _BLANK_ID, _LANGUAGE, _TYPED = range(6)
"""The shapes a compacted value takes: its text, "_:" and its text, {id: text}, {id: "_:" text}, {@value, @language},
{type: datatype, @value}."""


def _listed(values: list[object]) -> object:
    return values[0] if len(values) == 1 else sorted(values, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))


def _indented(value: object, newline: str) -> str:
    """Return `value` as json.dumps(value, indent=1, ensure_ascii=False) writes it, with `newline` (a line break and
    the indentation it stands at) for its line breaks.

    json.dumps falls back to its pure-Python encoder whenever it indents, which made JSON-LD the slowest
    dump; node objects are only strings, lists and objects, so this writes them with the C string encoder.
    """
    if isinstance(value, str):
        return _encode_string(value)
    inner = newline + " "
    # Most values are strings: they are encoded here, not in a call of their own.
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ",".join(f"{inner}{_encode_string(key)}: {_encode_string(item) if type(item) is str else _indented(item, inner)}"
                              for key, item in value.items()) + newline + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ",".join(inner + (_encode_string(item) if type(item) is str else _indented(item, inner)) for item in value) + newline + "]"
    return json.dumps(value)


def write_jsonld(triples: Iterable[ox.Triple], context: dict[str, object], output: BinaryIO) -> None:
    """Write the triples, grouped by subject, as JSON-LD compacted with `context`, embedded so it parses offline.

    Written node by node, never as one document tree; the bytes are those json.dumps(document, indent=1)
    would give. Each node lists its types first and its id second, as the JSON-LD 1.1 Streaming profile
    asks, so consumers (and our own re-parse check) can read a dump of any size without buffering it.
    """
    compactor = JsonLdCompactor(context)
    head = json.dumps({"@context": context["@context"]}, indent=1, ensure_ascii=False)[:-2]  # without the closing "\n}"
    output.write((head + ',\n "@graph": [').encode("utf-8"))
    first = True
    for node in compactor.nodes(triples):
        text = _indented(node, "\n  ")
        output.write((("\n" if first else ",\n") + "  " + text).encode("utf-8"))
        first = False
    output.write(b"\n ]\n}\n" if not first else b"]\n}\n")


def sort_prefix_lines(path: Path) -> None:
    """Sort the leading @prefix lines of a Turtle/TriG file in place (Oxigraph writes them in hash order).

    The sorted lines are a permutation of the same lines, so they take the same bytes and the rest of
    the file (gigabytes at a million facts) is never rewritten.
    """
    with path.open("r+b") as handle:
        head = handle.read(1 << 16)
        lines = head.split(b"\n")[:-1]  # whole lines only: the last piece is empty or cut off
        count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
        handle.seek(0)
        handle.write(b"\n".join(sorted(lines[:count])))


@dataclass(slots=True)
class CanonicalDump:
    """A canonical N-Quads or N-Triples file that the other formats are written from and must re-parse to."""

    path: Path
    holds_quads: bool
    sha256: str
    lines: int
    sorted_sha256: str | None = None  # computed on first need: only JSON-LD and a failing check ask for it

    @classmethod
    def of(cls, path: Path, holds_quads: bool, *, lines_sorted: bool = False, digest: FileDigest | None = None) -> CanonicalDump:
        """Digest a canonical file (unless its `digest` is known); one whose lines are known to be sorted bytewise
        (`lines_sorted`) is its own sorted form."""
        digest = digest or file_digest(path)
        return cls(path, holds_quads, digest.sha256, digest.lines, digest.sha256 if lines_sorted else None)

    def digest_sorted(self, scratch: Path) -> str:
        if self.sorted_sha256 is None:
            self.sorted_sha256 = sorted_digest(self.path, scratch).sha256
        return self.sorted_sha256


def sorted_digest(path: Path, scratch: Path) -> FileDigest:
    """Return the digest of a file's lines sorted bytewise (by GNU sort, which spills to disk)."""
    with subprocess.Popen([*sort_command(None, scratch, unique=False), str(path)], stdout=subprocess.PIPE, env=BYTEWISE) as sorter:
        assert sorter.stdout is not None
        digest = stream_digest(sorter.stdout)
    if sorter.returncode != 0:
        raise OSError(f"sort exited with status {sorter.returncode} on {path.name}")
    return digest


def write_dump(fmt: RdfFormat, canonical: CanonicalDump, path: Path, base_iri: str, context: dict[str, object]) -> None:
    """Write one dump from its canonical file (dataset formats from N-Quads, the others from N-Triples), streaming."""
    statements = ox.parse(path=str(canonical.path), format=ox.RdfFormat.N_QUADS if canonical.holds_quads else ox.RdfFormat.N_TRIPLES)
    if fmt.key == "jsonld":
        with path.open("wb", buffering=1 << 20) as output:
            write_jsonld(statements, context, output)  # type: ignore[arg-type]
    elif fmt.key in ("turtle", "trig"):
        ox.serialize(statements, output=str(path), format=fmt.oxigraph, prefixes=dataset_prefixes(base_iri))
        sort_prefix_lines(path)
    elif fmt.key == "rdfxml":
        ox.serialize(statements, output=str(path), format=fmt.oxigraph, prefixes=dict(sorted(dataset_prefixes(base_iri).items())))
    else:
        ox.serialize(statements, output=str(path), format=fmt.oxigraph)


def _statements(data: bytes, rdflib_format: str) -> set[tuple[object, ...]]:
    dataset = Dataset()
    dataset.parse(data=data, format=rdflib_format)
    return {(s, p, o, None if g is None or g == DATASET_DEFAULT_GRAPH_ID else g) for s, p, o, g in dataset.quads()}


INDEPENDENT_REPARSE_MAX_QUADS = 20_000
"""Up to this size dumps are also re-parsed with rdflib, a parser independent of the writer; above it
rdflib's Dataset takes minutes, and Oxigraph's parse of the written bytes is the check."""


def check_reparses(fmt: RdfFormat, path: Path, canonical: CanonicalDump, scratch: Path) -> None:
    """Parse a written dump back and raise DumpMismatch unless it holds exactly the statements of its canonical file.

    The parse is re-serialized to N-Quads/N-Triples on disk; the formats that keep statement order give
    the canonical bytes back, JSON-LD (whose nodes list properties by name) is compared sorted.
    """
    reparsed = scratch / f"reparsed-{path.name}"
    parse_format = ox.RdfFormat.STREAMING_JSON_LD if fmt.key == "jsonld" else fmt.oxigraph
    line_format = ox.RdfFormat.N_QUADS if canonical.holds_quads else ox.RdfFormat.N_TRIPLES
    try:
        if fmt.key != "jsonld":  # the formats that keep statement order are hashed as they are re-serialized, never stored
            sink = _DigestSink()
            ox.serialize(ox.parse(path=str(path), format=parse_format), output=sink, format=line_format)
            if sink.hexdigest() == canonical.sha256:
                return _check_independently(fmt, path, canonical)
        ox.serialize(ox.parse(path=str(path), format=parse_format), output=str(reparsed), format=line_format)
        written = sorted_digest(reparsed, scratch)
        if written.sha256 != canonical.digest_sorted(scratch):
            raise DumpMismatch(f"{fmt.key} dump re-parses to {written.lines} statements that differ from the {canonical.lines} written")
    finally:
        reparsed.unlink(missing_ok=True)
    _check_independently(fmt, path, canonical)


class _DigestSink:
    """A write-only file object that keeps the SHA-256 of what is written to it."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered (Oxigraph flushes its output when done)."""

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _check_independently(fmt: RdfFormat, path: Path, canonical: CanonicalDump) -> None:
    """Raise DumpMismatch unless rdflib, a parser independent of the writer, reads a small dump as its canonical file."""
    if canonical.lines <= INDEPENDENT_REPARSE_MAX_QUADS:
        expected, parsed = _statements(canonical.path.read_bytes(), "nquads"), _statements(path.read_bytes(), fmt.rdflib)
        if parsed != expected:
            raise DumpMismatch(f"{fmt.key} dump re-parses with rdflib to {len(parsed)} statements, "
                               f"{len(parsed ^ expected)} differing from the {len(expected)} written")


WIKIDATA_LINK = f"<{SAME_AS}> <{WIKIDATA_PREFIX}".encode()


def write_wikidata_links(ntriples: Path, links: Path) -> None:
    """Write the owl:sameAs links to Wikidata entities among sorted N-Triples, as their own small dataset.

    A few hundred lines among hundreds of thousands: they are found by searching large pieces of the file, not
    by looking at every line in Python (0.16 s -> 0.06 s of the build's own process at 10,000 facts)."""
    with ntriples.open("rb") as source, links.open("wb") as output:
        while piece := source.read(1 << 22) + source.readline():  # whole lines only
            found = piece.find(WIKIDATA_LINK)
            while found != -1:
                start = piece.rfind(b"\n", 0, found) + 1
                end = piece.find(b"\n", found) + 1 or len(piece)
                output.write(piece[start:end])
                found = piece.find(WIKIDATA_LINK, end)


PARALLEL_MIN_QUADS = 100_000
"""From this size the dumps are written by two processes (each format's writing, re-parse check and gzip
is independent of the others); below it starting them costs more than it saves."""

GZIP_LEVEL = 3
"""zlib level of the .gz dumps. Measured on the 10,000-fact N-Quads (88 MB): level 3 takes 0.35 s for 4.3 MB,
level 6 (gzip's default) 0.78 s for 3.3 MB, level 9 three times level 6; level 1 is no faster than 3 and larger."""


def write_dumps(folder: Path, canonical: CanonicalFiles, base_iri: str, context: dict[str, object], *,
                writers: Executor | None = None, parallel_from: int = PARALLEL_MIN_QUADS) -> dict[Path, FileDigest]:
    """Write every dump (plain and gzip) of the dataset and of its Wikidata links into `folder`; return their digests by path.

    Every file is streamed from the canonical N-Quads and N-Triples (already in `folder`), so memory does
    not grow with the dataset; the triple-only formats publish the union of the graphs. The formats are
    written by `writers` when given (a process pool the caller shares with its other work), else by two
    processes of their own from `parallel_from` quads, else here one after another. Each writer also
    digests its files (gigabytes at a million facts), so that they are read on every core, once.
    """
    with tempfile.TemporaryDirectory(prefix=".dumps-", dir=folder) as scratch_name:
        scratch = Path(scratch_name)
        links = folder / f"{LINKS_STEM}.nt"
        write_wikidata_links(canonical.ntriples, links)
        jobs = []
        for stem, formats, canonicals in ((DUMP_STEM, RDF_FORMATS, (canonical.nquads, canonical.ntriples)),
                                          (LINKS_STEM, [f for f in RDF_FORMATS if f.key in ("ntriples", "turtle")], (links, links))):
            # The N-Triples (the union, and the links taken from it line by line) are sorted bytewise already, so
            # JSON-LD's check does not sort them again (64 MB at 10,000 facts) to compare its own sorted statements.
            known = canonical.nquads_digest if canonicals[0] == canonical.nquads else None
            sources = {True: CanonicalDump.of(canonicals[0], True, digest=known), False: CanonicalDump.of(canonicals[1], False, lines_sorted=True)}
            jobs += [(fmt.key, sources[fmt.holds_quads], folder / f"{stem}{fmt.suffix}") for fmt in formats]
        # A canonical file is not re-parsed against itself when another format is written from it: that format's
        # check proves it too (the writer parsed it whole, and the re-parse gives back its exact bytes).
        derived_from = {source.path for _key, source, path in jobs if path != source.path}
        tasks = [(key, source, path, base_iri, context, scratch, path != source.path or source.path not in derived_from)
                 for key, source, path in jobs]
        tasks.sort(key=lambda task: -task[1].lines * (2 if task[0] == "jsonld" else 1))  # the longest first: the workers finish together
        digests: dict[Path, FileDigest] = {}
        if writers is not None:
            for done in [writers.submit(write_format, *task) for task in tasks]:
                digests.update(done.result())
        elif tasks[0][1].lines < parallel_from:
            for task in tasks:
                digests.update(write_format(*task))
        else:
            with dump_writers() as own:
                for done in [own.submit(write_format, *task) for task in tasks]:
                    digests.update(done.result())
    return dict(sorted(digests.items()))


def dump_writers() -> ProcessPoolExecutor:
    """Return a pool of two fresh processes for the dumps (started by a fork server, not forked from the build, which holds the seeds)."""
    return ProcessPoolExecutor(max_workers=2, mp_context=worker_context())


def worker_context() -> multiprocessing.context.ForkServerContext:
    """Return the context the build starts its worker processes in: forked by a fork server that imported the pipeline.

    The fork server is a fresh interpreter, so its children inherit nothing of the build (which holds the seeds);
    it imports the pipeline once, and each shard worker and dump writer forked from it starts with it imported
    instead of importing it again (rdflib, pyoxigraph, pyarrow: about 1 s of CPU each, four workers a build).
    Only a fork server started after this call preloads; one already running (an earlier build in this process)
    serves as it is.
    """
    context = multiprocessing.get_context("forkserver")
    if _fork_server_finds_this_package():
        context.set_forkserver_preload(["linkeddata.pipeline.build"])
    return context


def start_worker_server() -> None:
    """Start the fork server now, so that its imports run on the other core while the caller does its own work (a
    build reads its seeds), instead of before its first worker; a build starts workers at any size (dump_writers)."""
    worker_context()
    forkserver.ensure_running()


def _fork_server_finds_this_package() -> bool:
    # The fork server (Python 3.11) imports its preloads before it takes the build's sys.path: from the working
    # directory, then the paths every interpreter shares. Preloading another checkout's linkeddata (a build started
    # by the console script inside some other worktree) would run that code in the workers, so it is not preloaded then.
    # The search walks the import system's finders in their order, as the fork server's import will: an editable
    # install is found by a finder of its own after the path-based one, which alone found nothing there.
    # Under -P (passed on to the fork server) no interpreter puts its working directory or script folder first.
    paths = list(sys.path) if sys.flags.safe_path else [os.getcwd(), *sys.path[1:]]
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec("linkeddata", paths if finder is importlib.machinery.PathFinder else None)
        if spec is not None:
            return spec.origin == sys.modules["linkeddata"].__spec__.origin
    return False


def write_format(key: str, canonical: CanonicalDump, path: Path, base_iri: str, context: dict[str, object], scratch: Path,
                 check: bool = True) -> dict[Path, FileDigest]:
    """Write one dump from its canonical file (unless it is that file), check that it re-parses (if `check`), then gzip it;
    return the digests of the dump and of its .gz."""
    fmt = RDF_BY_KEY[key]
    if path != canonical.path:
        write_dump(fmt, canonical, path, base_iri, context)
    if check:
        check_reparses(fmt, path, canonical, scratch)
    gzipped = path.with_name(path.name + ".gz")
    write_gzip(path, gzipped)
    plain = FileDigest(canonical.sha256, path.stat().st_size, canonical.lines) if path == canonical.path else file_digest(path)
    return {path: plain, gzipped: file_digest(gzipped)}


def write_gzip(source: Path, target: Path) -> None:
    """Compress a file with no file name and no time stamp in its header, so the output is reproducible."""
    with source.open("rb") as plain, target.open("wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=GZIP_LEVEL) as compressed:
        while chunk := plain.read(1 << 22):
            compressed.write(chunk)
