"""Builds a release from a seed project: read, map, validate, then publish it atomically."""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from linkeddata.errors import InputError, InputErrors, OperationFailed, SourceLocation
from linkeddata.file_digests import FileDigest, file_digest, file_sha256
from linkeddata.network import layout, network_json_chunks, svg_lines
from linkeddata.pipeline.canonical import CanonicalFiles, CanonicalWriter, graph_texts
from linkeddata.pipeline.citation import citation_files
from linkeddata.pipeline.description import count_dataset, describe_release
from linkeddata.pipeline.dumps import dump_writers, start_worker_server, worker_context, write_dumps
from linkeddata.pipeline.mapping import MappedShard, map_shards, read_mappings, shards
from linkeddata.pipeline.nanopubs import ReleaseStamp, release_iri, release_literal, write_nanopubs
from linkeddata.pipeline.positions import PositionCounter
from linkeddata.pipeline.shacl_compiled import CompiledValidator, Finding
from linkeddata.pipeline.shard_spills import gather_facts, gather_network, spill_network_and_facts
from linkeddata.pipeline.table_rows import ShardTableRows, TableRows, read_table_rows
from linkeddata.pipeline.tables import actor_records, stance_records, write_tables
from linkeddata.pipeline.validation import ShardedValidation, ValidationOutcome, locate_findings
from linkeddata.progress import Progress
from linkeddata.project.seeds import Article, Record, SeedSummary, read_seeds
from linkeddata.project.vocabulary import Vocabulary, read_vocabulary
from linkeddata.release.diff import ReleaseDiff, diff_facts, read_release_facts, release_id, write_diff
from linkeddata.release.files import (
    CHECKSUMS,
    DATA_FILE,
    DESCRIPTION_FILE,
    LINKS_STEM,
    ONTOLOGY_FILE,
    SHAPES_FILE,
    STORE_DIR,
    UNION_FILE,
)
from linkeddata.release.store import finish_release_store, start_release_store
from linkeddata.settings import Settings

BUILD_LOCK = ".build.lock"


@dataclass(frozen=True, slots=True)
class ShardResults:
    """What a build gathers from the shards for the release: the canonical dumps, the position counts and the table rows.

    The network and the facts wait in the staging folder's SHARD_SPILLS_DIR (shard_spills), beside the rows' spills."""

    canonical: CanonicalFiles
    positions: PositionCounter
    table_rows: TableRows


@dataclass(frozen=True, slots=True)
class CheckedProject:
    """A project that passed every check: its vocabulary, seeds and SHACL outcome, and for a build what it gathered."""

    vocabulary: Vocabulary
    seeds: SeedSummary  # the seeds themselves are freed once mapped
    outcome: ValidationOutcome
    results: ShardResults | None  # None for `validate`, which writes nothing


