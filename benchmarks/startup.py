"""Times `serve --store-mode disk` start-up on a store N times the size of a built release (1M facts from 100k).

    python benchmarks/startup.py --release /tmp/lb/seeds-100000/dist [--copies 10] [--workdir DIR] [--runs 3]

A 1,000,000-fact build does not fit this machine yet (see README.md, "Build at scale"), so this makes a
release of that size another way: the release's N-Quads dump is bulk-loaded `--copies` times into a new
on-disk store, each copy with its facts, evidence, articles, texts and graphs renamed apart (the actors
are shared, as in a real release), next to the release's own ontology and VoID files; its store.json and
SHA256SUMS are rewritten to match. Then `serve --store-mode disk` starts `--runs` times; start-up is the
time from launch to the first answered `ASK { ?s ?p ?o }`, memory is the process tree's PSS after it and
after the home page's example queries.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from build import serve_once  # a sibling script: the same start-up measurement as the build benchmark
from linkeddata.release.files import STORE_DIR, STORE_MANIFEST, release_base_iri
from linkeddata.release.store import load_description, load_ontology, write_store_manifest

RENAMED = (b"/fact/", b"/article/", b"/text/", b"/graph/")
COPIED_FILES = ("ontology.ttl", "void.ttl", "shapes.ttl", "context.jsonld")


def replicated_release(release: Path, copies: int, folder: Path) -> int:
    """Write a release folder whose store holds `copies` renamed copies of the release's dataset; return its quad count."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in COPIED_FILES:
        shutil.copyfile(release / name, folder / name)
    dataset = (release / "alliances.nq").read_bytes()
    store = ox.Store(str(folder / STORE_DIR))
    for copy in range(copies):
        renamed = dataset
        for marker in RENAMED:
            renamed = renamed.replace(marker, marker + f"copy{copy}-".encode())
        started = time.perf_counter()
        store.bulk_load(renamed, format=ox.RdfFormat.N_QUADS)
        print(f"  copy {copy + 1}/{copies} loaded in {time.perf_counter() - started:.1f} s", flush=True)
    base_iri = release_base_iri(folder)
    load_ontology(store, folder)
    load_description(store, folder, base_iri)
    store.optimize()
    quads = write_store_manifest(folder, store, base_iri, {"replicated_from": str(release), "copies": copies})
    del store
    sums = "".join(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n" for name in sorted([*COPIED_FILES, STORE_MANIFEST]))
    (folder / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return quads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, required=True, help="a release built by `linkeddata build` (its --out link or folder)")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "linkeddata-startup-bench")
    args = parser.parse_args()
    release = args.release.resolve()
    folder = args.workdir / f"release-x{args.copies}"
    started = time.perf_counter()
    quads = replicated_release(release, args.copies, folder)
    print(f"store of {quads:,} quads written in {time.perf_counter() - started:.0f} s "
          f"({sum(p.stat().st_size for p in (folder / STORE_DIR).iterdir()) / 2**30:.1f} GiB on disk)", flush=True)
    runs = [serve_once(folder, "disk") for _ in range(args.runs)]
    for run in runs:
        print(f"  ready in {run['ready_s']:.2f} s, PSS {run['pss_mib']:.0f} MiB (RSS {run['rss_mib']:.0f} MiB), "
              f"PSS after the example queries {run['pss_after_queries_mib']:.0f} MiB", flush=True)
    print(f"serve --store-mode disk on {quads:,} quads: median ready {statistics.median(r['ready_s'] for r in runs):.2f} s, "
          f"median PSS {statistics.median(r['pss_mib'] for r in runs):.0f} MiB")


if __name__ == "__main__":
    main()
