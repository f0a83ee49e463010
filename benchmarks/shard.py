"""CPU time of one shard worker's work, in-process: map, validate with the compiled shapes, read the shard's rows.

    .venv/bin/python benchmarks/shard.py                          # 10,000 synthetic facts, shards 2 to 4, 3 times each
    .venv/bin/python benchmarks/shard.py --project DIR --shards 5 --repeat 5 --profile 15

A build spends most of its mapping stage in this work, about a thousand times at a million facts, on two worker
processes. This prepares a worker as the build does (start_shard_worker) and times map_and_read_shard, the very call a
worker runs, on shards after the first (whose worker start is not counted), as the CPU time of this process, threads
included (the shapes run on threads). Printed: the median per shard and per 1,000 facts, and with --profile K the K
functions with the most time of their own (cProfile sees the main thread only, so the shapes' queries are not in it).
Compare commits by running it with PYTHONPATH set to each checkout, on the same project.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a seed project (default: one generated with --facts)")
    parser.add_argument("--facts", type=int, default=10_000, help="facts of the generated project (default 10,000)")
    parser.add_argument("--shards", type=int, default=3, help="shards to time, from the second on (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="times each shard is timed (default 3)")
    parser.add_argument("--profile", type=int, default=0, metavar="K", help="also print the K functions with the most own time")
    args = parser.parse_args()

    from linkeddata.pipeline.build import map_and_read_shard, start_shard_worker
    from linkeddata.pipeline.mapping import shards
    from linkeddata.project.seeds import read_seeds
    from linkeddata.project.vocabulary import read_vocabulary
    from linkeddata.settings import DEFAULT_BASE_IRI

    with tempfile.TemporaryDirectory(prefix="shard-bench-") as scratch_name:
        scratch = Path(scratch_name)
        project = args.project
        if project is None:
            project = scratch / "project"
            subprocess.run([sys.executable, str(HERE / "gen_seeds.py"), "--facts", str(args.facts), "--out", str(project)], check=True, capture_output=True)
        seeds = read_seeds(project, read_vocabulary(project))
        groups = shards(seeds)[1:1 + args.shards]
        start_shard_worker(project, seeds.actors, DEFAULT_BASE_IRI, scratch)
        per_thousand, per_shard = [], []
        profiler = cProfile.Profile()
        for number, group in enumerate(groups, start=1):
            for _ in range(args.repeat):
                started = time.process_time()
                if args.profile:
                    profiler.enable()
                output = map_and_read_shard(number, group)
                profiler.disable()
                spent = time.process_time() - started
                assert not isinstance(output, list) and not output.errors, f"shard {number} has input errors"
                per_shard.append(spent)
                per_thousand.append(spent * 1000 / len(group[1]))
        sizes = sorted({len(group[1]) for group in groups})
        print(f"{len(groups)} shard(s) of {', '.join(map(str, sizes))} facts, {args.repeat} time(s) each: "
              f"median {statistics.median(per_shard):.3f} s of CPU per shard ({min(per_shard):.3f}-{max(per_shard):.3f}), "
              f"{statistics.median(per_thousand):.3f} s per 1,000 facts")
        if args.profile:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