def check_project(settings: Settings, progress: Progress, staging: Path | None = None, *, shard_workers: int = 2) -> CheckedProject:
    """Read, map and validate the project shard by shard; raises InputErrors with every problem found.

    With a `staging` folder (a build) each valid shard's graphs also go to the canonical dumps there, and its
    network rows, facts and rows for the tables and nanopublications are spilled to `staging/SHARD_SPILLS_DIR`
    (shard_spills, table_rows), so that the whole dataset is never held in one store: a million facts would
    take about 12 GiB in Oxigraph's in-memory store. From PARALLEL_MIN_SHARDS shards on, `shard_workers`
    processes map and validate them, and this process gathers their results in shard order (same bytes).
    """
    project = settings.project_dir
    if staging is not None:
        start_worker_server()
    with progress.step("reading ontology and shapes"):
        vocabulary = read_vocabulary(project)
        read_context(project)  # checked here so that `validate` catches a broken context too
    with progress.step("reading seeds"):
        seeds = read_seeds(project, vocabulary)
    with progress.step("mapping, locating quotes and validating with SHACL"), long_lived_heap() as settle:
        summary, actors, groups = SeedSummary.of(seeds), seeds.actors, shards(seeds)
        del seeds  # from here each shard's records are freed once it is mapped: see taken_in_order
        shard_count = len(groups)
        validation = ShardedValidation(vocabulary, single_shard=shard_count == 1)
        errors: list[InputError] = []
        with ExitStack() as cleanup:
            writer, rows_folder = None, None
            if staging is not None:
                scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix=".canonical-", dir=staging)))
                writer = CanonicalWriter(staging / DATA_FILE, staging / UNION_FILE, scratch)
                cleanup.callback(writer.abandon)
                rows_folder = staging / SHARD_SPILLS_DIR
                rows_folder.mkdir()
            positions, table_rows = PositionCounter(), TableRows()
            if shard_count < PARALLEL_MIN_SHARDS or shard_workers < 2:
                mapped = map_shards(actors, vocabulary.ontology_turtle, read_mappings(project), settings.base_iri, taken_in_order(groups))
                outputs: Iterator[ShardOutput] = (read_shard_here(shard, validation, rows_folder, number, settings.base_iri)
                                                  for number, shard in enumerate(mapped))
            else:
                pool = cleanup.enter_context(ProcessPoolExecutor(
                    max_workers=shard_workers, mp_context=worker_context(),
                    initializer=start_shard_worker, initargs=(project, actors, settings.base_iri, rows_folder)))
                outputs = read_shards_in(pool, taken_in_order(groups), ahead=2 * shard_workers)
            for number, output in enumerate(outputs, start=1):
                progress.detail(number, shard_count, "shards")
                errors += output.errors
                if output.errors:
                    continue
                validation.record(output.findings)
                if writer is not None:
                    writer.add_graphs(output.graphs)
                    positions.merge(output.positions)
                    assert output.table_rows is not None
                    table_rows.add(output.table_rows)
                settle()  # what the shard added stays to the end of the build
            outcome = validation.outcome()
            errors += outcome.violations
            if errors:
                raise InputErrors(sorted(set(errors)))
            results = None
            if writer is not None:
                table_rows.check_every_fact_has_a_row()
                # Counts span shards, so their graph is written once every shard has been read.
                writer.add(positions.store(settings.base_iri))
                results = ShardResults(writer.finish(), positions, table_rows)
    return CheckedProject(vocabulary, summary, outcome, results)


def taken_in_order(groups: list[tuple[list[Article], list[Record]]]) -> Iterator[tuple[list[Article], list[Record]]]:
    """Yield the shards' groups in order, each removed from `groups` as it is taken.

    Once a shard is mapped nothing refers to its records any more, so they are freed while the shards' outputs
    pile up, and that memory is reused for them: the seeds took about a gigabyte at a million facts, held to the
    end of mapping, where the build's memory peaks.
    """
    groups.reverse()
    while groups:
        yield groups.pop()


@contextmanager
def long_lived_heap() -> Iterator[Callable[[], None]]:
    """Leave every object that exists now out of the cyclic collector's passes until the block ends; the block may call
    what it is given to do the same again for the objects made since.

    The mapping stage holds the seeds (115 MB of records at 100,000 facts) and gathers every shard's rows, and each
    of the collector's full passes walked them all: 5.8 s of the 100,000-fact build's mapping stage went to 22 of them.
    Objects whose last reference goes are still freed at once; only cycles among the frozen ones wait for the block's end.
    """
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


PARALLEL_MIN_SHARDS = 2
"""From this many shards, worker processes map and validate them (a single shard is validated by pySHACL here)."""


@dataclass(frozen=True, slots=True)
class ShardOutput:
    """What one mapped and validated shard gives the build; made in a worker process, so plain picklable values."""

    errors: list[InputError]  # bad input: the shard gives nothing else
    findings: list[tuple[Finding, SourceLocation]]
    graphs: list[tuple[str, bytes, bytes]]  # canonical.graph_texts
    positions: PositionCounter
    table_rows: ShardTableRows | None  # None for `validate`, which writes nothing; a build also spills the network and facts


def read_shard(shard: MappedShard, findings: list[tuple[Finding, SourceLocation]], rows_folder: Path | None, number: int, base_iri: str) -> ShardOutput:
    """Return what the build keeps of mapped shard `number` whose SHACL findings are `findings`; with a `rows_folder`
    (a build), its table rows too, and its network and facts spilled there."""
    if shard.errors:
        return ShardOutput(shard.errors, [], [], PositionCounter(), None)
    positions = PositionCounter()
    positions.add(shard.store)
    table_rows = None
    if rows_folder is not None:
        table_rows = read_table_rows(shard.store, rows_folder, number, base_iri)
        spill_network_and_facts(shard.store, rows_folder, number)
    return ShardOutput([], findings, graph_texts(shard.store), positions, table_rows)


