"""Times `linkeddata publish` of one release each way: Graph Store PUT and each store's own bulk loader.

    python benchmarks/publish.py --facts 100000 [--workdir /tmp/publish-bench] [--release DIR]

Without --release, a synthetic project of --facts facts (benchmarks/gen_seeds.py) is built in WORKDIR (kept and
reused). Then, one after the other, each way into a fresh store, each timed as the `publish` child process's
wall time and peak resident memory (its own maximum RSS, from wait4):

- virtuoso-put: PUT per graph to Virtuoso's Graph Store (`/sparql-graph-crud-auth`, HTTP Digest);
- virtuoso-bulk: `--bulk-loader virtuoso` (ld_dir + rdf_loader_run + checkpoint through `/sparql-auth`);
- oxigraph-put: PUT per graph to an Oxigraph server's Graph Store (`/store`);
- oxigraph-bulk: `--bulk-loader oxigraph` into a store folder (no server).

After each, the target's triple count is read back and compared with the release's (a way that loses triples is
reported, not timed as a success). Virtuoso is Debian's virtuoso-opensource with its own database folder on free
loopback ports (its buffers sized as endpoint.py sizes them); Oxigraph's server is the one endpoint.py installs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from endpoint import VIRTUOSO_INI, Server, competitors_venv, free_port, project_bin, sparql_get, write_virtuoso_ini

GRAPH_FOR_DEFAULT = "https://alliances.example.org/graph/actors"
CREDENTIALS = {"LINKEDDATA_PUBLISH_USER": "dba", "LINKEDDATA_PUBLISH_PASSWORD": "dba"}  # Virtuoso's default account, on loopback only
OURS = 'FILTER(STRSTARTS(STR(?g), "https://alliances.example.org/"))'  # Virtuoso holds graphs of its own
COUNT_NAMED = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OURS} }}"
COUNT_WITH_DEFAULT = f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ GRAPH ?g {{ ?s ?p ?o }} {OURS} }} UNION {{ ?s ?p ?o }} }}"  # Oxigraph's default graph is its own


def built_release(workdir: Path, facts: int) -> Path:
    project = workdir / f"seeds-{facts}"
    if not (project / "dist" / "SHA256SUMS").exists():
        print(f"generating and building {facts} facts in {project} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "gen_seeds.py"), "--facts", str(facts), "--out", str(project)], check=True)
        # The synthetic actors have no Wikidata links: one warning each, which would bury the figures.
        subprocess.run([project_bin("linkeddata"), "-q", "build", "--project", str(project)], check=True, stderr=subprocess.DEVNULL)
    return (project / "dist").resolve()


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run argv; return (wall seconds, peak RSS MiB of that process, its stderr's last line); exits on failure."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **env})
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv[:4])} failed: {tail[-1] if tail else ''}")
    return wall, usage.ru_maxrss / 1024, tail[-1] if tail else ""


def count(endpoint: str, query: str) -> int:
    import json

    status, body = sparql_get(endpoint, query, timeout=600)
    if status != 200:
        sys.exit(f"{endpoint}: counting answered HTTP {status}")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def start_virtuoso(folder: Path, load_dir: Path) -> tuple[Server, str]:
    virtuoso = shutil.which("virtuoso-t")
    if virtuoso is None or not VIRTUOSO_INI.exists():
        sys.exit("Debian's virtuoso-opensource is not installed (apt-get install virtuoso-opensource)")
    folder.mkdir(parents=True)
    http_port = free_port()
    write_virtuoso_ini(folder, free_port(), http_port, load_dir)
    server = Server(folder.name, [virtuoso, "-f", "-c", str(folder / "virtuoso.ini")], folder, pin=False)
    server.start()
    base = f"http://127.0.0.1:{http_port}"
    server.endpoint = f"{base}/sparql"
    server.wait_answering(server.endpoint, 120)
    return server, base


def start_oxigraph(folder: Path) -> tuple[Server, str]:
    port = free_port()
    folder.mkdir(parents=True)
    server = Server(folder.name, [str(competitors_venv() / "bin" / "oxigraph"), "serve", "--location", str(folder / "store"), "--bind", f"127.0.0.1:{port}"],
                    folder, pin=False)
    server.start()
    server.endpoint = f"http://127.0.0.1:{port}/query"
    server.wait_answering(server.endpoint, 60)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "publish-bench")
    parser.add_argument("--release", type=Path, default=None, help="a built release (default: build --facts synthetic facts in --workdir)")
    parser.add_argument("--ways", default="virtuoso-put,virtuoso-bulk,oxigraph-put,oxigraph-bulk", help="comma-separated, in this order")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    release = args.release.resolve() if args.release else built_release(args.workdir, args.facts)
    runs = args.workdir / f"runs-{time.time_ns()}"
    cli = project_bin("linkeddata")
    results: list[tuple[str, float, float, int]] = []
    try:
        for way in args.ways.split(","):
            folder = runs / way
            server = None
            if way.startswith("virtuoso"):
                load_dir = runs / f"{way}-load"
                load_dir.mkdir(parents=True)
                server, base = start_virtuoso(folder, load_dir)
                argv = ([cli, "publish", "--release", str(release), "--default-graph-as", GRAPH_FOR_DEFAULT, "--timeout-s", "3600"]
                        + (["--to", f"{base}/sparql-graph-crud-auth"] if way == "virtuoso-put" else
                           ["--bulk-loader", "virtuoso", "--to", f"{base}/sparql-auth", "--load-dir", str(load_dir)]))
            elif way == "oxigraph-put":
                server, base = start_oxigraph(folder)
                argv = [cli, "publish", "--release", str(release), "--to", f"{base}/store", "--timeout-s", "3600"]
            else:
                folder.mkdir(parents=True)
                argv = [cli, "publish", "--release", str(release), "--bulk-loader", "oxigraph", "--to", str(folder / "store")]
            try:
                print(f"{way} ...", flush=True)
                wall, rss, last = timed(argv, CREDENTIALS)
                if way == "oxigraph-bulk":
                    import pyoxigraph as ox

                    store = ox.Store.read_only(str(folder / "store"))
                    held = int(next(iter(store.query(COUNT_WITH_DEFAULT)))["n"].value)  # type: ignore[index]
                    del store
                else:
                    held = count(server.endpoint, COUNT_NAMED if way.startswith("virtuoso") else COUNT_WITH_DEFAULT)
                results.append((way, wall, rss, held))
                print(f"  {wall:.1f} s, peak RSS {rss:.0f} MiB, store holds {held:,} triples ({last})", flush=True)
            finally:
                if server is not None:
                    server.stop()
    finally:
        shutil.rmtree(runs, ignore_errors=True)
    print(f"\nrelease {release}" + ("" if args.release else f" ({args.facts:,} synthetic facts)"))
    print(f"{'way':<15} {'wall s':>8} {'peak RSS MiB':>13} {'triples held':>13} {'triples/s':>10}")
    for way, wall, rss, held in results:
        print(f"{way:<15} {wall:>8.1f} {rss:>13.0f} {held:>13,} {held / wall:>10,.0f}")
    by_way = {way: wall for way, wall, _, _ in results}
    for store in ("virtuoso", "oxigraph"):
        if f"{store}-put" in by_way and f"{store}-bulk" in by_way:
            print(f"{store}: PUT takes {by_way[f'{store}-put'] / by_way[f'{store}-bulk']:.1f}x the bulk loader's time")
    if len({held for *_, held in results}) != 1:
        print("WARNING: the ways left different triple counts in their stores; see the table")


if __name__ == "__main__":
    main()
