"""Times `linkeddata build` on synthetic seed projects of growing size and prints wall time, peak memory and stages.

    python benchmarks/build.py --facts 1000 10000 [--workdir /tmp/build-bench]

Each size gets a project from benchmarks/gen_seeds.py (same seed, same bytes) and one build through the
installed CLI in a child process; peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGE = re.compile(r"build \[\d+/\d+\] (.+) \(([\d.]+) s\)")


def build_once(project: Path) -> dict[str, object]:
    """Build one project and return its wall time, peak RSS and stage timings."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "linkeddata", "build", "--project", str(project), "--out", str(project / "dist")],
                            capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stderr[-2000:]}")
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    stages = {name: float(seconds) for name, seconds in STAGE.findall(result.stderr)}
    quads = re.search(r"(\d+) quads", result.stdout)
    size = sum(path.stat().st_size for path in (project / "dist").resolve().rglob("*") if path.is_file())
    return {"wall_s": wall, "peak_mib": peak_kib / 1024, "stages": stages, "quads": int(quads.group(1)) if quads else 0, "release_mb": size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "linkeddata-build-bench")
    args = parser.parse_args()
    print(f"{'facts':>9} {'quads':>10} {'wall s':>8} {'peak MiB':>9} {'release MB':>10}  stages (s)")
    for facts in args.facts:
        project = args.workdir / f"seeds-{facts}"
        subprocess.run([sys.executable, str(HERE / "gen_seeds.py"), "--facts", str(facts), "--out", str(project)], check=True, capture_output=True)
        figures = build_once(project)
        stages = ", ".join(f"{name.split(' ')[0]} {seconds:.1f}" for name, seconds in figures["stages"].items())  # type: ignore[union-attr]
        print(f"{facts:>9} {figures['quads']:>10} {figures['wall_s']:>8.1f} {figures['peak_mib']:>9.0f} {figures['release_mb']:>10.1f}  {stages}", flush=True)


if __name__ == "__main__":
    main()