def read_shard_here(shard: MappedShard, validation: ShardedValidation, rows_folder: Path | None, number: int, base_iri: str) -> ShardOutput:
    """Validate a shard in this process (pySHACL for a lone small shard, whose report is published) and read it."""
    if not shard.errors:
        validation.check(shard.store, shard.origins)  # records the findings itself
    return read_shard(shard, [], rows_folder, number, base_iri)


_SHARD_WORKER: dict[str, Any] = {}
"""A shard worker process's own state, set once by start_shard_worker (never used in the build's own process)."""


def start_shard_worker(project: Path, actors: list[Record], base_iri: str, rows_folder: Path | None) -> None:
    """Prepare a worker process to map and validate shards: the vocabulary, mappings and actors every shard needs."""
    vocabulary = read_vocabulary(project)
    _SHARD_WORKER.update(vocabulary=vocabulary, mappings=read_mappings(project), actors=actors,
                         base_iri=base_iri, validator=CompiledValidator(vocabulary.shapes), rows_folder=rows_folder)


def map_and_read_shard(number: int, group: tuple[list[Article], list[Record]]) -> ShardOutput | list[InputError]:
    """Map, validate and read shard `number` in a worker process; a malformed mapping's errors come back as a list, not
    raised (an exception crosses processes as its message only)."""
    state = _SHARD_WORKER
    try:
        shard = next(map_shards(state["actors"], state["vocabulary"].ontology_turtle, state["mappings"], state["base_iri"], [group]))
    except InputErrors as problem:
        return problem.errors
    findings = [] if shard.errors else locate_findings(state["validator"].validate(shard.store), shard.origins)
    return read_shard(shard, findings, state["rows_folder"], number, state["base_iri"])


def read_shards_in(pool: ProcessPoolExecutor, groups: Iterable[tuple[list[Article], list[Record]]], ahead: int) -> Iterator[ShardOutput]:
    """Yield each shard's output in shard order, keeping at most `ahead` shards in flight (their outputs wait in memory)."""
    pending: deque[Future[ShardOutput | list[InputError]]] = deque()
    for number, group in enumerate(groups):
        pending.append(pool.submit(map_and_read_shard, number, group))
        if len(pending) >= ahead:
            yield _shard_output(pending.popleft().result())
    while pending:
        yield _shard_output(pending.popleft().result())


def _shard_output(result: ShardOutput | list[InputError]) -> ShardOutput:
    if isinstance(result, list):
        raise InputErrors(result)
    return result


def read_context(project: Path) -> dict[str, object]:
    """Return the JSON-LD context document of `ontology/context.jsonld`; raises InputErrors if it is unusable."""
    relative = "ontology/context.jsonld"
    try:
        context = json.loads((project / relative).read_bytes().decode("utf-8"))
    except OSError as error:
        raise InputErrors([InputError(SourceLocation(relative, 0), f"cannot read the JSON-LD context: {error.strerror or error}")]) from None
    except UnicodeDecodeError as error:
        raise InputErrors([InputError(SourceLocation(relative, 0), f"not UTF-8 text ({error.reason})")]) from None
    except json.JSONDecodeError as error:
        raise InputErrors([InputError(SourceLocation(relative, error.lineno), f"malformed JSON: {error.msg}")]) from None
    if not isinstance(context, dict) or not isinstance(context.get("@context"), dict):
        raise InputErrors([InputError(SourceLocation(relative, 1), "expected a JSON object whose \"@context\" is an object (embedded, not a URL)")])
    return context


def _checksums(folder: Path, known: dict[Path, FileDigest] | None = None) -> str:
    """Return SHA256SUMS for a release folder; `known` digests (the dumps', just computed) are not read again."""
    known = known or {}
    lines = []
    published = (p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS and p.relative_to(folder).parts[0] != STORE_DIR)
    for path in sorted(published):
        sha256 = known[path].sha256 if path in known else file_sha256(path)
        lines.append(f"{sha256}  {path.relative_to(folder).as_posix()}\n")
    return "".join(lines)


