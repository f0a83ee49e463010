"""Property-based fuzzing of `linkeddata serve` from its OpenAPI schema, with schemathesis (bounded run).

    .venv/bin/python benchmarks/fuzz.py                          # start a server on the seed release, fuzz it
    .venv/bin/python benchmarks/fuzz.py --url http://127.0.0.1:8000 --max-time 60
    .venv/bin/python benchmarks/fuzz.py --as-served              # the schema exactly as /openapi.json serves it
    .venv/bin/python benchmarks/fuzz.py --mode service --mutations 2000   # SERVICE spellings vs a listener on 127.0.0.1
    .venv/bin/python benchmarks/fuzz.py --mode framing           # request smuggling / framing corpus, raw sockets

schemathesis is installed into benchmarks/.venv-competitors (from benchmarks/requirements.txt), never into the
project's venv. Checks: not_a_server_error (no 5xx) and response_schema_conformance (responses match the schema
where it declares one); --checks changes them. The run is bounded by --max-examples per operation and --max-time.

The served schema declares routes such as /actor/{rest} and /text/{article_id} without their path parameters,
and /sparql without its `query` parameter, so schemathesis cannot generate requests for them (it reports
"Path parameter ... is not defined"). Unless --as-served is given, this script fuzzes a copy of the schema with
those parameters added as plain strings (and the SPARQL protocol's query parameters and POST bodies), and lists
what it added. Prints: generated test cases, failures per check, response status codes per operation, and
server log lines worth a look.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
from endpoint import DRIVER_CORE, REPO, can_pin, competitors_venv, pinned, start_linkeddata
from fuzz_outbound import fuzz_framing, fuzz_service

STRING = {"type": "string"}
SPARQL_QUERY_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": STRING},
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": STRING},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": STRING},
    {"name": "format", "in": "query", "required": False, "schema": STRING},
]
SPARQL_POST_BODY = {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"query": STRING, "default-graph-uri": STRING}}},
    "application/sparql-query": {"schema": STRING},
}}


def served_examples(base: str) -> dict[str, list[str]]:
    """Real values for the templated routes, so that examples reach existing resources and not only 404s:
    {'/actor/{rest}': ['serbia', 'serbia.ttl', ...], ..., 'query': [example queries]}."""
    found: dict[str, list[str]] = defaultdict(list)
    query = "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isIRI(?s)) } LIMIT 5000"
    response = httpx.get(base + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    if response.status_code == 200:
        for row in response.json()["results"]["bindings"]:
            match = re.match(r"^https?://[^/]+/(actor|fact|article|graph)/(.+)$", row["s"]["value"])
            if match and len(found[match.group(1)]) < 4:
                found[match.group(1)].append(match.group(2))
    examples = {f"/{prefix}/{{rest}}": [rest + suffix for rest in values for suffix in ("", ".html", ".ttl", ".jsonld")]
                for prefix, values in found.items()}
    examples["/text/{article_id}"] = sorted(path.stem for path in (Path(REPO) / "dist" / "articles").glob("*.txt"))[:3]
    examples["/ontology{suffix}"] = ["", ".html", ".ttl", ".jsonld", ".nt", ".rdf", ".xyz"]
    examples["/dataset{suffix}"] = ["", ".html", ".ttl", ".jsonld"]
    examples["query"] = [path.read_text(encoding="utf-8") for path in sorted((REPO / "linkeddata" / "queries" / "examples").glob("*.rq"))]
    return examples


def augment(schema: dict, examples: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """Return a copy of the schema with undeclared path parameters and the SPARQL protocol parameters added,
    with real values from the served data as examples."""
    schema = copy.deepcopy(schema)
    added = []
    for path, item in schema.get("paths", {}).items():
        names = re.findall(r"{([^}:]+)(?::[^}]*)?}", path)
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            params = operation.setdefault("parameters", [])
            declared = {(p.get("name"), p.get("in")) for p in params}
            for name in names:
                if (name, "path") not in declared:
                    schema_of = {**STRING, "examples": examples[path]} if examples.get(path) else STRING
                    params.append({"name": name, "in": "path", "required": True, "schema": schema_of})
                    added.append(f"{method.upper()} {path}: path parameter {name}")
            if path == "/sparql":
                for param in SPARQL_QUERY_PARAMETERS:
                    if (param["name"], "query") not in declared:
                        param = copy.deepcopy(param)
                        if param["name"] == "query" and examples.get("query"):
                            param["schema"] = {**STRING, "examples": examples["query"]}
                        params.append(param)
                        added.append(f"{method.upper()} {path}: query parameter {param['name']}")
                if method == "post" and "requestBody" not in operation:
                    operation["requestBody"] = copy.deepcopy(SPARQL_POST_BODY)
                    added.append(f"POST {path}: form and application/sparql-query bodies")
    return schema, added


def read_events(ndjson: Path) -> dict:
    """Status codes per operation, failing checks and non-fatal errors from schemathesis's NDJSON report."""
    codes: dict[str, Counter] = defaultdict(Counter)
    failures: dict[str, Counter] = defaultdict(Counter)
    failure_samples: list[dict] = []
    errors: Counter[str] = Counter()
    checks_run: Counter[str] = Counter()
    for line in ndjson.read_text().splitlines():
        event = json.loads(line)
        if "NonFatalError" in event:
            value = event["NonFatalError"]
            errors[f"{value.get('label')}: {value.get('value', {}).get('message', '')[:160]}"] += 1
            continue
        if "ScenarioFinished" not in event:
            continue
        recorder = event["ScenarioFinished"].get("recorder", {})
        label = recorder.get("label", "?")
        interactions = recorder.get("interactions", {})
        for interaction in interactions.values():
            response = interaction.get("response") or {}
            codes[label][response.get("status_code", "no response")] += 1
        for case_id, results in recorder.get("checks", {}).items():
            for check in results:
                checks_run[check.get("name", "?")] += 1
                if check.get("status") == "failure":
                    failures[label][check.get("name", "?")] += 1
                    request = (interactions.get(case_id) or {}).get("request", {})
                    response = (interactions.get(case_id) or {}).get("response") or {}
                    seen = {(f["operation"], f["check"], f["uri"]) for f in failure_samples}
                    if len(failure_samples) < 10 and (label, check.get("name"), request.get("uri")) not in seen:
                        failure_samples.append({"operation": label, "check": check.get("name"), "method": request.get("method"),
                                                "uri": request.get("uri"), "status": response.get("status_code"),
                                                "detail": json.dumps(check.get("failure_info") or check)[:400]})
    return {"status_codes": {k: dict(v) for k, v in sorted(codes.items())}, "failures": {k: dict(v) for k, v in failures.items()},
            "failure_samples": failure_samples, "non_fatal_errors": dict(errors), "checks_run": dict(checks_run)}


