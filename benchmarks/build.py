"""Times `linkeddata build` on synthetic seed projects of growing size, then `serve` start-up on each release.

    python benchmarks/build.py --facts 1000 10000 [--workdir /tmp/build-bench] [--no-serve] [--store-modes memory disk]

Each size gets a project from benchmarks/gen_seeds.py (same seed, same bytes) and one build through the
installed CLI in a child process; peak memory is the build process's maximum resident set size and the
largest summed PSS of its process tree (dump writers and GNU sort included), with the stage it came in and each
process's share of it; CPU seconds are the
tree's user + system time (less skewed by other processes than the wall time). Then the release
is served twice, `--store-mode memory` (the N-Quads dump bulk-loaded) and `--store-mode disk` (the
release's on-disk store opened read-only): start-up is the time from launch to the first answered
`ASK { ?s ?p ?o }`, memory the server's process tree (RSS and PSS) after that answer and after the
example queries of the home page.

Next to each build, in the same run, Oxigraph's own bulk loader loads the release's N-Quads
(`Store().bulk_load(path=alliances.nq, format=N_QUADS)`), into memory and into an on-disk store,
three times each; the build's wall time is printed as a multiple of each median. Other processes
busy on the machine during the build are counted and named (they skew every figure).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from endpoint import (  # a sibling script: the same readings as the endpoint benchmark
    Sampler,
    foreign_load,
    parent_pid,
    proc_field_kb,
    process_stat,
    process_tree,
    tree_memory,
)

from linkeddata.release.files import DATA_FILE  # the one place release file names are spelled

STAGE = re.compile(r"build \[\d+/\d+\] (.+) \(([\d.]+) s\)")


class ForeignLoad(Sampler):
    """Samples, in a thread, the processes outside one process tree that keep a core busy (endpoint.foreign_load)."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid, 0.0)  # each reading already spans a second
        self.sightings: list[dict] = []  # type: ignore[type-arg]

    def sample(self) -> None:
        self.sightings += foreign_load([self.pid], 1.0)

    def summary(self) -> str:
        """Return the busiest foreign commands and their summed core-seconds, or "" when the machine was quiet."""
        seconds: dict[str, float] = {}
        for sighting in self.sightings:
            seconds[sighting["cmd"]] = seconds.get(sighting["cmd"], 0.0) + sighting["cpu"]
        busiest = sorted(seconds.items(), key=lambda item: -item[1])[:4]
        return "; ".join(f"{cpu:.0f} core-s {cmd[:60]}" for cmd, cpu in busiest)


