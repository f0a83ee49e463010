"""Bounded load run against `linkeddata serve` on loopback, with runaway queries injected (issue 5).

    .venv/bin/python benchmarks/load.py                          # 200 clients, 60 s, runaway every 5 s
    .venv/bin/python benchmarks/load.py --clients 50 --duration 20 --json load.json

Starts `linkeddata serve --project PROJECT --query-timeout-s 3` (the release in PROJECT/dist, built first if
missing) pinned to core 0, and drives it from this process pinned to core 1: CLIENTS concurrent clients (asyncio +
httpx, one client and so one connection each) send the project's example queries (linkeddata/queries/examples/*.rq)
back to back for DURATION seconds. Every RUNAWAY_EVERY seconds one runaway query (a 4-way cartesian product under
COUNT) is sent on its own connection; it must end with 422 query_timeout soon after the time limit. Every normal
answer is checked against a reference answer fetched once before the load (same bytes, or the same parsed bindings).
By default each normal query text carries a unique trailing comment, so that every request is evaluated by a query
worker instead of being served from the answer cache (--no-cache-busting sends the texts as they are).

Reports: counts of 2xx/4xx/5xx, connection errors and time-outs, wrong answers, runaway outcomes, p50/p99 latency of
normal queries, and resident memory of the server's process tree before, at peak (sampled every 0.5 s) and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from endpoint import DRIVER_CORE, REPO, MemorySampler, can_pin, foreign_load, mib, project_bin, start_linkeddata, tree_memory, warn_foreign

ACCEPT = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def pct(values: list[float], p: float) -> float | None:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else None


def example_queries(folder: Path) -> list[tuple[str, str]]:
    queries = [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.rq"))]
    if not queries:
        sys.exit(f"no example queries in {folder}")
    return queries


def bindings(body: bytes) -> list[list[tuple[str, str, str]]] | None:
    """Parsed rows of a SPARQL JSON result, each a sorted list of (variable, term type, value+lang+datatype)."""
    try:
        data = json.loads(body)
        return [sorted((name, term["type"], term["value"] + "@" + term.get("xml:lang", "") + "^^" + term.get("datatype", ""))
                       for name, term in row.items()) for row in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError):
        return None


class Tally:
    def __init__(self) -> None:
        self.status: Counter[int] = Counter()
        self.exceptions: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()  # same-bytes, same-bindings, reordered, wrong
        self.latency: dict[str, list[float]] = {}
        self.samples: dict[str, list[str]] = {}
        self.sent = 0

    def sample(self, kind: str, text: str) -> None:
        bucket = self.samples.setdefault(kind, [])
        if len(bucket) < 3:
            bucket.append(text)


def judge(body: bytes, reference: dict) -> str:
    if body == reference["body"]:
        return "same_bytes"
    rows = bindings(body)
    if rows is None:
        return "wrong"
    if rows == reference["rows"]:
        return "same_bindings"
    if sorted(map(tuple, rows)) == sorted(map(tuple, reference["rows"])):
        return "reordered"
    return "wrong"


async def client_loop(cid: int, url: str, queries: list[tuple[str, str]], references: dict, deadline: float, tally: Tally,
                      args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(args.request_timeout)) as client:
        k = 0
        while time.perf_counter() < deadline:
            name, text = queries[(cid + k) % len(queries)]
            if args.cache_busting:
                text = f"{text}\n# load client {cid} request {k}\n"
            k += 1
            tally.sent += 1
            t0 = time.perf_counter()
            try:
                response = await client.get(url, params={"query": text}, headers={"Accept": ACCEPT})
            except httpx.TimeoutException as error:
                tally.exceptions[type(error).__name__] += 1
                continue
            except httpx.TransportError as error:
                tally.exceptions[type(error).__name__] += 1
                tally.sample(type(error).__name__, f"{name}: {error!r}")
                await asyncio.sleep(0.05)
                continue
            elapsed_ms = (time.perf_counter() - t0) * 1000
            tally.status[response.status_code] += 1
            if response.status_code // 100 != 2:
                tally.sample(f"HTTP {response.status_code}", f"{name}: {response.text[:300]}")
                continue
            verdict = judge(response.content, references[name])
            tally.answers[verdict] += 1
            if verdict == "wrong":
                tally.sample("wrong answer", f"{name}: {len(response.content)} bytes: {response.text[:300]}")
            tally.latency.setdefault(name, []).append(elapsed_ms)


async def runaway(n: int, url: str, args: argparse.Namespace, started: float) -> dict:
    text = f"{RUNAWAY}\n# runaway {n}\n"
    sent_at = time.perf_counter()
    outcome: dict = {"n": n, "sent_at_s": round(sent_at - started, 2)}
    async with httpx.AsyncClient(timeout=httpx.Timeout(args.runaway_timeout)) as client:
        try:
            response = await client.get(url, params={"query": text}, headers={"Accept": ACCEPT})
            outcome["status"] = response.status_code
            try:
                outcome["error"] = response.json().get("error")
            except ValueError:
                outcome["error"] = response.text[:120]
        except httpx.HTTPError as error:
            outcome["status"] = type(error).__name__
    outcome["elapsed_s"] = round(time.perf_counter() - sent_at, 2)
    limit = args.query_timeout_s + args.runaway_grace
    if outcome["status"] == 422 and outcome.get("error") == "query_timeout":
        outcome["verdict"] = "422 in time" if outcome["elapsed_s"] <= limit else "422 late"
    else:
        outcome["verdict"] = "unexpected"
    return outcome


async def drive(url: str, queries: list[tuple[str, str]], references: dict, args: argparse.Namespace) -> tuple[Tally, list[dict], dict]:
    tally = Tally()
    started = time.perf_counter()
    deadline = started + args.duration
    cpu0 = time.process_time()
    clients = [asyncio.create_task(client_loop(c, url, queries, references, deadline, tally, args)) for c in range(args.clients)]
    runaways = []
    n = 0
    while args.runaway_every > 0:
        next_at = started + (n + 1) * args.runaway_every
        if next_at >= deadline:
            break
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        n += 1
        runaways.append(asyncio.create_task(runaway(n, url, args, started)))
    await asyncio.gather(*clients)
    ended = time.perf_counter()
    outcomes = list(await asyncio.gather(*runaways))
    timing = {"window_s": round(ended - started, 2), "drain_s": round(ended - deadline, 2),
              "driver_cpu_util": round((time.process_time() - cpu0) / (time.perf_counter() - started), 2)}
    return tally, outcomes, timing


def fetch_references(url: str, queries: list[tuple[str, str]]) -> dict:
    references = {}
    with httpx.Client(timeout=60) as client:
        for name, text in queries:
            response = client.get(url, params={"query": text}, headers={"Accept": ACCEPT})
            if response.status_code != 200:
                sys.exit(f"reference answer for {name}: HTTP {response.status_code}: {response.text[:300]}")
            references[name] = {"body": response.content, "rows": bindings(response.content)}
    return references


def server_problems(log_path: Path) -> list[str]:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    pattern = re.compile(r"Traceback|unexpected error|ERROR|Exception|Killed|worker", re.IGNORECASE)
    return [line for line in text.splitlines() if pattern.search(line)][:40]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--project", default=str(REPO), help="data project whose release (PROJECT/dist) is served")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--runaway-every", type=float, default=5.0, help="seconds between runaway queries (0: none)")
    ap.add_argument("--query-timeout-s", type=float, default=3.0, help="the server's --query-timeout-s")
    ap.add_argument("--runaway-grace", type=float, default=5.0, help="a runaway's 422 counts as in time within the time limit plus this, s")
    ap.add_argument("--runaway-timeout", type=float, default=60.0, help="client time-out of a runaway request, s")
    ap.add_argument("--request-timeout", type=float, default=30.0, help="client time-out of a normal request, s")
    ap.add_argument("--no-cache-busting", dest="cache_busting", action="store_false",
                    help="send the example queries unchanged (mostly answered from the cache)")
    ap.add_argument("--linkeddata-arg", action="append", default=[], help="extra option for `linkeddata serve` (repeat)")
    ap.add_argument("--no-pin", dest="pin", action="store_false")
    ap.add_argument("--json", help="write every figure here")
    args = ap.parse_args()
    if not (1 <= args.clients <= 1000 and 0 < args.duration <= 600):
        sys.exit("bounded runs only: 1-1000 clients, duration <= 600 s")
    if args.pin and not can_pin():
        print("warning: fewer than 2 usable cores or no taskset: running unpinned", file=sys.stderr)
        args.pin = False
    project = Path(args.project).resolve()
    if not (project / "dist").exists():
        print(f"no release at {project / 'dist'}: building it ...", flush=True)
        subprocess.run([project_bin("linkeddata"), "-q", "build", "--project", str(project)], check=True)
    queries = example_queries(REPO / "linkeddata" / "queries" / "examples")
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    server = None
    try:
        server, startup = start_linkeddata("load", ["--project", str(project), "--query-timeout-s", f"{args.query_timeout_s:g}",
                                                    *args.linkeddata_arg], work, 300, pin=args.pin)
        if args.pin:
            os.sched_setaffinity(0, {DRIVER_CORE})
        url = server.endpoint
        references = fetch_references(url, queries)
        busy_before = foreign_load([server.pid])
        warn_foreign(busy_before, "before the load")
        before = tree_memory(server.pid)
        print(f"server {url} (pid {server.pid}) up in {startup:.1f} s; {len(queries)} example queries, reference answers "
              f"fetched; {args.clients} clients for {args.duration:g} s, a runaway every {args.runaway_every:g} s ...", flush=True)
        with MemorySampler(server.pid, 0.5) as sampler:
            tally, outcomes, timing = asyncio.run(drive(url, queries, references, args))
        busy_after = foreign_load([server.pid])
        warn_foreign(busy_after, "after the load")
        after = tree_memory(server.pid)
        alive = server.alive()
        health = None
        if alive:
            try:
                health = httpx.get(url.rsplit("/", 1)[0] + "/health", timeout=10).json()
            except (httpx.HTTPError, ValueError) as error:
                health = {"error": repr(error)}
    finally:
        if server is not None:
            server.stop()
    problems = server_problems(server.err_path)

    all_latency = [ms for values in tally.latency.values() for ms in values]
    ok = sum(tally.answers.values())
    statuses = {"2xx": sum(v for k, v in tally.status.items() if k // 100 == 2), "4xx": sum(v for k, v in tally.status.items() if k // 100 == 4),
                "5xx": sum(v for k, v in tally.status.items() if k // 100 == 5)}
    verdicts = Counter(o["verdict"] for o in outcomes)
    result = {
        "project": str(project), "clients": args.clients, "duration_s": args.duration, "query_timeout_s": args.query_timeout_s,
        "cache_busting": args.cache_busting, "pinned": args.pin, "startup_s": round(startup, 2), **timing,
        "requests_sent": tally.sent, "statuses": statuses, "status_codes": dict(sorted(tally.status.items())),
        "connection_errors": dict(tally.exceptions), "answers": dict(tally.answers), "wrong_answers": tally.answers.get("wrong", 0),
        "throughput_qps": round(ok / timing["window_s"], 1),
        "latency_ms": {"p50": pct(all_latency, 50), "p99": pct(all_latency, 99), "mean": statistics.fmean(all_latency) if all_latency else None},
        "per_query": {name: {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)} for name, v in sorted(tally.latency.items())},
        "runaways": outcomes, "runaway_verdicts": dict(verdicts),
        "memory": {"before": before, "peak": sampler.peak, "after": after, "samples": sampler.samples},
        "server_alive_after": alive, "health_after": health, "server_log_lines": problems, "error_samples": tally.samples,
        "foreign_load": {"before": busy_before, "after": busy_after}, "log_dir": str(work), "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}"

    print(f"\n== load: {args.clients} clients x {args.duration:g} s on {project / 'dist'}, query time limit {args.query_timeout_s:g} s, "
          f"cache busting {'on' if args.cache_busting else 'off'}" + ("" if args.pin else " (NOT pinned)"))
    print(f"  requests sent {tally.sent}; responses 2xx {statuses['2xx']}  4xx {statuses['4xx']}  5xx {statuses['5xx']}  "
          f"(codes {dict(sorted(tally.status.items()))})")
    print(f"  connection errors / time-outs: {dict(tally.exceptions) or 0}")
    print(f"  answers checked {ok}: {dict(tally.answers)}; WRONG {tally.answers.get('wrong', 0)}")
    print(f"  normal queries: {result['throughput_qps']} answered/s; latency p50 {f(result['latency_ms']['p50'])} ms, "
          f"p99 {f(result['latency_ms']['p99'])} ms (window {timing['window_s']} s, drain {timing['drain_s']} s, driver CPU {100 * timing['driver_cpu_util']:.0f}%)")
    for name, q in result["per_query"].items():
        print(f"    {name:45} n={q['n']:6}  p50 {f(q['p50']):>8} ms  p99 {f(q['p99']):>8} ms")
    print(f"  runaways sent {len(outcomes)}: {dict(verdicts)} (in time = 422 query_timeout within "
          f"{args.query_timeout_s:g} + {args.runaway_grace:g} s)")
    for o in outcomes:
        print(f"    #{o['n']:<3} at {o['sent_at_s']:6.1f} s -> {o['status']} {o.get('error', '')} after {o['elapsed_s']} s  [{o['verdict']}]")
    mem = result["memory"]
    print(f"  server memory (process tree, MiB)   RSS before {mib(before['rss_kb'])}  peak {mib(mem['peak']['rss_kb'])}  after {mib(after['rss_kb'])}"
          f"   |  PSS before {mib(before['pss_kb'])}  peak {mib(mem['peak']['pss_kb'])}  after {mib(after['pss_kb'])}"
          f"   |  processes before {before['processes']}, peak {mem['peak']['processes']}, after {after['processes']}")
    print(f"  server alive after the run: {alive}; /health: {json.dumps(health.get('pool') if isinstance(health, dict) else health)}")
    for when, busy in (("before", busy_before), ("after", busy_after)):
        for b in busy:
            print(f"  WARNING: busy {when} the load (skews the figures): pid {b['pid']} {100 * b['cpu']:.0f}% of a core: {b['cmd']}")
    if tally.samples:
        print("  samples of failures:")
        for kind, texts in tally.samples.items():
            for text in texts:
                print(f"    [{kind}] {text[:300]}")
    if problems:
        print("  server log lines worth a look:")
        for line in problems:
            print(f"    {line[:300]}")
    failed = statuses["5xx"] or tally.exceptions or tally.answers.get("wrong") or verdicts.get("unexpected") or not alive
    late = verdicts.get("422 late", 0)
    print("\nRESULT: " + ("PROBLEMS FOUND (see above)" if failed else "no 5xx, no connection errors, no wrong answers, every runaway stopped")
          + (f"; {late} runaway(s) stopped later than the limit + grace" if late else ""))
    if args.json:
        print(f"full figures: {args.json}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