def summary_block(stdout: str) -> dict:
    """The 'Test cases:' figures of schemathesis's closing summary, e.g. '1460 generated, 1457 passed, 3 failed'."""
    found = {}
    match = re.search(r"Test cases:\s*\n\s*([^\n]+)", stdout)
    if match:
        found["line"] = match.group(1).strip()
        for number, word in re.findall(r"(\d+) (\w+)", match.group(1)):
            found[word] = int(number)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="base URL of a running server on loopback (default: start one on the seed release)")
    ap.add_argument("--project", default=str(REPO), help="data project served when no --url is given")
    ap.add_argument("--query-timeout-s", type=float, default=3.0, help="the started server's --query-timeout-s")
    ap.add_argument("--checks", default="not_a_server_error,response_schema_conformance")
    ap.add_argument("--max-examples", type=int, default=100, help="test cases per operation and phase")
    ap.add_argument("--max-time", type=int, default=180, help="time budget of the whole run, s")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--as-served", action="store_true", help="fuzz /openapi.json exactly as served")
    ap.add_argument("--no-pin", dest="pin", action="store_false")
    ap.add_argument("--json", help="write the summary here")
    ap.add_argument("--mode", choices=("schema", "service", "framing"), default="schema",
                    help="schema: schemathesis over the OpenAPI schema; service: mutated SERVICE spellings; framing: smuggling corpus")
    ap.add_argument("--mutations", type=int, default=1000, help="SERVICE spellings sent in --mode service")
    args = ap.parse_args()
    if args.mode != "schema":
        run_corpus(args)
        return
    if not (1 <= args.max_time <= 1800):
        sys.exit("bounded runs only: --max-time between 1 and 1800 s")
    if args.pin and not can_pin():
        args.pin = False
    venv = competitors_venv()
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    server = None
    try:
        if args.url:
            base = args.url.rstrip("/")
            if not re.match(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$", base):
                sys.exit("loopback servers only")
        else:
            project = Path(args.project).resolve()
            if not (project / "dist").exists():
                subprocess.run([str(Path(sys.executable).parent / "linkeddata"), "-q", "build", "--project", str(project)], check=True)
            server, _ = start_linkeddata("fuzz", ["--project", str(project), "--query-timeout-s", f"{args.query_timeout_s:g}"], work, 300, pin=args.pin)
            base = server.endpoint.rsplit("/", 1)[0]
        served = httpx.get(base + "/openapi.json", timeout=30).json()
        undeclared = [f"{m.upper()} {p}" for p, item in served["paths"].items() for m, op in item.items()
                      if re.search(r"{[^}]+}", p) and not any(x.get("in") == "path" for x in op.get("parameters", []))]
        schema, added = (served, []) if args.as_served else augment(served, served_examples(base))
        schema_path = work / "openapi.json"
        schema_path.write_text(json.dumps(schema, indent=1))
        report_dir = work / "report"
        argv = [str(venv / "bin" / "schemathesis"), "run", str(schema_path), "--url", base, "--checks", args.checks,
                "--max-examples", str(args.max_examples), "--max-time", str(args.max_time), "--seed", str(args.seed),
                "--workers", "1", "--request-timeout", "30", "--generation-database", "none", "--no-color",
                "--report", "junit,ndjson", "--report-dir", str(report_dir)]
        print(f"fuzzing {base} ({len(schema['paths'])} paths) for at most {args.max_time} s, {args.max_examples} examples per "
              f"operation; checks {args.checks} ...", flush=True)
        started = time.perf_counter()
        done = subprocess.run(pinned(argv, DRIVER_CORE, args.pin), check=False, capture_output=True, text=True,
                              timeout=args.max_time + 300, cwd=work)  # its .schemathesis/ cache stays in the work folder
        elapsed = time.perf_counter() - started
        alive = server.alive() if server else None
        health_status = None
        try:
            health_status = httpx.get(base + "/health", timeout=10).status_code
        except httpx.HTTPError as error:
            health_status = repr(error)
    finally:
        if server is not None:
            server.stop()
    (work / "schemathesis.out").write_text(done.stdout + done.stderr)
    ndjson = next(report_dir.glob("*.ndjson"), None)
    events = read_events(ndjson) if ndjson else {}
    cases = summary_block(done.stdout)
    log_lines = []
    if server is not None and server.err_path.exists():
        log_lines = [line for line in server.err_path.read_text(errors="replace").splitlines()
                     if re.search(r"Traceback|unexpected error|Error|Exception", line)][:40]
    five_xx = {op: {c: n for c, n in codes.items() if isinstance(c, int) and c >= 500} for op, codes in events.get("status_codes", {}).items()}
    five_xx = {op: v for op, v in five_xx.items() if v}
    result = {"base_url": base, "checks": args.checks, "max_examples": args.max_examples, "max_time_s": args.max_time, "seed": args.seed,
              "elapsed_s": round(elapsed, 1), "exit_code": done.returncode, "test_cases": cases, "schema_as_served": args.as_served,
              "operations_with_undeclared_path_parameters": undeclared, "schema_additions": added, "responses_5xx": five_xx,
              "server_alive_after": alive, "health_after": health_status, "server_log_lines": log_lines, "work_dir": str(work), **events}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))

    print(f"\n== schemathesis on {base}: {elapsed:.0f} s, exit code {done.returncode}")
    print(f"  test cases: {cases or '(no summary line found)'}")
    if undeclared:
        print(f"  schema as served: {len(undeclared)} operation(s) with path parameters it does not declare: {', '.join(undeclared)}")
        if added:
            print(f"  fuzzed with {len(added)} addition(s) to the schema (see {schema_path})")
    print(f"  checks run: {events.get('checks_run', {})}")
    print(f"  failures by operation and check: {events.get('failures') or 'none'}")
    for sample in events.get("failure_samples", []):
        print(f"    {sample['operation']} [{sample['check']}] {sample['method']} {sample['uri']} -> {sample['status']}: {sample['detail'][:300]}")
    print(f"  5xx responses: {five_xx or 'none'}")
    if events.get("non_fatal_errors"):
        print("  schemathesis errors (not server failures):")
        for text, count in events["non_fatal_errors"].items():
            print(f"    {count} x {text}")
    print("  response status codes per operation:")
    for op, codes in events.get("status_codes", {}).items():
        print(f"    {op:28} " + "  ".join(f"{c}: {n}" for c, n in sorted(codes.items(), key=lambda kv: str(kv[0]))))
    print(f"  server alive after: {alive}; /health -> {health_status}")
    if log_lines:
        print("  server log lines worth a look:")
        for line in log_lines:
            print(f"    {line[:300]}")
    tail = "\n".join(line for line in done.stdout.splitlines()[-40:] if line.strip())
    print(f"\n-- schemathesis summary (full output: {work / 'schemathesis.out'})\n{tail}")
    if args.json:
        print(f"\nfull figures: {args.json}")
    bad = bool(five_xx) or bool(events.get("failures")) or alive is False
    sys.exit(1 if bad else 0)


