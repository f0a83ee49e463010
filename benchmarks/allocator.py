"""Oxigraph's engine on each malloc: the standard query mix in-process, one query at a time and on 8 threads.

    .venv/bin/python benchmarks/allocator.py                      # 100k facts, 3 rounds, system/jemalloc/mimalloc
    .venv/bin/python benchmarks/allocator.py --facts 10000 --rounds 1 --allocators system,jemalloc

Each measurement is a child process pinned to one core with the allocator preloaded (LD_PRELOAD; `system` preloads
nothing): it bulk-loads the generated facts (shared/bench/gen_facts.py, the file endpoint.py serves) into an
in-memory store, runs the mix once to warm up, then runs it for 8 parameter sets (64 queries) on `--threads` threads,
serializing each answer as the endpoint benchmark's client asks for it. Printed: CPU seconds of the 64 queries, the
load's wall time and the peak RSS, medians over rounds, and each allocator's CPU as a ratio of `system`'s within a
round (the allocators take turns in each round, so a busy machine skews them alike). This is what LINKEDDATA_ALLOCATOR
(linkeddata/allocator.py) chooses between; endpoint.py measures the server on each (systems ld-nocache-glibc,
ld-nocache-mimalloc).
"""

from __future__ import annotations

import argparse
import ctypes.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from endpoint import facts_file, shared_bench_dir  # a sibling script: the same data and query folder as the endpoint runs

PARAMETER_SETS = 8


def child(data: Path, bench: Path, mix: str, threads: int) -> dict[str, float]:
    """Load `data`, warm up, run the mix for PARAMETER_SETS parameter sets on `threads` threads; return the figures."""
    import pyoxigraph as ox

    sys.path.insert(0, str(bench))
    from bench_endpoint import load_mix, render  # the shared driver's own reading of the mix and its parameters

    started = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
    load_s = time.perf_counter() - started
    queries, params = load_mix(str(bench / "queries"), mix)
    texts = [render(query, params, k) for k in range(PARAMETER_SETS) for query in queries]

    def answer(text: str) -> int:
        result = store.query(text)
        if isinstance(result, ox.QuerySolutions):
            return len(result.serialize(format=ox.QueryResultsFormat.JSON))
        if isinstance(result, ox.QueryBoolean):
            return 1
        return len(result.serialize(format=ox.RdfFormat.N_TRIPLES))

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(answer, texts[: len(queries)]))
        cpu, wall = time.process_time(), time.perf_counter()
        list(pool.map(answer, texts))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"queries": len(texts), "cpu_s": cpu, "wall_s": wall, "load_s": load_s, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def library(name: str) -> str | None:
    """Return the shared library to preload for an allocator's name, None for the C library's own."""
    if name == "system":
        return None
    found = ctypes.util.find_library(name)
    if found is None:
        sys.exit(f"lib{name} is not installed (Debian: libjemalloc2, libmimalloc2.0)")
    return found


def measure(allocator: str, threads: int, args: argparse.Namespace, data: Path, bench: Path) -> dict[str, float]:
    environment = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if (preload := library(allocator)) is not None:
        environment["LD_PRELOAD"] = preload
    command = [sys.executable, __file__, "--child", "--data", str(data), "--bench-dir", str(bench), "--mix", args.mix, "--threads", str(threads)]
    if args.core is not None:
        command = ["taskset", "-c", str(args.core), *command]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--facts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--allocators", default="system,jemalloc,mimalloc", help="comma-separated: system, jemalloc, mimalloc")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--mix", default="core")
    ap.add_argument("--core", type=int, default=0, help="core to pin each child to (-1: no pinning)")
    ap.add_argument("--bench-dir", help="shared bench folder (default /work/shared/bench)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    bench = shared_bench_dir(args.bench_dir)
    if args.child:
        print(json.dumps(child(Path(args.data), bench, args.mix, args.threads[0])))
        return
    args.core = None if args.core < 0 else args.core
    allocators = [name.strip() for name in args.allocators.split(",") if name.strip()]
    if "system" not in allocators:
        allocators.insert(0, "system")
    data = facts_file(bench, args.facts, args.seed)
    figures: dict[tuple[str, int], list[dict[str, float]]] = {}
    for round_no in range(args.rounds):
        for threads in args.threads:
            for allocator in allocators[round_no % len(allocators):] + allocators[: round_no % len(allocators)]:
                result = measure(allocator, threads, args, data, bench)
                figures.setdefault((allocator, threads), []).append(result)
                print(f"  round {round_no + 1}/{args.rounds} {allocator:9} {threads} thread(s): {result['cpu_s']:6.2f} CPU s for {result['queries']} queries, "
                      f"load {result['load_s']:5.2f} s, peak RSS {result['peak_rss_mib']:6.0f} MiB", flush=True)
    print(f"\n== {args.facts} facts, mix '{args.mix}' x {PARAMETER_SETS} parameter sets per measurement, {args.rounds} round(s), "
          f"pinned to core {args.core}")
    print(f"  {'allocator':9} {'threads':>7} {'CPU s (median)':>15} {'x system (rounds)':>30} {'load s':>7} {'peak RSS MiB':>13}")
    for (allocator, threads), runs in figures.items():
        ratios = [run["cpu_s"] / base["cpu_s"] for run, base in zip(runs, figures[("system", threads)], strict=True)]
        print(f"  {allocator:9} {threads:>7} {statistics.median(r['cpu_s'] for r in runs):15.2f} "
              f"{statistics.median(ratios):8.2f} ({' '.join(f'{r:.2f}' for r in ratios)}) "
              f"{statistics.median(r['load_s'] for r in runs):7.2f} {statistics.median(r['peak_rss_mib'] for r in runs):13.0f}")


if __name__ == "__main__":
    main()
