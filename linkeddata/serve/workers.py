"""Runs queries in worker processes that can be killed: a time limit that really stops the CPU, and crash isolation.

A Python thread cannot be cancelled and Oxigraph has no query timeout, so each
query runs in a forked worker holding the store (inherited copy-on-write; the
in-memory store's pages a worker reads become its own, as the engine writes
reference counts while reading). A worker that overruns its time limit is killed
and replaced; a worker that dies (say, a stack overflow deep in the engine) costs
only its own query. The pool grows up to `max_workers` when every worker is busy,
so a few runaway queries cannot starve the others, and the workers beyond the
warm ones stop after a minute without a query.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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


def _worker_main(open_store: Callable[[], ox.Store], connection: Connection, memory_limit_mb: float, network: bool, query_memory_mb: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Queries run on a thread of their own, not on the worker's main thread: glibc gives a new thread a malloc
    # arena of its own, where the main thread would allocate from the heap the parent filled and fragmented
    # while loading the store (long free lists, and inherited pages copied on write). Measured in a forked
    # worker over the standard mix at 100,000 facts, alternating: 8-9 % less CPU per query on the thread.
    # Its stack is as large as the main thread's, which the guard's nesting limits were measured on.
    threading.stack_size(_thread_stack_bytes())
    runner = threading.Thread(target=_answer_queries, args=(open_store, connection, memory_limit_mb, network, query_memory_mb), name="linkeddata-query")
    runner.start()
    runner.join()


def _answer_queries(open_store: Callable[[], ox.Store], connection: Connection, memory_limit_mb: float, network: bool, query_memory_mb: float) -> None:
    # The thread's stack and arena exist by now, so the address-space cap is measured from above them.
    store = open_store()
    cap_address_space(query_memory_mb)
    if not network:
        try:
            forbid_network()  # TSYNC: the main thread, waiting in join(), is covered too
        except SandboxUnavailable as why:
            log.warning("query workers keep their network (the query guard alone stops SERVICE): %s", why)
    memory = MemoryWatch(memory_limit_mb)
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", evaluate(store, request))
        except QueryRejected as rejected:
            reply = ("rejected", (rejected.reason, rejected.message))
        except SyntaxError as error:
            reply = ("syntax", str(error))
        except PermissionError:
            # Only the sandbox denies anything in a worker: the engine tried to open a network connection.
            reply = ("network", "the query tried to reach the network")
        except MemoryError:
            reply = ("memory", f"the query needed more than the {query_memory_mb:g} MiB of memory a query may use")
        except (OSError, ValueError, TypeError, RuntimeError) as error:
            reply = ("engine", str(error))
        # A worker keeps what its largest query made the allocator hold; past the limit it retires.
        connection.send((*reply, memory.over_limit()))


@dataclass(slots=True)
class _Worker:
    process: Any
    connection: Connection
    idle_since: float = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.connection.close()


class QueryPool:
    """A pool of query worker processes, used from the event loop with `await pool.run(request, timeout_s)`.

    With `network=False` every worker runs without network access (see sandbox.py).
    """

    def __init__(self, open_store: Callable[[], ox.Store], min_workers: int, max_workers: int, memory_limit_mb: float = 512,
                 *, network: bool = False, query_memory_mb: float = 0, idle_retire_s: float = 60.0) -> None:
        self._open_store = open_store
        self._memory_limit_mb = memory_limit_mb
        self._network = network
        self._query_memory_mb = query_memory_mb
        # Threads only wait (for a worker, then on its pipe); enough of them that a query never waits for a thread,
        # so its deadline is the only thing that bounds how long it waits.
        self._waiters = ThreadPoolExecutor(max_workers=max(64, 8 * max_workers), thread_name_prefix="linkeddata-query-wait")
        self._min = max(1, min_workers)
        self._max = max(self._min, max_workers)
        self._idle: list[_Worker] = []
        self._busy = 0
        self._lock = threading.Lock()
        self._available = threading.Semaphore(self._max)
        self.started = time.monotonic()
        self.queries_run = 0
        self.workers_replaced = 0
        for _ in range(self._min):
            self._idle.append(self._spawn())
        # Each worker ends up with a private copy of the in-memory store's pages it reads (the engine writes reference
        # counts as it goes: about 330 MiB a worker at 100,000 facts), so workers beyond the warm ones stop once idle a while.
        self._idle_retire_s = idle_retire_s
        self._closed = threading.Event()
        threading.Thread(target=self._retire_idle_workers, name="linkeddata-query-reaper", daemon=True).start()

    def _spawn(self) -> _Worker:
        parent_end, child_end = _FORK.Pipe()
        process = _FORK.Process(target=_worker_main, args=(self._open_store, child_end, self._memory_limit_mb, self._network, self._query_memory_mb), daemon=True, name="linkeddata-query")
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _acquire(self, timeout_s: float) -> _Worker:
        if not self._available.acquire(timeout=max(timeout_s, 0.0)):
            raise QueryTimeout  # every worker stayed busy for the whole time limit
        with self._lock:
            self._busy += 1
            if self._idle:
                return self._idle.pop()
        return self._spawn()

    def _release(self, worker: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if worker is not None and len(self._idle) + self._busy < self._max:
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
                worker = None
        if worker is not None:
            worker.kill()
        self._available.release()

    def _exchange(self, request: QueryRequest, deadline: float) -> tuple[str, Any]:
        # The time limit covers waiting for a free worker too, so a client never waits longer than it.
        worker = self._acquire(deadline - time.monotonic())
        for _ in range(self._max):
            if worker.process.is_alive():
                break
            # An idle worker died between queries (killed from outside): that is no fault of this query.
            self._replace(worker)
            worker = self._acquire(deadline - time.monotonic())
        try:
            worker.connection.send(request)
            if not worker.connection.poll(max(deadline - time.monotonic(), 0.0)):
                raise QueryTimeout
            status, payload, retire = worker.connection.recv()
        except QueryTimeout:
            self._replace(worker)
            raise
        except (EOFError, OSError, BrokenPipeError):
            reason = self._death_reason(worker)
            self._replace(worker)
            raise WorkerDied(reason) from None
        except BaseException:
            self._replace(worker)
            raise
        self.queries_run += 1
        if retire or status == "memory":
            self._replace(worker)
        else:
            self._release(worker)
        return status, payload

    def _death_reason(self, worker: _Worker) -> str:
        worker.process.join(timeout=1)
        if worker.process.exitcode == -signal.SIGABRT and self._query_memory_mb > 0:
            # The engine aborts when an allocation fails, which under the address-space cap means the query outgrew it.
            return f"the query needed more than the {self._query_memory_mb:g} MiB of memory a query may use"
        return ""

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self.workers_replaced += 1
        with self._lock:
            needs_spare = len(self._idle) + self._busy - 1 < self._min
        self._release(self._spawn() if needs_spare else None)

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
                spare = len(self._idle) + self._busy - self._min
                # _acquire pops the most recently used worker, so the longest idle ones sit at the front.
                stale = [worker for worker in self._idle[:max(spare, 0)] if 0 < worker.idle_since < cutoff]
                self._idle = [worker for worker in self._idle if all(worker is not old for old in stale)]
            for worker in stale:
                worker.kill()

    def close(self) -> None:
        """Stop every worker."""
        self._closed.set()
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()
        self._waiters.shutdown(wait=False, cancel_futures=True)

    def describe(self) -> dict[str, int]:
        """Return counters for the health endpoint."""
        with self._lock:
            return {"idle_workers": len(self._idle), "busy_workers": self._busy, "max_workers": self._max,
                    "queries_run": self.queries_run, "workers_replaced": self.workers_replaced}
