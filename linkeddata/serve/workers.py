"""Runs queries in worker processes that can be killed: a time limit that really stops the CPU, and crash isolation.

A Python thread cannot be cancelled and Oxigraph has no query timeout, so queries run in forked workers
holding the store (inherited copy-on-write; the in-memory store's pages a worker reads become its own, as
the engine writes reference counts while reading). A worker runs up to `queries_per_worker` queries at once,
each on a thread of its own: the engine releases the GIL while it evaluates, and threads share one copy of
the pages they read, where a process per query copied them again and again and spread them over the CPU's cache.

A query that overruns its time limit gets its worker killed, and the other queries that worker held are sent
again to another worker, within their own time limits: they did nothing wrong and a read can be repeated.
A worker that dies of itself (a stack overflow deep in the engine, an allocation past the memory cap) cannot
say which of its queries did it, so each of them runs again alone in a worker: the culprit then dies alone and
is told so, and the others get their answers. Memory works the same way: the cap bounds a worker's queries
together, and a query refused for memory while it shared a worker is tried again alone, with the whole cap.

The pool grows up to `max_workers` processes while every slot is taken, so a few runaway queries cannot starve
the others, and the workers beyond the warm ones stop after a minute without a query.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from linkeddata.serve.engine import QueryAnswer, QueryFailed, QueryRejected, QueryRequest, evaluate
from linkeddata.serve.sandbox import SandboxUnavailable, forbid_network

log = logging.getLogger("linkeddata.pool")
_FORK = multiprocessing.get_context("fork")


class QueryTimeout(QueryFailed):
    """The query ran past its time limit (its worker was killed), or no worker came free before it."""


class WorkerDied(QueryFailed):
    """The worker stopped before answering (killed from outside, crashed inside the engine, or out of memory)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class EngineError(QueryFailed):
    """The engine refused or failed the query; `kind` is 'syntax' or 'engine'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def resident_memory_mb() -> float:
    """Return this process's resident memory (VmRSS), in MiB: one cheap read."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class MemoryWatch:
    """Tells a worker when it keeps more than `limit_mb` of memory it allocated itself, from VmRSS growth since it started.

    A forked worker's VmRSS starts at its parent's (the inherited store's pages are mapped into it) and a
    page copied on write replaces a shared one without adding to it, so growth is what the worker's own
    allocations hold. The previous measure, private memory from smaps_rollup, made the kernel walk every
    page: 7-14 ms a query with the 100,000-fact store, a tenth of the CPU under benchmarks/endpoint.py.
    It also counted the store pages the engine copies on write as it reads (it writes reference counts):
    322 MiB a worker after one pass of the mix at 100,000 facts against 15 MiB of VmRSS growth. Above
    about 512 MiB of store, every worker would have retired again and again for pages its successor copies too.
    """

    def __init__(self, limit_mb: float) -> None:
        self.limit_mb = limit_mb
        self.resident_at_start = resident_memory_mb()

    def over_limit(self) -> bool:
        """Return True when the worker should retire; call once after each query."""
        return resident_memory_mb() - self.resident_at_start > self.limit_mb


def virtual_memory_bytes() -> int:
    """Return this process's address-space size (VmSize), which RLIMIT_AS bounds."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def cap_address_space(extra_mb: float) -> None:
    """Let this process grow by at most `extra_mb` MiB of address space beyond what it maps now (the shared store included).

    A query whose intermediate results outgrow it fails an allocation: Python raises MemoryError,
    the engine aborts the worker; either way one worker, not the server, pays for it.
    """
    if extra_mb <= 0:
        return
    limit = virtual_memory_bytes() + int(extra_mb * 1024 * 1024)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _thread_stack_bytes() -> int:
    """Return the stack size the main thread may grow to (RLIMIT_STACK), 8 MiB when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return soft if soft != resource.RLIM_INFINITY else 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _WorkerConfig:
    open_store: Callable[[], ox.Store]
    memory_limit_mb: float
    network: bool
    query_memory_mb: float
    slots: int