SHARD_SPILLS_DIR = ".shard-spills"
"""Scratch folder in the staging folder for the shards' table rows, network and facts (table_rows, shard_spills),
removed once the files made from them are written."""


def write_release(checked: CheckedProject, settings: Settings, folder: Path, previous: Path | None = None) -> None:
    """Write every file of a release into `folder`, beside the canonical dumps check_project put there;
    `previous` is the release it replaces, for diff.json/diff.txt."""
    project = settings.project_dir
    context = read_context(project)
    assert checked.results is not None, "a build's check gathers the shards' results"
    results = checked.results
    # The diff is the one history-dependent part of a release (the dumps stay byte-identical for the same seeds).
    # It leaves out the release ids, which would otherwise make every rebuild a new release.
    spills = folder / SHARD_SPILLS_DIR
    difference = diff_facts(read_release_facts(previous) if previous is not None else {}, gather_facts(spills))
    refuse_silent_removals(difference, checked.seeds, previous)
    write_diff(difference, folder)
    del difference  # its added and removed facts: all of ours for a first release
    for name, published in (("linkeddata.ttl", ONTOLOGY_FILE), ("shapes.ttl", SHAPES_FILE)):
        shutil.copyfile(project / "ontology" / name, folder / published)
    # Everything below until the store is loaded runs at once, on both cores: the store's bulk load in a thread
    # (Oxigraph releases the GIL), the network drawing and the dumps in the writer processes, the VoID counts (Python
    # and GNU sort), and the tables and nanopubs.trig from the rows the shards spilled.
    data_digest = results.canonical.nquads_digest
    with (tempfile.TemporaryDirectory(prefix=".counts-", dir=folder) as scratch, ThreadPoolExecutor(max_workers=5) as side,
          dump_writers() as writers):
        stored = side.submit(start_release_store, folder, may_hold_blank_nodes=results.canonical.may_hold_blank_nodes)
        counted = side.submit(count_dataset, results.canonical, Path(scratch))
        tabulated = side.submit(tabulate, results.table_rows, results.positions, checked.seeds, settings.base_iri, folder, data_digest.sha256)
        documented = side.submit(document_ontology, project / "ontology" / "linkeddata.ttl")
        drawn = writers.submit(write_network_files, spills, folder)
        digests = write_dumps(folder, results.canonical, settings.base_iri, context, writers=writers)
        drawn.result()
        (folder / "ontology.html").write_bytes(documented.result())
        extras = tabulated.result()
        shutil.rmtree(spills)
        results.positions.clear()
        counts, store = counted.result(), stored.result()
    (folder / "context.jsonld").write_text(json.dumps(context, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    digests.update(extras)
    (folder / "articles").mkdir()
    for article in checked.seeds.articles:
        shutil.copyfile(project / article.text_path, folder / "articles" / f"{article.id}.txt")
    (folder / "shacl-report.ttl").write_bytes(_sorted_turtle(checked.outcome.report))
    sources = [(article.id, article.title, article.url) for article in checked.seeds.articles]
    description = describe_release(counts, digests[folder / f"{LINKS_STEM}.nt"].lines, sources, digests, settings.base_iri)
    (folder / DESCRIPTION_FILE).write_bytes(_sorted_turtle(description))
    citation_files(checked.seeds, settings.base_iri, digests[folder / DATA_FILE], folder)
    finish_release_store(store, folder, settings.base_iri)
    del store  # closes the database before the release folder is swapped into place
    (folder / CHECKSUMS).write_text(_checksums(folder, digests), encoding="utf-8")


def write_network_files(spills: Path, folder: Path) -> None:
    """Write network.json and network.svg from the network the shards spilled to `spills` (run in a writer process:
    gathering the network takes a gigabyte at a million facts, and the layout is pure Python, seconds at 10,000 facts)."""
    elements = gather_network(spills).elements()
    positions = layout(elements["nodes"], elements["edges"])  # once, for both files: they show the same picture
    with (folder / "network.json").open("w", encoding="utf-8") as out:
        out.writelines(network_json_chunks(elements, positions))
    with (folder / "network.svg").open("w", encoding="utf-8") as out:
        for line in svg_lines(elements, "Who supports, recognizes or condemns whom", positions):
            out.write(line)
            out.write("\n")


def refuse_silent_removals(difference: ReleaseDiff, seeds: SeedSummary, previous: Path | None) -> None:
    """Raise InputErrors for each fact the replaced release published that is gone from an article still in the seeds.

    A fact never silently disappears: curators withdraw it (`withdrawn`, `withdrawal_reason`), and the release keeps it
    as a tombstone. Dropping a whole article (its text taken down) still removes its facts, and diff.txt says so.
    """
    kept_articles = {article.id for article in seeds.articles}
    errors = []
    for fact_id in sorted(difference.removed):
        article_id, _, key = fact_id.removeprefix("fact/").partition("/")
        if article_id in kept_articles:
            errors.append(InputError(SourceLocation(f"seeds/facts/{article_id}.yaml", 0),
                                     f'fact "{key}" was published in the release this build replaces ({previous.name if previous else "?"}) and is gone: '
                                     "keep it with 'withdrawn: YYYY-MM-DD' and 'withdrawal_reason', so the release keeps its tombstone"))
    if errors:
        raise InputErrors(errors)


def tabulate(rows: TableRows, positions: PositionCounter, seeds: SeedSummary, base_iri: str, folder: Path, data_sha256: str) -> dict[Path, FileDigest]:
    """Write the tables and nanopubs.trig from the shards' rows, in fact order, and return their digests.

    The actors' mentions are the one thing the tables take from the seeds: the RDF does not publish them."""
    mentions = {actor.id: [str(mention) for mention in actor.fields.get("mentions", [])] for actor in seeds.actors}
    paths = write_tables(folder, base_iri, (record for _fact, record in rows.fact_records()), actor_records(rows.actors, mentions),
                         stance_records(rows.positions, positions.counts))
    # The release is named by the N-Quads dump's SHA-256 and dated by its newest article: known only now.
    stamp = ReleaseStamp.of(release_iri(base_iri, data_sha256), release_literal(rows.article_dates), base_iri) if rows.spills else None
    nanopubs = write_nanopubs((stamp.block(template) for _fact, template in rows.nanopub_templates()) if stamp else (), folder, base_iri)
    return {path: file_digest(path) for path in [*paths, nanopubs, nanopubs.with_name(nanopubs.name + ".gz")]}


def document_ontology(ontology: Path) -> bytes:
    """Return pyLODE's HTML documentation of the ontology.

    pyLODE orders its embedded JSON-LD by Python's per-process string hashing, so it
    runs in a child process with a fixed hash seed to give the same bytes every build.
    """
    script = "import sys; from pylode import OntPub; sys.stdout.write(OntPub(ontology=sys.argv[1]).make_html())"
    environment = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-c", script, str(ontology)], capture_output=True, env=environment, check=True)
    return result.stdout


def _sorted_turtle(graph: Graph) -> bytes:
    # rdflib's Turtle writer sorts subjects and predicates, so equal graphs give equal bytes.
    return graph.serialize(format="turtle", encoding="utf-8")


def releases_dir(out_dir: Path) -> Path:
    """Return the folder that holds the release folders `out_dir` points at."""
    return out_dir.parent / f"{out_dir.name}.releases"


def swap_into_place(staging: Path, out_dir: Path, keep: int = 5) -> Path:
    """Move a finished staging folder next to the others and point `out_dir` at it in one atomic rename; keep the `keep` newest others."""
    store = releases_dir(out_dir)
    digest = release_id(staging)
    assert digest is not None, "a finished staging folder has its SHA256SUMS"
    final = store / digest
    if final.exists() and _is_intact(final, staging):
        shutil.rmtree(staging)  # an identical release is already there: same seeds, same bytes
        os.utime(final)  # it is the newest release again, so pruning (by modification time) keeps it
    else:
        if final.exists():  # a damaged copy, e.g. left by a build killed while pruning it: never point at it
            trash = store / f".staging-{os.getpid()}-damaged-{digest}"
            final.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
        staging.rename(final)
    link = store / f".link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path(store.name) / digest)
    os.replace(link, out_dir)  # rename(2) is atomic: readers see the old release or the new one
    _prune(store, keep={digest, *_recent(store, keep + 1)})  # the newest is the new release itself
    return final


def _is_intact(release: Path, staging: Path) -> bool:
    expected = (staging / CHECKSUMS).read_text(encoding="utf-8")
    try:
        return (release / CHECKSUMS).read_text(encoding="utf-8") == expected and _checksums(release) == expected
    except OSError:
        return False


def _recent(store: Path, count: int) -> list[str]:
    folders = sorted((p for p in store.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
    return [p.name for p in folders[:count]]


def _prune(store: Path, keep: set[str]) -> None:
    for path in store.iterdir():
        if path.name.startswith(".staging-") and _staging_is_abandoned(path) or path.is_dir() and not path.name.startswith(".") and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _staging_is_abandoned(path: Path) -> bool:
    # A staging folder is named after its build's process id; if that process is gone, the build was killed.
    try:
        pid = int(path.name.split("-")[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except PermissionError:
        return False
    return pid == os.getpid()


def check_out_dir(out_dir: Path) -> list[InputError]:
    """Return an error if `out_dir` exists but is not a release link this tool made."""
    if out_dir.exists() and not out_dir.is_symlink():
        return [InputError(SourceLocation(str(out_dir), 0), "exists and is not a release link made by `linkeddata build`; move it away or pick another --out")]
    return []


@contextmanager
def build_lock(store: Path, out_dir: Path) -> Iterator[None]:
    """Hold the lock that lets one build at a time write releases into `store`; raises OperationFailed naming the
    build that holds it. flock is released by the kernel when its holder exits, even when killed."""
    path = store / BUILD_LOCK
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise OperationFailed(f"another build is writing {out_dir}: {holder} holds {path}; try again when it is done") from None
        try:
            os.ftruncate(descriptor, 0)  # a killed build may have left its name
            os.pwrite(descriptor, f"build {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        except OSError:
            pass  # on a full disk the lock holds all the same; only its holder's name is missing
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)  # emptied, not deleted: a build refused for bad input leaves every byte as it was
    finally:
        os.close(descriptor)


def is_disk_full(error: OSError) -> bool:
    """Return True for a write refused for lack of space (RocksDB reports it in its message, not in errno)."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(error)


def build(settings: Settings, *, show_progress: bool = True) -> tuple[Path, CheckedProject]:
    """Check the project and publish its release at `settings.out_dir`; raises InputErrors on bad input, and
    OperationFailed when another build holds the lock or the disk fills up (the previous release stays whole)."""
    out_dir = settings.out_dir
    errors = check_out_dir(out_dir)
    if errors:
        raise InputErrors(errors)
    progress = Progress("build", 5, enabled=show_progress)
    try:
        store = releases_dir(out_dir)
        store.mkdir(parents=True, exist_ok=True)
        with build_lock(store, out_dir):
            return stage_and_swap(settings, progress, store)
    except OSError as error:
        if not is_disk_full(error):
            raise
        kept = f"{out_dir} still points at the previous release {out_dir.resolve().name}" if out_dir.is_symlink() else "nothing was published"
        raise OperationFailed(f"the disk is full ({error}); the unfinished release was removed and {kept}") from None
    finally:
        progress.close()


def stage_and_swap(settings: Settings, progress: Progress, store: Path) -> tuple[Path, CheckedProject]:
    """Write the release into a staging folder in `store`, then swap it in; a failure removes the staging folder."""
    out_dir = settings.out_dir
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=store))
    staging.chmod(0o755)
    try:
        checked = check_project(settings, progress, staging)
        previous = out_dir.resolve() if out_dir.is_symlink() and out_dir.exists() else None
        with progress.step("writing dumps and description"), long_lived_heap():
            write_release(checked, settings, staging, previous)
        with progress.step("swapping the release into place"):
            final = swap_into_place(staging, out_dir, settings.keep_releases)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final, checked


def validate_project(settings: Settings, *, show_progress: bool = True) -> CheckedProject:
    """Run every check of `build` and write nothing; raises InputErrors on bad input."""
    progress = Progress("validate", 3, enabled=show_progress)
    try:
        return check_project(settings, progress)
    finally:
        progress.close()
