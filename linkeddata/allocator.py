"""Starts the `linkeddata` command again on a faster malloc (jemalloc or mimalloc) when the machine has one.

Oxigraph's query engine and the build's Python allocate and free small objects at a high rate. Run one query at a
time, the standard query mix at 100,000 facts took 10-15 % less CPU on jemalloc than on glibc's malloc, and the
100,000-fact build peaked about 7 % lower (benchmarks/README.md); with eight queries on eight threads of one core
the two were even. malloc cannot be swapped once the process has allocated (memory from one allocator must be
freed by the same one, and query workers are forked with the store already in memory), so the command executes
itself again with the library in LD_PRELOAD, before anything but this module is loaded.

LINKEDDATA_ALLOCATOR picks it: `auto` (default: jemalloc, else mimalloc, else the C library's own, silently),
`system` (never swap), `jemalloc` or `mimalloc` (that one, or exit 1 naming it), or the path of a shared library.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path

ENVIRONMENT_VARIABLE = "LINKEDDATA_ALLOCATOR"
# Set in the executed command, so it does not execute itself again (and a library the loader ignored is not retried).
ACTIVE_VARIABLE = "LINKEDDATA_ALLOCATOR_ACTIVE"
KNOWN_ALLOCATORS = ("jemalloc", "mimalloc")


class AllocatorUnavailable(Exception):
    """The allocator asked for by name or path is not on this machine."""


def allocator_library(choice: str) -> str | None:
    """Return the shared library to preload for a LINKEDDATA_ALLOCATOR value, None for the C library's own malloc."""
    choice = choice.strip() or "auto"
    if choice == "system":
        return None
    if choice == "auto":
        return next((found for name in KNOWN_ALLOCATORS if (found := ctypes.util.find_library(name))), None)
    if choice in KNOWN_ALLOCATORS:
        found = ctypes.util.find_library(choice)
        if found is None:
            raise AllocatorUnavailable(f"{ENVIRONMENT_VARIABLE}={choice}: lib{choice} is not installed (Debian: libjemalloc2 or libmimalloc2.0)")
        return found
    if "/" in choice:
        if not Path(choice).is_file():
            raise AllocatorUnavailable(f"{ENVIRONMENT_VARIABLE}={choice}: no such file")
        return choice
    raise AllocatorUnavailable(f"{ENVIRONMENT_VARIABLE}={choice}: expected auto, system, {', '.join(KNOWN_ALLOCATORS)} or a library's path")


def exec_with_fast_allocator() -> None:
    """Execute this command again with a faster malloc preloaded, or return when there is none to use (or it is in place).

    Raises AllocatorUnavailable when LINKEDDATA_ALLOCATOR names one this machine lacks.
    """
    if ACTIVE_VARIABLE in os.environ:
        return
    library = allocator_library(os.environ.get(ENVIRONMENT_VARIABLE, "auto"))
    if library is None:
        return
    environment = dict(os.environ)
    environment[ACTIVE_VARIABLE] = library
    environment["LD_PRELOAD"] = " ".join(filter(None, [library, os.environ.get("LD_PRELOAD", "")]))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, list(sys.orig_argv), environment)