class TreeCpu(Sampler):
    """Samples, in a thread, the CPU seconds (user + system) of every process of one tree, each at its last sighting.

    Their sum is the build's CPU time, a figure other processes on the machine skew far less than wall time. It is
    a floor: a process that ends between two samples loses what it used since the last one (at most `every_s`)."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        super().__init__(pid, every_s)
        self.seconds: dict[int, float] = {}
        self._ticks = os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        for pid in process_tree(self.pid):
            stat = process_stat(pid)
            if stat is not None:
                self.seconds[pid] = (stat.user_ticks + stat.system_ticks) / self._ticks

    def total(self) -> float:
        """Return the CPU seconds of every process seen in the tree."""
        return sum(self.seconds.values())


class PeakLocator(Sampler):
    """Samples, in a thread, the PSS of every process of one tree; keeps the sample with the largest sum, each process
    named by its role, and when it was taken, so that a peak can be put in the build stage that made it."""

    def __init__(self, pid: int, started: float, every_s: float = 0.2) -> None:
        super().__init__(pid, every_s)
        self.started = started  # time.perf_counter() at the build's launch: the stage lines are timed from it too
        self.peak_kb = 0
        self.peak_at = 0.0
        self.peak_parts: dict[str, list[int]] = {}
        self.own_peak_kb = 0  # the build process alone
        self.own_peak_at = 0.0
        self.roles: dict[int, str] = {}

    def sample(self) -> None:
        parts: dict[str, list[int]] = {}
        for pid in process_tree(self.pid):
            pss = proc_field_kb(f"/proc/{pid}/smaps_rollup", "Pss")
            if pss is not None:
                parts.setdefault(self.role(pid), []).append(pss)
        at = time.perf_counter() - self.started
        total = sum(sum(sizes) for sizes in parts.values())
        if total > self.peak_kb:
            self.peak_kb, self.peak_at, self.peak_parts = total, at, parts
        own = sum(parts.get("build", []))
        if own > self.own_peak_kb:
            self.own_peak_kb, self.own_peak_at = own, at

    def role(self, pid: int) -> str:
        """Name what a process of the tree is, once per process: its command line does not change while it runs."""
        if pid not in self.roles:
            self.roles[pid] = self._role(pid)
        return self.roles[pid]

    def _role(self, pid: int) -> str:
        if pid == self.pid:
            return "build"
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return "other"
        if "multiprocessing.forkserver" in command:  # the fork server and the processes it forks share its command line
            return "fork server" if parent_pid(pid) == self.pid else "workers"
        if "resource_tracker" in command:
            return "resource tracker"
        if "pylode" in command:
            return "pyLODE"
        return command.split()[0].rsplit("/", 1)[-1] if command else "other"


def stage_at(seconds: float, ends: list[tuple[float, str]]) -> str:
    """Return the build stage running `seconds` after launch, from the times its progress lines were read."""
    return next((name for ended, name in ends if seconds <= ended), "after the last stage")


def time_bulk_loads(nquads: Path, workdir: Path, repeats: int = 3) -> dict[str, float]:
    """Return the median seconds of Oxigraph's bulk loader on `nquads`, into memory and into an on-disk store (each in a child process)."""
    script = ("import sys, time, pyoxigraph as ox\n"
              "started = time.perf_counter()\n"
              "store = ox.Store(sys.argv[2]) if sys.argv[2] else ox.Store()\n"
              "store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)\n"
              "store.flush()\n"
              "print(time.perf_counter() - started)\n")
    medians = {}
    for mode in ("memory", "disk"):
        seconds = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(dir=workdir) as folder:
                target = str(Path(folder) / "store") if mode == "disk" else ""
                done = subprocess.run([sys.executable, "-c", script, str(nquads), target], check=True, capture_output=True, text=True)
                seconds.append(float(done.stdout))
        medians[mode] = statistics.median(seconds)
    return medians


def build_once(project: Path) -> dict[str, object]:
    """Build one project and return its wall time, peak memory and stage timings.

    Peak memory is the largest summed PSS of the build's process tree (sampled every 0.2 s: the build,
    its dump writer processes and GNU sort), and the build process's own maximum RSS.
    """

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "linkeddata", "build", "--project", str(project), "--out", str(project / "dist")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stage_ends: list[tuple[float, str]] = []  # when each stage's progress line was read (it is printed as the stage ends)
    lines: list[str] = []
    with PeakLocator(process.pid, started) as sampler, ForeignLoad(process.pid) as foreign, TreeCpu(process.pid) as cpu:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if ended := STAGE.search(line):
                stage_ends.append((time.perf_counter() - started, ended.group(1)))
        stdout = process.stdout.read() if process.stdout else ""  # one line, after stderr closed: it cannot fill its pipe first
        process.wait()
    stderr = "".join(lines)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"build failed:\n{stderr[-2000:]}")
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    stages = {name: float(seconds) for name, seconds in STAGE.findall(stderr)}
    quads = re.search(r"(\d+) quads", stdout)
    size = sum(path.stat().st_size for path in (project / "dist").resolve().rglob("*") if path.is_file())
    parts = ", ".join(f"{role} {sum(sizes) / 1024:.0f}" + (f" ({len(sizes)})" if len(sizes) > 1 else "")
                      for role, sizes in sorted(sampler.peak_parts.items(), key=lambda item: -sum(item[1])))
    where = (f"tree PSS peak {sampler.peak_kb / 1024:.0f} MiB at {sampler.peak_at:.0f} s, in {stage_at(sampler.peak_at, stage_ends)}: {parts}; "
             f"the build process's own PSS peak {sampler.own_peak_kb / 1024:.0f} MiB at {sampler.own_peak_at:.0f} s, "
             f"in {stage_at(sampler.own_peak_at, stage_ends)}")
    return {"wall_s": wall, "peak_mib": peak_kib / 1024, "tree_pss_mib": sampler.peak_kb / 1024, "stages": stages, "peak_where": where,
            "quads": int(quads.group(1)) if quads else 0, "release_mb": size / 1e6, "foreign": foreign.summary(), "cpu_s": cpu.total()}