def _worker_main(config: _WorkerConfig, connection: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Queries run on threads of their own, never on the worker's main thread: glibc gives a new thread a malloc
    # arena of its own, where the main thread would allocate from the heap the parent filled and fragmented
    # while loading the store (long free lists, and inherited pages copied on write). Measured in a forked
    # worker over the standard mix at 100,000 facts, alternating: 8-9 % less CPU per query on a thread.
    # Their stacks are as large as the main thread's, which the guard's nesting limits were measured on.
    threading.stack_size(_thread_stack_bytes())
    runner = threading.Thread(target=_answer_queries, args=(config, connection), name="linkeddata-dispatch")
    runner.start()
    runner.join()


def _start_query_threads(runners: ThreadPoolExecutor, slots: int) -> None:
    """Start every query thread now, each with its stack and malloc arena, so they count in the address space measured before the cap."""
    arrived = threading.Barrier(slots)

    def touch() -> None:
        bytearray(4096)  # above pymalloc's limit: a malloc, which binds this thread to an arena of its own
        arrived.wait()

    for started in [runners.submit(touch) for _ in range(slots)]:
        started.result()


def _answer_queries(config: _WorkerConfig, connection: Connection) -> None:
    store = config.open_store()
    runners = ThreadPoolExecutor(config.slots, thread_name_prefix="linkeddata-query")
    _start_query_threads(runners, config.slots)
    cap_address_space(config.query_memory_mb)
    if not config.network:
        try:
            forbid_network()  # TSYNC: every thread of the worker is covered, those waiting included
        except SandboxUnavailable as why:
            log.warning("query workers keep their network (the query guard alone stops SERVICE): %s", why)
    memory = MemoryWatch(config.memory_limit_mb)
    replies = threading.Lock()

    def answer(ticket: int, request: QueryRequest) -> None:
        try:
            reply = _evaluate_reply(store, request, config.query_memory_mb)
        except BaseException:
            # Nothing expected gets here; a worker in an unknown state ends, as a single-threaded one would have,
            # and the pool sends its queries again, each alone.
            log.exception("query worker failed")
            os._exit(70)
        # A worker keeps what its largest queries made the allocator hold; past the limit it retires.
        retire = memory.over_limit()
        with replies:
            connection.send((ticket, *reply, retire))

    while True:
        try:
            ticket, request = connection.recv()
        except (EOFError, OSError):
            return
        runners.submit(answer, ticket, request)


def _evaluate_reply(store: ox.Store, request: QueryRequest, query_memory_mb: float) -> tuple[str, Any]:
    try:
        return "ok", evaluate(store, request)
    except QueryRejected as rejected:
        return "rejected", (rejected.reason, rejected.message)
    except SyntaxError as error:
        return "syntax", str(error)
    except PermissionError:
        # Only the sandbox denies anything in a worker: the engine tried to open a network connection.
        return "network", "the query tried to reach the network"
    except MemoryError:
        return "memory", f"the query needed more than the {query_memory_mb:g} MiB of memory a query may use"
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        return "engine", str(error)


@dataclass(slots=True, eq=False)
class _Ticket:
    """One query sent to a worker: the worker's reply, or how the worker ended while it held the query."""

    request: QueryRequest
    done: threading.Event = field(default_factory=threading.Event)
    outcome: tuple[str, Any] = ("", None)  # (status, payload); "resend" or "died" when the worker ended first
    shared: bool = False  # another query was in the same worker at some point while this one ran


@dataclass(slots=True, eq=False)
class _Worker:
    process: Any
    connection: Connection
    pending: dict[int, _Ticket] = field(default_factory=dict)
    sending: threading.Lock = field(default_factory=threading.Lock)
    idle_since: float = 0.0
    retiring: bool = False  # takes no new query; stopped once its last one is answered
    alone: bool = False  # runs one query that must not share it
    stopping: bool = False  # the pool killed it on purpose (a time limit, retirement, shutdown)


class QueryPool:
    """A pool of query worker processes, used from the event loop with `await pool.run(request, timeout_s)`.

    With `network=False` every worker runs without network access (see sandbox.py).
    """

    def __init__(self, open_store: Callable[[], ox.Store], min_workers: int, max_workers: int, memory_limit_mb: float = 512,
                 *, network: bool = False, query_memory_mb: float = 0, idle_retire_s: float = 60.0, queries_per_worker: int = 1) -> None:
        self._config = _WorkerConfig(open_store, memory_limit_mb, network, query_memory_mb, max(1, queries_per_worker))
        self._slots = self._config.slots
        self._min = max(1, min_workers)
        self._max = max(self._min, max_workers)
        # Threads only wait (for a slot, then for the answer); enough of them that a query never waits for a thread,
        # so its deadline is the only thing that bounds how long it waits.
        self._waiters = ThreadPoolExecutor(max_workers=max(64, 8 * self._max * self._slots), thread_name_prefix="linkeddata-query-wait")
        # Waiting threads queue on conditions (first come, first woken) and each freed slot wakes one of them: with
        # hundreds of clients waiting, waking them all on every answer cost the server's one core more than the answers.
        self._lock = threading.Lock()
        self._slot_free = threading.Condition(self._lock)
        self._worker_empty = threading.Condition(self._lock)  # for a query that must run alone
        self._workers: list[_Worker] = []
        self._starting = 0
        self._tickets = itertools.count()
        self.started = time.monotonic()
        self.queries_run = 0
        self.workers_replaced = 0
        for _ in range(self._min):
            self._workers.append(self._spawn())
        # Each worker ends up with a private copy of the in-memory store's pages it reads (the engine writes reference
        # counts as it goes: about 330 MiB a worker at 100,000 facts), so workers beyond the warm ones stop once idle a while.
        self._idle_retire_s = idle_retire_s
        self._closed = threading.Event()
        threading.Thread(target=self._retire_idle_workers, name="linkeddata-query-reaper", daemon=True).start()

    def _spawn(self) -> _Worker:
        parent_end, child_end = _FORK.Pipe()
        process = _FORK.Process(target=_worker_main, args=(self._config, child_end), daemon=True, name="linkeddata-query")
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end, idle_since=time.monotonic())
        threading.Thread(target=self._read_replies, args=(worker,), name="linkeddata-query-replies", daemon=True).start()
        return worker

    def _read_replies(self, worker: _Worker) -> None:
        """Hand each reply of `worker` to its ticket; when the worker ends, settle every ticket it still held."""
        while True:
            try:
                ticket_id, status, payload, retire = worker.connection.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                worker.retiring |= retire or status == "memory"
                ticket = self._forget(worker, ticket_id)
                finished = worker.retiring and not worker.pending
            if ticket is not None:
                ticket.outcome = (status, payload)
                ticket.done.set()
            if finished:
                self._stop(worker, replace=True)
        self._ended(worker)

    def _ended(self, worker: _Worker) -> None:
        worker.process.join(timeout=5)
        worker.connection.close()
        with self._lock:
            deliberate = worker.stopping
            if worker in self._workers:
                self._workers.remove(worker)
            held, worker.pending = list(worker.pending.values()), {}
            needs_spare = not self._closed.is_set() and len(self._workers) + self._starting < self._min
            if needs_spare:
                self._starting += 1
            else:
                self._slot_free.notify()  # room for one more worker: a waiting query may start it
                self._worker_empty.notify()
        if not deliberate and not self._closed.is_set():
            self.workers_replaced += 1
        reason = self._death_reason(worker)
        for ticket in held:
            ticket.outcome = ("resend", None) if deliberate else ("died", reason)
            ticket.done.set()
        if needs_spare:
            self._add_worker()

    def _add_worker(self) -> None:
        """Start a worker for a place reserved in `_starting` and put it in the pool."""
        try:
            worker = self._spawn()
        except BaseException:
            with self._lock:
                self._starting -= 1
                self._slot_free.notify()
                self._worker_empty.notify()
            raise
        with self._lock:
            self._starting -= 1
            self._workers.append(worker)
            self._slot_free.notify(self._slots)
            self._worker_empty.notify()

    def _stop(self, worker: _Worker, *, replace: bool) -> None:
        """Kill `worker` on purpose; its reader thread then settles what it held (to be sent again) and starts a spare if needed."""
        with self._lock:
            if worker.stopping:
                return
            worker.stopping = True
        if replace:
            self.workers_replaced += 1
        if worker.process.is_alive():
            try:
                os.kill(worker.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _take_slot(self, ticket: _Ticket, alone: bool, deadline: float) -> tuple[_Worker, int]:
        """Put `ticket` in the least busy worker with a free slot (an empty one, kept to itself, when `alone`); start one if allowed."""
        ticket_id = next(self._tickets)
        with self._lock:
            while True:
                if self._closed.is_set():
                    raise WorkerDied("the server is stopping")
                if time.monotonic() >= deadline:
                    # A wake-up may have come as the time ran out: pass it on rather than lose it. Nothing is sent this
                    # late either, as it would only be stopped at once, its worker with it.
                    (self._worker_empty if alone else self._slot_free).notify()
                    raise QueryTimeout  # every slot stayed taken for the whole time limit, or its worker was stopped
                usable = [worker for worker in self._workers
                          if not (worker.retiring or worker.stopping or worker.alone) and worker.process.is_alive()
                          and len(worker.pending) < (1 if alone else self._slots) and not (alone and worker.pending)]
                if usable:
                    worker = min(usable, key=lambda candidate: len(candidate.pending))
                    worker.alone = alone
                    ticket.shared |= bool(worker.pending)
                    for other in worker.pending.values():
                        other.shared = True
                    worker.pending[ticket_id] = ticket
                    return worker, ticket_id
                if len(self._workers) + self._starting < self._max:
                    self._starting += 1
                    self._lock.release()
                    try:
                        self._add_worker()
                    finally:
                        self._lock.acquire()
                    continue
                (self._worker_empty if alone else self._slot_free).wait(max(deadline - time.monotonic(), 0.0))

    def _settle(self, worker: _Worker, ticket_id: int) -> None:
        """Forget a ticket in `worker` after a reply or a failure (a no-op when the reply reader did it already)."""
        with self._lock:
            self._forget(worker, ticket_id)

    def _forget(self, worker: _Worker, ticket_id: int) -> _Ticket | None:
        """Take a ticket out of `worker` (holding the lock) and wake one waiting query the freed slot can serve."""
        ticket = worker.pending.pop(ticket_id, None)
        if ticket is None:
            return None
        if not worker.pending:
            worker.alone = False  # a worker kept to one query is shareable again
            worker.idle_since = time.monotonic()
        if worker.retiring or worker.stopping:
            return ticket
        if not worker.pending:
            self._worker_empty.notify()
        self._slot_free.notify()
        return ticket

    def _exchange(self, request: QueryRequest, deadline: float) -> tuple[str, Any]:
        # The time limit covers waiting for a slot and any second try, so a client never waits longer than it.
        alone = False
        while True:
            ticket = _Ticket(request)
            worker, ticket_id = self._take_slot(ticket, alone, deadline)
            try:
                with worker.sending:
                    worker.connection.send((ticket_id, request))
            except (OSError, ValueError):
                ticket.outcome = ("resend", None)  # the worker ended before it got the query: no fault of this query
                ticket.done.set()
            if not ticket.done.wait(max(deadline - time.monotonic(), 0.0)):
                with self._lock:
                    still_running = worker.pending.get(ticket_id) is ticket
                if still_running:
                    self._stop(worker, replace=True)  # its other queries are sent again by their own threads
                    self._settle(worker, ticket_id)
                    raise QueryTimeout
                ticket.done.wait()
            self._settle(worker, ticket_id)
            status, payload = ticket.outcome
            if status == "resend":
                continue
            if status == "died" or (status == "memory" and ticket.shared):
                if ticket.shared and not alone:
                    alone = True  # which of the worker's queries did it is unknown: this one runs again with no company
                    continue
                if status == "died":
                    raise WorkerDied(payload)
            self.queries_run += 1
            return status, payload

    def _death_reason(self, worker: _Worker) -> str:
        worker.process.join(timeout=1)
        if worker.process.exitcode == -signal.SIGABRT and self._config.query_memory_mb > 0:
            # The engine aborts when an allocation fails, which under the address-space cap means the query outgrew it.
            return f"the query needed more than the {self._config.query_memory_mb:g} MiB of memory a query may use"
        return ""

    def run_blocking(self, request: QueryRequest, timeout_s: float, deadline: float | None = None) -> QueryAnswer:
        """Return the answer to one query, waiting in the calling thread; raises the errors of `run`."""
        status, payload = self._exchange(request, deadline if deadline is not None else time.monotonic() + timeout_s)
        if status == "ok":
            return payload
        if status == "rejected":
            raise QueryRejected(*payload)
        raise EngineError(status, payload)

    async def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """Return the answer to one query without blocking the event loop; the time limit starts now.

        Raises QueryTimeout, WorkerDied, QueryRejected (row or size limit) or EngineError, all QueryFailed.
        """
        deadline = time.monotonic() + timeout_s
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._waiters, self.run_blocking, request, timeout_s, deadline)

    def _retire_idle_workers(self) -> None:
        while not self._closed.wait(self._idle_retire_s / 4):
            cutoff = time.monotonic() - self._idle_retire_s
            with self._lock:
                idle = sorted((worker for worker in self._workers if not worker.pending and not worker.stopping), key=lambda worker: worker.idle_since)
                spare = len(self._workers) - self._min
                stale = [worker for worker in idle[:max(spare, 0)] if worker.idle_since < cutoff]
                for worker in stale:
                    self._workers.remove(worker)
            for worker in stale:
                self._stop(worker, replace=False)

    def close(self) -> None:
        """Stop every worker."""
        self._closed.set()
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            self._stop(worker, replace=False)
        for worker in workers:
            worker.process.join(timeout=5)
        self._waiters.shutdown(wait=False, cancel_futures=True)

    def describe(self) -> dict[str, int]:
        """Return counters for the health endpoint."""
        with self._lock:
            busy = sum(1 for worker in self._workers if worker.pending)
            return {"idle_workers": len(self._workers) - busy, "busy_workers": busy, "max_workers": self._max,
                    "queries_per_worker": self._slots, "queries_running": sum(len(worker.pending) for worker in self._workers),
                    "queries_run": self.queries_run, "workers_replaced": self.workers_replaced}
