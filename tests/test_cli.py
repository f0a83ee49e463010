"""The command line: help, exit codes, the installed console script, a release that survives a killed build, and serve's
one-line refusal of a port in use."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from conftest import FIRST_ARTICLE, PROJECT, published_files, run_cli, snapshot

from linkeddata import __version__
from linkeddata.settings import served_settings


def release_is_complete(out: Path) -> None:
    """Assert that every file SHA256SUMS lists is there with its digest, nothing else is, and the on-disk store opens."""
    listed = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    folder = out.resolve()
    present = {p.relative_to(folder).as_posix() for p in published_files(folder)}
    assert sorted(listed) == sorted(present - {"SHA256SUMS"})
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    store = pyoxigraph.Store.read_only(str(folder / "store"))
    assert len(store) == json.loads((folder / "store.json").read_text(encoding="utf-8"))["quads"]


# ---------------------------------------------------------------- help and validate


COMMANDS = {  # every command the README documents, with options its help must name
    "build": ("--project", "--out", "--base-iri"),
    "validate": ("--project",),
    "serve": ("--release", "--query-timeout-s", "--public-url"),
    "add-article": ("--url", "--published", "--title", "--publisher"),
    "suggest": ("--dry-run",),
    "review": ("ARTICLE_ID",),
    "diff": ("--json",),
    "publish": ("--to", "--release"),
    "verify": ("RELEASE",),
}


def test_help_lists_every_command_the_readme_documents() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"linkeddata {command}" in readme, command


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_has_help_naming_its_options(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: linkeddata {command}") or f"linkeddata {command}" in result.stdout.splitlines()[0]
    for option in COMMANDS[command]:
        assert option in result.stdout, (command, option)


def test_build_help_documents_project_out_and_base_iri() -> None:
    result = run_cli("build", "--help")
    assert result.returncode == 0
    for option in ("--project", "--out", "--base-iri"):
        assert option in result.stdout


def test_validate_on_the_real_project_prints_valid_and_exits_0(validate_run: subprocess.CompletedProcess[str]) -> None:
    assert validate_run.returncode == 0, validate_run.stderr
    summary = validate_run.stdout.splitlines()[-1]
    assert summary.startswith("valid: ") and summary.endswith(", 0 errors")


def test_validate_writes_nothing(project_copy: Path) -> None:
    before = snapshot(project_copy)
    result = run_cli("-q", "validate", "--project", str(project_copy))
    assert result.returncode == 0, result.stderr
    assert snapshot(project_copy) == before


def test_installed_console_script_runs() -> None:
    script = shutil.which("linkeddata") or shutil.which("linkeddata", path=str(Path(sys.executable).parent))
    assert script, "the `linkeddata` console script is not installed"
    version = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert version.returncode == 0 and version.stdout.strip() == f"linkeddata, version {__version__}"


def test_installed_console_script_exits_1_on_bad_input(project_copy: Path) -> None:
    script = shutil.which("linkeddata") or shutil.which("linkeddata", path=str(Path(sys.executable).parent))
    assert script
    (project_copy / "seeds" / "facts" / "orphan.yaml").write_text("article: orphan\nfacts: []\n", encoding="utf-8")
    result = subprocess.run([script, "-q", "validate", "--project", str(project_copy)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("seeds/facts/orphan.yaml:1: ")


def test_bad_base_iri_is_a_usage_error() -> None:
    result = run_cli("validate", "--project", str(PROJECT), "--base-iri", "https://example.org/no-slash")
    assert result.returncode == 2  # click's usage error
    assert "--base-iri" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- --out safety


def test_build_refuses_a_real_folder_at_out(project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("someone's site\n", encoding="utf-8")
    before = snapshot(tmp_path / "site")
    result = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{out}: exists and is not a release link")
    assert snapshot(tmp_path / "site") == before
    assert not (tmp_path / "site.releases").exists()


# ---------------------------------------------------------------- kill -9 during a build


def test_sigkill_during_build_leaves_the_previous_release_intact(project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
    assert first.returncode == 0, first.stderr
    previous_target = os.readlink(out)
    previous = snapshot(out.resolve())
    # Change the seeds so that the interrupted builds would publish a different release.
    facts_path = project_copy / "seeds" / "facts" / f"{FIRST_ARTICLE}.yaml"
    facts = facts_path.read_text(encoding="utf-8")
    assert facts.count("aspect: traditional alliance") == 1
    facts_path.write_text(facts.replace("aspect: traditional alliance", "aspect: traditional ally"), encoding="utf-8")
    store = tmp_path / "site.releases"

    command = [sys.executable, "-m", "linkeddata", "-q", "build", "--project", str(project_copy), "--out", str(out)]
    for moment in (0.3, 0.8, 1.5, "while writing the release"):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if moment == "while writing the release":
                deadline = time.monotonic() + 60
                while not any(p.name.startswith(f".staging-{process.pid}-") for p in store.iterdir()):
                    assert process.poll() is None and time.monotonic() < deadline, "the build never started writing"
                    time.sleep(0.005)
                time.sleep(0.05)
            else:
                time.sleep(moment)
            assert process.poll() is None, f"the build finished before it could be killed at {moment}"
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL
        assert os.readlink(out) == previous_target, f"--out moved after a kill at {moment}"
        assert snapshot(out.resolve()) == previous, f"the previous release changed after a kill at {moment}"
        release_is_complete(out)

    again = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert os.readlink(out) != previous_target
    release_is_complete(out)
    assert "traditional ally" in (out / "alliances.nt").read_text(encoding="utf-8")
    assert [p.name for p in store.iterdir() if p.name.startswith(".staging-")] == [], "killed builds' staging folders were not cleaned up"


def test_build_replaces_a_damaged_release_folder_instead_of_reusing_it(published: Path) -> None:
    # A build killed while pruning an old release can leave part of its folder; a later build of the
    # same seeds has the same digest and must not point --out at the remains.
    folder = published.resolve()
    (folder / "alliances.nt").unlink()
    os.unlink(published)
    result = run_cli("-q", "build", "--project", str(PROJECT), "--out", str(published))
    assert result.returncode == 0, result.stderr
    assert published.resolve() == folder
    release_is_complete(published)


# ---------------------------------------------------------------- serve: a port in use


def test_serve_on_a_port_in_use_says_so_in_one_line_and_exits_1(release: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--release", str(release), "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"linkeddata serve: port {port} on 127.0.0.1 is already in use (")
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_every_serve_setting_is_an_option_and_a_readme_row() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    help_text = run_cli("serve", "--help").stdout
    for name, *_ in served_settings():
        option, envvar = "--" + name.replace("_", "-"), f"LINKEDDATA_{name.upper()}"
        assert option in help_text, option
        assert f"| `{option}` | `{envvar}` |" in readme, option


def test_build_keeps_the_newest_releases_it_is_told_to(project_copy: Path) -> None:
    """Each build is a new release (another base IRI): with --keep-releases 1 one older release stays beside the current one, with 0 none."""
    built = []
    for number, keep in enumerate(("1", "1", "0")):
        result = run_cli("-q", "build", "--project", str(project_copy), "--keep-releases", keep, "--base-iri", f"https://example.org/r{number}/")
        assert result.returncode == 0, result.stderr
        built.append((project_copy / "dist").resolve().name)
        kept = sorted(p.name for p in (project_copy / "dist.releases").iterdir() if not p.name.startswith("."))
        assert kept == sorted(built[-1 - int(keep):]), (number, kept, built)
    assert run_cli("build", "--project", str(project_copy), "--keep-releases", "-1").returncode == 2  # click's usage error