def serve_once(release: Path, mode: str) -> dict[str, float]:
    """Start `serve` on a release in one store mode; return start-up seconds and the process tree's memory."""
    import httpx

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "linkeddata", "serve", "--release", str(release), "--store-mode", mode,
                                "--host", "127.0.0.1", "--port", "0", "--cache-entries", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if not match:
            raise SystemExit(f"serve --store-mode {mode} did not start: {line!r}")
        url = match.group(1)
        while True:
            try:
                answer = httpx.post(f"{url}/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}, timeout=60)
                if answer.status_code == 200 and answer.json()["boolean"]:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        ready = time.perf_counter() - started
        after_start = tree_memory(process.pid)
        examples = sorted((HERE.parent / "linkeddata" / "queries" / "examples").glob("*.rq"))
        for example in examples:
            httpx.post(f"{url}/sparql", data={"query": example.read_text(encoding="utf-8")}, timeout=120)
        after_queries = tree_memory(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and its forked query workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return {"ready_s": ready, "pss_mib": after_start["pss_kb"] / 1024, "rss_mib": after_start["rss_kb"] / 1024,
            "pss_after_queries_mib": after_queries["pss_kb"] / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "linkeddata-build-bench")
    parser.add_argument("--no-serve", action="store_true", help="skip the start-up measurements")
    parser.add_argument("--no-bulk-load", action="store_true", help="skip timing Oxigraph's bulk loader on each release")
    parser.add_argument("--store-modes", nargs="+", choices=("memory", "disk"), default=["memory", "disk"],
                        help="serve start-up modes to measure (memory mode loads the whole dump: ~12 GiB at 1M facts)")
    args = parser.parse_args()
    print(f"{'facts':>9} {'quads':>10} {'wall s':>8} {'CPU s':>7} {'peak MiB':>9} {'tree PSS':>9} {'release MB':>10}  stages (s)")
    for facts in args.facts:
        project = args.workdir / f"seeds-{facts}"
        subprocess.run([sys.executable, str(HERE / "gen_seeds.py"), "--facts", str(facts), "--out", str(project)], check=True, capture_output=True)
        figures = build_once(project)
        stages = ", ".join(f"{name.split(' ')[0]} {seconds:.1f}" for name, seconds in figures["stages"].items())  # type: ignore[union-attr]
        print(f"{facts:>9} {figures['quads']:>10} {figures['wall_s']:>8.1f} {figures['cpu_s']:>7.1f} {figures['peak_mib']:>9.0f} {figures['tree_pss_mib']:>9.0f} {figures['release_mb']:>10.1f}  {stages}", flush=True)
        print(f"{'':>9} {figures['peak_where']}", flush=True)
        if figures["foreign"]:
            print(f"{'':>9} WARNING: other processes were busy during the build: {figures['foreign']}", flush=True)
        if not args.no_bulk_load:
            loads = time_bulk_loads(project / "dist" / DATA_FILE, args.workdir)
            print(f"{'':>9} Oxigraph bulk_load of {DATA_FILE} (median of 3): memory {loads['memory']:.2f} s, disk {loads['disk']:.2f} s; "
                  f"build = {figures['wall_s'] / loads['memory']:.1f}x the in-memory load, {figures['wall_s'] / loads['disk']:.1f}x the on-disk load", flush=True)
        if not args.no_serve:
            for mode in args.store_modes:
                served = serve_once(project / "dist", mode)
                print(f"{'':>9} serve --store-mode {mode:<6}: ready in {served['ready_s']:.1f} s, PSS {served['pss_mib']:.0f} MiB "
                      f"(RSS {served['rss_mib']:.0f} MiB), PSS after the example queries {served['pss_after_queries_mib']:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