def run_corpus(args: argparse.Namespace) -> None:
    """--mode service / framing: start a server on the seed release (or use --url), send the corpus, print the figures."""
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    server = None
    try:
        if args.url:
            base = args.url.rstrip("/")
        else:
            project = Path(args.project).resolve()
            if not (project / "dist").exists():
                subprocess.run([str(Path(sys.executable).parent / "linkeddata"), "-q", "build", "--project", str(project)], check=True)
            server, _ = start_linkeddata("fuzz", ["--project", str(project), "--query-timeout-s", f"{args.query_timeout_s:g}"], work, 300, pin=False)
            base = server.endpoint.rsplit("/", 1)[0]
        if not re.match(r"^http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$", base):
            sys.exit("loopback servers only")
        started = time.perf_counter()
        if args.mode == "service":
            result: dict = fuzz_service(base, args.mutations, args.seed)
            print(f"== {result['mutations']} SERVICE spellings (seed {args.seed}) in {time.perf_counter() - started:.0f} s")
            print(f"  would connect on a bare Oxigraph store: {result['live_on_bare_engine']}")
            print(f"  server answers: {result['server_statuses']}")
            print(f"  connections the listener saw from the server: {result['connections_from_server']}")
            for query in result["answered_200"]:
                print(f"  answered 200 (reached the engine, refused by the worker sandbox or SILENT): {query!r}")
            failed = result["connections_from_server"] > 0
        else:
            result = fuzz_framing(base)
            print(f"== framing corpus: {len(result)} cases")
            for name, outcome in result.items():
                print(f"  {name:26} responses {outcome['responses']}  closed {outcome['closed']}  smuggled {outcome['smuggled']}")
            failed = any(outcome["smuggled"] for outcome in result.values())
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    finally:
        if server is not None:
            server.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
