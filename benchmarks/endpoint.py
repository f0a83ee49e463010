"""Side-by-side SPARQL endpoint benchmark: Oxigraph server, rdflib-endpoint and `linkeddata serve` (cache off and on).

Run with the project's Python (the load driver needs httpx):

    .venv/bin/python benchmarks/endpoint.py                       # 100k facts, 3 rounds of 20 s
    .venv/bin/python benchmarks/endpoint.py --rounds 1 --duration 15 --systems oxigraph,ld-nocache --json out.json

Every system serves the same generated file (shared/bench/gen_facts.py, cached under the temp dir by facts and seed).
Each server runs pinned to core 0 with `taskset -c 0`, the driver (shared/bench/bench_endpoint.py) to core 1. First
`--mode check` runs against each system and its per-query result digests are compared with Oxigraph's; then
`--mode load` runs for N interleaved rounds. Reported per system: start-up time (until it answers a query over the
loaded data), resident memory of the server's process tree, median queries/s over rounds, p50/p95/p99 per query
from the last round, ratios within each round, and where each server's CPU went in the load rounds (its own
process against its children, the kernel's share). The competitors are installed from benchmarks/requirements.txt
into benchmarks/.venv-competitors on first use. The helpers here (servers, memory, venv) are shared by load.py and fuzz.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple, Self

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"
COMPETITORS_VENV = BENCHMARKS / ".venv-competitors"
REQUIREMENTS = BENCHMARKS / "requirements.txt"
SERVER_CORE, DRIVER_CORE = 0, 1
ASK_ANY = "ASK { ?s ?p ?o }"
SYSTEMS = {  # key: label
    "oxigraph": "oxigraph",
    "rdflib-endpoint": "rdflib-endpoint",
    "ld-nocache": "linkeddata (cache off)",
    "ld-cache": "linkeddata (cache on)",
    "ld-nocache-procs": "linkeddata, process/query",
    "ld-nocache-glibc": "linkeddata, glibc malloc",
    "ld-nocache-mimalloc": "linkeddata, mimalloc",
    "virtuoso": "virtuoso",
    "ld-virtuoso": "linkeddata -> virtuoso",
}
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")  # Debian's virtuoso-opensource, as tests/test_virtuoso.py uses it
VIRTUOSO_GRAPH = "https://example.org/bench"
# 340,000 8 KiB pages (2.6 GiB), the ini's own suggestion for 4 GB free: the 1.1 M triples and their indexes fit in memory.
VIRTUOSO_BUFFERS = (340_000, 250_000)


# ---------------------------------------------------------------- shared helpers (load.py and fuzz.py use them too)

def shared_bench_dir(given: str | None = None) -> Path:
    """Return the read-only shared bench folder (gen_facts.py, queries/, bench_endpoint.py)."""
    candidates = [given, os.environ.get("LINKEDDATA_SHARED_BENCH"), "/work/shared/bench", str(REPO.parent / "shared" / "bench")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "bench_endpoint.py").is_file():
            return Path(candidate)
    sys.exit("shared bench folder not found: pass --bench-dir or set LINKEDDATA_SHARED_BENCH")


def project_bin(name: str) -> str:
    """Return a console script of the project's venv (the one running this script)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        sys.exit(f"{path} not found: run this script with the project's venv python (. .venv/bin/activate)")
    return str(path)


def competitors_venv(quiet: bool = False) -> Path:
    """Return benchmarks/.venv-competitors, creating it from requirements.txt when missing or out of date."""
    stamp = COMPETITORS_VENV / ".requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return COMPETITORS_VENV
    if not quiet:
        print(f"installing competitors into {COMPETITORS_VENV} from {REQUIREMENTS.name} ...", flush=True)
    base_python = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
    if not (COMPETITORS_VENV / "bin" / "python").exists():
        subprocess.run([base_python, "-m", "venv", str(COMPETITORS_VENV)], check=True)
    pip = [str(COMPETITORS_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted + "\n")
    return COMPETITORS_VENV


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_pin() -> bool:
    return shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2 and {SERVER_CORE, DRIVER_CORE} <= os.sched_getaffinity(0)


def pinned(argv: list[str], core: int, pin: bool) -> list[str]:
    return ["taskset", "-c", str(core), *argv] if pin else argv


class ProcessStat(NamedTuple):
    name: str
    parent: int
    user_ticks: int
    system_ticks: int


def process_stat(pid: int | str) -> ProcessStat | None:
    """Return a process's name, parent and CPU ticks from /proc/PID/stat, or None once it has ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # the command name in parentheses may hold spaces
    return ProcessStat(stat[stat.index("(") + 1:stat.rindex(")")], int(fields[1]), int(fields[11]), int(fields[12]))


def parent_pid(pid: int | str) -> int | None:
    """Return the parent of a process from /proc, or None once it has ended."""
    stat = process_stat(pid)
    return stat.parent if stat else None


def process_tree(root: int) -> list[int]:
    """Return root and every descendant pid (one scan of /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        ppid = parent_pid(entry)
        if ppid is not None:
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _cpu_ticks() -> dict[int, tuple[int, str]]:
    ticks = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := process_stat(entry)) is not None:
            ticks[int(entry)] = (stat.user_ticks + stat.system_ticks, stat.name)
    return ticks


def tree_cpu(root: int) -> dict[str, float]:
    """Return the CPU seconds a server's process tree has used so far: its own process and its descendants, user and kernel."""
    seconds = {"main_user": 0.0, "main_system": 0.0, "children_user": 0.0, "children_system": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in process_tree(root):
        stat = process_stat(pid)
        if stat is None:
            continue
        who = "main" if pid == root else "children"
        seconds[f"{who}_user"] += stat.user_ticks / tick
        seconds[f"{who}_system"] += stat.system_ticks / tick
    return seconds


def cpu_split(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Return where a load round's CPU went: seconds in all, and the shares of the server's own process and of the kernel."""
    used = {key: after[key] - before.get(key, 0.0) for key in after}
    total = sum(used.values())
    return {"cpu_s": round(total, 2),
            "main_share": round((used["main_user"] + used["main_system"]) / total, 4) if total else 0.0,
            "system_share": round((used["main_system"] + used["children_system"]) / total, 4) if total else 0.0}


def foreign_load(mine: list[int], seconds: float = 1.0) -> list[dict]:
    """Processes outside `mine` (pids whose trees are ours) that used more than 10 % of a core over `seconds`:
    another job on this 2-core machine skews every figure, so the scripts print and record them."""
    own = {os.getpid()}
    for pid in mine:
        own.update(process_tree(pid))
    first = _cpu_ticks()
    time.sleep(seconds)
    second = _cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (ticks, name) in second.items():
        if pid in own or pid not in first:
            continue
        share = (ticks - first[pid][0]) / hz / seconds
        if share > 0.10:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()[:100]
            except OSError:
                cmd = name
            busy.append({"pid": pid, "cpu": round(share, 2), "cmd": cmd or name})
    return busy


def warn_foreign(busy: list[dict], when: str) -> None:
    if busy:
        print(f"WARNING ({when}): other processes are busy on this machine, figures will be skewed: "
              + "; ".join(f"pid {b['pid']} {100 * b['cpu']:.0f}% {b['cmd']}" for b in busy), file=sys.stderr, flush=True)


def proc_field_kb(path: str, field: str) -> int | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def tree_memory(root: int) -> dict[str, int]:
    """Resident memory of a process and its children: summed VmRSS (counts shared copy-on-write pages once per
    process, so it overstates forked workers) and summed Pss (shared pages split between sharers), in KiB."""
    rss = pss = count = 0
    for pid in process_tree(root):
        value = proc_field_kb(f"/proc/{pid}/status", "VmRSS")
        if value is None:
            continue
        count += 1
        rss += value
        pss += proc_field_kb(f"/proc/{pid}/smaps_rollup", "Pss") or 0
    return {"rss_kb": rss, "pss_kb": pss, "processes": count}


class Sampler:
    """Calls `sample()` every `every_s` in a thread between `with` entry and exit; build.py's samplers share it too.

    A sample of a big process tree is not free (the kernel walks its page tables for PSS: half a core at 5 samples/s
    beside a 3.4 GB build), so the wait after each one is at least nine times the CPU it took: at most a tenth of a
    core. CPU, not wall time: a foreign-load reading spends a second watching, asleep, and must follow on at once.
    """

    def __init__(self, pid: int, every_s: float) -> None:
        self.pid, self.every_s = pid, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.thread_time()
            self.sample()
            self._stop.wait(max(self.every_s, 9 * (time.thread_time() - started)))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class MemorySampler(Sampler):
    """Samples tree_memory(pid) every `every_s` in a thread; keeps the peak RSS and PSS."""

    def __init__(self, pid: int, every_s: float = 0.5) -> None:
        super().__init__(pid, every_s)
        self.peak = {"rss_kb": 0, "pss_kb": 0, "processes": 0}
        self.samples = 0

    def sample(self) -> None:
        mem = tree_memory(self.pid)
        self.samples += 1
        for key in self.peak:
            self.peak[key] = max(self.peak[key], mem[key])


def mib(kb: int | None) -> str:
    return "-" if not kb else f"{kb / 1024:.0f}"


def sparql_get(url: str, query: str, timeout: float, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    """GET a query; returns (status, body), status 0 when the connection failed."""
    request = urllib.request.Request(url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, urllib.error.URLError):
        return 0, b""


class Server:
    """One server process in its own session (process group), logs to files, stopped by its group in stop()."""

    def __init__(self, key: str, argv: list[str], log_dir: Path, *, pin: bool = True, env: dict[str, str] | None = None) -> None:
        self.key, self.argv = key, argv
        self.out_path, self.err_path = log_dir / f"{key}.out.log", log_dir / f"{key}.err.log"
        self.pin, self.env = pin, env
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.endpoint = ""
        self.bulk_load_s: float | None = None

    def start(self) -> None:
        self.started_at = time.perf_counter()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(pinned(self.argv, SERVER_CORE, self.pin), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=self.env)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        text = ""
        for path in (self.out_path, self.err_path):
            if path.exists():
                text += "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])
        return text

    def fail(self, why: str) -> None:
        raise RuntimeError(f"{self.key}: {why}\n--- log tail ---\n{self.log_tail()}")

    def wait_for_stdout(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            match = re.search(pattern, self.out_path.read_text(errors="replace")) if self.out_path.exists() else None
            if match:
                return match
            if not self.alive():
                self.fail(f"exited with code {self.process.returncode if self.process else '?'} before printing {pattern!r}")
            time.sleep(0.05)
        self.fail(f"no {pattern!r} on stdout within {timeout:.0f} s")
        raise AssertionError

    def wait_answering(self, url: str, timeout: float, want: bytes | None = None) -> float:
        """Poll `url` with ASK until it answers 200 (and the body holds `want`); returns seconds since start()."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            status, body = sparql_get(url, ASK_ANY, timeout=max(1.0, min(30.0, deadline - time.perf_counter())))
            if status == 200 and (want is None or want in body.replace(b" ", b"")):
                return time.perf_counter() - self.started_at
            if not self.alive():
                self.fail(f"exited with code {self.process.returncode if self.process else '?'} before answering")
            time.sleep(0.1)
        self.fail(f"not answering {url} within {timeout:.0f} s")
        raise AssertionError

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL what is left after 15 s."""
        if self.process is None:
            return
        for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait_s)
                # the leader is gone; the group may still hold forked workers
                os.killpg(self.process.pid, 0)
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                break
            time.sleep(0.5)
        if self.process.poll() is None:
            self.process.wait(timeout=5)


def start_linkeddata(key: str, args: list[str], log_dir: Path, timeout: float, *, pin: bool = True,
                     env: dict[str, str] | None = None) -> tuple[Server, float]:
    """Start `linkeddata serve ARGS --host 127.0.0.1 --port 0`; returns the server (endpoint set) and its start-up time."""
    server = Server(key, [project_bin("linkeddata"), "serve", *args, "--host", "127.0.0.1", "--port", "0"], log_dir, pin=pin,
                    env={**os.environ, **env} if env else None)
    server.start()
    match = server.wait_for_stdout(r"serving (\d+) quads on (http://[^/\s]+)/", timeout)
    server.endpoint = match.group(2) + "/sparql"
    startup = server.wait_answering(server.endpoint, timeout)
    return server, startup


# ---------------------------------------------------------------- the side-by-side run

def facts_file(bench: Path, facts: int, seed: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "linkeddata-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"facts-{facts}-seed{seed}.nt"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        partial = path.with_suffix(f".nt.{os.getpid()}.part")
        subprocess.run([sys.executable, str(bench / "gen_facts.py"), "--facts", str(facts), "--seed", str(seed), "--out", str(partial)], check=True)
        partial.rename(path)
    return path


def start_system(key: str, data: Path, log_dir: Path, args: argparse.Namespace, servers: dict[str, Server]) -> tuple[Server, float]:
    venv = COMPETITORS_VENV / "bin"
    if key == "virtuoso":
        return start_virtuoso(data, log_dir, args)
    if key == "ld-virtuoso":
        if "virtuoso" not in servers:
            sys.exit("ld-virtuoso queries the virtuoso system: list virtuoso before it in --systems")
        # An empty project folder: no release, so serve answers SPARQL from the backend only.
        empty = log_dir / "ld-virtuoso-project"
        empty.mkdir()
        return start_linkeddata(key, ["--project", str(empty), "--sparql-backend", servers["virtuoso"].endpoint, "--cache-entries", "0",
                                      *args.linkeddata_arg], log_dir, args.start_timeout, pin=args.pin)
    if key == "oxigraph":
        port = free_port()
        server = Server(key, [str(venv / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"], log_dir, pin=args.pin)
        server.start()
        server.endpoint = f"http://127.0.0.1:{port}/query"
        server.wait_answering(server.endpoint, 60)
        with open(data, "rb") as body:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/store?default", data=body, method="POST",
                                             headers={"Content-Type": "application/n-triples", "Content-Length": str(data.stat().st_size)})
            with urllib.request.urlopen(request, timeout=args.start_timeout) as response:
                if response.status not in (200, 201, 204):
                    server.fail(f"loading answered HTTP {response.status}")
        return server, server.wait_answering(server.endpoint, 60, want=b"true")
    if key == "rdflib-endpoint":
        port = free_port()
        server = Server(key, [str(venv / "rdflib-endpoint"), "serve", str(data), "--host", "127.0.0.1", "--port", str(port)], log_dir, pin=args.pin)
        server.start()
        server.endpoint = f"http://127.0.0.1:{port}/"
        return server, server.wait_answering(server.endpoint, args.rdflib_start_timeout, want=b"true")
    extra = ["--cache-entries", "0"] if key.startswith("ld-nocache") else []
    if key == "ld-nocache-procs":  # the worker model before issue 16: one query per worker process, eight processes
        extra += ["--queries-per-worker", "1", "--query-workers", "8"]
    # The default (auto) preloads jemalloc where the machine has it; these two measure the alternatives in the same run.
    allocator = {"ld-nocache-glibc": "system", "ld-nocache-mimalloc": "mimalloc"}.get(key)
    return start_linkeddata(key, [str(data), *extra, *args.linkeddata_arg], log_dir, args.start_timeout, pin=args.pin,
                            env={"LINKEDDATA_ALLOCATOR": allocator} if allocator else None)


def write_virtuoso_ini(folder: Path, sql_port: int, http_port: int, readable: Path) -> None:
    """Write folder/virtuoso.ini: Debian's, with its database in `folder`, loopback ports, `readable` in DirsAllowed and the buffers sized."""
    ini = VIRTUOSO_INI.read_text(encoding="utf-8").replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    ini = ini.replace("ServerPort               = 1111", f"ServerPort               = 127.0.0.1:{sql_port}")
    ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = 127.0.0.1:{http_port}")
    ini = ini.replace("DirsAllowed              = .", f"DirsAllowed              = ., {readable}")
    ini = ini.replace("NumberOfBuffers          = 10000", f"NumberOfBuffers          = {VIRTUOSO_BUFFERS[0]}")
    ini = ini.replace("MaxDirtyBuffers          = 6000", f"MaxDirtyBuffers          = {VIRTUOSO_BUFFERS[1]}")
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")


def start_virtuoso(data: Path, log_dir: Path, args: argparse.Namespace) -> tuple[Server, float]:
    """Start Debian's Virtuoso with its own database folder on free loopback ports, and bulk-load `data` with its own
    loader (ld_dir + rdf_loader_run through isql) into one graph; start-up includes the load, as for Oxigraph."""
    virtuoso, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if virtuoso is None or isql is None or not VIRTUOSO_INI.exists():
        sys.exit("virtuoso: Debian's virtuoso-opensource is not installed (apt-get install virtuoso-opensource)")
    folder = log_dir / "virtuoso-db"
    folder.mkdir()
    sql_port, http_port = free_port(), free_port()
    write_virtuoso_ini(folder, sql_port, http_port, data.parent)
    server = Server("virtuoso", [virtuoso, "-f", "-c", str(folder / "virtuoso.ini")], log_dir, pin=args.pin)
    server.start()
    server.endpoint = f"http://127.0.0.1:{http_port}/sparql"
    server.wait_answering(server.endpoint, 120)
    script = (f"ld_dir('{data.parent}', '{data.name}', '{VIRTUOSO_GRAPH}');\nrdf_loader_run();\ncheckpoint;\n"
              "SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list;\n")
    started = time.perf_counter()
    done = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba"], input=script, capture_output=True, text=True,
                          timeout=args.start_timeout, check=False)
    if done.returncode != 0 or "Error" in done.stdout or "*** Error" in done.stderr:
        server.fail(f"bulk load failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")
    server.bulk_load_s = time.perf_counter() - started
    return server, server.wait_answering(server.endpoint, 60, want=b"true")


def window(key: str, args: argparse.Namespace) -> tuple[float, float]:
    """(warm-up, measured) seconds of a load run. rdflib-endpoint gets a longer window: at 100k facts one query takes
    seconds, so c concurrent requests may not finish inside a 20 s window at all (it would report 0 q/s)."""
    if key == "rdflib-endpoint":
        return max(args.warmup, args.rdflib_warmup), max(args.duration, args.rdflib_duration)
    return args.warmup, args.duration


def run_driver(bench: Path, server: Server, mode: str, args: argparse.Namespace, out: Path) -> dict:
    timeout = args.rdflib_timeout if server.key == "rdflib-endpoint" else args.timeout
    argv = [sys.executable, str(bench / "bench_endpoint.py"), "--url", server.endpoint, "--mode", mode, "--mix", args.mix,
            "--timeout", str(timeout), "--label", server.key, "--json", str(out)]
    warmup, duration = window(server.key, args)
    if mode == "load":
        argv += ["-c", str(args.concurrency), "--warmup", str(warmup), "--duration", str(duration)]
    limit = warmup + duration + timeout + 120 if mode == "load" else 40 * timeout
    done = subprocess.run(pinned(argv, DRIVER_CORE, args.pin), check=False, capture_output=True, text=True, timeout=limit)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"driver failed on {server.key} ({mode}): {done.stderr[-2000:]}")
    return json.loads(out.read_text())


def strip_tag(digest: str) -> str:
    """bench_endpoint tags digests of non-N-Triples graph answers '(xml)…': the digest itself is format-independent."""
    return re.sub(r"^\([^)]*\)", "", digest)


def compare_checks(checks: dict[str, dict], reference: str) -> dict[str, dict[str, str]]:
    """Return {query: {system: 'MATCH' | 'MISMATCH k/n' | 'ERROR ...'}} against the reference system."""
    verdicts: dict[str, dict[str, str]] = {}
    ref = checks[reference]["per_query"]
    for query, entry in ref.items():
        wanted = [[str(size), strip_tag(str(digest))] for size, digest in entry["results"]]
        verdicts[query] = {}
        for key, check in checks.items():
            got = [[str(size), strip_tag(str(digest))] for size, digest in check["per_query"].get(query, {}).get("results", [])]
            errors = [g for g in got if not g[0].isdigit()]
            if errors:
                verdicts[query][key] = f"ERROR {errors[0][0]}"
            elif got == wanted:
                verdicts[query][key] = "MATCH"
            else:
                same = sum(1 for a, b in zip(got, wanted) if a == b)
                sizes = "same sizes" if [g[0] for g in got] == [w[0] for w in wanted] else "sizes differ"
                verdicts[query][key] = f"MISMATCH {len(wanted) - same}/{len(wanted)} ({sizes})"
    return verdicts


def versions(keys: list[str]) -> dict[str, str]:
    found = {}
    python = str(COMPETITORS_VENV / "bin" / "python")
    for key, package in (("oxigraph", "oxigraph"), ("rdflib-endpoint", "rdflib-endpoint")):
        if key in keys:
            done = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version({package!r}))"], check=False, capture_output=True, text=True)
            found[key] = done.stdout.strip()
    done = subprocess.run([project_bin("linkeddata"), "--version"], check=False, capture_output=True, text=True)
    found["linkeddata"] = done.stdout.strip().replace("linkeddata, version ", "")
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "linkeddata"], check=False, capture_output=True, text=True)
    found["project_commit"] = commit.stdout.strip() + (" (linkeddata/ has uncommitted changes)" if dirty.stdout.strip() else "")
    return found


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(result: dict) -> None:
    keys = result["systems"]
    print()
    print(f"== {result['facts']} facts ({result['triples']} triples), mix '{result['mix']}', c={result['concurrency']}, "
          f"{result['rounds']} round(s) of {result['duration_s']:g} s after {result['warmup_s']:g} s warm-up; servers on core {SERVER_CORE}, "
          f"driver on core {DRIVER_CORE}" + ("" if result["pinned"] else " (NOT pinned)"))
    longer = {k: w for k, w in result["windows_s"].items() if w["duration"] != result["duration_s"] or w["warmup"] != result["warmup_s"]}
    for key, w in longer.items():
        print(f"   ({SYSTEMS[key]}: {w['duration']:g} s after {w['warmup']:g} s warm-up per round, so that some of its queries finish)")
    if result.get("check"):
        ref = result["check_reference"]
        print(f"\n-- answers compared with {SYSTEMS[ref]} (per-query digests of every parameter set)")
        print("  " + f"{'query':30}" + "".join(f"{SYSTEMS[k]:>26}" for k in keys))
        for query, verdicts in result["check"].items():
            print("  " + f"{query:30}" + "".join(f"{verdicts.get(k, '-'):>26}" for k in keys))
    print("\n-- throughput, start-up and memory (RSS = summed VmRSS of the process tree; PSS splits shared pages)")
    header = f"  {'system':24}{'q/s median':>11}{'rounds':>22}{'errors':>7}{'start s':>9}{'procs':>6}"
    header += f"{'RSS MiB start/check/peak/after':>32}{'PSS MiB start/peak/after':>26}"
    print(header)
    for key in keys:
        s = result["results"][key]
        mem = s["memory"]
        rss = "/".join(mib(mem.get(p, {}).get("rss_kb")) for p in ("after_start", "after_check", "peak_load", "after_load"))
        pss = "/".join(mib(mem.get(p, {}).get("pss_kb")) for p in ("after_start", "peak_load", "after_load"))
        rounds = " ".join(fmt(q) for q in s["qps_rounds"])
        procs = mem.get("after_load", mem.get("after_start", {})).get("processes", "-")
        print(f"  {SYSTEMS[key]:24}{fmt(s['qps_median']):>11}{rounds:>22}{sum(s['errors_rounds']):>7}{fmt(s['startup_s']):>9}{procs:>6}{rss:>32}{pss:>26}")
    for key in keys:
        if "bulk_load_s" in result["results"][key]:
            print(f"  {SYSTEMS[key]}: bulk load (ld_dir + rdf_loader_run + checkpoint) {result['results'][key]['bulk_load_s']:.1f} s of its start-up")
    if "ld-virtuoso" in keys:
        print("  (linkeddata -> virtuoso: memory is linkeddata's own process tree; Virtuoso's is on its own row)")
    if result["ratios"]:
        print("\n-- ratios of queries/s within each round (median over rounds)")
        for name, r in result["ratios"].items():
            print(f"  {name:45} {fmt(r['median'], 2):>8}   rounds: {' '.join(fmt(x, 2) for x in r['rounds'])}")
    print("\n-- latency per query, last round (ms: p50 / p95 / p99)")
    print("  " + f"{'query':30}" + "".join(f"{SYSTEMS[k]:>26}" for k in keys))
    queries = next(iter(result["results"].values()))["last_round"]["queries"]
    for query in queries:
        cells = []
        for key in keys:
            q = result["results"][key]["last_round"]["per_query"][query]
            cells.append(f"{fmt(q['p50'])}/{fmt(q['p95'])}/{fmt(q['p99'])}" + (f" e{q['errors']}" if q["errors"] else ""))
        print("  " + f"{query:30}" + "".join(f"{c:>26}" for c in cells))
    cells = []
    for key in keys:
        o = result["results"][key]["last_round"]["overall"]
        cells.append(f"{fmt(o['p50'])}/{fmt(o['p95'])}/{fmt(o['p99'])}")
    print("  " + f"{'(all)':30}" + "".join(f"{c:>26}" for c in cells))
    print("\n-- where each server's CPU went over the load rounds (warm-up included; median of the rounds' shares): the process that"
          "\n   was started (for linkeddata: HTTP, protocol, guard, gzip, the pool) against its children (the query workers), and the kernel")
    for key in keys:
        splits = result["results"][key].get("cpu_rounds", [])
        if splits:
            own = statistics.median(split["main_share"] for split in splits)
            kernel = statistics.median(split["system_share"] for split in splits)
            print(f"  {SYSTEMS[key]:24} own process {100 * own:5.1f}%   kernel {100 * kernel:5.1f}%   "
                  f"({' '.join(fmt(split['cpu_s']) for split in splits)} CPU s a round)")
    print("  driver CPU use, last round: " + ", ".join(f"{SYSTEMS[k]} {100 * result['results'][k]['last_round']['driver_cpu_util']:.0f}%" for k in keys))
    if result.get("foreign_load"):
        print(f"\n-- WARNING: other processes were busy during the run ({len(result['foreign_load'])} sightings, see foreign_load in the JSON):")
        for b in result["foreign_load"][:8]:
            print(f"   {b['when']}: pid {b['pid']} {100 * b['cpu']:.0f}% of a core: {b['cmd']}")
    print("\n-- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--facts", type=int, default=100_000, help="facts to generate (about 11.4 triples each)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--systems", default="oxigraph,rdflib-endpoint,ld-nocache,ld-cache", help=f"comma-separated subset of {', '.join(SYSTEMS)}")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=20.0, help="measured seconds per system and round")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--concurrency", "-c", type=int, default=8)
    ap.add_argument("--mix", default="core")
    ap.add_argument("--timeout", type=float, default=60.0, help="driver request timeout, s")
    ap.add_argument("--rdflib-timeout", type=float, default=300.0, help="driver request timeout for rdflib-endpoint, s")
    ap.add_argument("--rdflib-duration", type=float, default=120.0, help="measured seconds for rdflib-endpoint (at least --duration)")
    ap.add_argument("--rdflib-warmup", type=float, default=20.0, help="warm-up seconds for rdflib-endpoint (at least --warmup)")
    ap.add_argument("--start-timeout", type=float, default=300.0, help="start-up limit, s")
    ap.add_argument("--rdflib-start-timeout", type=float, default=900.0, help="start-up limit for rdflib-endpoint, s")
    ap.add_argument("--skip-check", action="store_true", help="skip the --mode check comparison of answers")
    ap.add_argument("--linkeddata-arg", action="append", default=[], help="extra option for `linkeddata serve` (repeat)")
    ap.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin servers and driver to cores")
    ap.add_argument("--bench-dir", help="shared bench folder (default /work/shared/bench)")
    ap.add_argument("--json", help="write every figure here")
    args = ap.parse_args()
    keys = [k.strip() for k in args.systems.split(",") if k.strip()]
    unknown = [k for k in keys if k not in SYSTEMS]
    if unknown or not keys:
        sys.exit(f"unknown system(s) {unknown}; choose from {', '.join(SYSTEMS)}")
    if not (1 <= args.rounds <= 20 and 0 < args.duration <= 600 and args.rdflib_duration <= 600 and 1 <= args.concurrency <= 256):
        sys.exit("bounded runs only: 1-20 rounds, durations <= 600 s, 1-256 clients")
    if args.pin and not can_pin():
        print("warning: fewer than 2 usable cores or no taskset: running unpinned", file=sys.stderr)
        args.pin = False
    bench = shared_bench_dir(args.bench_dir)
    if {"oxigraph", "rdflib-endpoint"} & set(keys):
        competitors_venv()
    data = facts_file(bench, args.facts, args.seed)
    work = Path(tempfile.mkdtemp(prefix="endpoint-bench-"))
    print(f"data {data} ({data.stat().st_size / 2**20:.0f} MiB); logs and driver output in {work}", flush=True)

    result_busy: list[dict] = []
    busy = foreign_load([])
    warn_foreign(busy, "before start")
    result_busy += [{"when": "before start", **b} for b in busy]
    servers: dict[str, Server] = {}
    results: dict[str, dict] = {k: {"memory": {}, "qps_rounds": [], "errors_rounds": [], "late_rounds": []} for k in keys}
    result: dict = {"facts": args.facts, "seed": args.seed, "data_file": str(data), "mix": args.mix, "concurrency": args.concurrency,
                    "rounds": args.rounds, "duration_s": args.duration, "warmup_s": args.warmup, "pinned": args.pin, "systems": keys,
                    "windows_s": {k: dict(zip(("warmup", "duration"), window(k, args))) for k in keys},
                    "results": results, "ratios": {}, "versions": versions(keys), "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        for key in keys:  # one at a time, so start-up times are not contended
            print(f"starting {SYSTEMS[key]} ...", flush=True)
            server, startup = start_system(key, data, work, args, servers)
            servers[key] = server
            results[key]["startup_s"] = round(startup, 2)
            if server.bulk_load_s is not None:
                results[key]["bulk_load_s"] = round(server.bulk_load_s, 2)
            results[key]["endpoint"] = server.endpoint
            results[key]["memory"]["after_start"] = tree_memory(server.pid)
            print(f"  {SYSTEMS[key]} answering at {server.endpoint} after {startup:.1f} s, "
                  f"RSS {mib(results[key]['memory']['after_start']['rss_kb'])} MiB", flush=True)
        triples_status, triples_body = sparql_get(servers[keys[0]].endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", 600)
        result["triples"] = int(json.loads(triples_body)["results"]["bindings"][0]["n"]["value"]) if triples_status == 200 else None

        if not args.skip_check:
            checks = {}
            for key in keys:
                print(f"checking answers of {SYSTEMS[key]} ...", flush=True)
                checks[key] = run_driver(bench, servers[key], "check", args, work / f"check-{key}.json")
                results[key]["memory"]["after_check"] = tree_memory(servers[key].pid)
            result["check_reference"] = "oxigraph" if "oxigraph" in keys else keys[0]
            result["check"] = compare_checks(checks, result["check_reference"])
            result["check_raw"] = {k: v["per_query"] for k, v in checks.items()}

        for round_no in range(args.rounds):
            order = keys[round_no % len(keys):] + keys[:round_no % len(keys)]  # rotate who goes first
            for key in order:
                server = servers[key]
                cpu_before = tree_cpu(server.pid)
                with MemorySampler(server.pid) as sampler:
                    load = run_driver(bench, server, "load", args, work / f"load-{key}-r{round_no + 1}.json")
                split = cpu_split(cpu_before, tree_cpu(server.pid))
                results[key].setdefault("cpu_rounds", []).append(split)
                peak = results[key]["memory"].setdefault("peak_load", {"rss_kb": 0, "pss_kb": 0, "processes": 0})
                for field in peak:
                    peak[field] = max(peak[field], sampler.peak[field])
                results[key]["qps_rounds"].append(round(load["qps"], 2))
                results[key]["errors_rounds"].append(load["errors"])
                results[key]["late_rounds"].append(load["late"])
                results[key]["last_round"] = load
                print(f"  round {round_no + 1}/{args.rounds} {SYSTEMS[key]:24} {load['qps']:8.1f} q/s  errors={load['errors']} "
                      f"late={load['late']} p50={fmt(load['overall']['p50'])} p99={fmt(load['overall']['p99'])} ms "
                      f"driver cpu {100 * load['driver_cpu_util']:.0f}%; server cpu {split['cpu_s']:.1f} s, "
                      f"own process {100 * split['main_share']:.1f}%, kernel {100 * split['system_share']:.1f}%",
                      flush=True)
                if not server.alive():
                    raise RuntimeError(f"{key} died during load:\n{server.log_tail()}")
                busy = foreign_load([s.pid for s in servers.values()], 0.5)
                warn_foreign(busy, f"after round {round_no + 1} of {key}")
                result_busy += [{"when": f"after round {round_no + 1} of {key}", **b} for b in busy]
        for key in keys:
            results[key]["memory"]["after_load"] = tree_memory(servers[key].pid)
            results[key]["qps_median"] = statistics.median(results[key]["qps_rounds"])
        pairs = [("ld-nocache", "oxigraph"), ("ld-nocache", "rdflib-endpoint"), ("ld-cache", "oxigraph"), ("ld-cache", "ld-nocache"),
                 ("ld-nocache-procs", "oxigraph"), ("ld-nocache", "ld-nocache-procs"),
                 ("ld-nocache-glibc", "oxigraph"), ("ld-nocache", "ld-nocache-glibc"), ("ld-nocache-mimalloc", "oxigraph"),
                 ("virtuoso", "oxigraph"), ("ld-virtuoso", "virtuoso"), ("ld-virtuoso", "oxigraph")]
        for a, b in pairs:
            if a in keys and b in keys:
                per_round = [x / y if y else None for x, y in zip(results[a]["qps_rounds"], results[b]["qps_rounds"])]
                valid = [r for r in per_round if r is not None]
                result["ratios"][f"{SYSTEMS[a]} / {SYSTEMS[b]}"] = {"rounds": per_round, "median": statistics.median(valid) if valid else None}
    finally:
        for server in servers.values():
            server.stop()
    result["log_dir"] = str(work)
    result["foreign_load"] = result_busy
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    print_report(result)
    if args.json:
        print(f"\nfull figures: {args.json}")


if __name__ == "__main__":
    main()
